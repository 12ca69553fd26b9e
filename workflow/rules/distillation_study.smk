# A distillation study's table, figures and claims (seed 003); its runs are trained by train.smk,
# their soft targets made by distill.smk and their boosted test sets scored by evaluate.smk.


rule distillation_study_tables:
    """Seed 003's Table 1 beside the published one, and its conclusions checked."""
    input:
        metrics=distillation_files("table", "results/metrics/{run}.json"),
        summaries=distillation_files("table", "results/models/{run}/summary.json"),
        measurements=distillation_files("measured", "results/measurements/{run}.json"),
        histories=distillation_files("table", "results/models/{run}/history.csv"),
        shifted=distillation_files("robustness", "results/shifted_metrics/{run}.json"),
    output:
        table_csv=report("results/studies/{study}/table1.csv", caption="../report/distillation_table.rst",
                         category="Distillation study {study}", labels={"item": "Table 1: students and teacher"}),
        table_markdown="results/studies/{study}/table1.md",
        claims=report("results/studies/{study}/claims.md", caption="../report/distillation_claims.rst",
                      category="Distillation study {study}", labels={"item": "The seed's conclusions, checked"}),
    log:
        "logs/figures/distillation_tables_{study}.log",
    benchmark:
        "results/benchmarks/figures/distillation_tables_{study}.tsv"
    wildcard_constraints:
        study=_alternatives(config["distillation_studies"]),
    threads: family_resources("report")["threads"]
    resources:
        mem_mb=scaled("report", report_job, "mem_mb"),
        runtime=scaled("report", report_job, "runtime"),
    conda:
        "../envs/jettransfer.yaml"
    script:
        "../../scripts/distillation_study_tables.py"


rule distillation_study_figures:
    """Seed 003's Figure 1 (ROC) and 2b (validation loss vs epoch)."""
    input:
        scores=distillation_files("table", "results/scores/{run}.npz"),
        histories=distillation_files("table", "results/models/{run}/history.csv"),
    output:
        roc_png=report("results/studies/{study}/roc.png", caption="../report/distillation_roc.rst",
                       category="Distillation study {study}", labels={"item": "Figure 1: ROC"}),
        roc_pdf="results/studies/{study}/roc.pdf",
        loss_png=report("results/studies/{study}/validation_loss.png", caption="../report/distillation_loss.rst",
                        category="Distillation study {study}", labels={"item": "Figure 2b: validation loss"}),
        loss_pdf="results/studies/{study}/validation_loss.pdf",
    log:
        "logs/figures/distillation_figures_{study}.log",
    benchmark:
        "results/benchmarks/figures/distillation_figures_{study}.tsv"
    params:
        # The figure's look: a change of style makes its figures again.
        style=config["plots"]["style"],
    wildcard_constraints:
        study=_alternatives(config["distillation_studies"]),
    threads: family_resources("report")["threads"]
    resources:
        mem_mb=scaled("report", report_job, "mem_mb"),
        runtime=scaled("report", report_job, "runtime"),
    conda:
        "../envs/jettransfer.yaml"
    script:
        "../../scripts/distillation_study_figures.py"


rule distillation_boost_figure:
    """Seed 003's Figure 2a: accuracy vs the test jets' boost, for a study with a robustness experiment."""
    input:
        shifted=distillation_files("robustness", "results/shifted_metrics/{run}.json"),
    output:
        png=report("results/studies/{study}/accuracy_vs_boost.png", caption="../report/distillation_boost.rst",
                   category="Distillation study {study}", labels={"item": "Figure 2a: accuracy vs boost"}),
        pdf="results/studies/{study}/accuracy_vs_boost.pdf",
    log:
        "logs/figures/distillation_boost_{study}.log",
    benchmark:
        "results/benchmarks/figures/distillation_boost_{study}.tsv"
    params:
        # The figure's look: a change of style makes its figures again.
        style=config["plots"]["style"],
    wildcard_constraints:
        study=_alternatives([s for s, spec in config["distillation_studies"].items() if spec["robustness"]]),
    threads: family_resources("report")["threads"]
    resources:
        mem_mb=scaled("report", report_job, "mem_mb"),
        runtime=scaled("report", report_job, "runtime"),
    conda:
        "../envs/jettransfer.yaml"
    script:
        "../../scripts/distillation_boost_figure.py"
