"""Test-score files of a run (one .npz, uncompressed), written by the evaluate stage:

  scores  float64 [J] (the signal probability of a binary classifier) or [J, C] (every
          class's probability; a multi-label run's existence probabilities, then its
          regressed kinematics)
  labels  int64   [J]  the jets' classes
  ids     int64   [J]  the jets' stable ids (jettransfer.data.jet_ids)
"""

from __future__ import annotations

import os

import numpy as np

from jettransfer.data.errors import InputFileError
from jettransfer.data.npz import write_npz


def write_scores(path: str | os.PathLike, scores: np.ndarray, labels: np.ndarray, ids: np.ndarray) -> None:
    write_npz(path, {"scores": np.asarray(scores, np.float64), "labels": np.asarray(labels, np.int64),
                     "ids": np.asarray(ids, np.int64)})


def read_scores(path: str | os.PathLike) -> tuple[np.ndarray, np.ndarray]:
    """(scores, labels) of a score file."""
    if not os.path.exists(path):
        raise InputFileError(path, None, "file does not exist")
    with np.load(path) as archive:
        for key in ("scores", "labels"):
            if key not in archive.files:
                raise InputFileError(path, key, "array is missing (not a score file?)")
        scores, labels = archive["scores"], archive["labels"]
    if len(scores) != len(labels):
        raise InputFileError(path, "labels", f"{len(labels)} labels for {len(scores)} scores")
    return scores, labels
