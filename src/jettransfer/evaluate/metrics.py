"""ROC-curve metrics of a binary tagger: AUC and background rejection at fixed signal efficiency."""

from __future__ import annotations

from dataclasses import dataclass

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


def tagger_metrics(labels: np.ndarray, scores: np.ndarray) -> dict[str, float]:
    if len(np.unique(labels)) != 2:
        raise ValueError("metrics need both signal and background jets in the test set")
    curve = roc(labels, scores)
    return {
        "auc": float(roc_auc_score(labels, scores)),
        "accuracy": float(np.mean((scores > 0.5) == (labels == 1))),
        "rejection_at_30": curve.rejection_at(0.3),
        "rejection_at_50": curve.rejection_at(0.5),
        "n_signal": int(np.sum(labels == 1)),
        "n_background": int(np.sum(labels == 0)),
    }
