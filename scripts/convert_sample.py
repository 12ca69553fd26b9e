"""Snakemake script: a user's data set -> one jet file (jettransfer.stages.convert.convert_sample)."""
import _library_path  # noqa: F401  (must precede jettransfer imports)
from jettransfer.logs import setup_job_logging
from jettransfer.stages.convert import convert_sample

setup_job_logging(snakemake.log[0])
convert_sample(snakemake.config, snakemake.wildcards.sample, snakemake.output[0])
