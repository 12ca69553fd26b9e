"""Snakemake script: score a run on other representations' test splits -> jettransfer.stages.evaluate.evaluate_shifted."""
import _library_path  # noqa: F401  (must precede jettransfer imports)
from jettransfer.logs import setup_job_logging
from jettransfer.stages.evaluate import evaluate_shifted

setup_job_logging(snakemake.log[0])
tests = {rep: snakemake.input[f"test_{rep}"] for rep in snakemake.config["runs"][snakemake.wildcards.run]["test_on"]}
evaluate_shifted(snakemake.config, snakemake.wildcards.run, snakemake.input.checkpoint, tests, snakemake.output[0],
                 threads=snakemake.threads, gpus=snakemake.resources.get("gpu", 0))
