rule published_checkpoint:
    """A published tagger's weights as a run's checkpoint: scored, or started from, untrained."""
    input:
        weights=lambda w: published_weights_file(config, w.run),
    output:
        checkpoint="results/models/{run}/checkpoint.pt",
        summary="results/models/{run}/summary.json",
    log:
        "logs/train/{run}.log",
    wildcard_constraints:
        run=_alternatives(PUBLISHED_RUNS),
    params:
        model=lambda w: config["models"][config["runs"][w.run]["model"]],
    threads: 1
    resources:
        mem_mb=2000,
        runtime=5,
    conda:
        "../envs/jettransfer.yaml"
    script:
        "../../scripts/published_checkpoint.py"


rule published_comparison:
    """Our AUC of each published tagger beside its published AUC, and whether they agree."""
    input:
        metrics=lambda w: [f"results/metrics/{r}.json" for r in config["published_comparisons"][w.study]["runs"]],
    output:
        csv=report("results/studies/{study}/auc.csv", caption="../report/published_comparison.rst",
                   category="Published taggers", subcategory="{study}"),
        markdown="results/studies/{study}/auc.md",
        claims=report("results/studies/{study}/claims.md", caption="../report/published_claims.rst",
                      category="Published taggers", subcategory="{study}"),
    log:
        "logs/figures/published_{study}.log",
    wildcard_constraints:
        study=_alternatives(config["published_comparisons"]),
    params:
        comparison=lambda w: config["published_comparisons"][w.study],
    threads: family_resources("report")["threads"]
    resources:
        mem_mb=scaled("report", report_job, "mem_mb"),
        runtime=scaled("report", report_job, "runtime"),
    conda:
        "../envs/jettransfer.yaml"
    script:
        "../../scripts/published_comparison.py"
