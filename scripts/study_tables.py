"""Snakemake script: a transfer study's Tables 1 and 2 -> jettransfer.stages.study_report."""
import _library_path  # noqa: F401  (must precede jettransfer imports)
from jettransfer.logs import setup_job_logging
from jettransfer.stages.study_report import seed000_claims, training_time_table, transfer_auc_table
from jettransfer.transfer_study import study_runs

setup_job_logging(snakemake.log[0])
study, config, out = snakemake.wildcards.study, snakemake.config, snakemake.output
runs = [r.name for r in study_runs(config, study)]
metrics, summaries = dict(zip(runs, snakemake.input.metrics)), dict(zip(runs, snakemake.input.summaries))
auc = transfer_auc_table(config, study, metrics, summaries, out.auc_csv, out.auc_markdown)
times = training_time_table(config, study, summaries, out.time_csv, out.time_markdown)
seed000_claims(config, study, auc, times, out.claims)
