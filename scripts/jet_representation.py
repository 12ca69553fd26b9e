"""Snakemake script: a sample's jet shards -> one representation file."""
import _library_path  # noqa: F401  (must precede jettransfer imports)
from jettransfer.logs import setup_job_logging
from jettransfer.stages.preprocess import build_representation

setup_job_logging(snakemake.log[0])
build_representation(snakemake.config, snakemake.wildcards.representation, snakemake.wildcards.sample,
                     list(snakemake.input), snakemake.output[0])
