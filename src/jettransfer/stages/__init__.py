"""One function per pipeline stage: files in, files out. Snakemake scripts call these."""
