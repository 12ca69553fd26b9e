"""ParticleNet: kNN graphs built on the device, permutation invariance, training, frozen mode."""

import numpy as np
import pytest
import torch

from jettransfer.inputs.graphs import GraphBatches
from jettransfer.inputs.graphs import GraphBatch
from jettransfer.models.graph import knn_edges
from jettransfer.models.registry import build_preset, get_preset
from jettransfer.objectives import CrossEntropy
from jettransfer.train.engine import train_tagger
from jettransfer.train.settings import TrainingSettings
from tests.toy_jets import random_clouds

FEATURES = get_preset("ParticleNet").features


def brute_force_neighbours(points: np.ndarray, offsets: np.ndarray, k: int) -> set[tuple[int, int]]:
    """(src, dst) pairs: for each particle, its min(k, n-1) nearest others of the same jet."""
    pairs = set()
    for start, stop in zip(offsets[:-1], offsets[1:]):
        for i in range(start, stop):
            others = [j for j in range(start, stop) if j != i]
            nearest = sorted(others, key=lambda j: float(np.sum((points[i] - points[j]) ** 2)))[:k]
            pairs.update((j, i) for j in nearest)
    return pairs


@pytest.mark.parametrize("k", [1, 3, 16])
def test_knn_edges_equal_a_brute_force_search(k):
    clouds = random_clouds(12, seed=k, min_particles=1, max_particles=20)
    batch, _ = GraphBatches(clouds, FEATURES, batch_size=12).batch(np.arange(12))
    edges = knn_edges(batch.x[:, :2], batch.graph_index, batch.nodes_per_graph, k)
    found = set(zip(edges.src.tolist(), edges.dst.tolist()))
    assert found == brute_force_neighbours(batch.x[:, :2].numpy(), clouds.node_offsets, k)
    expected_degree = np.repeat(np.minimum(k, np.maximum(clouds.nodes_per_graph - 1, 0)), clouds.nodes_per_graph)
    assert np.array_equal(edges.in_degree.numpy(), np.maximum(expected_degree, 1))


@pytest.mark.parametrize("preset", ["ParticleNet", "ParticleNet-Lite"])
def test_output_is_invariant_under_particle_order_and_batch_composition(preset):
    torch.manual_seed(0)
    model = build_preset(preset).eval()
    clouds = random_clouds(6, seed=1, min_particles=2, max_particles=25)
    loader = GraphBatches(clouds, FEATURES, batch_size=6)
    full, _ = loader.batch(np.arange(6))
    # Shuffle the particles inside each jet (jets stay contiguous, as the loader packs them).
    rng = np.random.default_rng(0)
    perm = np.concatenate([start + rng.permutation(stop - start)
                           for start, stop in zip(clouds.node_offsets[:-1], clouds.node_offsets[1:])])
    shuffled = GraphBatch(full.x[torch.from_numpy(perm)], full.graph_index, full.n_graphs)
    alone, _ = loader.batch(np.array([4]))
    with torch.no_grad():
        reference = model(full)
        torch.testing.assert_close(model(shuffled), reference, rtol=1e-5, atol=1e-6)
        torch.testing.assert_close(model(alone)[0], reference[4], rtol=1e-5, atol=1e-6)


def test_particlenet_lite_learns_a_separable_toy():
    torch.manual_seed(0)
    model = build_preset("ParticleNet-Lite")
    train, validation = random_clouds(256, seed=2), random_clouds(128, seed=3)
    settings = TrainingSettings.with_defaults(epochs=4, batch_size=32, lr_milestones=(), seed=0)
    result = train_tagger(model, GraphBatches(train, FEATURES, 32, shuffle=True), GraphBatches(validation, FEATURES, 64),
                          settings, "scratch", torch.device("cpu"), CrossEntropy(2))
    assert result.history[-1].val_metrics["accuracy"] > 0.85


def test_coordinates_outside_the_features_are_refused():
    with pytest.raises(ValueError, match="coordinate_columns"):
        build_preset("ParticleNet").__class__(input_dim=2, coordinate_columns=(0, 5))
