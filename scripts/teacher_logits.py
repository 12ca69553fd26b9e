"""Snakemake script: a teacher's logits on one split -> jettransfer.stages.teacher_logits.write_teacher_logits."""
import _library_path  # noqa: F401  (must precede jettransfer imports)
from jettransfer.logs import setup_job_logging
from jettransfer.stages.teacher_logits import write_teacher_logits

setup_job_logging(snakemake.log[0])
write_teacher_logits(snakemake.input.checkpoint, snakemake.input.data, snakemake.output[0],
                     threads=snakemake.threads, gpus=snakemake.resources.get("gpu", 0))
