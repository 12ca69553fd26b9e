"""Self-supervised contrastive learning (SimCLR, seed 004): two augmented views of every jet
of a batch, made per batch by a view-making function, are pulled together and pushed away from
the other jets' views by the NT-Xent loss with temperature tau:

    l(i, j) = -log( exp(sim(z_i, z_j) / tau) / sum_{k != i} exp(sim(z_i, z_k) / tau) ),

over the 2N projected views, sim the cosine similarity, averaged over all 2N anchors. Labels
are never read. The views come from `jettransfer.inputs.views` by name (or any callable
(batch, generator) -> (view_1, view_2) passed in)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from jettransfer.objectives.base import Objective


def view_similarities(z1: torch.Tensor, z2: torch.Tensor, temperature: float = 1.0) -> tuple[torch.Tensor, torch.Tensor]:
    """Cosine similarities / temperature of the 2N views [2N, 2N] (an anchor is not its own
    candidate: -inf on the diagonal), and each anchor's positive, its other view."""
    z = F.normalize(torch.cat([z1, z2]).float(), dim=1)
    n = len(z1)
    similarity = z @ z.T / temperature
    similarity.fill_diagonal_(float("-inf"))
    return similarity, torch.cat([torch.arange(n, 2 * n), torch.arange(n)]).to(z.device)


def nt_xent(z1: torch.Tensor, z2: torch.Tensor, temperature: float, reduction: str = "mean") -> torch.Tensor:
    """NT-Xent of N pairs (z1[i], z2[i]): mean (or sum) over the 2N anchors."""
    return F.cross_entropy(*view_similarities(z1, z2, temperature), reduction=reduction)


class Contrastive(Objective):
    needs_labels = False

    def __init__(self, num_classes: int, temperature: float = 0.1, views: str | Callable = "gaussian_noise",
                 view_options: dict[str, Any] | None = None, projection_dim: int = 128, features: Any = None) -> None:
        """`features`: the columns the model reads (jettransfer.inputs.particle_features.FeatureColumns),
        for views that recompute them from transformed four-momenta."""
        super().__init__(num_classes)
        self.temperature, self.projection_dim = float(temperature), projection_dim
        if callable(views):
            self.make_views = views
        else:
            from jettransfer.inputs.views import view_maker

            self.make_views = view_maker(views, features=features, **(view_options or {}))
        self.generator = torch.Generator()

    @property
    def output_size(self) -> int:
        return self.projection_dim  # the projection the loss compares, whatever the task's classes

    def start_epoch(self, epoch: int, seed: int) -> None:
        # Views of an epoch depend only on (seed, epoch): a resumed training makes the same ones.
        self.generator.manual_seed(1_000_003 * seed + epoch)

    def outputs(self, model: nn.Module, batch: Any) -> tuple[torch.Tensor, torch.Tensor]:
        first, second = self.make_views(batch, self.generator)
        return model(first), model(second)

    def loss(self, outputs: tuple[torch.Tensor, torch.Tensor], targets: dict[str, torch.Tensor],
             reduction: str = "mean") -> torch.Tensor:
        # Per jet: the mean over its two anchors, so an epoch's sum divided by its jets is the mean loss.
        value = nt_xent(*outputs, self.temperature, reduction)
        return value if reduction == "mean" else value / 2

    def metrics(self, outputs: tuple[torch.Tensor, torch.Tensor], targets: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """accuracy: the share of anchors whose most similar candidate is their own other view."""
        similarity, positive = view_similarities(*(z.detach() for z in outputs))
        return {"accuracy": (similarity.argmax(dim=1) == positive).sum() / 2}

    def scores(self, outputs: Any) -> torch.Tensor:
        raise NotImplementedError("a contrastive run has no test scores: fine-tune it on a labelled task")
