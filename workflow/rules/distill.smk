rule teacher_logits:
    """A teacher's logits on one split of a task, in eval mode and float32, stored by jet id:
    the soft targets of the distillation runs that name it (computed once, read as targets)."""
    input:
        checkpoint="results/models/{teacher}/checkpoint.pt",
        data="results/datasets/{task}/{representation}/{split}.npz",
    output:
        "results/teacher_logits/{teacher}/{task}/{representation}/{split}.npz",
    log:
        "logs/distill/teacher_logits_{teacher}_{task}_{representation}_{split}.log",
    benchmark:
        "results/benchmarks/distill/teacher_logits_{teacher}_{task}_{representation}_{split}.tsv"
    wildcard_constraints:
        teacher=_alternatives(config["runs"]),
    priority: 1  # every distilled student of its split waits for it
    threads: family_resources("evaluate")["threads"]
    resources:
        mem_mb=scaled("evaluate", task_job, "mem_mb"),
        runtime=scaled("evaluate", task_job, "runtime"),
        gpu=family_resources("evaluate")["gpu"],
    conda:
        "../envs/jettransfer.yaml"
    script:
        "../../scripts/teacher_logits.py"
