"""Every objective on values computed by hand."""

import math

import numpy as np
import pytest
import torch

from jettransfer.objectives import Contrastive, CrossEntropy, Distillation, MultiLabel, build_objective
from jettransfer.objectives.contrastive import nt_xent


def softmax(values, t=1.0):
    exps = [math.exp(v / t) for v in values]
    return [e / sum(exps) for e in exps]


def test_cross_entropy_and_accuracy_by_hand():
    outputs = torch.tensor([[2.0, 0.0], [0.0, 1.0], [3.0, 1.0]])
    targets = {"label": torch.tensor([0, 0, 0]), "id": torch.arange(3)}
    objective = CrossEntropy(2)
    expected = -sum(math.log(softmax(row)[0]) for row in outputs.tolist()) / 3
    assert objective.loss(outputs, targets).item() == pytest.approx(expected, rel=1e-6)
    assert objective.loss(outputs, targets, reduction="sum").item() == pytest.approx(3 * expected, rel=1e-6)
    assert objective.metrics(outputs, targets)["accuracy"].item() == 2
    np.testing.assert_allclose(objective.scores(outputs).numpy(), [softmax(r)[1] for r in outputs.tolist()], rtol=1e-6)
    assert CrossEntropy(3).scores(torch.zeros(2, 3)).shape == (2, 3)  # every class's probability


def test_distillation_loss_by_hand():
    student, teacher, t, alpha = [1.0, 0.0], [0.0, 1.0], 2.0, 0.3
    q, p = softmax(student, t), softmax(teacher, t)
    kl = sum(pi * math.log(pi / qi) for pi, qi in zip(p, q))
    hard = -math.log(softmax(student)[0])
    expected = alpha * hard + (1 - alpha) * t * t * kl
    objective = Distillation(2, temperature=t, alpha=alpha)
    targets = {"label": torch.tensor([0]), "id": torch.tensor([7]), "teacher_logits": torch.tensor([teacher])}
    assert objective.loss(torch.tensor([student]), targets).item() == pytest.approx(expected, rel=1e-6)
    # The hard-target loss alone is logged beside it.
    assert objective.metrics(torch.tensor([student]), targets)["hard_loss"].item() == pytest.approx(hard, rel=1e-6)
    # alpha = 1 is plain cross-entropy; a teacher equal to the student adds nothing.
    assert Distillation(2, t, 1.0).loss(torch.tensor([student]), targets).item() == pytest.approx(hard, rel=1e-6)
    same = targets | {"teacher_logits": torch.tensor([student])}
    assert Distillation(2, t, 0.0).loss(torch.tensor([student]), same).item() == pytest.approx(0.0, abs=1e-7)


def test_nt_xent_on_three_pairs_by_hand():
    z1 = torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    z2 = torch.tensor([[0.9, 0.1], [-0.2, 1.0], [1.0, 0.5]])
    tau = 0.5
    views = [v / np.linalg.norm(v) for v in np.concatenate([z1.numpy(), z2.numpy()])]
    n, total = 3, 0.0
    for i in range(2 * n):
        positive = (i + n) % (2 * n)
        similarity = [float(views[i] @ views[k]) / tau for k in range(2 * n)]
        denominator = sum(math.exp(similarity[k]) for k in range(2 * n) if k != i)
        total += -math.log(math.exp(similarity[positive]) / denominator)
    assert nt_xent(z1, z2, tau).item() == pytest.approx(total / (2 * n), rel=1e-5)
    objective = Contrastive(8, temperature=tau, views=lambda batch, generator: (batch, batch))
    assert objective.loss((z1, z2), {}).item() == pytest.approx(total / (2 * n), rel=1e-5)
    # Per jet, the sum is half the anchors' sum: an epoch's sum over its jets gives the mean.
    assert objective.loss((z1, z2), {}, reduction="sum").item() == pytest.approx(total / 2, rel=1e-5)
    assert not objective.needs_labels


def test_masked_regression_and_existence_loss_by_hand():
    objective = MultiLabel(0, n_objects=2, n_kinematics=2, existence_weight=0.5, kinematics_weight=2.0)
    assert objective.output_size == 6
    # Event 0: object 0 exists (kinematics regressed), object 1 does not (its kinematics ignored).
    outputs = torch.tensor([[0.0, 1.0, 1.0, 2.0, 100.0, -100.0]])
    targets = {"exists": torch.tensor([[1, 0]]), "kinematics": torch.tensor([[[0.0, 4.0], [0.0, 0.0]]]),
               "id": torch.tensor([0])}
    bce = (-math.log(0.5) + -math.log(1 - 1 / (1 + math.exp(-1.0)))) / 2
    mse = ((1.0 - 0.0) ** 2 + (2.0 - 4.0) ** 2) / 2
    assert objective.loss(outputs, targets).item() == pytest.approx(0.5 * bce + 2.0 * mse, rel=1e-6)
    # A separate kinematics mask wins over the existence flags.
    masked = targets | {"kinematics_mask": torch.tensor([[0, 0]])}
    assert objective.loss(outputs, masked).item() == pytest.approx(0.5 * bce, rel=1e-6)
    # Logit 0 reads "absent" (object 0 exists), logit 1 "present" (object 1 does not): both wrong.
    assert objective.metrics(outputs, targets)["accuracy"].item() == 0.0
    assert objective.metrics(-outputs, targets)["accuracy"].item() == 0.5


def test_contrastive_views_are_reproducible_per_epoch():
    from jettransfer.inputs.particle_sets import ParticleSetBatch

    batch = ParticleSetBatch(torch.zeros(2, 3, 4), torch.tensor([[True, True, False], [True, False, False]]))
    objective = build_objective({"name": "contrastive", "temperature": 0.1, "views": "gaussian_noise"}, 2)

    def model(views):
        return views.features.flatten(1)
    objective.start_epoch(3, seed=1)
    first = objective.outputs(model, batch)
    objective.start_epoch(3, seed=1)
    again = objective.outputs(model, batch)
    assert torch.equal(first[0], again[0]) and not torch.equal(first[0], first[1])
    assert (first[0].view(2, 3, 4)[~batch.mask] == 0).all()  # padding stays empty


def test_objectives_by_name_take_their_options():
    objective = build_objective({"name": "distillation", "teacher": "t", "temperature": 3.0, "alpha": 0.1}, 2)
    assert isinstance(objective, Distillation) and objective.temperature == 3.0 and objective.alpha == 0.1
    with pytest.raises(KeyError, match="unknown objective 'hinge'"):
        build_objective({"name": "hinge"}, 2)
