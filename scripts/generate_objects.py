"""Snakemake script: one shard of whole events -> jettransfer.stages.generate_objects.generate_object_shard."""
import _library_path  # noqa: F401  (must precede jettransfer imports)
from jettransfer.logs import setup_job_logging
from jettransfer.stages.generate_objects import generate_object_shard

setup_job_logging(snakemake.log[0])
generate_object_shard(snakemake.config, snakemake.wildcards.sample, int(snakemake.wildcards.shard), snakemake.output[0])
