rule contrastive_study_outputs:
    """Seed 004's table, claims and figures: performance vs labels, convergence, pretraining size, heads."""
    input:
        # In the order of contrastive_run_names / scored_run_names; the script pairs them up again.
        metrics=contrastive_files("scored", "results/metrics/{run}.json"),
        summaries=contrastive_files("all", "results/models/{run}/summary.json"),
        histories=contrastive_files("all", "results/models/{run}/history.csv"),
    output:
        csv=report("results/studies/{study}/table.csv", caption="../report/contrastive_table.rst",
                   category="Contrastive studies", subcategory="{study}"),
        markdown="results/studies/{study}/table.md",
        claims=report("results/studies/{study}/claims.md", caption="../report/contrastive_claims.rst",
                      category="Contrastive studies", subcategory="{study}"),
        **{f"{name}_png": report(f"results/studies/{{study}}/{name}.png", caption=f"../report/contrastive_{name}.rst",
                                 category="Contrastive studies", subcategory="{study}") for name in CONTRASTIVE_FIGURES},
        **{f"{name}_pdf": f"results/studies/{{study}}/{name}.pdf" for name in CONTRASTIVE_FIGURES},
    log:
        "logs/figures/contrastive_{study}.log",
    wildcard_constraints:
        study=_alternatives(config["contrastive_studies"]),
    params:
        study=lambda w: config["contrastive_studies"][w.study],
        style=config["plots"]["style"],
    threads: family_resources("report")["threads"]
    resources:
        mem_mb=scaled("report", report_job, "mem_mb"),
        runtime=scaled("report", report_job, "runtime"),
    conda:
        "../envs/jettransfer.yaml"
    script:
        "../../scripts/contrastive_study_outputs.py"


rule contrastive_embedding:
    """A 2-D t-SNE of the encoder's features on the pretraining task's test jets, scratch vs pretrained."""
    input:
        unpack(embedding_inputs),
    output:
        npz="results/studies/{study}/embedding.npz",
        png=report("results/studies/{study}/embedding.png", caption="../report/contrastive_embedding.rst",
                   category="Contrastive studies", subcategory="{study}"),
        pdf="results/studies/{study}/embedding.pdf",
    log:
        "logs/figures/contrastive_embedding_{study}.log",
    wildcard_constraints:
        study=_alternatives(config["contrastive_studies"]),
    params:
        jets=lambda w: config["contrastive_studies"][w.study]["embedding_jets"],
        style=config["plots"]["style"],
    threads: family_resources("report")["threads"]
    resources:
        mem_mb=scaled("report", report_job, "mem_mb"),
        runtime=scaled("report", report_job, "runtime"),
    conda:
        "../envs/jettransfer.yaml"
    script:
        "../../scripts/contrastive_embedding.py"
