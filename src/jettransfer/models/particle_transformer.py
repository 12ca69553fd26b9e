"""The Particle Transformer (ParT): a transformer on a jet's particles whose attention is biased,
per head, by an embedding of every particle pair's kinematics (the "interaction matrix"), then
class attention from a class token; a tagger, and an encoder for contrastive pretraining (the
next step of seed 004 after JetCLR's transformer).

Paper: H. Qu, C. Li, S. Qian, "Particle Transformer for Jet Tagging", ICML 2022,
arXiv:2202.03772. Reference code: hqucms/weaver-core, weaver/nn/model/ParticleTransformer.py
(class ParticleTransformer), as configured by jet-universe/particle_transformer
(networks/example_ParticleTransformer.py). Written anew here; layout, defaults and parameter
count are the reference's.

Input: a ParticleSetBatch (jettransfer.inputs.particle_sets): `features` [B, P, F], `mask`
[B, P] (True for real particles) and `four_momenta` [B, P, 4] as (px, py, pz, E) in GeV, from
which the pair features are computed (the registry marks the architecture needs_four_momenta).
Output: [B, num_classes] of the head. `representation` is the class token after the final
LayerNorm, [B, embed_dims[-1]].

Layout and defaults (the reference's; the published ParT):
  particle embedding  BatchNorm1d(input_dim), then per width of embed_dims (128, 512, 128):
                      LayerNorm, Linear, GELU; padded particles are zero afterwards
  pair embedding      per pair (i, j) of real particles, four features (float32):
                        ln kT = ln(min(pT_i, pT_j) dR_ij), ln z = ln(min(pT_i, pT_j) / (pT_i + pT_j)),
                        ln dR_ij, ln m^2_ij (of p_i + p_j), with dR^2 = dy^2 + dphi^2 in
                        rapidity y and azimuth, each log argument clamped at eps = 1e-8;
                      BatchNorm1d(4), then per width of pair_embed_dims (64, 64, 64) and a last
                      one of num_heads (8): pointwise Conv1d (kernel 1), BatchNorm1d, GELU. The
                      last GELU is kept (use_pre_activation_pair false, as the published config
                      sets; weaver-core's own default drops it). The [B, num_heads, P, P] result
                      is symmetric, self pairs (i = i) included, and is added to the attention
                      logits of every particle block.
  particle blocks     num_layers 8 x (NormFormer-style, pre-norm):
                        x <- x + Dropout(LN(c_attn * MHA(LN(x)), per head)),  MHA with the pair
                             bias and the padded keys masked, num_heads 8
                        x <- w_resid * x + Dropout(fc2(LN(Dropout(GELU(fc1(LN(x)))))))
                      fc1: embed_dim -> ffn_ratio 4 x embed_dim; dropout, attention dropout and
                      activation dropout 0.1 (block_params overrides them)
  class attention     num_cls_layers 2 blocks of the same layout in which a class token
                      (trunc. normal, std 0.02) is the only query, over keys and values
                      LN([class token, x]) (padded particles masked); dropouts 0
                      (cls_block_params overrides them)
  norm                LayerNorm(embed_dim) of the class token: the representation
  head                "linear": Linear(embed_dim -> num_classes), the published head (the
                      reference's fc with fc_params []); for contrastive training and its
                      transfers the transformer encoder's other two (models/transformer.py):
                      "projection": ReLU, Linear(embed_dim -> projection_dim 128), ReLU,
                      Linear(-> num_classes), a SimCLR projector, the contrastive space when
                      num_classes is its width; "mlp": Linear(embed_dim -> projection_dim),
                      ReLU, Linear(-> num_classes)
Parameters for the JetClass full input (input_dim 17) and 10 classes: 2,143,486 (the published
"2.14M"; tests/unit/test_particle_transformer.py counts it layer by layer), as weaver-core's
model counts. Checked outside this repository against weaver-core 0.5.3 (that config, its
weight_init None and fix_init false, our state dict loaded into it): eval-mode outputs agree to
1e-6 once its pair features are computed in float64, to 1e-4 with its float32 ones (below).

Trimming (the reference's `trim`). Padding beyond the widest jet of the batch is always cut
(outputs do not change). In training, with `trim` true, the reference's random trimming as
well: per batch a quantile q ~ U(trim_target) (0.9, 1.02), capped at 1, of the jets'
multiplicities is drawn, and a jet with more real particles keeps a random subset of that many
(an augmentation and a saving). It is off in eval mode and for a frozen backbone.

Departures from the reference, none of which changes the parameters:
- Padding never reaches a real particle's output, also in training: both BatchNorms take their
  statistics over real particles (pairs of real particles) only; the reference's particle
  BatchNorm sees the padding rows (its pair BatchNorm, in weaver-core >= 0.5, real pairs only,
  each unordered pair once with the self pairs, as here).
- The pair features are the reference's, computed without cancellation: each particle's pT,
  m^2 = E^2 - |p|^2, mT, rapidity y = asinh(pz / mT) and azimuth in float64 (per particle, so
  cheap), the pairs in float32 from m^2_ij = m_i^2 + m_j^2 + 2 (E_i E_j - p_i.p_j) with
  E_i E_j - p_i.p_j = (mT_i mT_j - pT_i pT_j) + 2 mT_i mT_j sinh^2(dy/2) + 2 pT_i pT_j sin^2(dphi/2),
  every term non-negative. The features are then what the reference's formulas give in float64
  on the same float32 momenta (to ~1e-5); the reference's own float32 E^2 - |p|^2 of the pair
  sum loses small masses: ln m^2 off by up to ~0.07 on hadrons of 1-50 GeV (self pairs,
  m ~ 0.1-0.5 GeV). A particle whose rounded momenta give E^2 < |p|^2 counts as massless.
- Per-head scaling c_attn multiplies the attention output (after out_proj) viewed as heads,
  channel k by c_attn[k // head_dim], as weaver-core >= 0.5 writes it; weaver-core 0.3's einsum
  also transposed (head, dim) there, a fixed channel permutation the learnt out_proj absorbs.
- The reference skips trimming for its first five forward calls; here it applies from the first.
- A jet without particles gets a finite output (its class token attends to itself only).
Initialisation is the original's (PyTorch defaults; the attention's in-projection Xavier-uniform
with zero biases as in nn.MultiheadAttention), not weaver-core 0.5's optional ViT schemes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from contextlib import nullcontext
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from jettransfer.inputs.particle_sets import ParticleSetBatch

PAIR_FEATURES = ("ln_kt", "ln_z", "ln_delta", "ln_m2")  # the reference's order (its pair_input_dim 4)
ACTIVATIONS = ("gelu", "relu")
HEADS = ("linear", "projection", "mlp")
_EPS = 1e-8  # the reference's clamp on every log argument
# A block's own parameters (reference names); embed_dim, num_heads and activation are the model's.
_BLOCK_DEFAULTS = {"ffn_ratio": 4, "dropout": 0.1, "attn_dropout": 0.1, "activation_dropout": 0.1,
                   "scale_fc": True, "scale_attn": True, "scale_heads": True, "scale_resids": True}
_CLS_BLOCK_DEFAULTS = {"dropout": 0.0, "attn_dropout": 0.0, "activation_dropout": 0.0}


def _activation(name: str) -> nn.Module:
    return nn.GELU() if name == "gelu" else nn.ReLU()


def _batch_norm(bn: nn.BatchNorm1d, x: torch.Tensor) -> torch.Tensor:
    """bn on rows [N, C] that are all real; with fewer than two rows in training (no batch
    variance: nn.BatchNorm1d would refuse) the running statistics, left as they are."""
    if bn.training and x.shape[0] < 2:
        return F.batch_norm(x, bn.running_mean, bn.running_var, bn.weight, bn.bias, False, 0.0, bn.eps)
    return bn(x)


def particle_kinematics(p: torch.Tensor) -> torch.Tensor:
    """[..., 5] (pT, m^2, mT, rapidity, azimuth) of four-momenta [..., 4] as (px, py, pz, E),
    computed in float64 (a particle's E^2 - |p|^2 cancels to a small mass) and returned in
    float32 or the input's dtype if wider. Called with autocast off."""
    px, py, pz, e = p.double().unbind(-1)
    pt = torch.hypot(px, py)
    m2 = (e * e - (px * px + py * py + pz * pz)).clamp(min=0.0)
    mt = torch.sqrt(pt * pt + m2)
    rapidity = torch.asinh(pz / mt.clamp(min=1e-20))  # = 0.5 ln((E + pz) / (E - pz))
    out = torch.stack([pt, m2, mt, rapidity, torch.atan2(py, px)], dim=-1)
    return out.to(torch.promote_types(p.dtype, torch.float32))


def pair_features(ki: torch.Tensor, kj: torch.Tensor, eps: float = _EPS) -> torch.Tensor:
    """[..., 4] (ln kT, ln z, ln dR, ln m^2) of pairs of particles given by their
    particle_kinematics ki, kj [..., 5], in their dtype; no step cancels."""
    pt_i, m2_i, mt_i, y_i, phi_i = ki.unbind(-1)
    pt_j, m2_j, mt_j, y_j, phi_j = kj.unbind(-1)
    dy = y_i - y_j
    dphi = torch.remainder(phi_i - phi_j + math.pi, 2 * math.pi) - math.pi
    delta = torch.sqrt(dy * dy + dphi * dphi)
    pt_min = torch.minimum(pt_i, pt_j)
    ln_kt = torch.log((pt_min * delta).clamp(min=eps))
    ln_z = torch.log((pt_min / (pt_i + pt_j).clamp(min=eps)).clamp(min=eps))
    ln_delta = torch.log(delta.clamp(min=eps))
    # E_i E_j - p_i.p_j = mT_i mT_j cosh(dy) - pT_i pT_j cos(dphi), as a sum of non-negative terms.
    transverse = (m2_i * pt_j * pt_j + m2_j * pt_i * pt_i + m2_i * m2_j) / (mt_i * mt_j + pt_i * pt_j).clamp(min=1e-30)
    dot = transverse + 2 * mt_i * mt_j * torch.sinh(dy / 2) ** 2 + 2 * pt_i * pt_j * torch.sin(dphi / 2) ** 2
    ln_m2 = torch.log((m2_i + m2_j + 2 * dot).clamp(min=eps))
    return torch.stack([ln_kt, ln_z, ln_delta, ln_m2], dim=-1)


class ParticleEmbedding(nn.Module):
    """BatchNorm1d(input_dim), then LayerNorm, Linear, activation per width; on real rows [R, F]."""

    def __init__(self, input_dim: int, dims: Sequence[int], activation: str) -> None:
        super().__init__()
        self.input_bn = nn.BatchNorm1d(input_dim)
        layers: list[nn.Module] = []
        for dim in dims:
            layers += [nn.LayerNorm(input_dim), nn.Linear(input_dim, dim), _activation(activation)]
            input_dim = dim
        self.layers = nn.Sequential(*layers)

    def forward(self, rows: torch.Tensor) -> torch.Tensor:
        return self.layers(_batch_norm(self.input_bn, rows))


class PairEmbedding(nn.Module):
    """The interaction matrix: pair features of the real pairs embedded pointwise into one
    attention bias per head, [B, out_dim, P, P], symmetric, zero where a particle is padding."""

    def __init__(self, dims: Sequence[int], activation: str, pre_activation: bool, eps: float = _EPS) -> None:
        super().__init__()
        self.eps, self.out_dim = eps, dims[-1]
        layers: list[nn.Module] = [nn.BatchNorm1d(len(PAIR_FEATURES))]
        input_dim = len(PAIR_FEATURES)
        for dim in dims:
            # Pointwise convolutions (kernel 1) as the reference's, run as matrix products on pair rows.
            layers += [nn.Conv1d(input_dim, dim, 1), nn.BatchNorm1d(dim), _activation(activation)]
            input_dim = dim
        if pre_activation:
            layers = layers[:-1]
        self.layers = nn.ModuleList(layers)

    def forward(self, four_momenta: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        B, P = mask.shape
        # Each unordered pair of real particles once (i >= j, self pairs included).
        lower = torch.ones(P, P, dtype=torch.bool, device=mask.device).tril()
        jet, i, j = (mask[:, :, None] & mask[:, None, :] & lower).nonzero(as_tuple=True)
        with torch.no_grad(), torch.autocast(mask.device.type, enabled=False):
            k = particle_kinematics(four_momenta)  # [B, P, 5], once per particle
            h = pair_features(k[jet, i], k[jet, j], self.eps)  # [pairs, 4]
        for layer in self.layers:
            if isinstance(layer, nn.BatchNorm1d):
                h = _batch_norm(layer, h)
            elif isinstance(layer, nn.Conv1d):
                h = F.linear(h, layer.weight.squeeze(-1), layer.bias)
            else:
                h = layer(h)
        bias = h.new_zeros(B, P, P, self.out_dim)
        bias[jet, i, j] = h
        bias[jet, j, i] = h
        return bias.permute(0, 3, 1, 2)


class Attention(nn.Module):
    """Multi-head attention with an additive (or boolean) mask; nn.MultiheadAttention's
    parameters and initialisation, inputs [B, T, D]."""

    def __init__(self, dim: int, num_heads: int, dropout: float) -> None:
        super().__init__()
        if dim % num_heads:
            raise ValueError(f"embed dim {dim} is not a multiple of num_heads {num_heads}")
        self.num_heads, self.dropout = num_heads, dropout
        self.in_proj = nn.Linear(dim, 3 * dim)
        self.out_proj = nn.Linear(dim, dim)
        nn.init.xavier_uniform_(self.in_proj.weight)
        nn.init.zeros_(self.in_proj.bias)
        nn.init.zeros_(self.out_proj.bias)

    def forward(self, query: torch.Tensor, context: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """mask [B, 1 or H, T, S]: additive logits (-inf for keys not attended), or bool (True: attend)."""
        B, T, D = query.shape
        S, H = context.shape[1], self.num_heads
        w, b = self.in_proj.weight, self.in_proj.bias
        q = F.linear(query, w[:D], b[:D]).view(B, T, H, D // H).transpose(1, 2)
        k, v = F.linear(context, w[D:], b[D:]).view(B, S, 2, H, D // H).permute(2, 0, 3, 1, 4)
        if mask.is_floating_point():
            mask = mask.to(q.dtype)
        out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, dropout_p=self.dropout if self.training else 0.0)
        return self.out_proj(out.transpose(1, 2).reshape(B, T, D))


class Block(nn.Module):
    """A ParT block: attention of x over itself, or of a class token over [class token, x]."""

    def __init__(self, embed_dim: int, num_heads: int, activation: str, ffn_ratio: int, dropout: float,
                 attn_dropout: float, activation_dropout: float, scale_fc: bool, scale_attn: bool,
                 scale_heads: bool, scale_resids: bool) -> None:
        super().__init__()
        self.num_heads = num_heads
        ffn_dim = embed_dim * ffn_ratio
        self.pre_attn_norm = nn.LayerNorm(embed_dim)
        self.attn = Attention(embed_dim, num_heads, attn_dropout)
        self.post_attn_norm = nn.LayerNorm(embed_dim) if scale_attn else nn.Identity()
        self.dropout = nn.Dropout(dropout)
        self.pre_fc_norm = nn.LayerNorm(embed_dim)
        self.fc1 = nn.Linear(embed_dim, ffn_dim)
        self.act = _activation(activation)
        self.act_dropout = nn.Dropout(activation_dropout)
        self.post_fc_norm = nn.LayerNorm(ffn_dim) if scale_fc else nn.Identity()
        self.fc2 = nn.Linear(ffn_dim, embed_dim)
        self.c_attn = nn.Parameter(torch.ones(num_heads)) if scale_heads else None
        self.w_resid = nn.Parameter(torch.ones(embed_dim)) if scale_resids else None

    def forward(self, x: torch.Tensor, mask: torch.Tensor, cls: torch.Tensor | None = None) -> torch.Tensor:
        """x [B, P, D]; mask as Attention's, over x's rows (over [cls, x] with a class token
        cls [B, 1, D], which is then what is updated and returned)."""
        if cls is None:
            residual = x
            h = self.pre_attn_norm(x)
            h = self.attn(h, h, mask)
        else:
            # Class attention (CaiT): the raw class token queries the normalised [cls, x].
            residual = cls
            h = self.attn(cls, self.pre_attn_norm(torch.cat([cls, x], dim=1)), mask)
        if self.c_attn is not None:
            B, T, D = h.shape
            h = (h.view(B, T, self.num_heads, D // self.num_heads) * self.c_attn[:, None].to(h.dtype)).view(B, T, D)
        h = self.dropout(self.post_attn_norm(h)) + residual
        residual = h
        h = self.act_dropout(self.act(self.fc1(self.pre_fc_norm(h))))
        h = self.dropout(self.fc2(self.post_fc_norm(h)))
        if self.w_resid is not None:
            residual = self.w_resid * residual
        return h + residual


class ClassAttention(nn.Module):
    """The class token and the class-attention blocks that pool a jet into it."""

    def __init__(self, embed_dim: int, blocks: list[Block]) -> None:
        super().__init__()
        self.token = nn.Parameter(torch.zeros(1, 1, embed_dim))
        nn.init.trunc_normal_(self.token, std=0.02)
        self.blocks = nn.ModuleList(blocks)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """[B, D] from x [B, P, D] and the real-particle mask [B, P]."""
        # Keys [cls, x]: the class token always, so that a jet without particles is defined too.
        attend = torch.cat([mask.new_ones(mask.shape[0], 1), mask], dim=1)[:, None, None, :]
        # A copy, not an expanded view: a view of a parameter made under no_grad still claims to
        # require grad, which module hooks (FlopCounterMode's module tracker) refuse.
        cls = self.token.to(x.dtype).repeat(x.shape[0], 1, 1)
        for block in self.blocks:
            cls = block(x, attend, cls)
        return cls.squeeze(1)


class ParticleTransformer(nn.Module):
    def __init__(
        self,
        input_dim: int,
        num_classes: int = 2,
        n_particles: int | None = 128,
        embed_dims: Sequence[int] = (128, 512, 128),
        pair_embed_dims: Sequence[int] | None = (64, 64, 64),
        num_heads: int = 8,
        num_layers: int = 8,
        num_cls_layers: int = 2,
        block_params: dict[str, Any] | None = None,
        cls_block_params: dict[str, Any] | None = None,
        activation: str = "gelu",
        use_pre_activation_pair: bool = False,
        trim: bool = True,
        trim_target: Sequence[float] = (0.9, 1.02),
        head: str = "linear",
        projection_dim: int = 128,
    ) -> None:
        """`n_particles`: the loader pads / truncates each jet to this many rows (the reference's
        data configs: 128; None: every jet whole). `pair_embed_dims` None or empty: no pair bias
        (the paper's plain-transformer ablation). `block_params` / `cls_block_params` override
        the particle / class-attention blocks' ffn_ratio, dropout, attn_dropout,
        activation_dropout, scale_fc, scale_attn, scale_heads, scale_resids."""
        super().__init__()
        if not embed_dims:
            raise ValueError("embed_dims needs at least one width")
        if activation not in ACTIVATIONS:
            raise ValueError(f"unknown activation {activation!r}; known: {ACTIVATIONS}")
        if head not in HEADS:
            raise ValueError(f"unknown head {head!r}; known: {HEADS}")
        if len(trim_target) != 2 or not 0 < trim_target[0] <= trim_target[1]:
            raise ValueError(f"trim_target must be (low, high) with 0 < low <= high, not {trim_target!r}")
        for name, params in (("block_params", block_params), ("cls_block_params", cls_block_params)):
            unknown = sorted(set(params or {}) - set(_BLOCK_DEFAULTS))
            if unknown:
                raise ValueError(f"unknown {name} {unknown}; known: {sorted(_BLOCK_DEFAULTS)}")
        self.n_particles = n_particles
        self.trim, self.trim_target = trim, (float(trim_target[0]), float(trim_target[1]))
        embed_dim = embed_dims[-1]
        self.embed_dim = embed_dim
        common = {"embed_dim": embed_dim, "num_heads": num_heads, "activation": activation}
        block = {**_BLOCK_DEFAULTS, **(block_params or {})}
        cls_block = {**_BLOCK_DEFAULTS, **_CLS_BLOCK_DEFAULTS, **(cls_block_params or {})}
        self.embed = ParticleEmbedding(input_dim, embed_dims, activation)
        self.pair_embed = (PairEmbedding([*pair_embed_dims, num_heads], activation, use_pre_activation_pair)
                           if pair_embed_dims else None)
        self.blocks = nn.ModuleList([Block(**common, **block) for _ in range(num_layers)])
        self.class_attention = ClassAttention(embed_dim, [Block(**common, **cls_block) for _ in range(num_cls_layers)])
        self.norm = nn.LayerNorm(embed_dim)
        if head == "linear":
            self.head: nn.Module = nn.Linear(embed_dim, num_classes)
        elif head == "projection":
            self.head = nn.Sequential(nn.ReLU(), nn.Linear(embed_dim, projection_dim), nn.ReLU(),
                                      nn.Linear(projection_dim, num_classes))
        else:
            self.head = nn.Sequential(nn.Linear(embed_dim, projection_dim), nn.ReLU(),
                                      nn.Linear(projection_dim, num_classes))
        self.backbone_frozen = False

    def backbone_modules(self) -> list[nn.Module]:
        modules = [self.embed, self.blocks, self.class_attention, self.norm]
        return modules if self.pair_embed is None else [*modules[:1], self.pair_embed, *modules[1:]]

    def forward(self, batch: ParticleSetBatch) -> torch.Tensor:
        """Outputs [B, num_classes] of the head."""
        return self.head(self.representation(batch))

    def representation(self, batch: ParticleSetBatch) -> torch.Tensor:
        """The class token after the final LayerNorm, [B, embed_dim]."""
        if self.pair_embed is not None and batch.four_momenta is None:
            raise ValueError("ParticleTransformer reads ParticleSetBatch.four_momenta; the batch has none")
        # A frozen backbone records no graph: the saving frozen training is for.
        with torch.no_grad() if self.backbone_frozen else nullcontext():
            features, four_momenta, mask = self._trimmed(batch)
            B, P = mask.shape
            x = self.embed(features[mask])  # real particles only: padding never enters the BatchNorm
            x = x.new_zeros(B, P, x.shape[-1]).index_put_((mask,), x)
            # A query over keys that are all masked would be NaN: a jet without particles
            # attends to its first (padding) slot, which never reaches its class token.
            attend = mask.clone()
            attend[:, 0] |= ~mask.any(dim=1)
            if self.pair_embed is None:
                bias = attend[:, None, None, :]
            else:
                bias = self.pair_embed(four_momenta, mask)
                bias = bias.masked_fill(~attend[:, None, None, :], float("-inf"))
            for block in self.blocks:
                x = block(x, bias)
            return self.norm(self.class_attention(x, mask))

    def _trimmed(self, batch: ParticleSetBatch) -> tuple[torch.Tensor, torch.Tensor | None, torch.Tensor]:
        """(features, four-momenta, mask) without the padding beyond the widest jet, and, in
        training with `trim`, the reference's random trimming."""
        features, four_momenta, mask = batch.features, batch.four_momenta, batch.mask
        counts = mask.sum(dim=1)
        if self.trim and self.training and not self.backbone_frozen and mask.shape[0] > 0:
            low, high = self.trim_target
            q = min(1.0, low + (high - low) * float(torch.rand(())))
            keep = max(int(torch.quantile(counts.float(), q).long()), 1)
            if keep < int(counts.max()):
                # Real particles to the front in a random order; a longer jet keeps `keep` of them.
                order = torch.rand(mask.shape, device=mask.device).masked_fill(~mask, -1.0)
                order = order.argsort(dim=1, descending=True)[:, :keep]
                mask = mask.gather(1, order)
                features = features.gather(1, order[..., None].expand(-1, -1, features.shape[-1]))
                if four_momenta is not None:
                    four_momenta = four_momenta.gather(1, order[..., None].expand(-1, -1, 4))
        # One past the last real particle of any jet (at least one slot, for attention keys).
        slots = torch.arange(1, mask.shape[1] + 1, device=mask.device)
        width = max(int((slots * mask).amax()) if mask.numel() else 0, 1)
        if width > mask.shape[1]:  # zero rows: a batch of empty jets
            pad = width - mask.shape[1]
            mask = F.pad(mask, (0, pad))
            features = F.pad(features, (0, 0, 0, pad))
            four_momenta = None if four_momenta is None else F.pad(four_momenta, (0, 0, 0, pad))
        return (features[:, :width], None if four_momenta is None else four_momenta[:, :width], mask[:, :width])
