"""Snakemake script: a published tagger's weights as a run's checkpoint -> jettransfer.stages.published."""
import _library_path  # noqa: F401  (must precede jettransfer imports)
from jettransfer.logs import setup_job_logging
from jettransfer.stages.published import import_published

setup_job_logging(snakemake.log[0])
import_published(snakemake.config, snakemake.wildcards.run, snakemake.output.checkpoint, snakemake.output.summary)
