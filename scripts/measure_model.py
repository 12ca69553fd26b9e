"""Snakemake script: parameters, FLOPs and latency per jet of a run -> jettransfer.stages.measure.measure_run."""
import _library_path  # noqa: F401  (must precede jettransfer imports)
from jettransfer.logs import setup_job_logging
from jettransfer.stages.measure import measure_run

setup_job_logging(snakemake.log[0])
measure_run(snakemake.input.checkpoint, snakemake.input.test, snakemake.output[0], threads=snakemake.threads,
            gpus=snakemake.resources.get("gpu", 0))
