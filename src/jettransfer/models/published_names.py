"""The published LundNet taggers by name (fdreyer/LundNet, `models/`) and where their files are.

Plain data and path checks, without torch, so that config validation can read it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from jettransfer.data.errors import InputFileError


@dataclass(frozen=True)
class PublishedWeights:
    preset: str  # our preset with this tagger's architecture and features
    file: str  # the state dict's name in fdreyer/LundNet
    folder: str  # its folder under the repository's models/


PUBLISHED_WEIGHTS: dict[str, PublishedWeights] = {
    "LundNet5-top": PublishedWeights("LundNet5", "Top_QCD_500GeV_LundNet5_state.pt", "LundNet5/TopTagging"),
    "LundNet3-top": PublishedWeights("LundNet3", "Top_QCD_500GeV_LundNet3_state.pt", "LundNet3/TopTagging"),
    "LundNet5-W": PublishedWeights("LundNet5", "W_QCD_500GeV_LundNet5_state.pt", "LundNet5/WTagging"),
    "LundNet3-W": PublishedWeights("LundNet3", "W_QCD_500GeV_LundNet3_state.pt", "LundNet3/WTagging"),
}


def published_weights_candidates(name: str, directory: str | os.PathLike) -> list[Path]:
    """Where a named tagger's state dict may be: flat in `directory`, or in the original folders."""
    entry = PUBLISHED_WEIGHTS[name]
    return [Path(directory) / entry.file, Path(directory) / entry.folder / entry.file]


def published_weights_path(name_or_path: str, directory: str | os.PathLike) -> Path:
    """The state dict of a published tagger (by name, under `directory`) or the path given."""
    if name_or_path not in PUBLISHED_WEIGHTS:
        path = Path(name_or_path)
        if not path.is_file():
            raise InputFileError(path, None, f"no such state dict (published taggers by name: {sorted(PUBLISHED_WEIGHTS)})")
        return path
    candidates = published_weights_candidates(name_or_path, directory)
    for path in candidates:
        if path.is_file():
            return path
    raise InputFileError(candidates[0], None, f"the published {name_or_path} weights are not there (nor in "
                         f"{candidates[1]}); download fdreyer/LundNet's models/ folder and set published_weights_dir")
