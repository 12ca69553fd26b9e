rule metrics_table:
    """A configured table of runs: AUC, Rej@30%, Rej@50%, training cost, and with `costs` the
    models' parameters, FLOPs and latency per jet (CSV and Markdown)."""
    input:
        # In the order of the table's runs; the script pairs them up again.
        metrics=lambda w: [f"results/metrics/{r}.json" for r in config["tables"][w.table]["runs"]],
        summaries=lambda w: [f"results/models/{r}/summary.json" for r in config["tables"][w.table]["runs"]],
        measurements=lambda w: [f"results/measurements/{r}.json" for r in config["tables"][w.table]["runs"]]
        if config["tables"][w.table]["costs"] else [],
    output:
        csv=report("results/tables/{table}.csv", caption="../report/metrics_table.rst", category="Tables"),
        markdown="results/tables/{table}.md",
    log:
        "logs/figures/table_{table}.log",
    benchmark:
        "results/benchmarks/figures/table_{table}.tsv"
    params:
        table=lambda w: config["tables"][w.table],
    threads: family_resources("report")["threads"]
    resources:
        mem_mb=scaled("report", report_job, "mem_mb"),
        runtime=scaled("report", report_job, "runtime"),
    conda:
        "../envs/jettransfer.yaml"
    script:
        "../../scripts/metrics_table.py"


rule roc_figure:
    """ROC curves (1/eps_background vs eps_signal) with a ratio-to-reference panel."""
    input:
        scores=lambda w: [f"results/scores/{r}.npz" for r in config["figures"][w.figure]["runs"]],
    output:
        png=report("results/figures/{figure}.png", caption="../report/roc_figure.rst", category="Figures"),
        pdf="results/figures/{figure}.pdf",
    log:
        "logs/figures/roc_{figure}.log",
    benchmark:
        "results/benchmarks/figures/roc_{figure}.tsv"
    params:
        figure=lambda w: config["figures"][w.figure],
        # The figure's look: a change of style makes it again.
        style=config["plots"]["style"],
    threads: family_resources("report")["threads"]
    resources:
        mem_mb=scaled("report", report_job, "mem_mb"),
        runtime=scaled("report", report_job, "runtime"),
    conda:
        "../envs/jettransfer.yaml"
    script:
        "../../scripts/roc_figure.py"


rule figures:
    """Every configured table and figure: `snakemake figures`."""
    input:
        report_targets(),
