"""Snakemake script: a distillation study's Table 1 and claims -> jettransfer.stages.distillation_report."""
import _library_path  # noqa: F401  (must precede jettransfer imports)
from jettransfer.distillation_study import distillation_run_groups
from jettransfer.logs import setup_job_logging
from jettransfer.stages.distillation_claims import distillation_claims
from jettransfer.stages.distillation_report import distillation_table

setup_job_logging(snakemake.log[0])
study, config, inputs, out = snakemake.wildcards.study, snakemake.config, snakemake.input, snakemake.output
runs = distillation_run_groups(config, study)
table = distillation_table(config, study, dict(zip(runs["table"], inputs.metrics)),
                           dict(zip(runs["table"], inputs.summaries)), dict(zip(runs["measured"], inputs.measurements)),
                           out.table_csv, out.table_markdown)
distillation_claims(config, study, table, dict(zip(runs["table"], inputs.histories)),
                    dict(zip(runs["robustness"], inputs.shifted)), out.claims)
