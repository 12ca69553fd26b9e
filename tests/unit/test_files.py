import numpy as np
import pytest
import uproot

from jettransfer.data.errors import InputFileError
from jettransfer.data.packed_file import SCHEMA_VERSION, concatenate_packed, graphs_from_trees, read_packed, write_packed
from jettransfer.data.jet_file import read_jets, write_jets


def test_jet_file_round_trip_is_exact_and_a_classic_ttree(tmp_path, top_sample):
    _, jets = top_sample
    path = tmp_path / "jets.root"
    write_jets(path, jets)
    back = read_jets(path)
    for key, values in jets.jets.items():
        np.testing.assert_array_equal(back.jets[key], values)
    assert back.constituents["px"].tolist() == jets.constituents["px"].tolist()
    with uproot.open(path) as f:
        assert f["jets"].classname == "TTree"
    assert back.provenance["process"] == "ttbar_hadronic"


def test_missing_branch_names_file_and_field(tmp_path, top_sample):
    _, jets = top_sample
    path = tmp_path / "jets.root"
    with uproot.recreate(path) as f:
        tree = f.mktree("jets", {"jet_pt": np.float64})
        tree.extend({"jet_pt": jets.jets["jet_pt"]})
    with pytest.raises(InputFileError, match=r"jets\.root, field 'jet_eta': branch is missing"):
        read_jets(path)


def test_wrong_dtype_names_the_field(tmp_path, top_sample):
    _, jets = top_sample
    path = tmp_path / "jets.root"
    write_jets(path, jets)
    with uproot.open(path) as f:
        arrays = f["jets"].arrays(library="np")
    arrays["label"] = arrays["label"].astype(np.float32)  # labels must be integers
    with uproot.recreate(path) as f:
        f.mktree("jets", {k: v.dtype for k, v in arrays.items() if v.dtype != object})
    with pytest.raises(InputFileError, match="field"):
        read_jets(path)


@pytest.mark.parametrize("content", [b"", b"not a root file at all"])
def test_empty_or_foreign_file_is_refused(tmp_path, content):
    path = tmp_path / "broken.root"
    path.write_bytes(content)
    with pytest.raises(InputFileError, match="broken.root"):
        read_jets(path)


def test_truncated_file_is_refused(tmp_path, top_sample):
    _, jets = top_sample
    path = tmp_path / "jets.root"
    write_jets(path, jets)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputFileError, match="jets.root"):
        read_jets(path)


def test_failed_write_leaves_nothing_behind(tmp_path, top_sample, monkeypatch):
    _, jets = top_sample
    out = tmp_path / "out" / "jets.root"
    write_jets(out, jets.take(np.arange(3)))
    before = out.read_bytes()

    def disk_full(self, data):
        raise OSError("disk full")

    monkeypatch.setattr(uproot.writing.writable.WritableTree, "extend", disk_full)
    with pytest.raises(OSError, match="disk full"):
        write_jets(out, jets)
    # The earlier complete file is untouched and no partial file or folder is left beside it.
    assert out.read_bytes() == before
    assert [p.name for p in out.parent.iterdir()] == ["jets.root"]


def small_graphs(sizes, label):
    parents = [np.concatenate([[-1], np.arange(n - 1)]).astype(np.int32) for n in sizes]
    features = [np.full((n, 2), float(n), np.float32) for n in sizes]
    return graphs_from_trees(parents, features, [label] * len(sizes), np.arange(len(sizes), dtype=float), ("a", "b"))


def test_graph_file_round_trip_take_and_concatenate(tmp_path):
    graphs = concatenate_packed([small_graphs([3, 1, 4], 1), small_graphs([2], 0)])
    assert len(graphs) == 4 and graphs.nodes_per_graph.tolist() == [3, 1, 4, 2]
    path = tmp_path / "g.npz"
    write_packed(path, graphs)
    back = read_packed(path)
    for key in ("node_features", "node_offsets", "parent", "labels"):
        np.testing.assert_array_equal(getattr(back, key), getattr(graphs, key))
    picked = back.take(np.array([2, 0]))
    assert picked.nodes_per_graph.tolist() == [4, 3] and picked.labels.tolist() == [1, 1]
    assert picked.node_features[:4, 0].tolist() == [4.0] * 4
    assert picked.parent.tolist() == [-1, 0, 1, 2, -1, 0, 1]


def test_graph_file_is_byte_reproducible(tmp_path):
    graphs = small_graphs([3, 2], 1)
    write_packed(tmp_path / "a" / "g.npz", graphs)
    write_packed(tmp_path / "b" / "g.npz", graphs)
    assert (tmp_path / "a" / "g.npz").read_bytes() == (tmp_path / "b" / "g.npz").read_bytes()


def test_graph_file_with_missing_array_or_old_version_is_refused(tmp_path):
    np.savez(tmp_path / "g.npz", schema_version=SCHEMA_VERSION, node_features=np.zeros((1, 2), np.float32))
    with pytest.raises(InputFileError, match="field 'node_offsets'"):
        read_packed(tmp_path / "g.npz")
    np.savez(tmp_path / "old.npz", schema_version=1)
    with pytest.raises(InputFileError, match=rf"old\.npz, field 'schema_version': version 1, expected {SCHEMA_VERSION}"):
        read_packed(tmp_path / "old.npz")


def test_loader_links_each_node_to_its_parent_both_ways():
    from jettransfer.inputs.graphs import GraphBatches

    graphs = concatenate_packed([small_graphs([3], 1), small_graphs([1, 2], 0)])
    batch, targets = GraphBatches(graphs, ("a",), batch_size=3).batch(np.array([0, 1, 2]))
    edges = set(zip(batch.src.tolist(), batch.dst.tolist()))
    # Graph 0: nodes 0-1-2 in a chain; graph 1: one node (3); graph 2: nodes 4-5.
    assert edges == {(1, 0), (0, 1), (2, 1), (1, 2), (5, 4), (4, 5)}
    assert batch.graph_index.tolist() == [0, 0, 0, 1, 2, 2] and targets["label"].tolist() == [1, 0, 0]


def test_unknown_feature_is_a_clear_error():
    with pytest.raises(KeyError, match="not available"):
        small_graphs([2], 1).feature_columns(["ln_kt"])


def test_padding_keeps_the_first_rows_and_masks_the_rest():
    from jettransfer.data.padding import to_padded

    jets = concatenate_packed([small_graphs([3, 1, 4], 1)])
    jets.node_features[:, 1] = np.arange(len(jets.node_features))
    padded, mask = to_padded(jets, 2, features=["b"])
    assert padded.shape == (3, 2, 1)
    assert mask.tolist() == [[True, True], [True, False], [True, True]]
    assert padded[..., 0].tolist() == [[0.0, 1.0], [3.0, 0.0], [4.0, 5.0]]
