rule measure_model:
    """Parameters, FLOPs per jet and inference latency per jet (batch 1 and 1024; CPU with one
    thread, and the job's GPU if it has one) of a trained run, on its test jets."""
    input:
        checkpoint="results/models/{run}/checkpoint.pt",
        test=lambda w: dataset_file(w.run, "test"),
    output:
        "results/measurements/{run}.json",
    log:
        "logs/measure/{run}.log",
    benchmark:
        "results/benchmarks/measure/{run}.tsv"
    wildcard_constraints:
        run=_alternatives(config["runs"]),
    threads: family_resources("evaluate")["threads"]
    resources:
        mem_mb=scaled("evaluate", test_split_job, "mem_mb"),
        runtime=scaled("evaluate", test_split_job, "runtime"),
        gpu=family_resources("evaluate")["gpu"],
    conda:
        "../envs/jettransfer.yaml"
    script:
        "../../scripts/measure_model.py"
