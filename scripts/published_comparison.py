"""Snakemake script: our AUC of published taggers beside theirs -> jettransfer.stages.published."""
import _library_path  # noqa: F401  (must precede jettransfer imports)
from jettransfer.logs import setup_job_logging
from jettransfer.stages.published import published_comparison

setup_job_logging(snakemake.log[0])
runs = snakemake.config["published_comparisons"][snakemake.wildcards.study]["runs"]
published_comparison(snakemake.config, snakemake.wildcards.study, dict(zip(runs, snakemake.input.metrics)),
                     snakemake.output.csv, snakemake.output.markdown, snakemake.output.claims)
