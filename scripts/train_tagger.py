"""Snakemake script: train one run (scratch or transfer) -> jettransfer.stages.train.train_run."""
import _library_path  # noqa: F401  (must precede jettransfer imports)
from jettransfer.logs import setup_job_logging
from jettransfer.stages.train import train_run

setup_job_logging(snakemake.log[0])
train_run(snakemake.config, snakemake.wildcards.run, snakemake.input.train, snakemake.input.validation,
          snakemake.input.get("source"), snakemake.output.checkpoint, snakemake.output.history,
          snakemake.output.summary, snakemake.output.last, threads=snakemake.threads,
          gpus=snakemake.resources.get("gpu", 0),
          teacher_logits={split: snakemake.input[f"teacher_{split}"] for split in ("train", "validation")
                          if f"teacher_{split}" in snakemake.input.keys()} or None)
