# A transfer study's tables and figures (seed 000); its runs are trained by train.smk/transfer.smk.


rule study_tables:
    """Seed 000's Table 1 (training time) and Table 2 (AUC), beside the published numbers."""
    input:
        metrics=study_files("results/metrics/{run}.json"),
        summaries=study_files("results/models/{run}/summary.json"),
    output:
        auc_csv=report("results/studies/{study}/auc.csv", caption="../report/study_auc.rst",
                       category="Transfer study {study}", labels={"item": "Table 2: AUC"}),
        auc_markdown="results/studies/{study}/auc.md",
        time_csv=report("results/studies/{study}/training_time.csv", caption="../report/study_training_time.rst",
                        category="Transfer study {study}", labels={"item": "Table 1: training time"}),
        time_markdown="results/studies/{study}/training_time.md",
        claims=report("results/studies/{study}/claims.md", caption="../report/study_claims.rst",
                      category="Transfer study {study}", labels={"item": "The seed's conclusions, checked"}),
    log:
        "logs/figures/study_tables_{study}.log",
    wildcard_constraints:
        study=_alternatives(config["transfer_studies"]),
    benchmark:
        "results/benchmarks/figures/study_tables_{study}.tsv"
    threads: family_resources("report")["threads"]
    resources:
        mem_mb=scaled("report", report_job, "mem_mb"),
        runtime=scaled("report", report_job, "runtime"),
    conda:
        "../envs/jettransfer.yaml"
    script:
        "../../scripts/study_tables.py"


rule study_figures:
    """Seed 000's Figure 3 (validation accuracy), Figure 4 (AUC vs training size), Figure 5 (ROC)."""
    input:
        metrics=study_files("results/metrics/{run}.json"),
        summaries=study_files("results/models/{run}/summary.json"),
        histories=study_files("results/models/{run}/history.csv"),
        scores=study_files("results/scores/{run}.npz"),
    output:
        accuracy_png=report("results/studies/{study}/validation_accuracy.png", caption="../report/study_validation_accuracy.rst",
                            category="Transfer study {study}", labels={"item": "Figure 3: validation accuracy"}),
        accuracy_pdf="results/studies/{study}/validation_accuracy.pdf",
        size_png=report("results/studies/{study}/auc_vs_training_size.png", caption="../report/study_auc_vs_size.rst",
                        category="Transfer study {study}", labels={"item": "Figure 4: AUC vs training size"}),
        size_pdf="results/studies/{study}/auc_vs_training_size.pdf",
        roc_png=report("results/studies/{study}/roc.png", caption="../report/study_roc.rst",
                       category="Transfer study {study}", labels={"item": "Figure 5: ROC"}),
        roc_pdf="results/studies/{study}/roc.pdf",
    log:
        "logs/figures/study_figures_{study}.log",
    wildcard_constraints:
        study=_alternatives(config["transfer_studies"]),
    benchmark:
        "results/benchmarks/figures/study_figures_{study}.tsv"
    params:
        # The figure's look: a change of style makes its figures again.
        style=config["plots"]["style"],
    threads: family_resources("report")["threads"]
    resources:
        mem_mb=scaled("report", report_job, "mem_mb"),
        runtime=scaled("report", report_job, "runtime"),
    conda:
        "../envs/jettransfer.yaml"
    script:
        "../../scripts/study_figures.py"
