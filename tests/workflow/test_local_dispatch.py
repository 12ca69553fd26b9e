"""Local dispatch: requests that follow the study's scale, retries that keep the failed log,
reruns that redo only what is missing, and `--resources gpu=0` training on the CPU."""

from __future__ import annotations

import re

import pytest
import yaml

from tests.workflow.conftest import TINY, downloaded_study, snakemake, write_top_tagging_sample

pytestmark = pytest.mark.workflow


def planned_jobs(output: str) -> list[dict[str, str]]:
    """rule, wildcards and resources of every job in a dry run's output."""
    jobs = []
    for block in re.split(r"\n(?=(?:local)?rule \w+:)", output):
        rule = re.match(r"(?:local)?rule (\w+):", block)
        resources = re.search(r"resources: (.*)", block)
        if rule and resources:
            wildcards = re.search(r"wildcards: (.*)", block)
            jobs.append({"rule": rule.group(1), "wildcards": wildcards.group(1) if wildcards else "",
                         **dict(item.split("=", 1) for item in resources.group(1).split(", "))})
    return jobs


def request(jobs, rule, wildcards):
    return next(job for job in jobs if job["rule"] == rule and job["wildcards"] == wildcards)


def test_requests_grow_with_the_study_scale(tmp_path):
    config = yaml.safe_load(TINY.read_text())
    small = snakemake(tmp_path, "--configfile", str(TINY), "-n", "--cores", "1")
    assert small.returncode == 0, small.stderr[-3000:]
    for sample in ("top_500gev", "qcd_500gev"):
        config["samples"][sample]["n_jets"] *= 1000
    config["training"]["epochs"] = 30
    big_config = tmp_path / "big.yaml"
    big_config.write_text(yaml.safe_dump(config))
    big = snakemake(tmp_path, "--configfile", str(big_config), "-n", "--cores", "1")
    assert big.returncode == 0, big.stderr[-3000:]
    before, after = planned_jobs(small.stdout), planned_jobs(big.stdout)
    for rule, wildcards in (("generate_events", "sample=top_500gev, shard=0"),
                            ("train_tagger", "run=top500_scratch"),
                            ("evaluate_tagger", "run=top500_scratch")):
        small_job, big_job = request(before, rule, wildcards), request(after, rule, wildcards)
        assert int(big_job["runtime"]) > int(small_job["runtime"]), (rule, small_job, big_job)
        assert int(big_job["mem_mb"]) > int(small_job["mem_mb"]), (rule, small_job, big_job)
    # A job whose size did not change asks for the same.
    assert request(after, "generate_events", "sample=top_2tev, shard=0") == \
        request(before, "generate_events", "sample=top_2tev, shard=0")
    assert request(after, "train_tagger", "run=top500_scratch")["gpu"] == "1"


def test_a_failed_job_is_retried_keeps_its_log_and_a_rerun_redoes_only_what_is_missing(
        tmp_path, top_sample, qcd_sample):
    write_top_tagging_sample(tmp_path / "top.h5", top_sample)
    write_top_tagging_sample(tmp_path / "qcd.h5", qcd_sample)
    good_qcd = (tmp_path / "qcd.h5").read_bytes()
    (tmp_path / "qcd.h5").write_bytes(good_qcd[: len(good_qcd) // 3])  # a download cut short
    config = downloaded_study(tmp_path / "top.h5", tmp_path / "qcd.h5")
    study = tmp_path / "study.yaml"
    study.write_text(yaml.safe_dump(config))
    args = ("--configfile", str(study), "--cores", "2", "--resources", "gpu=0", "--retries", "1", "--keep-going")

    failed = snakemake(tmp_path, *args)
    assert failed.returncode != 0
    output = failed.stdout + failed.stderr
    assert "logs/convert/qcd.log" in output  # the error names the log
    kept = sorted((tmp_path / "logs" / "convert").glob("qcd.failed-*.log"))
    assert len(kept) == 2, kept  # the first try and the retry, each kept
    for log in kept:
        text = log.read_text()
        assert "qcd.h5" in text and "job failed" in text and f"this log is kept as {log.relative_to(tmp_path)}" in text
    assert (tmp_path / "results" / "jets" / "top" / "shard0.root").exists()  # keep-going finished the rest
    assert not (tmp_path / "results" / "jets" / "qcd").exists()  # nothing half-written

    (tmp_path / "qcd.h5").write_bytes(good_qcd)
    rerun = snakemake(tmp_path, *args)
    assert rerun.returncode == 0, rerun.stderr[-4000:]
    ran = [(job["rule"], job["wildcards"]) for job in planned_jobs(rerun.stdout + rerun.stderr)]
    assert ("convert_sample", "sample=qcd") in ran and ("convert_sample", "sample=top") not in ran
    assert ("jet_representation", "representation=lund, sample=top") not in ran
    assert (tmp_path / "results" / "tables" / "toptag.csv").exists()
    train_log = (tmp_path / "logs" / "train" / "ln3_scratch.log").read_text()
    assert "no GPU slot given to this job (resources gpu=0)" in train_log
