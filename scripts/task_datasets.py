"""Snakemake script: the classes' representations -> train/validation/test files of a task."""
import _library_path  # noqa: F401  (must precede jettransfer imports)
from jettransfer.logs import setup_job_logging
from jettransfer.stages.preprocess import build_task_datasets

setup_job_logging(snakemake.log[0])
build_task_datasets(snakemake.config, snakemake.wildcards.task, snakemake.wildcards.representation,
                    list(snakemake.input.classes),
                    {split: snakemake.output[split] for split in ("train", "validation", "test")})
