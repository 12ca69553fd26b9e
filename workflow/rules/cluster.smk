rule cluster_jets:
    """FastJet anti-kt jets of one shard: selection, truth matching, constituents."""
    input:
        "results/events/{sample}/shard{shard}.root",
    output:
        "results/jets/{sample}/shard{shard}.root",
    wildcard_constraints:
        sample=_alternatives(GENERATED_SAMPLES),
    log:
        "logs/cluster/{sample}_shard{shard}.log",
    benchmark:
        "results/benchmarks/cluster/{sample}_shard{shard}.tsv"
    params:
        clustering=config["clustering"],
    threads: family_resources("cluster")["threads"]
    resources:
        mem_mb=scaled("cluster", shard_job, "mem_mb"),
        runtime=scaled("cluster", shard_job, "runtime"),
    conda:
        "../envs/jettransfer.yaml"
    script:
        "../../scripts/cluster_jets.py"
