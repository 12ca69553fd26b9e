rule transfer_tagger:
    """A tagger started from another run's weights: fine-tuned, or with frozen EdgeConv blocks."""
    input:
        unpack(lambda w: teacher_logit_files(w.run)),  # distillation runs: the teacher's logits
        train=lambda w: dataset_file(w.run, "train"),
        validation=lambda w: dataset_file(w.run, "validation"),
        source=lambda w: f"results/models/{config['runs'][w.run]['init_from']}/checkpoint.pt",
    output:
        checkpoint="results/models/{run}/checkpoint.pt",
        last="results/models/{run}/last.pt",
        history="results/models/{run}/history.csv",
        summary="results/models/{run}/summary.json",
    log:
        "logs/transfer/{run}.log",
    benchmark:
        "results/benchmarks/transfer/{run}.tsv"
    wildcard_constraints:
        run=_alternatives(TRANSFER_RUNS),
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
