rule lund_graphs:
    """The full Lund declustering tree of every jet of a sample, packed into one graph file."""
    input:
        lambda w: shard_files("jets", w.sample),
    output:
        "results/graphs/{sample}.npz",
    log:
        "logs/preprocess/lund_graphs_{sample}.log",
    benchmark:
        "results/benchmarks/preprocess/lund_graphs_{sample}.tsv"
    threads: family_resources("preprocess")["threads"]
    resources:
        mem_mb=family_resources("preprocess")["mem_mb"],
        runtime=family_resources("preprocess")["runtime"],
    conda:
        "../envs/jettransfer.yaml"
    script:
        "../../scripts/lund_graphs.py"


rule task_datasets:
    """Balanced, disjoint train/validation/test splits of a signal-vs-background task."""
    input:
        signal=lambda w: f"results/graphs/{config['tasks'][w.task]['signal']}.npz",
        background=lambda w: f"results/graphs/{config['tasks'][w.task]['background']}.npz",
    output:
        train="results/datasets/{task}/train.npz",
        validation="results/datasets/{task}/validation.npz",
        test="results/datasets/{task}/test.npz",
    log:
        "logs/preprocess/datasets_{task}.log",
    benchmark:
        "results/benchmarks/preprocess/datasets_{task}.tsv"
    params:
        splits=config["splits"],
        seed=config["seed"],
    threads: family_resources("preprocess")["threads"]
    resources:
        mem_mb=family_resources("preprocess")["mem_mb"],
        runtime=family_resources("preprocess")["runtime"],
    conda:
        "../envs/jettransfer.yaml"
    script:
        "../../scripts/task_datasets.py"
