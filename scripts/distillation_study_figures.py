"""Snakemake script: a distillation study's Figures 1 and 2b -> jettransfer.stages.distillation_report."""
import _library_path  # noqa: F401  (must precede jettransfer imports)
from jettransfer.distillation_study import distillation_run_groups
from jettransfer.logs import setup_job_logging
from jettransfer.stages.distillation_report import distillation_roc_figure, validation_loss_figure

setup_job_logging(snakemake.log[0])
study, config, inputs, out = snakemake.wildcards.study, snakemake.config, snakemake.input, snakemake.output
runs = distillation_run_groups(config, study)["table"]
style = snakemake.params.style
distillation_roc_figure(config, study, dict(zip(runs, inputs.scores)), out.roc_png, out.roc_pdf, style=style)
validation_loss_figure(config, study, dict(zip(runs, inputs.histories)), out.loss_png, out.loss_pdf, style=style)
