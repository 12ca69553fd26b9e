rule generate_events:
    """One shard of a sample from Pythia 8; shards run in parallel (locally or as cluster jobs)."""
    output:
        "results/events/{sample}/shard{shard}.root",
    wildcard_constraints:
        sample=_alternatives(GENERATED_SAMPLES),
    log:
        "logs/generate/{sample}_shard{shard}.log",
    benchmark:
        "results/benchmarks/generate/{sample}_shard{shard}.tsv"
    params:
        # Declared so that changing them reruns this shard (Snakemake's params rerun trigger).
        sample=lambda w: config["samples"][w.sample],
        generation=config["generation"],
        clustering=config["clustering"],
        seed=config["seed"],
    threads: family_resources("generate")["threads"]
    resources:
        mem_mb=scaled("generate", shard_job, "mem_mb"),
        runtime=scaled("generate", shard_job, "runtime"),
    conda:
        "../envs/jettransfer.yaml"
    script:
        "../../scripts/generate_events.py"
