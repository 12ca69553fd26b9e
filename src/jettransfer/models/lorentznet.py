"""LorentzNet (Gong et al., "An efficient Lorentz equivariant graph neural network for jet
tagging", JHEP 07 (2022) 030, arXiv:2201.08187): seed 003's teacher, after the public code
sdogsq/LorentzNet-release (models.py, top/collate.py), in a dense formulation.

Input: a ParticleSetBatch; the model reads only `four_momenta` [B, P, 4] as (px, py, pz, E)
in GeV and `mask` [B, P]. `input_dim` (the feature columns of the batch) is accepted, as every
constructor in the registry takes it, and unused: like the original, the model builds its own
node scalars from the momenta. Output: logits [B, num_classes].

Layout, as the original's top-tagging loader and model build it:
- Two beam particles, (px, py, pz, E) = (0, 0, +1, sqrt 2) and (0, 0, -1, sqrt 2) GeV (beam mass
  1 GeV, scale 1), are appended to every jet, and are never boosted or rotated with the jet.
- Node scalars: a one-hot (particle, beam) times sqrt|m^2| of the node, then psi, with
  psi(x) = sign(x) log(|x| + 1). So a particle has (psi(m), 0), a beam (0, log 2).
- Embedding Linear(2, 72), then 6 Lorentz group equivariant blocks (LGEB) on the complete
  graph of each jet (all ordered pairs i != j of real particles and beams), each:
    m_ij = phi_e(h_i, h_j, psi(|x_i - x_j|^2), psi(<x_i, x_j>))      Minkowski metric
         phi_e = Linear(2*72 + 2, 72, no bias), BatchNorm, ReLU, Linear(72, 72), ReLU
    m_ij <- m_ij * sigmoid(Linear(72, 1)(m_ij))                      the gate phi_m
    x_i  <- x_i + c_weight * mean_j clamp((x_i - x_j) phi_x(m_ij), -100, 100)   (not in block 6)
         phi_x = Linear(72, 72), ReLU, Linear(72, 1, no bias; xavier gain 1e-3)
    h_i  <- h_i + phi_h(h_i, sum_j m_ij, scalars_i)
         phi_h = Linear(72 + 72 + 2, 72), BatchNorm, ReLU, Linear(72, 72)
- Decoder (`head`): mean of h over each jet's real nodes (particles and beams), Linear(72, 72),
  ReLU, Dropout, Linear(72, num_classes).
Parameters with num_classes 2: embedding 216, blocks 5 x 37,297 + 31,969 (no phi_x in the last),
decoder 5,402: 224,072, the published count.

Symmetry: every input to the blocks is a Minkowski product, so the blocks are Lorentz
equivariant in the node momenta; since the beams are fixed, the output is invariant only under
the transformations that fix both beams: rotations about the beam (z) axis and reflections of
x and y. A boost of the jet alone (Figure 2a of seed 003) changes the output.

Two departures from the original, both so that padding never reaches a real particle: its
final mean divides by the padded width of the batch (ours by the jet's own node count; the
same when there is no padding), and its phi_h BatchNorm takes statistics over the padding
rows too (ours over real nodes only; eval mode, with running statistics, is unaffected).

The dense formulation. The original gathers every edge (i, j) of the complete graph of every
jet into an edge list, concatenates h_i, h_j and the two Minkowski scalars per edge, runs phi_e
on [E, 146] and sums messages back by index. Here each jet is a dense block:
- phi_e's first Linear is split by input: W [h_i, h_j, n, d] = (W_i h_i) + (W_j h_j) + n w_n
  + d w_d. The two [N, 72] products are computed once per node, not once per edge, which
  removes the widest matmul (146 -> 72 per edge) and all gathers; the pair tensor is built by
  one broadcast sum.
- Its BatchNorm statistics over the real pairs are computed from node sums and an [N, N]
  product (no pass over the [B, N, N, 72] tensor), and folded into the per-node terms, so the
  normalised pre-activation costs no extra pass either.
- The gate is folded into phi_x's first Linear (phi_x(g m) = relu(g (W m) + b), g a scalar per
  pair), so the gated message is never materialised; the sum over j is a batched matmul of
  (pair mask x gate) with the messages.
- Jets of a batch are sorted by multiplicity and split into a few groups, each padded only to
  its own widest jet (the split minimises pairs computed plus a fixed cost per group), since a
  batch padded to its widest jet would compute about three times the pairs that exist.
Pairs with a padding node or i == j are zero in the pair mask of every sum, mean and batch
statistic. The Minkowski products and the coordinate update run in float32 (or the model's
dtype, if wider) with autocast off: they are differences of large numbers.
"""

from __future__ import annotations

import math
from contextlib import nullcontext

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from jettransfer.inputs.particle_sets import ParticleSetBatch

# (px, py, pz, E): the metric diag(-1, -1, -1, +1) in our component order.
_METRIC = (-1.0, -1.0, -1.0, 1.0)
_BEAM_MASS = 1.0  # GeV, the original's beam_mass (its beams have |p| = 1 GeV, scale 1)
_CLAMP = 100.0  # the original's clamp on each pair's coordinate update (from EGNN)


def psi(x: torch.Tensor) -> torch.Tensor:
    """sign(x) log(|x| + 1): compresses Minkowski products spanning many decades."""
    return torch.sign(x) * torch.log1p(torch.abs(x))


class _Group:
    """One dense block of jets (contiguous in the sorted batch) padded to its widest jet."""

    def __init__(self, start: int, stop: int, width: int, node_mask: torch.Tensor) -> None:
        self.start, self.stop, self.width = start, stop, width
        mask = node_mask[start:stop, :width]
        self.mask = mask  # [b, n] bool
        eye = torch.eye(width, dtype=torch.bool, device=mask.device)
        # Real ordered pairs i != j: the original's edge_mask.
        self.pairs = (mask[:, :, None] & mask[:, None, :] & ~eye).to(torch.float32)  # [b, n, n]
        self.degree = self.pairs.sum(-1)  # [b, n]: edges per node (n_jet - 1 on real nodes)
        self.inv_degree = 1.0 / self.degree.clamp(min=1.0)
        self.n_pairs = self.pairs.sum()


def _masked_norm_affine(bn: nn.BatchNorm1d, mean: torch.Tensor | None, var: torch.Tensor | None,
                        count: torch.Tensor | None) -> tuple[torch.Tensor, torch.Tensor]:
    """(scale, shift) with BN(y) = y * scale + shift: batch statistics given in training mode
    (the running ones updated as nn.BatchNorm1d does), running statistics otherwise."""
    if bn.training and mean is not None:
        with torch.no_grad():
            momentum = bn.momentum
            if bn.num_batches_tracked is not None:
                bn.num_batches_tracked += 1
                if momentum is None:
                    momentum = 1.0 / float(bn.num_batches_tracked)
            if bn.running_mean is not None:
                unbiased = var * (count / (count - 1).clamp(min=1))
                bn.running_mean.mul_(1 - momentum).add_(momentum * mean.to(bn.running_mean.dtype))
                bn.running_var.mul_(1 - momentum).add_(momentum * unbiased.to(bn.running_var.dtype))
    else:
        mean, var = bn.running_mean, bn.running_var
    scale = bn.weight * torch.rsqrt(var + bn.eps)
    return scale, bn.bias - mean * scale


class LorentzBlock(nn.Module):
    """One LGEB on dense per-group blocks. Module names and shapes are the original's."""

    def __init__(self, hidden: int, n_scalar: int, c_weight: float, last: bool) -> None:
        super().__init__()
        self.hidden, self.c_weight, self.last = hidden, c_weight, last
        self.phi_e = nn.Sequential(nn.Linear(2 * hidden + 2, hidden, bias=False), nn.BatchNorm1d(hidden), nn.ReLU(),
                                   nn.Linear(hidden, hidden), nn.ReLU())
        self.phi_h = nn.Sequential(nn.Linear(2 * hidden + n_scalar, hidden), nn.BatchNorm1d(hidden), nn.ReLU(),
                                   nn.Linear(hidden, hidden))
        self.phi_m = nn.Sequential(nn.Linear(hidden, 1), nn.Sigmoid())
        if not last:
            out = nn.Linear(hidden, 1, bias=False)
            # The original's init: coordinates start almost still.
            nn.init.xavier_uniform_(out.weight, gain=0.001)
            self.phi_x = nn.Sequential(nn.Linear(hidden, hidden), nn.ReLU(), out)

    def forward(self, h: torch.Tensor, x: torch.Tensor, scalars: torch.Tensor, rows: torch.Tensor,
                groups: list[_Group]) -> tuple[torch.Tensor, torch.Tensor]:
        """h [R, H]: real nodes packed in row-major order of the sorted batch (rows: their flat
        index in [B*N]); x [B, N, 4] float32+; scalars [R, S]. Returns the updated h and x."""
        H = self.hidden
        B, N = x.shape[:2]
        w = self.phi_e[0].weight  # [H, 2H + 2]: columns h_i, h_j, norm, dot
        # W_i h_i and W_j h_j once per node, in one matmul; padded to [B, N, 2H] for the groups.
        ac = F.linear(h, torch.cat([w[:, :H], w[:, H:2 * H]]))  # [R, 2H]: (W_i h, W_j h)
        ac = ac.new_zeros(B * N, 2 * H).index_copy(0, rows, ac).view(B, N, 2 * H)
        dtype = ac.dtype  # bf16 under autocast: the pair tensors follow it
        geometry = [self._geometry(x, g) for g in groups]
        scale, shift = self._edge_norm(ac, w[:, 2 * H:], geometry, groups)
        w_nd = (w[:, 2 * H:] * scale[:, None]).t().to(dtype)  # [2, H]: BN scale folded in
        node_i = (ac[..., :H] * scale + shift).to(dtype)  # BN shift rides on the h_i term
        node_j = (ac[..., H:] * scale).to(dtype)
        w2, b2 = self.phi_e[3].weight, self.phi_e[3].bias
        wm, bm = self.phi_m[0].weight, self.phi_m[0].bias
        if not self.last:
            wx1, bx1, wx2 = self.phi_x[0].weight, self.phi_x[0].bias, self.phi_x[2].weight
            w_gate_x = torch.cat([wx1, wm])  # [H + 1, H]: phi_x's first layer and the gate together
        aggs, moves = [], []
        for g, (nd, diff) in zip(groups, geometry):
            s, e, n = g.start, g.stop, g.width
            # Normalised phi_e pre-activation of every pair, by broadcasting the node terms.
            pre = torch.matmul(nd.to(dtype), w_nd)  # [b, n, n, H]
            pre = pre + node_i[s:e, :n, None, :] + node_j[s:e, None, :n, :]
            m = F.relu(F.linear(F.relu(pre), w2, b2))  # [b, n, n, H], before the gate
            if self.last:
                gate = torch.sigmoid(F.linear(m, wm, bm)).squeeze(-1)
            else:
                y = F.linear(m, w_gate_x)  # [b, n, n, H + 1]
                gate = torch.sigmoid(y[..., H] + bm)
                # phi_x(gate * m) = relu(gate * (W m) + b): the gated message is not built.
                shift_x = F.linear(F.relu(gate.unsqueeze(-1) * y[..., :H] + bx1), wx2)  # [b, n, n, 1]
                with torch.autocast(x.device.type, enabled=False):
                    trans = (diff * shift_x.to(diff.dtype)).clamp(-_CLAMP, _CLAMP)  # [b, n, n, 4]
                    move = torch.matmul(g.pairs.to(diff.dtype).unsqueeze(2), trans).squeeze(2)
                    moves.append(F.pad(move * g.inv_degree.unsqueeze(-1).to(diff.dtype), (0, 0, 0, N - n)))
            # sum_j over real pairs of gate * m, as a batched [1, n] x [n, H] product per node.
            weight = (g.pairs.to(gate.dtype) * gate).unsqueeze(2)  # [b, n, 1, n]
            agg = torch.matmul(weight, m).squeeze(2)  # [b, n, H]
            aggs.append(agg[g.mask])
        if not self.last:
            with torch.autocast(x.device.type, enabled=False):
                x = x + self.c_weight * torch.cat(moves)
        agg = torch.cat(aggs)  # [R, H], the same row order as h
        # phi_h on the real nodes only: its BatchNorm never sees padding.
        h = h + self.phi_h(torch.cat([h, agg.to(h.dtype), scalars.to(h.dtype)], dim=-1))
        return h, x

    @staticmethod
    def _geometry(x: torch.Tensor, g: _Group) -> tuple[torch.Tensor, torch.Tensor]:
        """(psi of |x_i - x_j|^2 and <x_i, x_j>) [b, n, n, 2] and x_i - x_j [b, n, n, 4], with
        autocast off: Minkowski products of momenta of hundreds of GeV cancel to a few GeV^2."""
        with torch.autocast(x.device.type, enabled=False):
            xg = x[g.start:g.stop, :g.width]
            metric = xg.new_tensor(_METRIC)
            diff = xg.unsqueeze(2) - xg.unsqueeze(1)  # the original's x_diff: x_i - x_j
            norms = (diff * diff * metric).sum(-1)
            dots = torch.matmul(xg * metric, xg.transpose(1, 2))
            return psi(torch.stack([norms, dots], dim=-1)), diff

    def _edge_norm(self, ac: torch.Tensor, w_nd: torch.Tensor, geometry: list, groups: list[_Group]
                   ) -> tuple[torch.Tensor, torch.Tensor]:
        """phi_e's BatchNorm as (scale, shift) per channel. In training its batch statistics
        over the real pairs of pre_ij = a_i + c_j + nd_ij . w_nd are computed without building
        pre: from node sums and, for the cross term sum_ij P_ij a_i c_j, one [n, n] x [n, H]
        product per group (P the pair mask, symmetric, as nd is)."""
        bn = self.phi_e[1]
        if not bn.training:
            return _masked_norm_affine(bn, None, None, None)
        H = self.hidden
        with torch.autocast(ac.device.type, enabled=False):
            acf = ac.float() if ac.dtype != torch.float64 else ac
            w_nd = w_nd.to(acf.dtype)  # [H, 2]
            count = sum(g.n_pairs for g in groups).to(acf.dtype)
            # Mean: sum_ij P (a_i + c_j + nd_ij w) = sum_i deg_i (a_i + c_i) + (sum_ij P nd_ij) w.
            total = acf.new_zeros(H)
            for g, (nd, _) in zip(groups, geometry):
                a = acf[g.start:g.stop, :g.width]
                total = total + (g.degree.to(acf.dtype).unsqueeze(-1) * (a[..., :H] + a[..., H:])).sum((0, 1))
                total = total + (g.pairs.to(acf.dtype).unsqueeze(-1) * nd).sum((0, 1, 2)) @ w_nd.t()
            mean = total / count
            # Variance about the mean (the mean folded into a_i, so nothing large cancels):
            # sum P (a + c + e)^2, e = nd w, expanded into node and [n, n] sums.
            square = acf.new_zeros(H)
            for g, (nd, _) in zip(groups, geometry):
                block = acf[g.start:g.stop, :g.width]
                a, c = block[..., :H] - mean, block[..., H:]
                pairs, degree = g.pairs.to(acf.dtype), g.degree.to(acf.dtype).unsqueeze(-1)
                pn = pairs.unsqueeze(-1) * nd  # [b, n, n, 2]
                row = pn.sum(2)  # [b, n, 2]: sum_j P_ij nd_ij (= column sums, all symmetric)
                # sum_ij P e_ij^2 = w^T (sum_ij P nd nd^T) w.
                second = torch.einsum("bijk,bijl->kl", pn, nd)  # [2, 2]
                square = square + (degree * (a * a + c * c)).sum((0, 1))
                square = square + 2 * (a * torch.matmul(pairs, c)).sum((0, 1))
                square = square + 2 * ((a + c) * (row @ w_nd.t())).sum((0, 1))
                square = square + ((w_nd @ second) * w_nd).sum(-1)
            var = (square / count).clamp(min=0.0)
        return _masked_norm_affine(bn, mean, var, count)


class LorentzNet(nn.Module):
    def __init__(
        self,
        input_dim: int,
        num_classes: int = 2,
        hidden: int = 72,
        n_layers: int = 6,
        c_weight: float = 5e-3,
        dropout: float = 0.2,
        n_scalar: int = 2,
        group_cost_pairs: int = 4096,
    ) -> None:
        """`input_dim` is unused (the model reads four-momenta). `group_cost_pairs`: the fixed
        cost of one more dense group of jets, in pairs, when a batch is split by multiplicity."""
        super().__init__()
        if n_scalar != 2:
            raise ValueError("n_scalar must be 2: the (particle, beam) one-hot times the mass, as the original")
        self.input_dim, self.hidden, self.group_cost_pairs = input_dim, hidden, group_cost_pairs
        self.embedding = nn.Linear(n_scalar, hidden)
        self.blocks = nn.ModuleList([LorentzBlock(hidden, n_scalar, c_weight, last=i == n_layers - 1)
                                     for i in range(n_layers)])
        self.head = nn.Sequential(nn.Linear(hidden, hidden), nn.ReLU(), nn.Dropout(dropout),
                                  nn.Linear(hidden, num_classes))
        self.backbone_frozen = False

    def backbone_modules(self) -> list[nn.Module]:
        return [self.embedding, self.blocks]

    def forward(self, batch: ParticleSetBatch) -> torch.Tensor:
        """Logits [B, num_classes]."""
        return self.head(self.representation(batch))

    def representation(self, batch: ParticleSetBatch) -> torch.Tensor:
        """[B, hidden]: the mean of the last block's h over each jet's particles and beams."""
        if batch.four_momenta is None:
            raise ValueError("LorentzNet reads ParticleSetBatch.four_momenta; the batch has none")
        with torch.no_grad() if self.backbone_frozen else nullcontext():
            x, node_mask, order = self.nodes(batch.four_momenta, batch.mask)
            pooled = self.encode(x, node_mask)
        return pooled[torch.argsort(order)]  # back to the batch's jet order

    def nodes(self, four_momenta: torch.Tensor, mask: torch.Tensor
              ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(x [B, N, 4], node mask [B, N], jet order): the jets sorted by multiplicity (most
        first), real particles moved to the front, trimmed to the widest jet, and the two beams
        prepended at nodes 0 and 1, as the original's collate places them."""
        counts = mask.sum(1)
        order = torch.argsort(counts, descending=True, stable=True)
        mask = mask[order]
        # Real particles first within each jet (a stable sort keeps their order).
        front = torch.argsort((~mask).to(torch.int8), dim=1, stable=True)
        width = int(counts.max()) if len(counts) else 0
        front = front[:, :width]
        dtype = torch.promote_types(self.embedding.weight.dtype, torch.float32)
        p = four_momenta[order].to(dtype).gather(1, front.unsqueeze(-1).expand(-1, -1, 4))
        real = mask.gather(1, front)
        p = p * real.unsqueeze(-1)  # padding momenta are zero, whatever the batch held
        beam_e = math.sqrt(1.0 + _BEAM_MASS ** 2)
        beams = p.new_tensor([[0.0, 0.0, 1.0, beam_e], [0.0, 0.0, -1.0, beam_e]]).expand(len(p), 2, 4)
        ones = torch.ones(len(p), 2, dtype=torch.bool, device=p.device)
        return torch.cat([beams, p], dim=1), torch.cat([ones, real], dim=1), order

    def encode(self, x: torch.Tensor, node_mask: torch.Tensor) -> torch.Tensor:
        """[B, hidden] from nodes already built (beams included, jets in any order); exposed so
        that tests can transform the beams with the jet."""
        B, N = node_mask.shape
        rows = node_mask.flatten().nonzero().squeeze(1)  # real nodes, row-major
        groups = self._groups(node_mask)
        with torch.autocast(x.device.type, enabled=False):
            metric = x.new_tensor(_METRIC)
            mass = (x * x * metric).sum(-1).abs().sqrt()  # [B, N]
            beam = torch.zeros_like(node_mask)
            beam[:, :2] = True
            # The original's node scalars: one-hot (particle, beam) x mass, then psi.
            scalars = psi(torch.stack([mass * ~beam, mass * beam], dim=-1)).flatten(0, 1)[rows]
        h = self.embedding(scalars.to(self.embedding.weight.dtype))  # [R, H]
        for block in self.blocks:
            h, x = block(h, x, scalars, rows, groups)
        summed = h.new_zeros(B * N, self.hidden).index_copy(0, rows, h).view(B, N, self.hidden).sum(1)
        return summed / node_mask.sum(1, keepdim=True).to(summed.dtype)

    def _groups(self, node_mask: torch.Tensor) -> list[_Group]:
        """Split jets in descending multiplicity into contiguous groups minimising
        sum(jets x width^2) + group_cost_pairs x groups (dynamic programming)."""
        B, N = node_mask.shape
        # Each jet's width: one past its last real node (beams and particles to the front).
        slots = torch.arange(1, N + 1, device=node_mask.device)
        widths = (slots * node_mask).amax(1).cpu().numpy().astype(float) if B else np.zeros(0)
        best = np.zeros(B + 1)  # best[i]: least cost of the first i jets
        cut = np.zeros(B + 1, dtype=int)
        for i in range(1, B + 1):
            # A group [j, i) costs (i - j) x (its widest)^2: descending order makes that widths[j].
            widest = np.maximum.accumulate(widths[:i][::-1])[::-1]
            cost = best[:i] + (i - np.arange(i)) * widest ** 2 + self.group_cost_pairs
            cut[i] = int(np.argmin(cost))
            best[i] = cost[cut[i]]
        bounds, i = [], B
        while i > 0:
            bounds.append((cut[i], i))
            i = cut[i]
        return [_Group(s, e, int(widths[s:e].max()), node_mask) for s, e in reversed(bounds)]
