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


rule generate_objects:
    """One shard of whole events of a process (seed 002), reconstructed into objects as they are
    made: jets, isolated leptons and photons, b-tags, missing momentum, and the truth targets."""
    output:
        "results/objects/{sample}/shard{shard}.root",
    wildcard_constraints:
        sample=_alternatives(EVENT_SAMPLES),
    log:
        "logs/generate/{sample}_shard{shard}.log",
    benchmark:
        "results/benchmarks/generate/{sample}_shard{shard}.tsv"
    params:
        # Declared so that changing them reruns this shard (Snakemake's params rerun trigger).
        sample=lambda w: config["samples"][w.sample],
        generation=config["generation"],
        reconstruction=config["reconstruction"],
        particle_eta_max=config["clustering"]["particle_eta_max"],
        seed=config["seed"],
    threads: family_resources("generate")["threads"]
    resources:
        mem_mb=scaled("generate", shard_job, "mem_mb"),
        runtime=scaled("generate", shard_job, "runtime"),
    conda:
        "../envs/jettransfer.yaml"
    script:
        "../../scripts/generate_objects.py"
