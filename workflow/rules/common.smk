# Helpers shared by all rule files (names from the config, paths, resources).
from jettransfer.config import run_objective, task_members, teacher_representation
from jettransfer.contrastive_study import contrastive_run_names, embedding_runs, scored_run_names
from jettransfer.distillation_study import distillation_run_groups
from jettransfer.event_study import cka_runs as event_cka_runs, event_run_names
from jettransfer.event_study import scored_run_names as event_scored_run_names
from jettransfer.published_models import published_weights_file
from jettransfer.transfer_study import study_runs
from jettransfer.job_resources import (JobSize, job_resources, sample_size, shard_size, shifted_test_size, task_size,
                                      training_size)


def _alternatives(names):
    return "|".join(sorted(names)) or "(?!)"


GENERATED_SAMPLES = [s for s, spec in config["samples"].items() if "process" in spec and "n_events" not in spec]
EVENT_SAMPLES = [s for s, spec in config["samples"].items() if "n_events" in spec]
READ_SAMPLES = [s for s, spec in config["samples"].items() if "read" in spec]
SCRATCH_RUNS = [r for r, spec in config["runs"].items() if spec["mode"] == "scratch"]
TRANSFER_RUNS = [r for r, spec in config["runs"].items() if spec["mode"] in ("finetune", "frozen")]
PUBLISHED_RUNS = [r for r, spec in config["runs"].items() if spec["mode"] == "published"]
SHIFTED_RUNS = [r for r, spec in config["runs"].items() if spec.get("test_on")]


def family_resources(family):
    """threads / gpu of a rule family, from config['resources']."""
    return config["resources"][family]


def scaled(family, size_of, resource):
    """A resource callable: the family's request for a job of size_of(wildcards), more on a retry."""
    return lambda wildcards, attempt: job_resources(config, family, size_of(wildcards), attempt)[resource]


def shard_job(w):
    return shard_size(config, w.sample, int(w.shard))


def sample_job(w):
    return sample_size(config, w.sample)


def task_job(w):
    return task_size(config, w.task)


def test_split_job(w):
    return task_size(config, config["runs"][w.run]["task"], "test")


def shifted_test_job(w):
    return shifted_test_size(config, w.run)


def training_job(w):
    return training_size(config, w.run)


def report_job(w):
    return JobSize.of(0)


def shard_files(kind, sample):
    return [f"results/{kind}/{sample}/shard{i}.root" for i in range(config["samples"][sample]["shards"])]


def representation_inputs(sample):
    """What a sample's representation is built from: its jets, or its events' objects."""
    return shard_files("objects" if sample in EVENT_SAMPLES else "jets", sample)


def dataset_file(run, split):
    """The split of the run's task in the representation its model reads."""
    spec = config["runs"][run]
    representation = config["models"][spec["model"]]["representation"]
    return f"results/datasets/{spec['task']}/{representation}/{split}.npz"


def teacher_logit_files(run):
    """A distillation run's teacher logits per split, {split: path} (none for other runs)."""
    objective = run_objective(config, run)
    if objective["name"] != "distillation":
        return {}
    task = config["runs"][run]["task"]
    return {f"teacher_{split}": f"results/teacher_logits/{objective['teacher']}/{task}/"
            f"{teacher_representation(config, run)}/{split}.npz" for split in ("train", "validation")}


def shifted_test_files(run):
    """{test_<representation>: test split} of each representation a run is also scored on."""
    task = config["runs"][run]["task"]
    return {f"test_{rep}": f"results/datasets/{task}/{rep}/test.npz" for rep in config["runs"][run]["test_on"]}


def _dependents():
    """How many runs wait for each run: transfers from it and distillations it teaches."""
    counts = dict.fromkeys(config["runs"], 0)
    for run, spec in config["runs"].items():
        for needed in (spec.get("init_from"), run_objective(config, run).get("teacher")):
            if needed is not None:
                counts[needed] += 1
    return counts


RUN_DEPENDENTS = _dependents()


def run_priority(w):
    """Runs that others wait for are trained first (a teacher before the scratch runs beside it)."""
    return RUN_DEPENDENTS[w.run]


def report_targets():
    tables = expand("results/tables/{table}.{ext}", table=config["tables"], ext=("csv", "md"))
    figures = expand("results/figures/{figure}.{ext}", figure=config["figures"], ext=("png", "pdf"))
    studies = expand("results/studies/{study}/{item}", study=config["transfer_studies"],
                     item=("auc.csv", "auc.md", "training_time.csv", "training_time.md", "claims.md", "validation_accuracy.png",
                           "validation_accuracy.pdf", "auc_vs_training_size.png", "auc_vs_training_size.pdf",
                           "roc.png", "roc.pdf"))
    distillation = expand("results/studies/{study}/{item}", study=config["distillation_studies"],
                          item=("table1.csv", "table1.md", "claims.md", "roc.png", "roc.pdf", "validation_loss.png",
                                "validation_loss.pdf"))
    boosts = expand("results/studies/{study}/accuracy_vs_boost.{ext}", ext=("png", "pdf"),
                    study=[s for s, spec in config["distillation_studies"].items() if spec["robustness"]])
    published = expand("results/studies/{study}/{item}", study=config["published_comparisons"],
                       item=("auc.csv", "auc.md", "claims.md"))
    contrastive = expand("results/studies/{study}/{item}", study=config["contrastive_studies"],
                         item=["table.csv", "table.md", "claims.md", "embedding.npz", "embedding.png", "embedding.pdf"]
                         + [f"{name}.{ext}" for name in CONTRASTIVE_FIGURES for ext in ("png", "pdf")])
    events = expand("results/studies/{study}/{item}", study=config["event_studies"],
                    item=["auc.csv", "auc.md", "resources.csv", "resources.md", "claims.md", "cka.csv", "cka.png",
                          "cka.pdf"] + [f"{name}.{ext}" for name in EVENT_FIGURES for ext in ("png", "pdf")])
    return tables + figures + studies + distillation + boosts + published + contrastive + events


def study_targets(study):
    """Target-task runs of the study, in the order the scripts pair inputs with (study_runs)."""
    return [r.name for r in study_runs(config, study)]


def study_files(pattern):
    return lambda w: [pattern.format(run=r) for r in study_targets(w.study)]


def distillation_files(group, pattern):
    """A distillation study's files of one group of runs (jettransfer.distillation_study.distillation_run_groups)."""
    return lambda w: [pattern.format(run=r) for r in distillation_run_groups(config, w.study)[group]]


CONTRASTIVE_FIGURES = ("labels", "validation_accuracy", "pretraining_size", "heads")


def contrastive_files(group, pattern):
    """A contrastive study's files of its runs: all of them, or the scored ones (not the pretrainings)."""
    names = contrastive_run_names if group == "all" else scored_run_names
    return lambda w: [pattern.format(run=r) for r in names(config, w.study)]


def embedding_inputs(w):
    runs = embedding_runs(config, w.study)
    pretraining = runs["pretrained"]
    return {kind: f"results/models/{run}/checkpoint.pt" for kind, run in runs.items()} | {
        "test": dataset_file(pretraining, "test")}


EVENT_FIGURES = ("auc_vs_events", "immediate_auc", "validation_auc")


def event_study_files(group, pattern):
    """An event study's files of its runs: all of them, or the scored ones (not the pretrainings)."""
    names = event_run_names if group == "all" else event_scored_run_names
    return lambda w: [pattern.format(run=r) for r in names(config, w.study)]


def event_cka_inputs(w):
    """The checkpoints the CKA compares ({task}_{kind}) and each task's test split (test_{task})."""
    spec = config["event_studies"][w.study]
    inputs = {}
    for task in spec["tasks"]:
        for kind, run in event_cka_runs(config, w.study, task).items():
            inputs[f"{task}_{kind}"] = f"results/models/{run}/checkpoint.pt"
            inputs[f"test_{task}"] = dataset_file(run, "test")
    return inputs
