"""ROC-curve metrics of a tagger: AUC and background rejection at fixed signal efficiency for a
binary one, one-vs-rest AUCs and accuracy for more classes, existence AUCs and kinematic
resolutions for a multi-label one.

A rejection 1/eps_B rests on the few background jets that pass the cut, so it comes with a
bootstrap uncertainty (the test set resampled with replacement), and it is not quoted at all
where fewer than MIN_BACKGROUND_PAST_CUT background jets pass.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.metrics import roc_auc_score, roc_curve


@dataclass(frozen=True)
class RocCurve:
    signal_efficiency: np.ndarray  # true-positive rate
    background_efficiency: np.ndarray  # false-positive rate

    def rejection_at(self, signal_efficiency: float) -> float:
        """1 / eps_background of the cut that keeps at least `signal_efficiency` of the signal.

        Taking the first ROC point at or above the target (not interpolating) is well defined at
        the vertical steps of a finite test set. inf if no background passes that cut.
        """
        eps_b = float(np.min(self.background_efficiency[self.signal_efficiency >= signal_efficiency]))
        return float("inf") if eps_b <= 0 else 1.0 / eps_b


def roc(labels: np.ndarray, scores: np.ndarray) -> RocCurve:
    fpr, tpr, _ = roc_curve(labels, scores)
    return RocCurve(tpr, fpr)


MIN_BACKGROUND_PAST_CUT = 10
BOOTSTRAP_SAMPLES = 200


@dataclass(frozen=True)
class Rejection:
    value: float | None  # 1/eps_B; None when not quoted
    error: float | None  # standard deviation over bootstrap replicas
    background_past_cut: int


def background_rejection(labels: np.ndarray, scores: np.ndarray, signal_efficiency: float,
                         n_bootstrap: int = BOOTSTRAP_SAMPLES, seed: int = 0) -> Rejection:
    """1/eps_B at the first cut (from the top score down) that keeps `signal_efficiency` of the
    signal, with its bootstrap standard deviation; the same cut as RocCurve.rejection_at."""
    order = np.argsort(-np.asarray(scores), kind="stable")
    is_signal = (np.asarray(labels) == 1)[order]
    sorted_scores = np.asarray(scores)[order]
    # A cut can only fall between different scores: the ends of runs of equal scores.
    group_ends = np.append(np.flatnonzero(np.diff(sorted_scores) != 0), len(sorted_scores) - 1)

    def past_cut(weights: np.ndarray) -> tuple[float, float]:
        signal = np.cumsum(weights * is_signal)[group_ends]
        background = np.cumsum(weights * ~is_signal)[group_ends]
        cut = np.argmax(signal >= signal_efficiency * signal[-1] * (1 - 1e-12))
        return background[cut], background[-1]

    passing, total = past_cut(np.ones(len(order)))
    if passing < MIN_BACKGROUND_PAST_CUT:
        return Rejection(None, None, int(passing))
    rng = np.random.default_rng(seed)
    replicas = []
    for _ in range(n_bootstrap):
        weights = np.bincount(rng.integers(0, len(order), len(order)), minlength=len(order))[order]
        replica_passing, replica_total = past_cut(weights)
        if replica_passing > 0:
            replicas.append(replica_total / replica_passing)
    return Rejection(float(total / passing), float(np.std(replicas, ddof=1)), int(passing))


def area_under_curve(labels: np.ndarray, scores: np.ndarray) -> float:
    """ROC AUC of a binary labelling, or the mean one-vs-rest AUC over classes for scores [J, C]."""
    if np.ndim(scores) == 2:
        return float(np.mean(one_vs_rest_aucs(labels, scores)))
    return float(roc_auc_score(labels, scores))


def auc_error(labels: np.ndarray, scores: np.ndarray) -> float:
    """The statistical error of the AUC of these scores (DeLong, DeLong and Clarke-Pearson,
    Biometrics 44 (1988) 837): from each jet's share of the pairs it wins, by midranks."""
    from scipy.stats import rankdata

    signal, background = scores[labels == 1], scores[labels == 0]
    m, n = len(signal), len(background)
    ranks = rankdata(np.concatenate([signal, background]))
    # A signal jet's share of background jets below it; a background jet's of signal jets above.
    v_signal = (ranks[:m] - rankdata(signal)) / n
    v_background = 1.0 - (ranks[m:] - rankdata(background)) / m
    return float(np.sqrt(np.var(v_signal, ddof=1) / m + np.var(v_background, ddof=1) / n))


def auc_standard_error(auc: float, n_signal: int, n_background: int) -> float:
    """The statistical error of an AUC known only with its test-set sizes (Hanley and McNeil,
    Radiology 143 (1982) 29, eq. 1; its exponential model overestimates the error of
    well-separated Gaussian-like scores by up to about 40%, a conservative bound)."""
    q1, q2 = auc / (2 - auc), 2 * auc**2 / (1 + auc)
    variance = (auc * (1 - auc) + (n_signal - 1) * (q1 - auc**2) + (n_background - 1) * (q2 - auc**2)) / (n_signal * n_background)
    return float(np.sqrt(variance))


def one_vs_rest_aucs(labels: np.ndarray, scores: np.ndarray) -> list[float]:
    """Per class c, the AUC of score c separating class c from all the others."""
    return [float(roc_auc_score(labels == c, scores[:, c])) for c in range(scores.shape[1])]


def multiclass_metrics(labels: np.ndarray, scores: np.ndarray) -> dict[str, Any]:
    """Accuracy of the most probable class, and one-vs-rest AUCs (`auc`: their mean)."""
    present = np.unique(labels)
    if len(present) != scores.shape[1]:
        raise ValueError(f"metrics need jets of all {scores.shape[1]} classes in the test set, found {list(present)}")
    aucs = one_vs_rest_aucs(labels, scores)
    counts = np.bincount(labels, minlength=scores.shape[1])
    return {"auc": float(np.mean(aucs)), "auc_per_class": aucs, "accuracy": float(np.mean(scores.argmax(axis=1) == labels)),
            "n_per_class": [int(c) for c in counts]}


def multilabel_metrics(targets: dict[str, np.ndarray], scores: np.ndarray, n_objects: int) -> dict[str, Any]:
    """Per kind of object: the AUC of its existence probability, the accuracy of existence at 0.5,
    and the RMS error of each regressed kinematic where it exists."""
    exists = np.asarray(targets["exists"]).astype(bool)
    mask = np.asarray(targets.get("kinematics_mask", exists)).astype(bool)
    probability, regressed = scores[:, :n_objects], scores[:, n_objects:].reshape(len(scores), n_objects, -1)
    errors = (regressed - np.asarray(targets["kinematics"])) ** 2
    out: dict[str, Any] = {"existence_auc": [], "existence_accuracy": [], "kinematics_rmse": []}
    for k in range(n_objects):
        two = len(np.unique(exists[:, k])) == 2
        out["existence_auc"].append(float(roc_auc_score(exists[:, k], probability[:, k])) if two else None)
        out["existence_accuracy"].append(float(np.mean((probability[:, k] > 0.5) == exists[:, k])))
        chosen = errors[mask[:, k], k]
        out["kinematics_rmse"].append([float(v) for v in np.sqrt(chosen.mean(axis=0))] if len(chosen) else None)
    quoted = [a for a in out["existence_auc"] if a is not None]
    return out | {"auc": float(np.mean(quoted)) if quoted else None, "accuracy": float(np.mean(out["existence_accuracy"]))}


def tagger_metrics(labels: np.ndarray, scores: np.ndarray) -> dict[str, float | int | None]:
    if len(np.unique(labels)) != 2:
        raise ValueError("metrics need both signal and background jets in the test set")
    metrics: dict[str, float | int | None] = {
        "auc": float(roc_auc_score(labels, scores)),
        "auc_error": auc_error(labels, scores),
        "accuracy": float(np.mean((scores > 0.5) == (labels == 1))),
    }
    for percent in (30, 50):
        rejection = background_rejection(labels, scores, percent / 100)
        metrics |= {f"rejection_at_{percent}": rejection.value, f"rejection_at_{percent}_error": rejection.error,
                    f"background_past_cut_{percent}": rejection.background_past_cut}
    return metrics | {"n_signal": int(np.sum(labels == 1)), "n_background": int(np.sum(labels == 0))}
