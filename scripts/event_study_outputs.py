"""Snakemake script: an event study's tables, claims and figures -> jettransfer.stages.event_study_report."""
import _library_path  # noqa: F401  (must precede jettransfer imports)
from jettransfer.event_study import event_run_names, scored_run_names
from jettransfer.logs import setup_job_logging
from jettransfer.stages.event_study_report import event_study_outputs

setup_job_logging(snakemake.log[0])
config, study = snakemake.config, snakemake.wildcards.study
every, scored = event_run_names(config, study), scored_run_names(config, study)
event_study_outputs(config, study, dict(zip(scored, snakemake.input.metrics)), dict(zip(every, snakemake.input.summaries)),
                    dict(zip(every, snakemake.input.histories)), snakemake.input.cka,
                    {k: v for k, v in snakemake.output.items()}, style=snakemake.params.style)
