rule jet_representation:
    """A configured representation of a sample: Lund graphs, particle clouds or constituents of its
    jets, or the event graphs of its whole events."""
    input:
        lambda w: representation_inputs(w.sample),
    output:
        "results/representations/{representation}/{sample}.npz",
    log:
        "logs/preprocess/{representation}_{sample}.log",
    benchmark:
        "results/benchmarks/preprocess/{representation}_{sample}.tsv"
    params:
        spec=lambda w: config["representations"][w.representation],
        seed=config["seed"],
    threads: family_resources("represent")["threads"]
    resources:
        mem_mb=scaled("represent", sample_job, "mem_mb"),
        runtime=scaled("represent", sample_job, "runtime"),
    conda:
        "../envs/jettransfer.yaml"
    script:
        "../../scripts/jet_representation.py"


rule task_datasets:
    """Balanced, disjoint train/validation/test splits of a task, standardised if configured."""
    input:
        # One file per class, in jettransfer.config.task_members' order (binary: signal, background).
        classes=lambda w: [f"results/representations/{w.representation}/{sample}.npz"
                           for sample, _ in task_members(config, w.task)],
    output:
        train="results/datasets/{task}/{representation}/train.npz",
        validation="results/datasets/{task}/{representation}/validation.npz",
        test="results/datasets/{task}/{representation}/test.npz",
    log:
        "logs/preprocess/datasets_{task}_{representation}.log",
    benchmark:
        "results/benchmarks/preprocess/datasets_{task}_{representation}.tsv"
    params:
        splits=config["splits"],
        spec=lambda w: config["representations"][w.representation],
        seed=config["seed"],
    threads: family_resources("preprocess")["threads"]
    resources:
        mem_mb=scaled("preprocess", task_job, "mem_mb"),
        runtime=scaled("preprocess", task_job, "runtime"),
    conda:
        "../envs/jettransfer.yaml"
    script:
        "../../scripts/task_datasets.py"
