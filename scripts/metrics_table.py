"""Snakemake script: one configured table -> jettransfer.stages.report.metrics_table."""
import _library_path  # noqa: F401  (must precede jettransfer imports)
from jettransfer.logs import setup_job_logging
from jettransfer.stages.report import metrics_table

setup_job_logging(snakemake.log[0])
runs = snakemake.config["tables"][snakemake.wildcards.table]["runs"]
metrics_table(snakemake.config, snakemake.wildcards.table, dict(zip(runs, snakemake.input.metrics)),
              dict(zip(runs, snakemake.input.summaries)), snakemake.output.csv, snakemake.output.markdown,
              dict(zip(runs, snakemake.input.measurements)) or None)
