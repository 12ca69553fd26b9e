"""Data-parallel training on CPUs: 2 gloo processes against 1, with synchronised BatchNorm."""

import copy

import numpy as np
import pytest
import torch

from jettransfer.inputs.graphs import GraphBatches
from jettransfer.models.registry import build_preset, get_preset
from jettransfer.objectives import CrossEntropy
from jettransfer.train.distributed import (SynchronizedBatchNorm, init_process_group, launch,
                                           synchronise_batch_norm)
from jettransfer.train.engine import train_tagger
from jettransfer.train.settings import TrainingSettings
from tests.toy_jets import random_graphs

FEATURES = get_preset("LundNet5").features
# No dropout: one process draws its masks for the whole batch, two for their halves. Adam's
# epsilon at 1e-4 (not 1e-8): the input BatchNorm's bias has an analytically zero gradient (the
# next BatchNorm removes any shift), and Adam would turn its rounding noise, different in one
# and in two processes, into full steps.
SMALL = {"conv_channels": [[8, 8], [8, 8]], "fusion_dim": 16, "fc_dim": 16, "dropout": 0.0}


class Interrupted(Exception):
    pass


def train(global_batch: int, epochs: int = 3, resume_path=None, stop_after=None):
    """One training, in this process or as one rank of a group torchrun started."""
    torch.set_num_threads(1)
    group = init_process_group(torch.device("cpu"))
    torch.manual_seed(3)
    model = build_preset("LundNet5", **SMALL)

    def stop(record):
        if record.epoch == stop_after:
            raise Interrupted

    settings = TrainingSettings.with_defaults(epochs=epochs, batch_size=global_batch, lr_milestones=(), seed=4,
                                              learning_rate=3e-3, adam_eps=1e-4)
    batches = GraphBatches(random_graphs(96, seed=1), FEATURES, global_batch, shuffle=True, seed=4)
    validation = GraphBatches(random_graphs(40, seed=2), FEATURES, 16)
    try:
        result = train_tagger(model, batches, validation, settings, "scratch", torch.device("cpu"), CrossEntropy(2),
                              resume_path=resume_path, fingerprint="parallel", on_epoch_end=stop)
    except Interrupted:
        return {"interrupted": True, "rank": group.rank}
    return {"rank": group.rank, "world": group.world_size,
            "weights": {k: v.clone() for k, v in result.last_state.items()},
            "history": [(r.train_loss, r.val_loss, r.train_metrics["accuracy"]) for r in result.history],
            "resumed_from": result.resumed_from_epoch}


def every_rank(global_batch: int, epochs: int = 3, resume_path=None, stop_after=None):
    """Every rank's result, gathered (rank 0's return value is what launch returns)."""
    result = train(global_batch, epochs, resume_path, stop_after)
    gathered = [None] * torch.distributed.get_world_size()
    torch.distributed.all_gather_object(gathered, result)
    return gathered


@pytest.fixture(scope="module")
def one_process():
    return train(32)


@pytest.fixture(scope="module")
def two_processes():
    return launch(2, every_rank, 32)


def test_both_ranks_end_with_identical_weights_and_history(two_processes):
    first, second = two_processes
    assert (first["rank"], second["rank"], first["world"]) == (0, 1, 2)
    for key, value in first["weights"].items():
        assert torch.equal(value, second["weights"][key]), key
    assert first["history"] == second["history"]


def test_two_processes_with_the_same_global_batch_train_as_one(one_process, two_processes):
    parallel = two_processes[0]
    for key, value in one_process["weights"].items():
        torch.testing.assert_close(parallel["weights"][key], value, rtol=1e-4, atol=1e-5, msg=key)
    np.testing.assert_allclose(np.array(parallel["history"]), np.array(one_process["history"]), rtol=1e-4, atol=1e-5)


def test_an_interrupted_two_process_training_resumes_exactly(two_processes, tmp_path):
    assert all(r.get("interrupted") for r in launch(2, every_rank, 32, 3, str(tmp_path / "r.pt"), 2))
    resumed = launch(2, every_rank, 32, 3, str(tmp_path / "r.pt"))
    assert [r["resumed_from"] for r in resumed] == [2, 2]
    assert resumed[0]["history"] == two_processes[0]["history"]
    for key, value in two_processes[0]["weights"].items():
        assert torch.equal(resumed[0]["weights"][key], value), key
        assert torch.equal(resumed[1]["weights"][key], value), key


def test_each_rank_sees_a_disjoint_half_of_every_batch():
    batches = GraphBatches(random_graphs(50, seed=1), FEATURES, 16, shuffle=True, seed=2)
    batches.set_epoch(3)
    halves = [batches.for_rank(rank, 2) for rank in (0, 1)]
    for half in halves:
        half.set_epoch(3)
    whole = [t["id"].tolist() for _, t in batches]
    shares = [[t["id"].tolist() for _, t in half] for half in halves]
    assert len(shares[0]) == len(shares[1]) == len(whole) == 4
    for batch, first, second in zip(whole, *shares):
        assert not set(first) & set(second) and len(first) == len(second)
        assert set(first) | set(second) == set(batch[: len(batch) - len(batch) % 2])


def test_synchronised_batch_norm_alone_is_plain_batch_norm():
    torch.manual_seed(0)
    plain = torch.nn.Sequential(torch.nn.Linear(4, 6), torch.nn.BatchNorm1d(6))
    synced = synchronise_batch_norm(torch.nn.Sequential(torch.nn.Linear(4, 6), torch.nn.BatchNorm1d(6)),
                                    torch.device("cpu"))
    synced.load_state_dict(plain.state_dict())
    assert isinstance(synced[1], SynchronizedBatchNorm) and set(synced.state_dict()) == set(plain.state_dict())
    x = torch.randn(10, 4)
    assert torch.equal(synced(x), plain(x))


def batch_norm_halves():
    """Each rank normalises its half of one batch (rows rank, rank + 2, ...), once with
    synchronised and once with plain BatchNorm; the outputs, input gradients, summed weight
    gradients and running statistics, gathered from every rank."""
    torch.set_num_threads(1)
    group = init_process_group(torch.device("cpu"))
    torch.manual_seed(0)
    x, upstream = torch.randn(12, 3) * 2 + 1, torch.randn(12, 3)
    layer = torch.nn.Sequential(torch.nn.BatchNorm1d(3))
    with torch.no_grad():
        layer[0].weight.uniform_(0.5, 1.5)
        layer[0].bias.uniform_(-1, 1)
    found = {}
    for name, module in (("synchronised", synchronise_batch_norm(copy.deepcopy(layer), torch.device("cpu"))),
                         ("plain", copy.deepcopy(layer))):
        share = x[group.rank :: 2].clone().requires_grad_()
        y = module(share)
        (y * upstream[group.rank :: 2]).sum().backward()
        weight_grad = module[0].weight.grad
        torch.distributed.all_reduce(weight_grad)  # summed over the ranks, as DDP does (then / 2)
        found[name] = {"y": y.detach(), "x_grad": share.grad, "weight_grad": weight_grad,
                       "running_var": module[0].running_var.clone()}
    gathered = [None] * 2
    torch.distributed.all_gather_object(gathered, found)
    return gathered, x, upstream, layer


def test_synchronised_batch_norm_over_two_processes_is_batch_norm_of_the_whole_batch():
    ranks, x, upstream, layer = launch(2, batch_norm_halves)
    whole = x.clone().requires_grad_()
    y = layer(whole)
    (y * upstream).sum().backward()
    interleaved = lambda name, kind: torch.stack([ranks[0][kind][name], ranks[1][kind][name]], 1).flatten(0, 1)
    torch.testing.assert_close(interleaved("y", "synchronised"), y.detach())
    # The input gradient reaches each rank through the other rank's statistics too.
    torch.testing.assert_close(interleaved("x_grad", "synchronised"), whole.grad)
    for rank in ranks:
        torch.testing.assert_close(rank["synchronised"]["weight_grad"], layer[0].weight.grad)
        torch.testing.assert_close(rank["synchronised"]["running_var"], layer[0].running_var)
    # Plain BatchNorm normalises each half by its own statistics: not the whole batch's.
    assert not torch.allclose(interleaved("y", "plain"), y.detach(), atol=1e-3)
    assert not torch.allclose(interleaved("x_grad", "plain"), whole.grad, atol=1e-3)


def test_a_run_given_two_gpus_on_a_cpu_machine_trains_in_two_processes(tmp_path):
    import json

    from jettransfer.stages.train import train_run
    from tests.toy_jets import one_run_config, write_run_splits

    train, validation = write_run_splits(tmp_path)
    out = tmp_path / "run"
    train_run(one_run_config(), "r", train, validation, None, out / "model.pt", out / "history.csv",
              out / "summary.json", out / "last.pt", threads=2, gpus=2)
    summary = json.loads((out / "summary.json").read_text())
    assert summary["processes"] == 2 and summary["n_train"] == 160 and summary["epochs"] == 2
    assert (out / "model.pt").exists() and (out / "last.pt").exists() and not (out / "resume.pt").exists()
    assert len((out / "history.csv").read_text().splitlines()) == 3
