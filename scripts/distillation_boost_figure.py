"""Snakemake script: a distillation study's Figure 2a -> jettransfer.stages.distillation_report."""
import _library_path  # noqa: F401  (must precede jettransfer imports)
from jettransfer.distillation_study import distillation_run_groups
from jettransfer.logs import setup_job_logging
from jettransfer.stages.distillation_report import boost_robustness_figure

setup_job_logging(snakemake.log[0])
study, config = snakemake.wildcards.study, snakemake.config
runs = distillation_run_groups(config, study)["robustness"]
boost_robustness_figure(config, study, dict(zip(runs, snakemake.input.shifted)), snakemake.output.png,
                        snakemake.output.pdf, style=snakemake.params.style)
