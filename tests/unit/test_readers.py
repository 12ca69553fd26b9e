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


def write_lundnet(path, table, momenta):
    with gzip.open(path, "wt") as f:
        for m in momenta:
            jet = m.sum(axis=0)
            f.write(json.dumps([jet.tolist(), *m.tolist()]) + "\n")


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


@pytest.mark.parametrize("second_line, error", [
    ("[[1, 2, 3, 4], [1, 2, 3]]", r"bad\.json\.gz, field 'line 2'"),  # a three-vector: the line is named
    ("[[1, 2, 3, 4], [1, 2, 3, null]]", r"bad\.json\.gz.*(numbers|four-vectors)"),  # not a number
])
def test_malformed_lundnet_file_is_refused(tmp_path, second_line, error):
    with gzip.open(tmp_path / "bad.json.gz", "wt") as f:
        f.write(f"[[1, 2, 3, 4], [1, 2, 3, 4]]\n{second_line}\n")
    with pytest.raises(InputFileError, match=error):
        read_dataset({"format": "lundnet_json", "path": str(tmp_path / "bad.json.gz"), "label": 0})


def test_lundnet_spacing_blank_lines_and_last_newline_do_not_matter(tmp_path, source_jets):
    table, momenta = source_jets
    write_lundnet(tmp_path / "spaced.json.gz", table, momenta)
    with gzip.open(tmp_path / "tight.json.gz", "wt") as f:  # no blanks, a blank line, no final newline
        lines = [json.dumps([m.sum(axis=0).tolist(), *m.tolist()], separators=(",", ":")) for m in momenta]
        f.write("\n\n".join(lines))
    spaced, tight = (read_dataset({"format": "lundnet_json", "path": str(tmp_path / name), "label": 1})
                     for name in ("spaced.json.gz", "tight.json.gz"))
    assert len(spaced) == len(tight) == len(momenta)
    for key in ("px", "energy"):
        assert spaced.constituents[key].tolist() == tight.constituents[key].tolist()
    # The reader keeps the file's values exactly (and orders particles by decreasing pT).
    first = momenta[0][np.argsort(-np.hypot(momenta[0][:, 0], momenta[0][:, 1]), kind="stable")]
    assert np.array_equal(ak.to_numpy(spaced.constituents["px"][0]), first[:, 0])


def test_lundnet_lines_split_between_inflated_pieces(tmp_path, source_jets, monkeypatch):
    from jettransfer.data.readers import gzip_pieces

    table, momenta = source_jets
    write_lundnet(tmp_path / "j.json.gz", table, momenta)
    whole = read_dataset({"format": "lundnet_json", "path": str(tmp_path / "j.json.gz"), "label": 1})
    monkeypatch.setattr(gzip_pieces, "PIECE_BYTES", 333)  # shorter than a line: every line is split
    split = read_dataset({"format": "lundnet_json", "path": str(tmp_path / "j.json.gz"), "label": 1})
    for key in ("px", "py", "pz", "energy"):
        assert split.constituents[key].tolist() == whole.constituents[key].tolist()
    # An error in a later piece still names its line in the file.
    with gzip.open(tmp_path / "late.json.gz", "wt") as f:
        f.write("[[1, 2, 3, 4], [1, 2, 3, 4]]\n" * 500 + "[[1, 2, 3, 4], [1, 2, 3]]\n")
    with pytest.raises(InputFileError, match=r"late\.json\.gz, field 'line 501'"):
        read_dataset({"format": "lundnet_json", "path": str(tmp_path / "late.json.gz"), "label": 1})


def test_lundnet_numbers_beyond_the_compiled_parser(tmp_path):
    # 25 significant digits are parsed by float() from the text; an overflow is refused by line.
    long = "123.4567890123456789012345"
    with gzip.open(tmp_path / "long.json.gz", "wt") as f:
        f.write(f"[[1, 2, 3, 4], [{long}, 0.5, -7e-3, 1e2]]\n")
    read = read_dataset({"format": "lundnet_json", "path": str(tmp_path / "long.json.gz"), "label": 1})
    assert read.constituents["px"][0, 0] == float(long) and read.constituents["pz"][0, 0] == -7e-3
    with gzip.open(tmp_path / "huge.json.gz", "wt") as f:
        f.write("[[1, 2, 3, 4], [1, 2, 3, 4]]\n[[1, 2, 3, 4], [1e400, 2, 3, 4]]\n")
    with pytest.raises(InputFileError, match=r"huge\.json\.gz, field 'line 2': expected finite numbers"):
        read_dataset({"format": "lundnet_json", "path": str(tmp_path / "huge.json.gz"), "label": 1})


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
