"""Snakemake script: a sample's jet shards -> one Lund-graph file."""
import _library_path  # noqa: F401  (must precede jettransfer imports)
from jettransfer.logs import setup_job_logging
from jettransfer.stages.preprocess import lund_graphs_for_jets

setup_job_logging(snakemake.log[0])
lund_graphs_for_jets(list(snakemake.input), snakemake.output[0])
