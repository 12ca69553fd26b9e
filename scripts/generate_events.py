"""Snakemake script: one generation shard -> jettransfer.stages.generate.generate_shard."""
import _library_path  # noqa: F401  (must precede jettransfer imports)
from jettransfer.logs import setup_job_logging
from jettransfer.stages.generate import generate_shard

setup_job_logging(snakemake.log[0])
generate_shard(snakemake.config, snakemake.wildcards.sample, int(snakemake.wildcards.shard), snakemake.output[0])
