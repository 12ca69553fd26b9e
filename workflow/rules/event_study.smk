rule event_study_outputs:
    """Seed 002's tables, claims and figures: AUC vs training events, immediate performance,
    validation AUC per epoch, the resources table."""
    input:
        # In the order of event_run_names / scored_run_names; the script pairs them up again.
        metrics=event_study_files("scored", "results/metrics/{run}.json"),
        summaries=event_study_files("all", "results/models/{run}/summary.json"),
        histories=event_study_files("all", "results/models/{run}/history.csv"),
        cka="results/studies/{study}/cka.csv",
    output:
        auc_csv=report("results/studies/{study}/auc.csv", caption="../report/event_auc.rst",
                       category="Event studies", subcategory="{study}"),
        auc_md="results/studies/{study}/auc.md",
        resources_csv=report("results/studies/{study}/resources.csv", caption="../report/event_resources.rst",
                             category="Event studies", subcategory="{study}"),
        resources_md="results/studies/{study}/resources.md",
        claims=report("results/studies/{study}/claims.md", caption="../report/event_claims.rst",
                      category="Event studies", subcategory="{study}"),
        auc_vs_events_png=report("results/studies/{study}/auc_vs_events.png", caption="../report/event_auc.rst",
                                 category="Event studies", subcategory="{study}"),
        auc_vs_events_pdf="results/studies/{study}/auc_vs_events.pdf",
        immediate_auc_png=report("results/studies/{study}/immediate_auc.png",
                                 caption="../report/event_immediate_auc.rst", category="Event studies",
                                 subcategory="{study}"),
        immediate_auc_pdf="results/studies/{study}/immediate_auc.pdf",
        validation_auc_png=report("results/studies/{study}/validation_auc.png",
                                  caption="../report/event_validation_auc.rst", category="Event studies",
                                  subcategory="{study}"),
        validation_auc_pdf="results/studies/{study}/validation_auc.pdf",
    log:
        "logs/figures/event_study_{study}.log",
    wildcard_constraints:
        study=_alternatives(config["event_studies"]),
    params:
        study=lambda w: config["event_studies"][w.study],
        style=config["plots"]["style"],
    threads: family_resources("report")["threads"]
    resources:
        mem_mb=scaled("report", report_job, "mem_mb"),
        runtime=scaled("report", report_job, "runtime"),
    conda:
        "../envs/jettransfer.yaml"
    script:
        "../../scripts/event_study_outputs.py"


rule event_study_cka:
    """Linear CKA, layer by layer, between the baseline and the fine-tuned models of every task,
    on the same test events."""
    input:
        unpack(event_cka_inputs),
    output:
        csv=report("results/studies/{study}/cka.csv", caption="../report/event_cka.rst",
                   category="Event studies", subcategory="{study}"),
        png=report("results/studies/{study}/cka.png", caption="../report/event_cka.rst",
                   category="Event studies", subcategory="{study}"),
        pdf="results/studies/{study}/cka.pdf",
    log:
        "logs/figures/event_cka_{study}.log",
    wildcard_constraints:
        study=_alternatives(config["event_studies"]),
    params:
        events=lambda w: config["event_studies"][w.study]["cka_events"],
        style=config["plots"]["style"],
    threads: family_resources("report")["threads"]
    resources:
        mem_mb=scaled("report", report_job, "mem_mb"),
        runtime=scaled("report", report_job, "runtime"),
    conda:
        "../envs/jettransfer.yaml"
    script:
        "../../scripts/event_cka.py"
