"""The tiny study through `--profile slurm` on a real one-node SLURM cluster started for the test.

The cluster (tests/cluster/local_slurm.py) runs munged, slurmctld and slurmd on localhost with a
fake GPU, and is shut down after the module, also when a test fails. Every step is bounded in
time, so a stuck cluster fails the test instead of hanging CI. Machines that cannot run the
daemons (not root, SLURM not installed, a real SLURM config present) skip with the reason.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
import yaml

from tests.cluster.local_slurm import LocalSlurm, unavailable_reason
from tests.conftest import REPO
from tests.workflow.conftest import TINY, snakemake, write_top_tagging_sample

pytestmark = pytest.mark.workflow


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    reason = unavailable_reason()
    if reason:
        pytest.skip(f"no test SLURM cluster: {reason}")
    with LocalSlurm(tmp_path_factory.mktemp("slurm-cluster")) as local_slurm:
        yield local_slurm


def slurm_snakemake(cluster, workdir, *args, timeout=1500):
    # What a user of a cluster without accounting (no sacct) and with small nodes adds:
    return snakemake(workdir, "--profile", "slurm", "--cores", str(cluster.cpus), "--slurm-status-command", "squeue",
                     "--slurm-no-account", "--slurm-init-seconds-before-status-checks", "5", *args,
                     cwd=REPO, env=cluster.env, timeout=timeout)


@pytest.fixture(scope="module")
def slurm_run(cluster, tmp_path_factory):
    """The tiny study submitted through the repository's slurm profile, as a user runs it."""
    workdir = tmp_path_factory.mktemp("tiny-slurm")
    result = slurm_snakemake(cluster, workdir, "--configfile", str(TINY))
    assert result.returncode == 0, result.stderr[-5000:] + "\n" + cluster.logs()
    return workdir


def test_every_job_went_through_sbatch_and_completed(cluster, slurm_run):
    jobs = cluster.jobs()
    assert jobs and all(job["state"] == "COMPLETED" for job in jobs), jobs
    kinds = {job["comment"].split("_wildcards_")[0] for job in jobs}
    assert kinds == {"rule_shards_cluster_jets_generate_events", "rule_jet_representation", "rule_task_datasets",
                     "rule_train_tagger", "rule_transfer_tagger", "rule_evaluate_tagger",
                     "rule_report_metrics_table_roc_figure"}, kinds
    # 8 generation shards and their clustering ran as 2 jobs of 4 shards; the table and figure as 1.
    assert sum(job["comment"].startswith("rule_shards") for job in jobs) == 2
    assert sum(job["comment"].startswith("rule_report") for job in jobs) == 1
    # SLURM's log of a job is written under logs/slurm and removed when the job succeeds.
    assert not list((slurm_run / "logs").glob("slurm/**/*.log"))
    assert not list(slurm_run.glob(".snakemake/slurm_logs/**/*.log"))


def test_a_training_job_asks_sbatch_for_a_gpu(cluster, slurm_run):
    jobs = {job["comment"]: job["id"] for job in cluster.jobs()}
    training = cluster.job_details(jobs["rule_train_tagger_wildcards_top500_scratch"])
    assert "TresPerJob=gres:gpu:1" in training, training
    evaluation = cluster.job_details(jobs["rule_evaluate_tagger_wildcards_top500_scratch"])
    assert "gpu" not in evaluation, evaluation
    # SLURM gave the job its (fake) GPU; torch on this machine sees none and says so.
    log = (slurm_run / "logs" / "train" / "top500_scratch.log").read_text()
    assert "SLURM allocated GPU 0" in log and "running on the CPU" in log


def test_outputs_equal_a_local_run(slurm_run, tiny_run):
    data = sorted(p.relative_to(slurm_run) for p in (slurm_run / "results").rglob("*")
                  if p.is_file() and p.relative_to(slurm_run).parts[1] in ("events", "jets", "representations", "datasets"))
    assert len(data) == 8 + 8 + 6 + 9  # events, jets, representations, dataset splits
    for path in data:
        assert (slurm_run / path).read_bytes() == (tiny_run / path).read_bytes(), f"{path} differs"
    runs = sorted(p.stem for p in (slurm_run / "results" / "metrics").glob("*.json"))
    assert len(runs) == 5
    for run in runs:
        metrics = [json.loads((d / "results" / "metrics" / f"{run}.json").read_text()) for d in (slurm_run, tiny_run)]
        assert metrics[0] == metrics[1], run
        scores = [np.load(d / "results" / "scores" / f"{run}.npz")["scores"] for d in (slurm_run, tiny_run)]
        np.testing.assert_array_equal(scores[0], scores[1])
    assert (slurm_run / "results" / "figures" / "roc_transfer_top500.png").stat().st_size > 20_000


def test_a_failed_job_is_retried_with_more_and_its_logs_are_kept(cluster, slurm_run, tmp_path, qcd_sample):
    """A conversion that fails on a truncated download: resubmitted per the profile's retries,
    each time with more memory and time; its SLURM log and its rule log stay, named in the error."""
    write_top_tagging_sample(tmp_path / "qcd.h5", qcd_sample)
    data = (tmp_path / "qcd.h5").read_bytes()
    (tmp_path / "qcd.h5").write_bytes(data[: len(data) // 3])
    config = yaml.safe_load(TINY.read_text())
    config["samples"]["qcd_500gev"] = {"read": {"format": "top_tagging", "path": str(tmp_path / "qcd.h5"),
                                                "keep_label": 0}}
    study = tmp_path / "study.yaml"
    study.write_text(yaml.safe_dump(config))
    before = {job["id"] for job in cluster.jobs()}
    # The target goes first: --configfile takes every name after it.
    result = slurm_snakemake(cluster, tmp_path, "results/jets/qcd_500gev/shard0.root", "--configfile", str(study),
                             timeout=600)
    assert result.returncode != 0
    attempts = [job for job in cluster.jobs() if job["id"] not in before]
    assert [job["state"] for job in attempts] == ["FAILED"] * 3, attempts  # retries: 2 in slurm/config.yaml
    memory = sorted(int(re.search(r"MinMemoryNode=(\d+)", cluster.job_details(job["id"])).group(1))
                    for job in attempts)
    assert memory[0] < memory[1] < memory[2] and abs(memory[2] - 3 * memory[0]) <= 3, memory
    output = result.stdout + result.stderr
    slurm_logs = sorted((tmp_path / "logs" / "slurm").rglob("*.log"))
    assert len(slurm_logs) == 3 and all(str(log) in output for log in slurm_logs), output[-3000:]
    assert "logs/convert/qcd_500gev.log" in output
    assert "qcd.h5" in slurm_logs[-1].read_text()
    assert len(list((tmp_path / "logs" / "convert").glob("qcd_500gev.failed-*.log"))) == 3
