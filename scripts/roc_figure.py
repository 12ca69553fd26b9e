"""Snakemake script: one configured ROC figure -> jettransfer.stages.report.roc_figure."""
import _library_path  # noqa: F401  (must precede jettransfer imports)
from jettransfer.logs import setup_job_logging
from jettransfer.stages.report import roc_figure

setup_job_logging(snakemake.log[0])
runs = snakemake.config["figures"][snakemake.wildcards.figure]["runs"]
roc_figure(snakemake.config, snakemake.wildcards.figure, dict(zip(runs, snakemake.input.scores)),
           snakemake.output.png, snakemake.output.pdf, style=snakemake.params.style)
