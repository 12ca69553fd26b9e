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


rule evaluate_shifted:
    """A run's metrics on the test splits of its `test_on` representations (boosted jets)."""
    input:
        unpack(lambda w: shifted_test_files(w.run)),
        checkpoint="results/models/{run}/checkpoint.pt",
    output:
        "results/shifted_metrics/{run}.json",
    log:
        "logs/evaluate/shifted_{run}.log",
    benchmark:
        "results/benchmarks/evaluate/shifted_{run}.tsv"
    wildcard_constraints:
        run=_alternatives(SHIFTED_RUNS),
    threads: family_resources("evaluate")["threads"]
    resources:
        mem_mb=scaled("evaluate", shifted_test_job, "mem_mb"),
        runtime=scaled("evaluate", shifted_test_job, "runtime"),
        gpu=family_resources("evaluate")["gpu"],
    conda:
        "../envs/jettransfer.yaml"
    script:
        "../../scripts/evaluate_shifted.py"
