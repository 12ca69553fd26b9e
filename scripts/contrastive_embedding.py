"""Snakemake script: t-SNE of a contrastive study's encoders -> jettransfer.stages.contrastive_report."""
import _library_path  # noqa: F401  (must precede jettransfer imports)
from jettransfer.logs import setup_job_logging
from jettransfer.stages.contrastive_report import encoder_embedding

setup_job_logging(snakemake.log[0])
encoder_embedding(snakemake.config, snakemake.wildcards.study,
                  {"scratch": snakemake.input.scratch, "pretrained": snakemake.input.pretrained}, snakemake.input.test,
                  snakemake.output.npz, snakemake.output.png, snakemake.output.pdf, style=snakemake.params.style,
                  threads=snakemake.threads)
