"""Workflow fixtures: Snakemake run as a user runs it, and the tiny study run once per session."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

SNAKEMAKE = str(Path(sys.executable).with_name("snakemake"))
TINY = REPO / "tests" / "config" / "tiny.yaml"


def snakemake(workdir: Path, *args: str, timeout: int = 1200, cwd: Path | None = None,
              env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    command = [SNAKEMAKE, "--snakefile", str(REPO / "Snakefile"), "--directory", str(workdir), *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout, cwd=cwd,
                          env=env if env is not None else os.environ.copy())


def run_locally(tmp_path_factory, config: Path, name: str) -> Path:
    """`config`'s whole DAG run on 2 cores in a new folder, which is returned."""
    workdir = tmp_path_factory.mktemp(name)
    result = snakemake(workdir, "--configfile", str(config), "--cores", "2")
    assert result.returncode == 0, result.stderr[-4000:]
    return workdir


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory):
    """The tiny study run locally on 2 cores; later tests read its outputs."""
    return run_locally(tmp_path_factory, TINY, "tiny")


def write_top_tagging_sample(path: Path, *samples) -> None:
    """A Top Tagging reference HDF5 file holding the jets of (events, jets) test samples."""
    import awkward as ak
    import numpy as np

    from jettransfer.data.jet_file import concatenate_jets
    from tests.unit.test_readers import write_top_tagging

    table = concatenate_jets([sample[1] for sample in samples])
    c = table.constituents
    momenta = [np.stack([ak.to_numpy(c[k][i]) for k in ("px", "py", "pz", "energy")], axis=1).astype(float)
               for i in range(len(table))]
    write_top_tagging(path, table, momenta)


def downloaded_study(top: Path, qcd: Path) -> dict:
    """A small study of LundNet3 on top and QCD jets read from Top Tagging reference files."""
    return {
        "samples": {"top": {"read": {"format": "top_tagging", "path": str(top), "keep_label": 1}},
                    "qcd": {"read": {"format": "top_tagging", "path": str(qcd), "keep_label": 0}}},
        "splits": {"train": 0.5, "validation": 0.25, "test": 0.25},
        "tasks": {"toptag": {"signal": "top", "background": "qcd"}},
        "representations": {"lund": {"kind": "lund_graph"}},
        "models": {"ln3": {"preset": "LundNet3", "representation": "lund"}},
        "training": {"epochs": 1, "batch_size": 16, "lr_milestones": []},
        "runs": {"ln3_scratch": {"task": "toptag", "model": "ln3", "mode": "scratch"}},
        "tables": {"toptag": {"runs": ["ln3_scratch"]}},
    }
