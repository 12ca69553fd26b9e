"""Data-parallel training over several processes with torch.distributed: one process per GPU
(NCCL), or several CPU processes (gloo), each with a disjoint part of every batch.

A training job given `gpu: N` runs N processes (`launch`, torchrun's own machinery); each
finds its rank in torchrun's environment (RANK, WORLD_SIZE, LOCAL_RANK). The engine then
(jettransfer.train.engine) gives each rank its share of every global batch, runs the forward
pass through DistributedDataParallel, which averages the gradients, synchronises BatchNorm's
batch statistics over the ranks, sums the epoch's losses and metrics over them, and saves the
resume state from rank 0. With equal shares of the same global batch, N processes take the
optimiser steps one process would.

torch's SyncBatchNorm runs on GPUs only; on CPUs (gloo) `SynchronizedBatchNorm` computes the
same statistics with an all-reduce that carries gradients.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
import torch.distributed as dist
from torch import nn


@dataclass(frozen=True)
class ProcessGroup:
    """This process's place among the training's processes."""

    rank: int = 0
    world_size: int = 1
    local_rank: int = 0

    @property
    def is_distributed(self) -> bool:
        return self.world_size > 1

    @property
    def is_rank_zero(self) -> bool:
        return self.rank == 0


def environment_group() -> ProcessGroup:
    """The group torchrun's environment describes (a single process when it describes none)."""
    return ProcessGroup(int(os.environ.get("RANK", 0)), int(os.environ.get("WORLD_SIZE", 1)),
                        int(os.environ.get("LOCAL_RANK", 0)))


def current_group() -> ProcessGroup:
    """The initialised process group this process belongs to, or a single process."""
    if dist.is_available() and dist.is_initialized():
        return ProcessGroup(dist.get_rank(), dist.get_world_size(), int(os.environ.get("LOCAL_RANK", 0)))
    return ProcessGroup()


def init_process_group(device: torch.device) -> ProcessGroup:
    """Join the group torchrun started: NCCL between GPUs, gloo between CPU processes. A no-op
    for a single process or a group already joined."""
    group = environment_group()
    if group.is_distributed and not dist.is_initialized():
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
    return current_group()


def destroy_process_group() -> None:
    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()


def barrier() -> None:
    if current_group().is_distributed:
        dist.barrier()


def all_reduce_sum(tensor: torch.Tensor) -> torch.Tensor:
    """`tensor` summed over the ranks, in place (unchanged for a single process)."""
    if current_group().is_distributed:
        dist.all_reduce(tensor, op=dist.ReduceOp.SUM)
    return tensor


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("localhost", 0))
        return probe.getsockname()[1]


def launch(n_processes: int, function: Callable[..., Any], *args: Any) -> Any:
    """Run `function(*args)` in `n_processes` processes on this machine as torchrun does
    (torch.distributed.launcher, c10d rendezvous on a free local port), and return rank 0's
    result. One process calls `function` here, in this process. `function` must be importable
    (a module-level function): the processes are spawned."""
    if n_processes <= 1:
        return function(*args)
    from torch.distributed.launcher.api import LaunchConfig, elastic_launch

    config = LaunchConfig(min_nodes=1, max_nodes=1, nproc_per_node=n_processes, rdzv_backend="c10d",
                          rdzv_endpoint=f"localhost:{_free_port()}", run_id=f"jettransfer-{uuid.uuid4().hex[:12]}",
                          max_restarts=0, monitor_interval=0.1)
    results = elastic_launch(config, function)(*args)
    return results[0]


class _SummedOverRanks(torch.autograd.Function):
    """A sum over the ranks that carries gradients: the gradient of each rank's input is the sum
    of every rank's gradient of the output (torch.distributed.nn's all_reduce, now deprecated)."""

    @staticmethod
    def forward(ctx: Any, tensor: torch.Tensor) -> torch.Tensor:
        summed = tensor.clone()
        dist.all_reduce(summed, op=dist.ReduceOp.SUM)
        return summed

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> torch.Tensor:
        summed = grad.clone()
        dist.all_reduce(summed, op=dist.ReduceOp.SUM)
        return summed


class SynchronizedBatchNorm(nn.modules.batchnorm._BatchNorm):
    """BatchNorm whose training-mode statistics are those of the whole global batch, summed
    over the ranks with a differentiable all-reduce, so gradients flow through the other
    ranks' statistics as they do in one process. Channels on dimension 1 (N x C, N x C x L).
    Evaluation mode, or a single process, is plain BatchNorm."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not (self.training and current_group().is_distributed):
            return super().forward(x)
        dims = [d for d in range(x.dim()) if d != 1]
        count = torch.tensor(float(x.numel() // x.shape[1]), device=x.device, dtype=torch.float32)
        moments = torch.cat([x.float().sum(dims), (x.float() ** 2).sum(dims), count[None]])
        moments = _SummedOverRanks.apply(moments)
        channels = x.shape[1]
        n = moments[-1]
        mean = moments[:channels] / n
        variance = (moments[channels : 2 * channels] / n - mean**2).clamp(min=0)
        if self.track_running_stats:
            with torch.no_grad():
                self.num_batches_tracked += 1
                momentum = self.momentum if self.momentum is not None else 1.0 / float(self.num_batches_tracked)
                unbiased = variance * n / (n - 1).clamp(min=1)
                self.running_mean.mul_(1 - momentum).add_(momentum * mean.to(self.running_mean.dtype))
                self.running_var.mul_(1 - momentum).add_(momentum * unbiased.to(self.running_var.dtype))
        shape = [1, channels] + [1] * (x.dim() - 2)
        y = (x.float() - mean.view(shape)) * torch.rsqrt(variance.view(shape) + self.eps)
        if self.affine:
            y = y * self.weight.view(shape) + self.bias.view(shape)
        return y.to(x.dtype)

    def _check_input_dim(self, x: torch.Tensor) -> None:
        if x.dim() < 2:
            raise ValueError(f"expected at least 2D input (got {x.dim()}D input)")


def synchronise_batch_norm(model: nn.Module, device: torch.device) -> nn.Module:
    """Every BatchNorm of `model` made to use the global batch's statistics: torch's
    SyncBatchNorm on GPUs, SynchronizedBatchNorm on CPUs. In place for the submodules (the same
    parameters, buffers and state-dict keys), so an optimiser already built keeps working."""
    if device.type == "cuda":
        return nn.SyncBatchNorm.convert_sync_batchnorm(model)
    for name, child in model.named_children():
        if isinstance(child, nn.modules.batchnorm._BatchNorm) and not isinstance(child, SynchronizedBatchNorm):
            synced = SynchronizedBatchNorm(child.num_features, child.eps, child.momentum, child.affine,
                                           child.track_running_stats)
            if child.affine:
                synced.weight, synced.bias = child.weight, child.bias
            synced.running_mean, synced.running_var = child.running_mean, child.running_var
            synced.num_batches_tracked = child.num_batches_tracked
            synced.train(child.training)
            setattr(model, name, synced)
        else:
            synchronise_batch_norm(child, device)
    return model


class _ObjectiveStep(nn.Module):
    """One training step's forward pass, `objective.outputs(model, batch)`, as a module: an
    objective that calls the model twice (two contrastive views) is still one DDP forward per
    backward; autograd sums each parameter's gradients before DDP's hook averages them."""

    def __init__(self, model: nn.Module, objective: Any) -> None:
        super().__init__()
        self.model = model
        self.objective = objective

    def forward(self, batch: Any) -> Any:
        return self.objective.outputs(self.model, batch)


def wrap_for_data_parallel(model: nn.Module, objective: Any, device: torch.device) -> nn.Module:
    """`model` with synchronised BatchNorm, its training forward pass under
    DistributedDataParallel; call the result with a batch for the objective's outputs. The
    model itself stays the one whose state dict is saved (no `module.` prefixes)."""
    synchronise_batch_norm(model, device)
    if not any(p.requires_grad for p in model.parameters()):
        raise ValueError("no trainable parameters to train in parallel")
    group = current_group()
    return nn.parallel.DistributedDataParallel(
        _ObjectiveStep(model, objective), device_ids=[group.local_rank] if device.type == "cuda" else None,
        # The objectives' losses reach every trainable parameter in every step (a frozen
        # backbone's parameters require no gradient, and DDP leaves them out), so no search for
        # unused parameters, a graph traversal per step. A model with a trainable part the loss
        # does not reach makes DDP raise at its second step rather than train differently.
        find_unused_parameters=False,
    )


def rank_seed(seed: int, epoch: int, rank: int) -> int:
    """The random seed of `rank` in `epoch`: each rank draws its own dropout masks, and a
    resumed training draws the same ones, without saving every rank's generator."""
    return int(torch.randint(0, 2**62, (1,), generator=torch.Generator().manual_seed(
        (seed * 1_000_003 + epoch) * 1009 + rank)).item())

