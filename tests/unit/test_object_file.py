"""The object file: round trip, readable branches, and clear errors for bad files."""

import awkward as ak
import numpy as np
import pytest
import uproot

from jettransfer.data.errors import InputFileError
from jettransfer.data.object_file import (OBJECT_FIELDS, TREE, TRUTH_PARTICLES, ObjectRecord, concatenate_objects,
                                          read_objects, truth_keys, write_objects)
from jettransfer.data.root_tree import write_tree

DOCUMENTED_BRANCHES = (
    {"event_number", "nobj", "met", "met_phi"} | {f"obj_{k}" for k in OBJECT_FIELDS}
    | {f"truth_{p}_{k}" for p in TRUTH_PARTICLES for k in ("exists", "pt", "eta", "phi")}
)


def record(n_events=4, seed=0):
    rng = np.random.default_rng(seed)
    counts = rng.integers(1, 6, n_events)
    total = counts.sum()
    objects = {k: ak.unflatten(rng.normal(size=total).astype(t) if t == np.float32 else
                               rng.integers(0, 5, total).astype(t), counts) for k, t in OBJECT_FIELDS.items()}
    truth = {k: (rng.integers(0, 2, n_events) if k.endswith("exists") else rng.normal(size=n_events)).astype(t)
             for k, t in truth_keys().items()}
    return ObjectRecord(event_number=np.arange(n_events, dtype=np.int64) * 3, objects=objects,
                        met=rng.uniform(0, 100, n_events).astype(np.float32),
                        met_phi=rng.uniform(0, 6, n_events).astype(np.float32), truth=truth,
                        provenance={"process": "tth", "seed": seed})


def test_round_trip(tmp_path):
    original = record()
    write_objects(tmp_path / "o.root", original)
    back = read_objects(tmp_path / "o.root")
    assert len(back) == len(original) and back.provenance == original.provenance
    np.testing.assert_array_equal(back.event_number, original.event_number)
    for k in OBJECT_FIELDS:
        assert back.objects[k].tolist() == original.objects[k].tolist(), k
    np.testing.assert_array_equal(back.met, original.met)
    np.testing.assert_array_equal(back.met_phi, original.met_phi)
    for k in truth_keys():
        np.testing.assert_array_equal(back.truth[k], original.truth[k])


def test_files_open_with_uproot_showing_the_documented_branches(tmp_path):
    write_objects(tmp_path / "o.root", record())
    with uproot.open(tmp_path / "o.root") as handle:
        tree = handle[TREE]
        assert set(tree.keys()) == DOCUMENTED_BRANCHES
        assert tree["obj_pt"].array(library="ak").type.content.content.primitive == "float32"
        assert tree["obj_type"].array(library="ak").type.content.content.primitive == "int8"
        assert tree["truth_higgs_exists"].array(library="np").dtype == np.int8
        assert tree.num_entries == 4


def test_same_record_gives_the_same_bytes(tmp_path):
    # ROOT stores the file's name, so both copies have the same one.
    paths = [tmp_path / run / "objects.root" for run in ("a", "b")]
    for path in paths:
        write_objects(path, record())
    assert paths[0].read_bytes() == paths[1].read_bytes()


def test_concatenation_keeps_events_in_order():
    parts = [record(3, seed=1), record(2, seed=2)]
    merged = concatenate_objects(parts)
    assert len(merged) == 5
    assert merged.objects["pt"].tolist() == parts[0].objects["pt"].tolist() + parts[1].objects["pt"].tolist()
    assert merged.provenance == {"parts": [p.provenance for p in parts]}
    with pytest.raises(ValueError):
        concatenate_objects([])


def _rewrite(path, drop=None, retype=None):
    """A copy of record()'s file without branch `drop` or with branch `retype` as float64."""
    r = record()
    flat = {"event_number": r.event_number, "met": r.met, "met_phi": r.met_phi}
    flat |= {f"truth_{k}": v for k, v in r.truth.items()}
    jagged = {"obj": dict(r.objects)}
    if retype in flat:
        flat[retype] = flat[retype].astype(np.float64)
    if retype and retype.startswith("obj_"):
        jagged["obj"][retype[4:]] = ak.values_astype(jagged["obj"][retype[4:]], np.float64)
    flat.pop(drop, None)
    if drop and drop.startswith("obj_"):
        del jagged["obj"][drop[4:]]
    write_tree(path, TREE, flat, jagged, {})


@pytest.mark.parametrize("branch", ["truth_top_eta", "obj_btag", "met"])
def test_a_missing_branch_names_the_file_and_the_branch(tmp_path, branch):
    _rewrite(tmp_path / "bad.root", drop=branch)
    with pytest.raises(InputFileError, match=f"bad.root, field '{branch}': branch is missing"):
        read_objects(tmp_path / "bad.root")


@pytest.mark.parametrize("branch", ["obj_type", "truth_higgs_exists", "event_number"])
def test_a_wrong_dtype_names_the_file_and_the_branch(tmp_path, branch):
    _rewrite(tmp_path / "bad.root", retype=branch)
    with pytest.raises(InputFileError, match=f"bad.root, field '{branch}': dtype float64"):
        read_objects(tmp_path / "bad.root")


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(InputFileError, match="nowhere.root: file does not exist"):
        read_objects(tmp_path / "nowhere.root")
