rule convert_sample:
    """Jets read from a user's downloaded data set instead of generated (samples with `read:`)."""
    input:
        lambda w: config["samples"][w.sample]["read"]["path"],
    output:
        "results/jets/{sample}/shard0.root",
    log:
        "logs/convert/{sample}.log",
    benchmark:
        "results/benchmarks/convert/{sample}.tsv"
    wildcard_constraints:
        sample=_alternatives(READ_SAMPLES),
    params:
        read=lambda w: config["samples"][w.sample]["read"],
        n_jets=lambda w: config["samples"][w.sample].get("n_jets"),
    threads: family_resources("cluster")["threads"]
    resources:
        mem_mb=scaled("cluster", sample_job, "mem_mb"),
        runtime=scaled("cluster", sample_job, "runtime"),
    conda:
        "../envs/jettransfer.yaml"
    script:
        "../../scripts/convert_sample.py"
