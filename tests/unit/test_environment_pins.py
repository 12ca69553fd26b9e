"""The conda environment of the rules pins what pyproject.toml pins (torch: the Makefile's version;
snakemake itself runs outside it, and its script preamble finds its own package)."""

from __future__ import annotations

import re
import tomllib

import yaml

from tests.conftest import REPO


def test_conda_environment_matches_pyproject():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"]
    conda = yaml.safe_load((REPO / "workflow" / "envs" / "jettransfer.yaml").read_text())
    pip = next(item["pip"] for item in conda["dependencies"] if isinstance(item, dict))
    torch = re.search(r"TORCH_SPEC \?= (\S+)", (REPO / "Makefile").read_text()).group(1)
    jobs_need = sorted(p for p in project if not p.startswith(("torch", "snakemake")))
    assert sorted(p for p in pip if not p.startswith("torch")) == jobs_need
    assert [p for p in pip if p.startswith("torch")] == [torch]
