"""Snakemake script: a transfer study's Figures 3, 4 and 5 -> jettransfer.stages.study_report."""
import _library_path  # noqa: F401  (must precede jettransfer imports)
from jettransfer.logs import setup_job_logging
from jettransfer.stages.study_report import auc_vs_size_figure, transfer_roc_figure, validation_accuracy_figure
from jettransfer.transfer_study import study_runs

setup_job_logging(snakemake.log[0])
study, config, inputs, out = snakemake.wildcards.study, snakemake.config, snakemake.input, snakemake.output
runs = [r.name for r in study_runs(config, study)]
style = snakemake.params.style
validation_accuracy_figure(config, study, dict(zip(runs, inputs.histories)), out.accuracy_png, out.accuracy_pdf,
                           style=style)
auc_vs_size_figure(config, study, dict(zip(runs, inputs.metrics)), dict(zip(runs, inputs.summaries)),
                   out.size_png, out.size_pdf, style=style)
transfer_roc_figure(config, study, dict(zip(runs, inputs.scores)), out.roc_png, out.roc_pdf, style=style)
