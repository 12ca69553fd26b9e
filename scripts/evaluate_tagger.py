"""Snakemake script: score a run on its test split -> jettransfer.stages.evaluate.evaluate_run."""
import _library_path  # noqa: F401  (must precede jettransfer imports)
from jettransfer.logs import setup_job_logging
from jettransfer.stages.evaluate import evaluate_run

setup_job_logging(snakemake.log[0])
evaluate_run(snakemake.config, snakemake.wildcards.run, snakemake.input.checkpoint, snakemake.input.test,
             snakemake.output.scores, snakemake.output.metrics, threads=snakemake.threads,
             gpus=snakemake.resources.get("gpu", 0))
