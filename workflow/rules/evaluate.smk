rule evaluate_tagger:
    """Test-set scores of a trained run, and its AUC / accuracy / background rejections."""
    input:
        checkpoint="results/models/{run}/checkpoint.pt",
        test=lambda w: dataset_file(w.run, "test"),
    output:
        scores="results/scores/{run}.npz",
        metrics="results/metrics/{run}.json",
    log:
        "logs/evaluate/{run}.log",
    benchmark:
        "results/benchmarks/evaluate/{run}.tsv"
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
        "../../scripts/evaluate_tagger.py"
