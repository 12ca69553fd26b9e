rule train_tagger:
    """A tagger trained from scratch on its task's training split."""
    input:
        unpack(lambda w: teacher_logit_files(w.run)),  # distillation runs: the teacher's logits
        train=lambda w: dataset_file(w.run, "train"),
        validation=lambda w: dataset_file(w.run, "validation"),
    output:
        checkpoint="results/models/{run}/checkpoint.pt",
        last="results/models/{run}/last.pt",
        history="results/models/{run}/history.csv",
        summary="results/models/{run}/summary.json",
    log:
        "logs/train/{run}.log",
    benchmark:
        "results/benchmarks/train/{run}.tsv"
    wildcard_constraints:
        run=_alternatives(SCRATCH_RUNS),
    params:
        run=lambda w: config["runs"][w.run],
        model=lambda w: config["models"][config["runs"][w.run]["model"]],
        training=config["training"],
    priority: run_priority
    threads: family_resources("train")["threads"]
    resources:
        mem_mb=scaled("train", training_job, "mem_mb"),
        runtime=scaled("train", training_job, "runtime"),
        gpu=family_resources("train")["gpu"],
    conda:
        "../envs/jettransfer.yaml"
    script:
        "../../scripts/train_tagger.py"
