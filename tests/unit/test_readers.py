"""Each reader on a small file written in exactly its format, and each kind of bad input."""

from __future__ import annotations

import gzip
import json

import awkward as ak
import h5py
import numpy as np
import pandas as pd
import pytest
import uproot

from jettransfer.data.errors import InputFileError
from jettransfer.data.jet_file import concatenate_jets, read_jets
from jettransfer.data.readers import read_dataset


@pytest.fixture(scope="module")
def source_jets(top_sample, qcd_sample):
    """20 top and 20 QCD Pythia jets, and their true constituent four-vectors per jet."""
    table = concatenate_jets([top_sample[1].take(np.arange(20)), qcd_sample[1].take(np.arange(20))])
    c = table.constituents
    # Written in increasing pT, so each reader must put them back in decreasing order.
    momenta = [np.stack([ak.to_numpy(c[k][i]) for k in ("px", "py", "pz", "energy")], axis=1).astype(np.float64)[::-1]
               for i in range(len(table))]
    return table, momenta


def write_top_tagging(path, table, momenta, drop=None):
    rows = []
    for i, m in enumerate(momenta):
        row = {}
        for j in range(200):
            e, px, py, pz = (m[j, 3], m[j, 0], m[j, 1], m[j, 2]) if j < len(m) else (0.0, 0.0, 0.0, 0.0)
            row |= {f"E_{j}": e, f"PX_{j}": px, f"PY_{j}": py, f"PZ_{j}": pz}
        label = int(table.jets["label"][i])
        truth_pt, truth_eta, truth_phi, truth_m = (table.jets[k][i] for k in ("truth_pt", "truth_eta", "truth_phi", "truth_mass"))
        if label:
            tpx, tpy, tpz = truth_pt * np.cos(truth_phi), truth_pt * np.sin(truth_phi), truth_pt * np.sinh(truth_eta)
            row |= {"truthE": np.sqrt(tpx**2 + tpy**2 + tpz**2 + truth_m**2), "truthPX": tpx, "truthPY": tpy, "truthPZ": tpz}
        else:
            row |= {"truthE": 0.0, "truthPX": 0.0, "truthPY": 0.0, "truthPZ": 0.0}
        rows.append(row | {"ttv": 0, "is_signal_new": label})
    frame = pd.DataFrame(rows)
    if drop:
        frame = frame.drop(columns=[drop])
    frame.to_hdf(path, key="table", mode="w", format="fixed")


def write_atlas(path, table, momenta, drop=None):
    n = len(momenta)
    arrays = {k: np.zeros((n, 200), np.float32) for k in ("fjet_clus_pt", "fjet_clus_eta", "fjet_clus_phi", "fjet_clus_E")}
    for i, m in enumerate(momenta):
        pt = np.hypot(m[:, 0], m[:, 1])
        arrays["fjet_clus_pt"][i, : len(m)] = pt * 1e3
        arrays["fjet_clus_eta"][i, : len(m)] = np.arcsinh(m[:, 2] / pt)
        arrays["fjet_clus_phi"][i, : len(m)] = np.arctan2(m[:, 1], m[:, 0])
        arrays["fjet_clus_E"][i, : len(m)] = m[:, 3] * 1e3
    arrays |= {"labels": table.jets["label"].astype(np.float32), "training_weights": np.ones(n, np.float32),
               "fjet_pt": table.jets["jet_pt"] * 1e3, "fjet_eta": table.jets["jet_eta"], "fjet_phi": table.jets["jet_phi"],
               "fjet_m": table.jets["jet_mass"] * 1e3}
    with h5py.File(path, "w") as f:
        for key, value in arrays.items():
            if key != drop:
                f.create_dataset(key, data=value)


def write_jetclass(path, table, momenta, charges=None):
    """Particles in the order of `momenta`; `charges` (one array per jet, same order) or zeros."""
    label = table.jets["label"]
    counts = [len(m) for m in momenta]
    flat = np.concatenate(momenta).astype(np.float32)
    branches = {f"part_{k}": ak.unflatten(flat[:, i], counts) for i, k in enumerate(("px", "py", "pz", "energy"))}
    charge = np.zeros(len(flat), np.float32) if charges is None else np.concatenate(charges).astype(np.float32)
    branches["part_charge"] = ak.unflatten(charge, counts)
    # JetClass's label_* branches come with mixed dtypes.
    flat = {"label_QCD": label == 0, "label_Tbqq": (label == 1).astype(np.float32), "label_Hbb": np.zeros(len(label), np.int32),
            "jet_pt": table.jets["jet_pt"].astype(np.float32)}
    with uproot.recreate(path) as f:
        tree = f.mktree("tree", {**{k: v.type.content for k, v in branches.items()}, **{k: v.dtype for k, v in flat.items()}})
        tree.extend({**branches, **flat})


def lundnet_line(m, lists=False, **dumps) -> str:
    """A jet as a line of LundNet's public files: the jet's own four-vector, then its
    constituents', each {"E", "px", "py", "pz"} (nlohmann::json's key order); or each
    [px, py, pz, E] where `lists`."""
    vectors = [m.sum(axis=0), *m]
    if lists:
        return json.dumps([v.tolist() for v in vectors], **dumps)
    return json.dumps([{"E": e, "px": px, "py": py, "pz": pz} for px, py, pz, e in np.asarray(vectors).tolist()], **dumps)


def write_lundnet(path, table, momenta, lists=False):
    with gzip.open(path, "wt") as f:
        for m in momenta:
            f.write(lundnet_line(m, lists) + "\n")


FORMATS = {
    "top_tagging": (write_top_tagging, "train.h5", {"keep_label": 1}),
    "atlas_top_tagging": (write_atlas, "atlas.h5", {"keep_label": 1}),
    "jetclass": (write_jetclass, "TTBar_000.root", {"label_branch": "label_Tbqq"}),
    "lundnet_json": (write_lundnet, "top.json.gz", {"label": 1}),
}


def written(tmp_path, source_jets, fmt):
    """Write the source jets in format `fmt`; return the file and the `read` spec for it."""
    table, momenta = source_jets
    writer, name, options = FORMATS[fmt]
    writer(tmp_path / name, table, momenta)
    return tmp_path / name, {"format": fmt, "path": str(tmp_path / name), **options}


@pytest.mark.parametrize("fmt", FORMATS)
def test_reader_recovers_the_jets(tmp_path, source_jets, fmt):
    table, momenta = source_jets
    _, spec = written(tmp_path, source_jets, fmt)
    read = read_dataset(spec)
    # Mixed-class formats keep the tops only; single-class formats take the whole file as tops.
    expected = np.flatnonzero(table.jets["label"] == 1) if fmt != "lundnet_json" else np.arange(len(table))
    assert len(read) == len(expected) and np.all(read.jets["label"] == 1)
    np.testing.assert_allclose(read.jets["jet_pt"], table.jets["jet_pt"][expected], rtol=2e-5)
    np.testing.assert_allclose(read.jets["jet_mass"], table.jets["jet_mass"][expected], rtol=1e-3, atol=0.05)
    counts = ak.to_numpy(ak.num(read.constituents["px"]))
    np.testing.assert_array_equal(counts, [len(momenta[i]) for i in expected])
    pt = np.hypot(ak.to_numpy(read.constituents["px"][0]), ak.to_numpy(read.constituents["py"][0]))
    assert np.all(np.diff(pt) <= 1e-3), "constituents ordered by decreasing pT"
    if fmt == "top_tagging":
        np.testing.assert_allclose(read.jets["truth_mass"], table.jets["truth_mass"][expected], rtol=1e-4)


def test_jetclass_background_class_reads_a_bool_label(tmp_path, source_jets):
    table, momenta = source_jets
    write_jetclass(tmp_path / "QCD.root", table, momenta)
    read = read_dataset({"format": "jetclass", "path": str(tmp_path / "QCD.root"), "label_branch": "label_QCD"})
    assert len(read) == int((table.jets["label"] == 0).sum()) and np.all(read.jets["label"] == 0)
    with pytest.raises(InputFileError, match="label_Hbb.*no jet of this class"):
        read_dataset({"format": "jetclass", "path": str(tmp_path / "QCD.root"), "label_branch": "label_Hbb"})


def read_lundnet(path, label=1):
    return read_dataset({"format": "lundnet_json", "path": str(path), "label": label})


def test_lundnet_real_format_is_read_as_written(tmp_path):
    """The public files' own line format, numbers written by hand: a header string, a blank
    line, keys in any order, an extra key, the jet's own vector first (not kept)."""
    lines = [
        '"Pythia 8.223, ttbar, anti-kt R=1.0"',
        ('[{"E":100.5,"px":10.0,"py":0.0,"pz":100.0},{"E":60.0,"px":3.0,"py":4.0,"pz":59.0},'
         '{"E":40.5,"px":7.0,"py":-4.0,"pz":39.5}]'),
        "",
        '[{"E": 8, "px": 1, "py": 2, "pz": 3}, {"pz": 3, "E": 8, "py": 2, "px": 1, "pid": 22}]',
    ]
    with gzip.open(tmp_path / "real.json.gz", "wt") as f:
        f.write("\n".join(lines) + "\n")
    read = read_lundnet(tmp_path / "real.json.gz")
    assert len(read) == 2 and ak.to_list(ak.num(read.constituents["px"])) == [2, 1]
    # Constituents by decreasing pT: (7, -4) has pT 8.06, (3, 4) has 5.
    assert read.constituents["px"].tolist() == [[7.0, 3.0], [1.0]]
    assert read.constituents["py"].tolist() == [[-4.0, 4.0], [2.0]]
    assert read.constituents["pz"].tolist() == [[39.5, 59.0], [3.0]]
    assert read.constituents["energy"].tolist() == [[40.5, 60.0], [8.0]]
    np.testing.assert_allclose(read.jets["jet_pt"], [10.0, np.hypot(1, 2)])
    np.testing.assert_allclose(read.jets["jet_mass"], [np.sqrt(100.5**2 - 10**2 - 98.5**2), np.sqrt(64 - 14)])


def test_lundnet_lists_read_as_the_objects(tmp_path, source_jets):
    table, momenta = source_jets
    write_lundnet(tmp_path / "objects.json.gz", table, momenta)
    write_lundnet(tmp_path / "lists.json.gz", table, momenta, lists=True)
    objects, lists = read_lundnet(tmp_path / "objects.json.gz"), read_lundnet(tmp_path / "lists.json.gz")
    for key in ("px", "py", "pz", "energy"):
        assert objects.constituents[key].tolist() == lists.constituents[key].tolist()
    np.testing.assert_array_equal(objects.jets["jet_mass"], lists.jets["jet_mass"])


@pytest.mark.parametrize("second_line, error", [
    ('[{"E": 4, "px": 1, "py": 2, "pz": 3}, {"E": 4, "px": 1, "py": 2', "not valid JSON"),
    ('[{"E": 4, "px": 1, "py": 2, "pz": 3}, {"E": 4, "px": 1, "pz": 3}]', "constituent 0 has no key 'py'"),
    ('[{"E": 4, "px": 1, "py": 2, "pz": 3}, {"E": 4, "px": 1, "py": 2, "pz": "3"}]', "constituent 0, pz: expected a number"),
    ('[{"E": 4, "px": 1, "py": 2, "pz": 3}, {"E": true, "px": 1, "py": 2, "pz": 3}]', "constituent 0, E: expected a number"),
    ("[[1, 2, 3, 4], [1, 2, 3]]", "constituent 0: expected an object"),  # a three-vector
    ("[[1, 2, 3, 4], [1, 2, 3, 4], [1, 2, 3, 4, 5]]", "constituent 1: expected an object"),
    ("[[1, 2, 3, 4], [1, 2, 3, 4], 7]", "constituent 1: expected an object"),
    ("[[1, 2, 3, 4]]", r"expected \[jet, p1, p2, ...\] with at least one particle"),  # no particle
    ('{"E": 4, "px": 1, "py": 2, "pz": 3}', r"expected \[jet, p1, p2, ...\]"),
])
def test_malformed_lundnet_line_is_refused_by_its_number(tmp_path, second_line, error):
    with gzip.open(tmp_path / "bad.json.gz", "wt") as f:
        f.write(f"[[1, 2, 3, 4], [1, 2, 3, 4]]\n{second_line}\n[[1, 2, 3, 4], [1, 2, 3, 4]]\n")
    with pytest.raises(InputFileError, match=rf"bad\.json\.gz, field 'line 2': {error}"):
        read_lundnet(tmp_path / "bad.json.gz")


def test_lundnet_spacing_blank_lines_crlf_and_last_newline_do_not_matter(tmp_path, source_jets):
    table, momenta = source_jets
    write_lundnet(tmp_path / "spaced.json.gz", table, momenta)
    with gzip.open(tmp_path / "tight.json.gz", "wt", newline="") as f:  # no blanks, CRLF, a blank line, no final newline
        f.write("\r\n\r\n".join(lundnet_line(m, separators=(",", ":")) for m in momenta))
    spaced, tight = read_lundnet(tmp_path / "spaced.json.gz"), read_lundnet(tmp_path / "tight.json.gz")
    assert len(spaced) == len(tight) == len(momenta)
    for key in ("px", "energy"):
        assert spaced.constituents[key].tolist() == tight.constituents[key].tolist()
    # The reader keeps the file's values exactly (and orders particles by decreasing pT).
    first = momenta[0][np.argsort(-np.hypot(momenta[0][:, 0], momenta[0][:, 1]), kind="stable")]
    assert np.array_equal(ak.to_numpy(spaced.constituents["px"][0]), first[:, 0])


def test_lundnet_late_error_and_gzip_members(tmp_path):
    # An error far into the file still names its line.
    with gzip.open(tmp_path / "late.json.gz", "wt") as f:
        f.write("[[1, 2, 3, 4], [1, 2, 3, 4]]\n" * 5000 + "[[1, 2, 3, 4], [1, 2, 3]]\n")
    with pytest.raises(InputFileError, match=r"late\.json\.gz, field 'line 5001'"):
        read_lundnet(tmp_path / "late.json.gz")
    # A gzip file may be several members one after another (cat a.gz b.gz): all are read.
    member = gzip.compress(b'[{"E": 4, "px": 1, "py": 2, "pz": 3}, {"E": 4, "px": 1, "py": 2, "pz": 3}]\n')
    (tmp_path / "members.json.gz").write_bytes(member * 3)
    assert len(read_lundnet(tmp_path / "members.json.gz")) == 3
    (tmp_path / "plain.json.gz").write_bytes(b"[[1, 2, 3, 4], [1, 2, 3, 4]]\n")  # not gzipped
    with pytest.raises(InputFileError, match=r"plain\.json\.gz: not a readable gzip file"):
        read_lundnet(tmp_path / "plain.json.gz")


def test_lundnet_numbers_are_python_floats(tmp_path):
    # More digits than a double holds, exponents, integers: the same doubles as float().
    long = "123.4567890123456789012345"
    with gzip.open(tmp_path / "long.json.gz", "wt") as f:
        f.write(f"[[1, 2, 3, 4], [{long}, 0.5, -7e-3, 1E3], [1, 0, 0, 18446744073709551617]]\n")
    read = read_lundnet(tmp_path / "long.json.gz")
    assert read.constituents["px"].tolist() == [[float(long), 1.0]]
    assert read.constituents["energy"].tolist() == [[1e3, float(18446744073709551617)]]
    assert read.constituents["pz"][0, 0] == -7e-3


def test_charge_follows_its_particle_when_sorting(tmp_path, source_jets):
    table, momenta = source_jets  # momenta are in increasing pT: the reader must reorder them
    charges = [ak.to_numpy(q)[::-1] for q in table.constituents["charge"]]
    write_jetclass(tmp_path / "t.root", table, momenta, charges)
    read = read_dataset({"format": "jetclass", "path": str(tmp_path / "t.root"), "label_branch": "label_Tbqq"})
    top = np.flatnonzero(table.jets["label"] == 1)
    assert read.constituents["charge"].tolist() == table.constituents["charge"][top].tolist()


def test_max_jets_reads_only_the_first(tmp_path, source_jets):
    table, momenta = source_jets
    write_lundnet(tmp_path / "j.json.gz", table, momenta)
    assert len(read_dataset({"format": "lundnet_json", "path": str(tmp_path / "j.json.gz"), "label": 0}, max_jets=7)) == 7


@pytest.mark.parametrize("fmt, drop, field", [
    ("top_tagging", "is_signal_new", "is_signal_new"),
    ("top_tagging", "PX_17", "PX_17"),
    ("atlas_top_tagging", "fjet_clus_eta", "fjet_clus_eta"),
    ("atlas_top_tagging", "labels", "labels"),
])
def test_missing_column_names_file_and_field(tmp_path, source_jets, fmt, drop, field):
    table, momenta = source_jets
    writer, name, options = FORMATS[fmt]
    writer(tmp_path / name, table, momenta, drop=drop)
    with pytest.raises(InputFileError, match=rf"{name}, field '{field}'"):
        read_dataset({"format": fmt, "path": str(tmp_path / name), **options})


def test_jetclass_missing_branch_and_wrong_dtype(tmp_path, source_jets):
    table, _ = source_jets
    with uproot.recreate(tmp_path / "x.root") as f:
        f.mktree("tree", {"part_px": "var * float32"}).extend({"part_px": ak.values_astype(table.constituents["px"], np.float32)})
    with pytest.raises(InputFileError, match=r"x\.root, field 'part_py': branch is missing"):
        read_dataset({"format": "jetclass", "path": str(tmp_path / "x.root"), "label_branch": "label_QCD"})
    frame = pd.DataFrame({"E_0": ["a", "b"]})
    frame.to_hdf(tmp_path / "s.h5", key="table", mode="w", format="fixed")
    with pytest.raises(InputFileError, match=r"s\.h5, field 'PX_0': column is missing"):
        read_dataset({"format": "top_tagging", "path": str(tmp_path / "s.h5"), "keep_label": 1})


def test_wrong_dtype_names_the_field(tmp_path, source_jets):
    table, momenta = source_jets
    write_atlas(tmp_path / "a.h5", table, momenta)
    with h5py.File(tmp_path / "a.h5", "a") as f:
        del f["labels"]
        f.create_dataset("labels", data=np.array([b"top"] * len(momenta)))
    with pytest.raises(InputFileError, match=r"a\.h5, field 'labels': dtype"):
        read_dataset({"format": "atlas_top_tagging", "path": str(tmp_path / "a.h5"), "keep_label": 1})


@pytest.mark.parametrize("fmt", FORMATS)
def test_truncated_and_empty_files_are_refused(tmp_path, source_jets, fmt):
    path, spec = written(tmp_path, source_jets, fmt)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])
    with pytest.raises(InputFileError, match=path.name):
        read_dataset(spec)
    path.write_bytes(b"")
    with pytest.raises(InputFileError, match=rf"{path.name}: file"):
        read_dataset(spec)


# Each kind of unphysical particle, put into jet 3's constituent 5 (a top: every reader reads it):
# fault -> (which of px, py, pz, E, its new value from the particle, what the message says).
FAULTS = {
    "nan": (0, lambda p: np.nan, "nan is not a finite number"),
    "inf": (2, lambda p: np.inf, "inf is not a finite number"),
    "negative_energy": (3, lambda p: -p[3], "negative energy -"),
    "energy_below_momentum": (3, lambda p: 0.9 * np.linalg.norm(p[:3]), r"energy [0-9.]+ below \|p\| = [0-9.]+, beyond rounding"),
}
BAD_JET, BAD_CONSTITUENT = 3, 5
# The field each reader names: the one its file holds (ATLAS's px is pT and eta and phi).
FAULT_FIELDS = {
    "top_tagging": {"nan": "PX_5", "inf": "PZ_5", "energy": "E_5"},
    "atlas_top_tagging": {"nan": "fjet_clus_pt", "inf": "fjet_clus_eta", "energy": "fjet_clus_E"},
    "jetclass": {"nan": "part_px", "inf": "part_pz", "energy": "part_energy"},
    "lundnet_json": {"nan": "px", "inf": "pz", "energy": "E"},
}
FAULT_ROWS = {"lundnet_json": r"jet 3 \(line 4\), constituent 5"}  # others: "jet 3, constituent 5"


def with_fault(momenta, fault):
    component, value, _ = FAULTS[fault]
    damaged = [m.copy() for m in momenta]
    damaged[BAD_JET][BAD_CONSTITUENT, component] = value(damaged[BAD_JET][BAD_CONSTITUENT])
    return damaged


@pytest.mark.parametrize("fault", FAULTS)
@pytest.mark.parametrize("fmt", FORMATS)
def test_unphysical_particle_names_file_field_and_row(tmp_path, source_jets, fmt, fault):
    table, momenta = source_jets
    writer, name, options = FORMATS[fmt]
    writer(tmp_path / name, table, with_fault(momenta, fault))
    field = FAULT_FIELDS[fmt].get(fault, FAULT_FIELDS[fmt]["energy"])
    row = FAULT_ROWS.get(fmt, rf"jet {BAD_JET}, constituent {BAD_CONSTITUENT}")
    with pytest.raises(InputFileError, match=rf"{name}, field '{field}': {row}: {FAULTS[fault][2]}"):
        read_dataset({"format": fmt, "path": str(tmp_path / name), **options})


def test_lundnet_null_and_overflows_are_refused(tmp_path):
    # nlohmann::json writes NaN and infinities as null; 1e400 is beyond a double.
    with gzip.open(tmp_path / "n.json.gz", "wt") as f:
        f.write('[[1, 2, 3, 4], [1, 2, 3, 4]]\n[{"E": 4, "px": 1, "py": 2, "pz": 3}, {"E": 4, "px": null, "py": 2, "pz": 3}]\n')
    with pytest.raises(InputFileError, match=r"n\.json\.gz, field 'px': jet 1 \(line 2\), constituent 0: nan"):
        read_lundnet(tmp_path / "n.json.gz")
    with gzip.open(tmp_path / "o.json.gz", "wt") as f:
        f.write("[[1, 2, 3, 4], [1, 2, 3, 4], [1, 2, 3, 1e400]]\n")
    with pytest.raises(InputFileError, match=r"o\.json\.gz, field 'E': jet 0 \(line 1\), constituent 1: inf"):
        read_lundnet(tmp_path / "o.json.gz")
    with gzip.open(tmp_path / "f.json.gz", "wt") as f:  # a double, but inf in our float32 jet file
        f.write("[[1, 2, 3, 4], [1, 2, 3, 4], [1, 2, 3, 1e39]]\n")
    with pytest.raises(InputFileError, match=r"field 'E': jet 0 \(line 1\), constituent 1: 1e\+39 is beyond float32"):
        read_lundnet(tmp_path / "f.json.gz")


def test_bad_labels_truth_charge_and_pt_name_the_field(tmp_path, source_jets):
    table, momenta = source_jets
    write_atlas(tmp_path / "a.h5", table, momenta)
    with h5py.File(tmp_path / "a.h5", "a") as f:
        f["labels"][2] = np.nan
    with pytest.raises(InputFileError, match=r"a\.h5, field 'labels': jet 2: nan is not a finite number"):
        read_dataset({"format": "atlas_top_tagging", "path": str(tmp_path / "a.h5"), "keep_label": 1})
    write_atlas(tmp_path / "a.h5", table, momenta)
    with h5py.File(tmp_path / "a.h5", "a") as f:
        f["fjet_clus_pt"][BAD_JET, BAD_CONSTITUENT] *= -1  # a negative pT was once taken for padding
    with pytest.raises(InputFileError, match=r"a\.h5, field 'fjet_clus_pt': jet 3, constituent 5: negative value -"):
        read_dataset({"format": "atlas_top_tagging", "path": str(tmp_path / "a.h5"), "keep_label": 1})
    write_top_tagging(tmp_path / "t.h5", table, momenta)
    frame = pd.read_hdf(tmp_path / "t.h5", key="table")
    frame.loc[2, "truthPX"] = np.inf
    frame.to_hdf(tmp_path / "t.h5", key="table", mode="w", format="fixed")
    with pytest.raises(InputFileError, match=r"t\.h5, field 'truthPX': jet 2: inf is not a finite number"):
        read_dataset({"format": "top_tagging", "path": str(tmp_path / "t.h5"), "keep_label": 1})
    charges = [np.zeros(len(m)) for m in momenta]
    charges[BAD_JET][BAD_CONSTITUENT] = np.nan
    write_jetclass(tmp_path / "j.root", table, momenta, charges)
    with pytest.raises(InputFileError, match=r"j\.root, field 'part_charge': jet 3, constituent 5: nan"):
        read_dataset({"format": "jetclass", "path": str(tmp_path / "j.root"), "label_branch": "label_Tbqq"})


def test_particle_check_passes_rounding_and_padding_only():
    from jettransfer.data.readers.common import cartesian, check_particles

    rng = np.random.default_rng(0)
    p = rng.normal(0.0, 100.0, (20000, 3)).astype(np.float32)
    massless = np.sqrt((p.astype(np.float64) ** 2).sum(axis=1)).astype(np.float32)  # E = |p|, each in float32
    momentum = cartesian("px", "py", "pz")
    fields = {"px": p[:, 0], "py": p[:, 1], "pz": p[:, 2], "E": massless}
    assert check_particles("f.h5", fields, "E", momentum).all()
    low = dict(fields, E=massless * np.float32(1 - 3e-4))
    low["E"][:7] = massless[:7]
    with pytest.raises(InputFileError, match=r"f\.h5, field 'E': jet 7: energy .* below"):
        check_particles("f.h5", low, "E", momentum)
    # Zero-padded [J, n]: all-zero rows are padding; zero energy with a momentum is not.
    padded = {k: np.zeros((3, 4)) for k in ("px", "py", "pz", "E")}
    padded["px"][:, 0] = padded["E"][:, 0] = 5.0
    present = check_particles("f.h5", padded, "E", momentum, padding=("px", "py", "pz", "E"))
    assert present.tolist() == [[True, False, False, False]] * 3
    padded["pz"][2, 3] = 1.0
    with pytest.raises(InputFileError, match=r"field 'E': jet 2, constituent 3: energy 0 below \|p\| = 1"):
        check_particles("f.h5", padded, "E", momentum, padding=("px", "py", "pz", "E"))


def test_conversion_stage_writes_nothing_on_bad_input(tmp_path, source_jets):
    from jettransfer.config import validate_config
    from jettransfer.stages.convert import convert_sample

    table, momenta = source_jets
    write_top_tagging(tmp_path / "train.h5", table, momenta, drop="truthE")
    config = validate_config({
        "samples": {"tt": {"read": {"format": "top_tagging", "path": str(tmp_path / "train.h5"), "keep_label": 1}},
                    "qcd": {"read": {"format": "top_tagging", "path": str(tmp_path / "train.h5"), "keep_label": 0}}},
        "tasks": {"t": {"signal": "tt", "background": "qcd"}},
        "models": {"m": {"architecture": "lundnet", "representation": "lund", "features": ["ln_z"]}},
        "runs": {"r": {"task": "t", "model": "m", "mode": "scratch"}},
    })
    out = tmp_path / "results" / "jets.root"
    with pytest.raises(InputFileError, match="field 'truthE'"):
        convert_sample(config, "tt", out)
    assert not out.exists()
    assert not out.parent.exists() or list(out.parent.iterdir()) == []  # no partial file either
    write_top_tagging(tmp_path / "train.h5", table, with_fault(momenta, "nan"))  # a NaN, not a missing column
    with pytest.raises(InputFileError, match=r"field 'PX_5': jet 3, constituent 5"):
        convert_sample(config, "tt", out)
    assert not out.exists()
    assert not out.parent.exists() or list(out.parent.iterdir()) == []
    write_top_tagging(tmp_path / "train.h5", table, momenta)
    convert_sample(config, "qcd", out)
    assert len(read_jets(out)) == int((table.jets["label"] == 0).sum())


def test_top_tagging_table_layout_goes_through_pandas(tmp_path, source_jets):
    """Files saved in pandas' 'table' layout (not the published 'fixed' one) are read too."""
    table, momenta = source_jets
    write_top_tagging(tmp_path / "fixed.h5", table, momenta)
    frame = pd.read_hdf(tmp_path / "fixed.h5", key="table")
    frame.to_hdf(tmp_path / "table.h5", key="table", mode="w", format="table")
    spec = {"format": "top_tagging", "keep_label": 0}
    a = read_dataset({**spec, "path": str(tmp_path / "fixed.h5")})
    b = read_dataset({**spec, "path": str(tmp_path / "table.h5")})
    np.testing.assert_allclose(a.jets["jet_pt"], b.jets["jet_pt"])
    assert a.constituents["px"].tolist() == b.constituents["px"].tolist()
