"""A distillation study expands into ordinary runs, boosted representations and models, each once;
its table and claims read those runs' files and say whether each of seed 003's conclusions holds."""

import copy
import json

import numpy as np
import pandas as pd
import pytest
import yaml

from jettransfer.config import ConfigError, training_settings, validate_config
from jettransfer.data.scores_file import write_scores
from jettransfer.distillation_study import (boosted_test_sets, distillation_run_groups, number_tag, robustness_curves,
                                            student_run_name, table_rows, teacher_run_name)
from jettransfer.evaluate.published import PUBLISHED_DISTILLATION, published_tagger
from jettransfer.stages.distillation_claims import distillation_claims, late_rise
from jettransfer.stages.distillation_report import (boost_robustness_figure, distillation_roc_figure, distillation_table,
                                                    validation_loss_figure)
from tests.conftest import REPO


@pytest.fixture(scope="module")
def raw():
    return yaml.safe_load((REPO / "tests" / "config" / "tiny_distillation.yaml").read_text())


@pytest.fixture(scope="module")
def config(raw):
    return validate_config(raw)


def _broken(raw, path, value):
    config = copy.deepcopy(raw)
    target = config
    for key in path[:-1]:
        target = target[key]
    if value is None:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return config


@pytest.mark.parametrize("value, tag", [(0.1, "0p1"), (3, "3"), (0.25, "0p25"), (1.5, "1p5")])
def test_number_tag(value, tag):
    assert number_tag(value) == tag


def test_every_setting_is_one_run_and_shared_runs_exist_once(config):
    runs = config["runs"]
    # The teacher, DeepSet and MLP from scratch and at T = 3, and the boosted DeepSet (beta_max 0.3)
    # from scratch and distilled; the beta_max = 0 runs are the table's own DeepSet runs.
    assert sorted(runs) == sorted([
        "seed003_teacher", "seed003_deepset_scratch_r0", "seed003_deepset_kd_T3_r0", "seed003_mlp_scratch_r0",
        "seed003_mlp_kd_T3_r0", "seed003_deepset_bmax0p3_scratch_r0", "seed003_deepset_bmax0p3_kd_T3_r0"])
    groups = distillation_run_groups(config, "seed003")
    assert "seed003_deepset_kd_T3_r0" in groups["table"] and "seed003_deepset_kd_T3_r0" in groups["robustness"]
    assert groups["robustness"][-1] == "seed003_teacher"


def test_expanded_runs_carry_the_objective_recipe_and_boosted_inputs(config):
    runs, spec = config["runs"], config["distillation_studies"]["seed003"]
    kd = runs["seed003_mlp_kd_T3_r0"]["objective"]
    assert kd == {"name": "distillation", "teacher": "seed003_teacher", "temperature": 3.0, "alpha": 0.3}
    assert runs["seed003_deepset_kd_T3_r0"]["objective"]["alpha"] == 0.0
    assert "objective" not in runs["seed003_deepset_scratch_r0"]
    # The students' recipe; the teacher its own.
    student = training_settings(config, "seed003_deepset_scratch_r0")
    assert student.optimizer == "adamw" and student.amsgrad and student.schedule == "step"
    assert training_settings(config, "seed003_teacher").schedule == "cosine"
    # The boosted student reads its own model on the boosted training set; its teacher reads the same jets.
    boosted = runs["seed003_deepset_bmax0p3_kd_T3_r0"]
    assert boosted["model"] == "seed003_deepset_bmax0p3"
    assert config["models"]["seed003_deepset_bmax0p3"]["representation"] == "seed003_bmax0p3"
    assert boosted["objective"]["teacher_representation"] == "seed003_bmax0p3"
    assert config["representations"]["seed003_bmax0p3"]["degrade"] == {"boost_beta_max": 0.3}
    test = config["representations"]["seed003_boost0p9"]
    assert test["degrade"] == {"boost_beta": 0.9} and test["four_momenta"] and test["features"] == "set"
    assert boosted["test_on"] == ["set", "seed003_boost0p5", "seed003_boost0p9"]
    assert boosted_test_sets(config, "seed003", "seed003_teacher") == {0.0: "set", 0.5: "seed003_boost0p5",
                                                                      0.9: "seed003_boost0p9"}
    assert "test_on" not in runs["seed003_mlp_scratch_r0"]
    assert spec["robustness"]["teacher_input"] == "boosted"


def test_repeats_get_their_own_seeds_and_clean_teacher_input_reads_the_teachers_jets(raw):
    more = _broken(raw, ["distillation_studies", "seed003", "repeats"], 3)
    more["distillation_studies"]["seed003"]["robustness"]["teacher_input"] = "clean"
    config = validate_config(more)
    seeds = {training_settings(config, student_run_name("seed003", "mlp", None, k)).seed for k in range(3)}
    assert len(seeds) == 3
    rows = table_rows(config, "seed003")
    assert [len(r.runs) for r in rows] == [3, 3, 3, 3, 1] and rows[-1].runs == (teacher_run_name("seed003"),)
    assert "teacher_representation" not in config["runs"]["seed003_deepset_bmax0p3_kd_T3_r0"]["objective"]
    assert len(robustness_curves(config, "seed003")) == 4


def test_a_robustness_alpha_of_its_own_makes_runs_of_its_own(raw):
    config = validate_config(_broken(raw, ["distillation_studies", "seed003", "robustness", "alpha"], 0.5))
    assert "seed003_deepset_kd_T3_a0p5_r0" in config["runs"] and "seed003_deepset_kd_T3_r0" in config["runs"]
    assert config["runs"]["seed003_deepset_kd_T3_a0p5_r0"]["objective"]["alpha"] == 0.5


@pytest.mark.parametrize("path, value, message", [
    (["distillation_studies", "seed003", "task"], "nope", "distillation_studies.seed003.task: unknown task"),
    (["distillation_studies", "seed003", "teacher", "model"], "nope", "teacher.model: unknown model"),
    (["distillation_studies", "seed003", "students", "mlp", "published"], "ParT", "unknown row 'ParT'"),
    (["distillation_studies", "seed003", "robustness", "student"], "mlp2", "unknown student 'mlp2'"),
    (["distillation_studies", "seed003", "robustness", "test_betas"], [0.0], "at least one boost beta > 0"),
    (["distillation_studies", "seed003", "students", "mlp", "label"], "DeepSet", "two students share a label"),
    (["distillation_studies", "seed003", "robustness", "beta_max"], [1.0], "beta_max.0"),
    (["distillation_studies", "seed003", "temperatures"], [0], "temperatures.0"),
    (["runs"], {"seed003_teacher": {"task": "top", "model": "mlp", "mode": "scratch"}}, "is also given under runs"),
])
def test_config_errors_name_the_field(raw, path, value, message):
    with pytest.raises(ConfigError, match=message):
        validate_config(_broken(raw, path, value))


def test_a_teacher_that_reads_what_the_students_jets_lack_is_refused(raw):
    broken = copy.deepcopy(raw)
    broken["representations"]["plain"] = {"kind": "constituents", "features": "four_vector", "max_constituents": 40}
    broken["models"]["deepset"]["representation"] = "plain"
    broken["models"]["deepset"]["features"] = ["px", "py", "pz", "energy"]
    with pytest.raises(ConfigError, match="the teacher reads"):
        validate_config(broken)


def test_test_on_needs_a_representation_the_model_can_read(raw):
    broken = copy.deepcopy(raw)
    broken["representations"]["lund"] = {"kind": "lund_graph"}
    broken["representations"]["no_momenta"] = {"kind": "constituents", "features": "set"}
    broken["runs"] = {"mine": {"task": "top", "model": "lorentznet", "mode": "scratch",
                               "test_on": ["lund", "no_momenta", "nope"]}}
    with pytest.raises(ConfigError) as error:
        validate_config(broken)
    text = str(error.value)
    assert "runs.mine.test_on.0: model 'lorentznet' reads constituents jets, 'lund' is a lund_graph" in text
    assert "runs.mine.test_on.1: model 'lorentznet' reads four-momenta" in text
    assert "runs.mine.test_on.2: unknown representation 'nope'" in text


def test_a_fixed_and_a_random_boost_exclude_each_other(raw):
    broken = copy.deepcopy(raw)
    broken["representations"]["set"]["degrade"] = {"boost_beta": 0.1, "boost_beta_max": 0.2}
    with pytest.raises(ConfigError, match="representations.set.degrade: boost_beta"):
        validate_config(broken)


def test_published_rows_by_temperature():
    assert published_tagger("DeepSet", None).auc == 0.9808
    assert published_tagger("MLP", 5).rejection_at_50 == 146
    assert published_tagger("LorentzNet", 3.0) is None and published_tagger(None, None) is None
    assert PUBLISHED_DISTILLATION["LorentzNet"].macs == 339e6


def test_late_rise_is_the_last_quarter_over_the_minimum():
    assert late_rise([1.0, 0.5, 0.5, 0.5]) == pytest.approx(0.0)
    assert late_rise([1.0, 0.5, 0.6, 0.6, 0.6, 0.6, 0.7, 0.8]) == pytest.approx(0.75 / 0.5 - 1)


# The report on synthetic run files: distillation helps every student, the MLP more; distilled
# boosted DeepSets keep their accuracy; scratch validation losses rise late, distilled ones do not.

def _study_files(config, tmp_path, kd_gain=0.01):
    rng = np.random.default_rng(0)
    groups = distillation_run_groups(config, "seed003")
    paths = {kind: {} for kind in ("metrics", "summaries", "measurements", "histories", "shifted", "scores")}
    runs = set(groups["table"]) | set(groups["robustness"])
    for run in runs:
        spec = config["runs"][run]
        distilled = "objective" in spec
        mlp = spec["model"] == "mlp"
        auc = (0.90 if mlp else 0.95) + (kd_gain * (2 if mlp else 1) if distilled else 0.0)
        auc = 0.99 if run == "seed003_teacher" else auc
        metrics = {"auc": auc, "accuracy": auc - 0.05, "rejection_at_30": 100 * auc, "rejection_at_50": 50 * auc,
                   "n_signal": 50, "n_background": 50}
        paths["metrics"][run] = tmp_path / f"{run}.metrics.json"
        paths["metrics"][run].write_text(json.dumps(metrics))
        paths["summaries"][run] = tmp_path / f"{run}.summary.json"
        paths["summaries"][run].write_text(json.dumps({"n_train": 120, "epochs": 4, "device": "CPU"}))
        paths["measurements"][run] = tmp_path / f"{run}.measure.json"
        paths["measurements"][run].write_text(json.dumps({
            "parameters": 1000, "flops_per_jet": 2e6, "macs_per_jet": 1e6,
            "latency": [{"device": "cpu", "batch_1": {"median_ms_per_jet": 0.1}, "batch_1024": {"median_ms_per_jet": 0.01}}]}))
        losses = [0.6, 0.4, 0.35, 0.35] if distilled else [0.6, 0.4, 0.45, 0.5]
        paths["histories"][run] = tmp_path / f"{run}.history.csv"
        pd.DataFrame({"epoch": [1, 2, 3, 4], "val_loss": [1.0] * 4,
                      **({"val_hard_loss": losses} if distilled else {"val_loss": losses})}).to_csv(paths["histories"][run])
        if spec.get("test_on"):
            drop = 0.02 if distilled else 0.1
            shifted = {rep: {"accuracy": 0.9 - (drop * i), "auc": 0.9} for i, rep in enumerate(spec["test_on"])}
            paths["shifted"][run] = tmp_path / f"{run}.shifted.json"
            paths["shifted"][run].write_text(json.dumps({"run": run, "test_on": shifted}))
        labels = np.arange(100) % 2
        paths["scores"][run] = tmp_path / f"{run}.scores.npz"
        write_scores(paths["scores"][run], np.clip(labels * 0.6 + rng.random(100) * 0.5, 0, 1).astype(np.float32),
                     labels, np.arange(100))
    return paths


def test_table_and_claims_on_study_files(config, tmp_path):
    paths = _study_files(config, tmp_path)
    table = distillation_table(config, "seed003", paths["metrics"], paths["summaries"], paths["measurements"],
                               tmp_path / "t.csv", tmp_path / "t.md")
    assert list(table["row"]) == ["DeepSet from scratch", "DeepSet KD T=3", "MLP from scratch", "MLP KD T=3",
                                  "LorentzNet (teacher)"]
    assert table.loc[1, "auc_mean"] == pytest.approx(0.96) and table.loc[1, "published_auc"] == 0.9819
    assert table.loc[0, "MMACs/jet"] == pytest.approx(1.0)
    markdown = (tmp_path / "t.md").read_text()
    assert "0.9600 [0.9819]" in markdown and "1.0K [68.2K]" in markdown
    lines = distillation_claims(config, "seed003", table, paths["histories"], paths["shifted"], tmp_path / "c.md")
    text = "\n".join(lines)
    assert "   - DeepSet: holds" in text and "   - MLP: holds" in text
    assert "+0.0200 vs +0.0100: holds" in text
    assert "beta_max = 0.3: drop 0.0300 with KD vs 0.1500 from scratch: holds" in text
    assert "KD T=3: +0.0% (from scratch: +25.0%): holds" in text


def test_claims_say_does_not_hold_when_distillation_hurts(config, tmp_path):
    paths = _study_files(config, tmp_path, kd_gain=-0.01)
    table = distillation_table(config, "seed003", paths["metrics"], paths["summaries"], paths["measurements"],
                               tmp_path / "t.csv", tmp_path / "t.md")
    text = "\n".join(distillation_claims(config, "seed003", table, paths["histories"], paths["shifted"], tmp_path / "c.md"))
    assert "   - DeepSet: does NOT hold" in text and "   - MLP: does NOT hold" in text
    assert "-0.0200 vs -0.0100: does NOT hold" in text


def test_figures_are_written(config, tmp_path):
    paths = _study_files(config, tmp_path)
    distillation_roc_figure(config, "seed003", paths["scores"], tmp_path / "roc.png", tmp_path / "roc.pdf")
    boost_robustness_figure(config, "seed003", paths["shifted"], tmp_path / "b.png", tmp_path / "b.pdf")
    validation_loss_figure(config, "seed003", paths["histories"], tmp_path / "l.png", tmp_path / "l.pdf")
    for name in ("roc", "b", "l"):
        assert (tmp_path / f"{name}.png").read_bytes()[:4] == b"\x89PNG"
        assert (tmp_path / f"{name}.pdf").read_bytes()[:4] == b"%PDF"


# Seed 001's form of the study: a teacher set and a disjoint student set, degraded and compressed
# students, soft targets from the teacher on the student's jets or on their clean versions.

@pytest.fixture(scope="module")
def seed001():
    return validate_config(yaml.safe_load((REPO / "tests" / "config" / "tiny_seed001.yaml").read_text()))


def test_students_learn_their_own_set_and_read_the_teacher_on_either_jets(seed001):
    runs = seed001["runs"]
    assert runs["seed001_fcnn_teacher"]["task"] == "teacher_set"
    assert runs["seed001_fcnn_smeared_scratch_r0"]["task"] == "student_set"
    # On the student's degraded jets: the teacher reads the student's representation.
    on_student = runs["seed001_fcnn_smeared_kd_T3_studentjets_r0"]["objective"]
    assert on_student["teacher_representation"] == "smeared" and on_student["teacher"] == "seed001_fcnn_teacher"
    # On the clean versions: its own representation, of the student set's jets (matched by id).
    assert "teacher_representation" not in runs["seed001_fcnn_smeared_kd_T3_r0"]["objective"]
    labels = [row.label for row in table_rows(seed001, "seed001_fcnn")]
    assert labels == ["FCNN on smeared jets from scratch", "FCNN on smeared jets KD T=3, teacher on the student's jets",
                      "FCNN on smeared jets KD T=3", "FCNN on 5 constituents from scratch",
                      "FCNN on 5 constituents KD T=3, teacher on the student's jets", "FCNN on 5 constituents KD T=3",
                      "FCNN 1x8 from scratch", "FCNN 1x8 KD T=3", "FCNN teacher (teacher)"]


def test_a_teacher_that_cannot_read_the_students_jets_is_refused(seed001):
    raw = yaml.safe_load((REPO / "tests" / "config" / "tiny_seed001.yaml").read_text())
    raw["representations"]["lund"] = {"kind": "lund_graph"}
    raw["models"]["ln"] = {"preset": "LundNet3", "representation": "lund"}
    raw["distillation_studies"]["seed001_fcnn"]["students"]["lund"] = {"model": "ln", "teacher_inputs": ["student"]}
    with pytest.raises(ConfigError, match=r"seed001_fcnn_lund_kd_T3_studentjets_r0\.objective\.teacher_representation: "
                                          r"model 'fcnn' reads constituents jets, 'lund' is a lund_graph"):
        validate_config(raw)


def _seed001_files(config, study, tmp_path, kd_gain):
    groups = distillation_run_groups(config, study)
    paths = {kind: {} for kind in ("metrics", "summaries", "measurements")}
    for run in groups["table"]:
        spec = config["runs"][run]
        teacher = run.endswith("_teacher")
        compressed = "small" in run
        auc = 0.97 if teacher else 0.965 if not compressed else 0.93
        if "objective" in spec:
            auc += kd_gain if compressed else -abs(kd_gain)
        latency = 1.0 if teacher or not compressed else 0.25
        for kind, body in (("metrics", {"auc": auc, "accuracy": auc - 0.05, "rejection_at_30": None,
                                        "rejection_at_50": 30.0, "n_signal": 10, "n_background": 10}),
                           ("summaries", {"n_train": 100, "epochs": 2, "device": "CPU"}),
                           ("measurements", {"parameters": 10, "flops_per_jet": 2.0, "macs_per_jet": 1.0, "latency": [
                               {"device": "cpu", "batch_1": {"median_ms_per_jet": latency},
                                "batch_1024": {"median_ms_per_jet": latency / 10}}]})):
            paths[kind][run] = tmp_path / f"{run}.{kind}.json"
            paths[kind][run].write_text(json.dumps(body))
    return paths


@pytest.mark.parametrize("kd_gain, compressed_verdict", [(0.01, "holds"), (-0.01, "does NOT hold")])
def test_seed001_claims(seed001, tmp_path, kd_gain, compressed_verdict):
    paths = _seed001_files(seed001, "seed001_fcnn", tmp_path, kd_gain)
    table = distillation_table(seed001, "seed001_fcnn", paths["metrics"], paths["summaries"], paths["measurements"],
                               tmp_path / "t.csv", tmp_path / "t.md")
    text = "\n".join(distillation_claims(seed001, "seed001_fcnn", table, {}, {}, tmp_path / "c.md"))
    assert "   - FCNN on smeared jets: AUC 0.9650 (teacher minus student: +0.0050): holds" in text
    assert "   - FCNN on 5 constituents: holds" in text  # distillation lowered it: "does not help" holds
    assert f"   - FCNN 1x8: {compressed_verdict}" in text
    assert "   - FCNN 1x8: 4.00x at batch 1, 4.00x at batch 1024 [published: 1.18x]: holds" in text
    assert "which helps FCNN on smeared jets more" in text
    assert (tmp_path / "c.md").read_text().startswith("# Seed 001, FCNN, tiny: seed 001's conclusions")


def test_the_same_study_reads_the_real_top_tagging_set(raw):
    """Samples read from Top Tagging files instead of generated: the study expands the same."""
    read = copy.deepcopy(raw)
    read["samples"] = {"top": {"read": {"format": "top_tagging", "path": "train.h5", "keep_label": 1}},
                       "qcd": {"read": {"format": "top_tagging", "path": "train.h5", "keep_label": 0}}}
    assert sorted(validate_config(read)["runs"]) == sorted(validate_config(raw)["runs"])
