"""Per-particle feature columns of padded batches, from their four-momenta, in torch.

The port of jettransfer.physics.constituents (particle_features, set_features, the four-vector)
to ParticleSetBatch tensors: momenta [B, P, 4] as (px, py, pz, E) in GeV with a mask [B, P],
vectorised over the batch and run on its device, so that augmented views (inputs/views.py) can
recompute the columns a model reads after transforming the momenta. Each jet's axis, pT and
energy are those of the sum of its real particles, as the representation computes them; a batch
whose jets the loader cut shorter than the representation did therefore gets other relative
features than the stored ones (FeatureColumns.check says so).

The arithmetic is float64 (float32 on MPS, which has no float64). Float32 four-momenta fix a
hard light hadron's mass E^2 - |p|^2 only to about 0.1 GeV, so the views carry the batch's own
"mass" column (every augmentation keeps each particle's mass; a split scales it by z and 1 - z)
rather than recomputing it.

FeatureColumns says which columns a model reads, in which frame and with which standardisation
constants: what a view maker needs to rebuild `features` from `four_momenta`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import torch

from jettransfer.physics.constituents import FOUR_VECTOR, FRAMES, PARTICLE_FEATURES, SET_FEATURES

if TYPE_CHECKING:
    from jettransfer.data.packed_file import PackedJets

COMPUTABLE = tuple(dict.fromkeys(PARTICLE_FEATURES + SET_FEATURES + FOUR_VECTOR))
_LOG_FLOOR = 1e-8  # as jettransfer.physics.constituents
_ANGULAR = ("d_eta", "d_phi", "delta_r")


def compute_dtype(device: torch.device) -> torch.dtype:
    return torch.float32 if device.type == "mps" else torch.float64


def transverse_momentum(p: torch.Tensor) -> torch.Tensor:
    return torch.hypot(p[..., 0], p[..., 1])


def azimuth(p: torch.Tensor) -> torch.Tensor:
    """phi in [0, 2 pi), FastJet's convention."""
    return torch.remainder(torch.atan2(p[..., 1], p[..., 0]), 2 * math.pi)


def wrapped(d_phi: torch.Tensor) -> torch.Tensor:
    """An azimuthal difference wrapped into [-pi, pi)."""
    return torch.remainder(d_phi + math.pi, 2 * math.pi) - math.pi


def pseudorapidity(p: torch.Tensor) -> torch.Tensor:
    tiny = torch.finfo(p.dtype).tiny
    return torch.asinh(p[..., 2] / transverse_momentum(p).clamp(min=tiny))


def rapidity(p: torch.Tensor) -> torch.Tensor:
    """y = 1/2 ln((E + pz) / (E - pz)), as jettransfer.physics.kinematics.rapidity computes it
    (m_T^2 = pT^2 + max(m^2, 0) and E + |pz|, no cancellation in E - pz)."""
    px, py, pz, energy = p.unbind(-1)
    pt2 = px * px + py * py
    mt2 = pt2 + (energy * energy - pz * pz - pt2).clamp(min=0.0)
    y = 0.5 * torch.log((energy + pz.abs()) ** 2 / mt2.clamp(min=torch.finfo(p.dtype).tiny))
    return torch.where(pz >= 0, y, -y)


def jet_momenta(momenta: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """[B, 4] summed four-momentum of each jet's real particles (E-scheme)."""
    return torch.where(mask[..., None], momenta, 0.0).sum(dim=1)


def feature_columns(momenta: torch.Tensor, mask: torch.Tensor, names: Sequence[str], frame: str = "jet_axis",
                    mass: torch.Tensor | None = None, axis: torch.Tensor | None = None) -> torch.Tensor:
    """[B, P, len(names)] in the dtype of `momenta`, zero on padding rows.

    `names` from PARTICLE_FEATURES, SET_FEATURES and FOUR_VECTOR; `frame` places d_eta, d_phi
    and delta_r (jettransfer.physics.constituents.FRAMES); `mass` [B, P], when given, is the
    "mass" column instead of sqrt(max(E^2 - |p|^2, 0)); `axis` [B, 4], when given, is the
    four-momentum whose direction d_eta and d_phi are measured from, instead of the jet's own
    (a view measured from the original jet's axis: a translated jet is then off-centre)."""
    unknown = [n for n in names if n not in COMPUTABLE]
    if unknown:
        raise KeyError(f"cannot compute features {unknown} from four-momenta; known: {list(COMPUTABLE)}")
    if frame not in FRAMES:
        raise ValueError(f"unknown frame {frame!r}; known: {FRAMES}")
    p = torch.where(mask[..., None], momenta, 0.0)
    jet = p.sum(dim=1)
    tiny = torch.finfo(p.dtype).tiny
    pt, jet_pt = transverse_momentum(p), transverse_momentum(jet)[:, None]
    columns: dict[str, torch.Tensor] = {}
    if any(n in _ANGULAR for n in names):
        centre = jet if axis is None else axis.to(p.dtype)
        d_eta = pseudorapidity(p) - pseudorapidity(centre)[:, None]
        d_phi = wrapped(azimuth(p) - azimuth(centre)[:, None])
        if frame == "atlas":
            d_eta, d_phi = _rotate_and_flip(d_eta, d_phi, torch.where(mask, pt, 0.0))
        columns |= {"d_eta": d_eta, "d_phi": d_phi, "delta_r": torch.hypot(d_eta, d_phi)}

    def log(x: torch.Tensor) -> torch.Tensor:
        return torch.log(x.clamp(min=_LOG_FLOOR))

    for name in names:
        if name in columns:
            continue
        if name == "ln_pt":
            columns[name] = log(pt)
        elif name == "ln_e":
            columns[name] = log(p[..., 3])
        elif name == "ln_pt_rel":
            columns[name] = log(pt / jet_pt.clamp(min=tiny))
        elif name == "ln_e_rel":
            columns[name] = log(p[..., 3] / jet[:, 3:4].clamp(min=tiny))
        elif name == "pt_rel":
            columns[name] = pt / jet_pt.clamp(min=tiny)
        elif name == "mass":
            columns[name] = (mass.to(p.dtype) if mass is not None
                             else (p[..., 3] ** 2 - (p[..., :3] ** 2).sum(dim=-1)).clamp(min=0.0).sqrt())
        else:
            columns[name] = p[..., FOUR_VECTOR.index(name)]
    out = torch.stack([columns[n] for n in names], dim=-1) if names else p.new_zeros(*mask.shape, 0)
    return torch.where(mask[..., None], out, 0.0)


def _rotate_and_flip(x: torch.Tensor, y: torch.Tensor, weight: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The "atlas" frame (physics.constituents._rotate_and_flip): the pT-weighted principal axis
    of (x, y) rotated onto +y, then each axis flipped so that its pT-weighted mean is not negative."""
    def per_jet(values: torch.Tensor) -> torch.Tensor:
        return (weight * values).sum(dim=1, keepdim=True)

    sxx, syy, sxy = per_jet(x * x), per_jet(y * y), per_jet(x * y)
    angle = math.pi / 2 - 0.5 * torch.atan2(2 * sxy, sxx - syy)
    cos, sin = torch.cos(angle), torch.sin(angle)
    x, y = cos * x - sin * y, sin * x + cos * y
    x = torch.where(per_jet(x) < 0, -x, x)
    y = torch.where(per_jet(y) < 0, -y, y)
    return x, y


@dataclass(frozen=True)
class FeatureColumns:
    """The columns a model reads, as a representation made them: their names, the frame of the
    particle features, and the standardisation constants when the task's files were
    standardised ((x - mean) / std per column, the training split's constants)."""

    names: tuple[str, ...]
    frame: str = "jet_axis"
    mean: tuple[float, ...] | None = None
    std: tuple[float, ...] | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "names", tuple(self.names))
        unknown = [n for n in self.names if n not in COMPUTABLE]
        if unknown:
            raise KeyError(f"views cannot recompute features {unknown} from four-momenta; known: {list(COMPUTABLE)}")
        if self.frame not in FRAMES:
            raise ValueError(f"unknown frame {self.frame!r}; known: {FRAMES}")
        if (self.mean is None) != (self.std is None):
            raise ValueError("give both mean and std, or neither")
        for name in ("mean", "std"):
            values = getattr(self, name)
            if values is not None:
                object.__setattr__(self, name, tuple(float(v) for v in values))
                if len(getattr(self, name)) != len(self.names):
                    raise ValueError(f"{len(getattr(self, name))} {name} values for {len(self.names)} columns")

    @classmethod
    def of(cls, names: Sequence[str], representation: Mapping[str, Any] | None = None,
           jets: "PackedJets | None" = None) -> "FeatureColumns":
        """The columns `names` of a representation (a `representations` entry of the config: its
        frame, which only particle features have) as stored in `jets` (a task split: its
        standardisation constants, if any, picked for these columns)."""
        representation = representation or {}
        chosen = representation.get("features", "particle") if representation.get("kind") == "constituents" else "particle"
        frame = representation.get("frame", "jet_axis") if chosen == "particle" else "jet_axis"
        mean = std = None
        if jets is not None and jets.feature_mean is not None:
            columns = jets.feature_columns(names)
            mean, std = jets.feature_mean[columns], jets.feature_std[columns]
        return cls(tuple(names), frame, mean, std)

    def compute(self, momenta: torch.Tensor, mask: torch.Tensor, mass: torch.Tensor | None = None,
                dtype: torch.dtype = torch.float32, axis: torch.Tensor | None = None) -> torch.Tensor:
        """[B, P, F] as the model reads them (standardised if the files were), zero on padding;
        `axis` as in feature_columns."""
        raw = feature_columns(momenta, mask, self.names, self.frame, mass, axis).to(dtype)
        if self.mean is not None:
            # As PackedJets.standardised: in float32, (x - mean) / std.
            mean, std = (torch.tensor(v, dtype=torch.float32).to(raw.device, dtype) for v in (self.mean, self.std))
            raw = torch.where(mask[..., None], (raw - mean) / std, 0.0)
        return raw

    def unstandardised(self, features: torch.Tensor) -> torch.Tensor:
        """A batch's features back in the representation's units (a copy when standardised)."""
        if self.mean is None:
            return features
        mean, std = (torch.tensor(v, dtype=features.dtype, device=features.device) for v in (self.mean, self.std))
        return features * std + mean

    def carried_mass(self, features: torch.Tensor) -> torch.Tensor | None:
        """The batch's own "mass" column in GeV [B, P], or None if the model does not read it."""
        if "mass" not in self.names:
            return None
        return self.unstandardised(features)[..., self.names.index("mass")]

    def check(self, features: torch.Tensor, momenta: torch.Tensor, mask: torch.Tensor,
              atol: float = 1e-3, rtol: float = 1e-4, share: float = 0.01) -> None:
        """Raise if the batch's `features` are not what its `momenta` give under these columns on
        more than `share` of the real rows of some column (a rare jet may differ by its rounding:
        the "atlas" frame's principal axis of a near-isotropic jet is ill-conditioned)."""
        if features.shape[-1] != len(self.names):
            raise ValueError(f"the batch has {features.shape[-1]} feature columns, the view maker was built for "
                             f"{len(self.names)}: {list(self.names)}")
        dtype = compute_dtype(momenta.device)
        stored = self.unstandardised(features).to(dtype)
        recomputed = feature_columns(momenta.to(dtype), mask, self.names, self.frame,
                                     None if "mass" not in self.names else stored[..., self.names.index("mass")])
        n_real = int(mask.sum())
        if n_real == 0:
            return
        bad = ((recomputed - stored).abs() > atol + rtol * stored.abs()) & mask[..., None]
        fraction = bad.sum(dim=(0, 1)).double() / n_real
        worst = int(fraction.argmax())
        if float(fraction[worst]) > share:
            error = float(((recomputed - stored).abs() * mask[..., None])[..., worst].max())
            raise ValueError(
                f"feature {self.names[worst]!r} of {float(fraction[worst]):.1%} of the batch's particles is not what "
                f"its four-momenta give (up to {error:.3g} off): views would change more than the augmentation. "
                f"Built for frame {self.frame!r}, " + ("standardised" if self.mean is not None else "unstandardised")
                + "; are the files standardised (pass their constants: FeatureColumns.of(..., jets=...)), in another "
                "frame, or does the loader cut jets shorter than the representation (set its max_constituents to "
                "the model's n_particles)?")
