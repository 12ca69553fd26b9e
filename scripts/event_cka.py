"""Snakemake script: an event study's CKA matrices -> jettransfer.stages.event_cka."""
import _library_path  # noqa: F401  (must precede jettransfer imports)
from jettransfer.event_study import KINDS
from jettransfer.logs import setup_job_logging
from jettransfer.stages.event_cka import event_cka

setup_job_logging(snakemake.log[0])
config, study = snakemake.config, snakemake.wildcards.study
tasks = config["event_studies"][study]["tasks"]
checkpoints = {task: {kind: snakemake.input[f"{task}_{kind}"] for kind in KINDS if f"{task}_{kind}" in snakemake.input.keys()}
               for task in tasks}
event_cka(config, study, checkpoints, {task: snakemake.input[f"test_{task}"] for task in tasks},
          {k: v for k, v in snakemake.output.items()}, style=snakemake.params.style, threads=snakemake.threads)
