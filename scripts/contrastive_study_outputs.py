"""Snakemake script: a contrastive study's table, claims and figures -> jettransfer.stages.contrastive_report."""
import _library_path  # noqa: F401  (must precede jettransfer imports)
from jettransfer.contrastive_study import contrastive_run_names, scored_run_names
from jettransfer.logs import setup_job_logging
from jettransfer.stages.contrastive_report import contrastive_outputs

setup_job_logging(snakemake.log[0])
config, study = snakemake.config, snakemake.wildcards.study
every, scored = contrastive_run_names(config, study), scored_run_names(config, study)
contrastive_outputs(config, study, dict(zip(scored, snakemake.input.metrics)), dict(zip(every, snakemake.input.summaries)),
                    dict(zip(every, snakemake.input.histories)), dict(snakemake.output.items()), style=snakemake.params.style)
