"""Snakemake script: one shard's events -> jets (jettransfer.stages.cluster.cluster_shard)."""
import _library_path  # noqa: F401  (must precede jettransfer imports)
from jettransfer.logs import setup_job_logging
from jettransfer.stages.cluster import cluster_shard

setup_job_logging(snakemake.log[0])
cluster_shard(snakemake.config, snakemake.wildcards.sample, snakemake.input[0], snakemake.output[0])
