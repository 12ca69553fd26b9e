"""JetCLR's jet augmentations (seed 004; Dillon et al., arXiv:2108.04253, code
github.com/bmdillon/JetCLR scripts/modules/jet_augs.py) on padded four-momenta, in torch.

Each function takes momenta [B, P, 4] as (px, py, pz, E) in GeV, their mask [B, P] (True for
real particles) and a torch.Generator, and returns new momenta; padding rows stay zero. Random
numbers are drawn in float64 on the CPU from the generator, then moved to the momenta's device,
so that a seed gives the same views on every device. Vectorised over the batch.

The angular ones act in the rapidity-azimuth (y, phi) plane, as JetCLR's README says and the jets
were clustered in: a soft massive hadron can sit far from the axis in eta while close in y, and
rotating such an eta offset into phi would throw it around the detector. For massless particles
y = eta, so these are JetCLR's (eta, phi) augmentations. Each moves a particle by some (dy, dphi)
as a Lorentz transformation, a boost along the beam by dy and a rotation about it by dphi:
exactly what keeps its pT and mass and adds (dy, dphi) to its (y, phi).

  rotate_about_axis  each jet rotated about its axis (the (y, phi) of its summed momentum) by an
                     angle ~ U(0, 2 pi) (JetCLR's rotate_jets, about the centred jet's origin)
  translate          each jet moved by (dy, dphi), each ~ U(-width, width) x the jet's extent
                     (max - min) in y and phi (translate_jets, width 1.0); JetCLR also keeps its
                     centred phi inside [-pi, pi], which an azimuth on the circle needs not
  smear_angles       each particle moved by Gaussians of width strength / max(pT, pt_min) in y
                     and phi: soft particles move most (distort_jets, strength 0.1 and pT_clip_min
                     0.1, in GeV); the clip caps the width at strength / pt_min (1.0 by default,
                     about a jet radius), since a particle of pT -> 0 would otherwise be thrown
                     to any rapidity at all
  collinear_split    random particles split into two exactly collinear ones sharing its
                     four-momentum as z, 1 - z with z ~ U(0, 1), the second half in a padding
                     slot (collinear_fill_jets: each particle at most once, as many as the
                     padding holds); the jet's total four-momentum is unchanged

A view's jet axis is recomputed from its momenta: a rotation about the axis moves the summed
momentum's direction a little, and in the jet-axis frame a translation shows only through the
energies (a boost along the beam; a translation in phi is an exact symmetry of every relative
feature), where JetCLR's jets, whose coordinates were not re-centred, moved off-centre.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from jettransfer.inputs.particle_features import azimuth, jet_momenta, rapidity, transverse_momentum, wrapped


def draw_uniform(shape: tuple[int, ...], generator: torch.Generator, like: torch.Tensor) -> torch.Tensor:
    """U(0, 1) of `shape`, drawn in float64 on the CPU, moved to `like`'s device and dtype."""
    return torch.rand(shape, generator=generator, dtype=torch.float64).to(like.device, like.dtype)


def draw_normal(shape: tuple[int, ...], generator: torch.Generator, like: torch.Tensor) -> torch.Tensor:
    return torch.randn(shape, generator=generator, dtype=torch.float64).to(like.device, like.dtype)


def move(momenta: torch.Tensor, d_y: torch.Tensor, d_phi: torch.Tensor) -> torch.Tensor:
    """Each particle boosted along z by rapidity d_y and rotated about z by d_phi ([B, P] each):
    pT and mass kept, y -> y + d_y and phi -> phi + d_phi exactly."""
    px, py, pz, energy = momenta.unbind(-1)
    cos, sin, cosh, sinh = torch.cos(d_phi), torch.sin(d_phi), torch.cosh(d_y), torch.sinh(d_y)
    return torch.stack([cos * px - sin * py, sin * px + cos * py, cosh * pz + sinh * energy, cosh * energy + sinh * pz],
                       dim=-1)


def offsets_from_axis(momenta: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Each particle's (y - y_jet, phi - phi_jet) [B, P] to its jet's axis (phi wrapped), 0 on padding."""
    jet = jet_momenta(momenta, mask)
    d_y = rapidity(momenta) - rapidity(jet)[:, None]
    d_phi = wrapped(azimuth(momenta) - azimuth(jet)[:, None])
    return torch.where(mask, d_y, 0.0), torch.where(mask, d_phi, 0.0)


def rotate_about_axis(momenta: torch.Tensor, mask: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Each jet rotated in the (y, phi) plane about its axis by its own angle ~ U(0, 2 pi)."""
    angle = 2 * math.pi * draw_uniform((mask.shape[0], 1), generator, momenta)
    d_y, d_phi = offsets_from_axis(momenta, mask)
    cos, sin = torch.cos(angle), torch.sin(angle)
    new_y, new_phi = cos * d_y - sin * d_phi, sin * d_y + cos * d_phi
    return move(momenta, torch.where(mask, new_y - d_y, 0.0), torch.where(mask, new_phi - d_phi, 0.0))


def translate(momenta: torch.Tensor, mask: torch.Tensor, generator: torch.Generator, width: float = 1.0) -> torch.Tensor:
    """Each jet moved as a whole by (dy, dphi) ~ U(-width, width) x its extent in y and in phi."""
    shift = 2 * draw_uniform((mask.shape[0], 2), generator, momenta) - 1
    if width == 0:
        return momenta.clone()
    d_y, d_phi = offsets_from_axis(momenta, mask)
    extent = []
    for offsets in (d_y, d_phi):
        high = torch.where(mask, offsets, -math.inf).amax(dim=1)
        low = torch.where(mask, offsets, math.inf).amin(dim=1)
        extent.append(torch.where(mask.any(dim=1), high - low, 0.0))
    shift = width * shift * torch.stack(extent, dim=1)
    return move(momenta, torch.where(mask, shift[:, :1], 0.0), torch.where(mask, shift[:, 1:], 0.0))


def smear_angles(momenta: torch.Tensor, mask: torch.Tensor, generator: torch.Generator, strength: float = 0.1,
                 pt_min: float = 0.1) -> torch.Tensor:
    """Each particle moved in y and phi by Gaussians of width strength / max(pT, pt_min) (GeV)."""
    if pt_min <= 0:
        raise ValueError(f"pt_min must be positive (it caps the width at strength / pt_min), got {pt_min}")
    noise = draw_normal((*mask.shape, 2), generator, momenta)
    width = strength / transverse_momentum(momenta).clamp(min=pt_min)
    return move(momenta, torch.where(mask, width * noise[..., 0], 0.0), torch.where(mask, width * noise[..., 1], 0.0))


@dataclass
class Split:
    """A collinear split's result: momenta [B, W, 4] and mask [B, W] (W >= P), and for each row
    the row it came from (`source` [B, W], into the input's P rows) and the share of that row's
    four-momentum it carries (`share` [B, W]: z or 1 - z for the halves, 1 unsplit, 0 padding)."""

    momenta: torch.Tensor
    mask: torch.Tensor
    source: torch.Tensor
    share: torch.Tensor

    def carried(self, values: torch.Tensor) -> torch.Tensor:
        """A per-particle quantity linear in the four-momentum ([B, P]: a mass) on the new rows."""
        return values.gather(1, self.source) * self.share.to(values.dtype)


def collinear_split(momenta: torch.Tensor, mask: torch.Tensor, generator: torch.Generator,
                    max_splits: int | None = None) -> Split:
    """Split random particles of each jet into two exactly collinear ones, z p and (1 - z) p with
    z ~ U(0, 1), each particle at most once, the second half in a padding slot.

    max_splits None (JetCLR's collinear_fill_jets): min(n, free slots) particles of a jet of n,
    filling the padding the batch has, never wider. An integer: min(n, max_splits) of them, the
    batch padded wider where its padding is too short. The real rows keep their places."""
    batch_size, width = mask.shape
    keys = draw_uniform((batch_size, width), generator, momenta)
    z = draw_uniform((batch_size, width), generator, momenta)
    n = mask.sum(dim=1)
    wanted = torch.minimum(n, width - n) if max_splits is None else n.clamp(max=max_splits)
    new_width = max(width, int((n + wanted).max())) if batch_size else width
    # Each real particle's rank in a random order of its jet's real particles; the first `wanted` split.
    rank = torch.where(mask, keys, 2.0).argsort(dim=1).argsort(dim=1)
    split = mask & (rank < wanted[:, None])
    mask_wide = torch.cat([mask, mask.new_zeros(batch_size, new_width - width)], dim=1)
    # The free slots of each jet in order; the particle of rank r sends its second half to the r-th.
    free = mask_wide.to(torch.int8).argsort(dim=1, stable=True)
    dummy = new_width  # one extra column takes what is not split, then is dropped
    destination = torch.where(split, free.gather(1, rank.clamp(max=new_width - 1)), dummy)

    keep = torch.where(split, z, 1.0)
    out = momenta.new_zeros(batch_size, new_width + 1, 4)
    out[:, :width] = momenta * keep[..., None]
    out.scatter_(1, destination[..., None].expand(-1, -1, 4), torch.where(split[..., None], (1 - z)[..., None] * momenta, 0.0))
    out_mask = torch.cat([mask_wide, mask.new_zeros(batch_size, 1)], dim=1).scatter(1, destination, split)
    positions = torch.arange(width, device=mask.device).expand(batch_size, width)
    source = torch.cat([positions, positions.new_zeros(batch_size, new_width + 1 - width)], dim=1)
    source = source.scatter(1, destination, positions)
    share = torch.cat([torch.where(mask, keep, 0.0), keep.new_zeros(batch_size, new_width + 1 - width)], dim=1)
    share = share.scatter(1, destination, torch.where(split, 1 - z, 0.0))
    return Split(out[:, :new_width], out_mask[:, :new_width], source[:, :new_width], share[:, :new_width])
