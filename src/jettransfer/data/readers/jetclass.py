"""JetClass (Qu et al.): ROOT files, TTree `tree`, one class per file, jagged particle branches.

Read: part_px, part_py, part_pz, part_energy (GeV), part_charge, and the label_* branch
that names this sample's class. label_* branches come with mixed dtypes (float, bool,
int32); any non-zero value marks the class. Jets of label_QCD are background (0), others 1.
Every particle read is checked (finite, E >= 0, E >= |p| up to rounding), its charge finite.
"""

from __future__ import annotations

import os

import awkward as ak
import numpy as np

from jettransfer.data.errors import InputFileError
from jettransfer.data.jet_file import JetTable
from jettransfer.data.readers.common import (
    cartesian,
    check_particles,
    file_rows,
    require_finite,
    table_from_flat,
)
from jettransfer.data.root_tree import read_tree

TREE = "tree"
PARTICLES = {"part_px": "f", "part_py": "f", "part_pz": "f", "part_energy": "f", "part_charge": "fiu"}


def read_jetclass(path: str | os.PathLike, label_branch: str, max_jets: int | None = None) -> JetTable:
    if not label_branch.startswith("label_"):
        raise ValueError(f"label_branch must name a label_* branch, got {label_branch!r}")
    arrays, _ = read_tree(path, TREE, {**PARTICLES, label_branch: "fiub"})
    # A NaN label would count as the class (NaN is not zero): the whole branch is checked.
    in_class = require_finite(path, label_branch, np.asarray(ak.to_numpy(arrays[label_branch])))
    mine = np.flatnonzero(in_class.astype(bool))[:max_jets]
    if len(mine) == 0:
        raise InputFileError(path, label_branch, "no jet of this class in the file")
    label = 0 if label_branch == "label_QCD" else 1
    picked = {k: ak.to_numpy(ak.flatten(arrays[k][mine])) for k in PARTICLES}
    counts = ak.to_numpy(ak.num(arrays["part_px"][mine]))
    check_particles(path, picked, "part_energy", cartesian("part_px", "part_py", "part_pz"), counts=counts,
                    jet_name=file_rows(mine))
    momenta = np.stack([picked[k] for k in ("part_px", "part_py", "part_pz", "part_energy")], axis=1)
    return table_from_flat(path, momenta, counts, np.full(len(mine), label), charge=picked["part_charge"])
