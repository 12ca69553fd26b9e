"""LorentzNet training throughput: our dense formulation vs the official edge-list formulation.

The reference below is written plainly after sdogsq/LorentzNet-release (models.py, top/collate.py):
every ordered pair (i, j), i != j, of real nodes of every jet is an edge of a flat edge list;
per edge h_i and h_j are gathered and concatenated with psi of the Minkowski norm and inner
product, phi_e, the gate phi_m and phi_x run on [E, ...] rows, and messages are summed (and
coordinate moves averaged) back onto nodes with index_add_. Its node-level layers run on all
B x N node rows, padding included, as the original's do. It takes our model's state dict.

The reference's inputs (beams appended, node scalars, edge list) are built before timing, as
the original builds them in its data-loader workers; ours builds them inside forward. One
deliberate change to the reference: its final mean divides by each jet's node count instead
of the batch's padded width, so that both compute the same function on ragged batches.

Checks first: eval-mode logits of both on the same ragged batch (float32 and float64), and
train-mode logits and gradients on a batch with no padding (the original's phi_h BatchNorm
sees padding rows, ours does not; without padding they coincide). Then, for each thread count,
timed training steps (forward, cross entropy, backward, Adam step) over the same synthetic jets,
the two models interleaved repeat by repeat; prints jets/s (best repeat) and ours / reference.

    python benchmarks/lorentznet_throughput.py
    python benchmarks/lorentznet_throughput.py --jets 512 --repeats 2 --threads 1
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from jettransfer.inputs.particle_sets import ParticleSetBatch
from jettransfer.models.lorentznet import LorentzNet


# ---- the reference: the official formulation ---------------------------------------------

def normsq4(p: torch.Tensor) -> torch.Tensor:
    """Minkowski square, p = (E, px, py, pz), as the original writes it."""
    psq = torch.pow(p, 2)
    return 2 * psq[..., 0] - psq.sum(dim=-1)


def dotsq4(p: torch.Tensor, q: torch.Tensor) -> torch.Tensor:
    pq = p * q
    return 2 * pq[..., 0] - pq.sum(dim=-1)


def psi(p: torch.Tensor) -> torch.Tensor:
    return torch.sign(p) * torch.log(torch.abs(p) + 1)


def segment_sum(data: torch.Tensor, ids: torch.Tensor, n: int) -> torch.Tensor:
    return data.new_zeros((n, data.size(1))).index_add_(0, ids, data)


def segment_mean(data: torch.Tensor, ids: torch.Tensor, n: int) -> torch.Tensor:
    total = data.new_zeros((n, data.size(1))).index_add_(0, ids, data)
    count = data.new_zeros((n, data.size(1))).index_add_(0, ids, torch.ones_like(data))
    return total / count.clamp(min=1)


class EdgeListBlock(nn.Module):
    """The original LGEB; module names match ours, so our state dict loads."""

    def __init__(self, hidden: int, n_scalar: int, c_weight: float, last: bool) -> None:
        super().__init__()
        self.c_weight, self.last = c_weight, last
        self.phi_e = nn.Sequential(nn.Linear(2 * hidden + 2, hidden, bias=False), nn.BatchNorm1d(hidden), nn.ReLU(),
                                   nn.Linear(hidden, hidden), nn.ReLU())
        self.phi_h = nn.Sequential(nn.Linear(2 * hidden + n_scalar, hidden), nn.BatchNorm1d(hidden), nn.ReLU(),
                                   nn.Linear(hidden, hidden))
        self.phi_m = nn.Sequential(nn.Linear(hidden, 1), nn.Sigmoid())
        if not last:
            self.phi_x = nn.Sequential(nn.Linear(hidden, hidden), nn.ReLU(), nn.Linear(hidden, 1, bias=False))

    def forward(self, h, x, edges, node_attr):
        i, j = edges
        x_diff = x[i] - x[j]
        norms = psi(normsq4(x_diff).unsqueeze(1))
        dots = psi(dotsq4(x[i], x[j]).unsqueeze(1))
        m = self.phi_e(torch.cat([h[i], h[j], norms, dots], dim=1))
        m = m * self.phi_m(m)
        if not self.last:
            trans = torch.clamp(x_diff * self.phi_x(m), min=-100, max=100)
            x = x + segment_mean(trans, i, x.size(0)) * self.c_weight
        agg = segment_sum(m, i, h.size(0))
        h = h + self.phi_h(torch.cat([h, agg, node_attr], dim=1))
        return h, x


class EdgeListLorentzNet(nn.Module):
    def __init__(self, num_classes: int = 2, hidden: int = 72, n_layers: int = 6, c_weight: float = 5e-3,
                 dropout: float = 0.2, n_scalar: int = 2) -> None:
        super().__init__()
        self.hidden = hidden
        self.embedding = nn.Linear(n_scalar, hidden)
        self.blocks = nn.ModuleList([EdgeListBlock(hidden, n_scalar, c_weight, i == n_layers - 1)
                                     for i in range(n_layers)])
        self.head = nn.Sequential(nn.Linear(hidden, hidden), nn.ReLU(), nn.Dropout(dropout),
                                  nn.Linear(hidden, num_classes))

    def forward(self, scalars, x, edges, node_mask, n_nodes):
        h = self.embedding(scalars)
        for block in self.blocks:
            h, x = block(h, x, edges, scalars)
        h = (h * node_mask).view(-1, n_nodes, self.hidden)
        counts = node_mask.view(-1, n_nodes).sum(1, keepdim=True)
        return self.head(h.sum(1) / counts)  # the original: h.mean(1), over the padded width


def reference_inputs(batch: ParticleSetBatch, dtype: torch.dtype = torch.float32) -> dict:
    """What the original's collate_fn (add_beams=True, beam_mass=1, scale=1) and training loop
    make of a batch: Pmu (E, px, py, pz) with the beams first, psi(one-hot x mass) scalars,
    the flat edge list of all real ordered pairs i != j."""
    width = int(batch.mask.sum(1).max())
    p = batch.four_momenta[:, :width].to(dtype)[..., [3, 0, 1, 2]]
    mask = batch.mask[:, :width]
    B = len(p)
    beams = torch.tensor([[math.sqrt(2.0), 0, 0, 1], [math.sqrt(2.0), 0, 0, -1]], dtype=dtype).expand(B, 2, 4)
    pmu = torch.cat([beams, p * mask.unsqueeze(-1)], dim=1)
    atom_mask = torch.cat([torch.ones(B, 2, dtype=torch.bool), mask], dim=1)
    n_nodes = pmu.shape[1]
    edge_mask = atom_mask.unsqueeze(1) & atom_mask.unsqueeze(2) & ~torch.eye(n_nodes, dtype=torch.bool)
    b, i, j = edge_mask.nonzero(as_tuple=True)
    edges = [b * n_nodes + i, b * n_nodes + j]
    is_beam = torch.zeros(B, n_nodes, dtype=dtype)
    is_beam[:, :2] = 1
    mass = normsq4(pmu).abs().sqrt()
    scalars = psi(torch.stack([(1 - is_beam) * mass, is_beam * mass], dim=-1))
    return {"scalars": scalars.view(B * n_nodes, 2), "x": pmu.reshape(B * n_nodes, 4), "edges": edges,
            "node_mask": atom_mask.view(B * n_nodes, 1).to(dtype), "n_nodes": n_nodes}


# ---- synthetic jets ------------------------------------------------------------------------

def synthetic_jets(n_jets: int, max_particles: int, seed: int = 0) -> tuple[list[np.ndarray], np.ndarray]:
    """Massless constituents of ~550 GeV jets: multiplicities like the Top Tagging set (QCD
    about 40, top about 60, spread 15, clipped to [5, max]), pT fractions falling steeply,
    (eta, phi) within about 0.4 of an axis at |eta| < 2."""
    rng = np.random.default_rng(seed)
    labels = np.arange(n_jets) % 2
    counts = np.clip(np.rint(rng.normal(np.where(labels == 1, 60, 40), 15)), 5, max_particles).astype(int)
    jets = []
    for n in counts:
        pt = 550 * rng.dirichlet(np.full(n, 0.5))
        eta = rng.uniform(-2, 2) + rng.normal(0, 0.2, n)
        phi = rng.uniform(-np.pi, np.pi) + rng.normal(0, 0.2, n)
        jets.append(np.stack([pt * np.cos(phi), pt * np.sin(phi), pt * np.sinh(eta), pt * np.cosh(eta)], 1))
    return jets, labels


def make_batch(jets: list[np.ndarray], index: np.ndarray) -> ParticleSetBatch:
    width = max(len(jets[k]) for k in index)
    p4 = torch.zeros(len(index), width, 4)
    mask = torch.zeros(len(index), width, dtype=torch.bool)
    for row, k in enumerate(index):
        p4[row, :len(jets[k])] = torch.from_numpy(jets[k]).float()
        mask[row, :len(jets[k])] = True
    return ParticleSetBatch(torch.zeros(len(index), width, 4), mask, p4)


# ---- checks and timing -------------------------------------------------------------------------

def check_same_function(ours: LorentzNet, reference: EdgeListLorentzNet, jets, labels) -> None:
    ragged = make_batch(jets, np.arange(32))
    logits = {}
    for dtype in (torch.float32, torch.float64):
        a, b = LorentzNet(4).to(dtype), EdgeListLorentzNet().to(dtype)
        a.load_state_dict(ours.state_dict())
        b.load_state_dict(ours.state_dict())
        a.eval(), b.eval()
        with torch.no_grad():
            logits[dtype] = a(ragged).double(), b(**reference_inputs(ragged, dtype)).double()
    exact = logits[torch.float64][1]
    diff64 = float((logits[torch.float64][0] - exact).abs().max())
    diff32 = float((logits[torch.float32][0] - logits[torch.float32][1]).abs().max())
    print(f"check eval, 32 ragged jets: max |logit difference| float64 {diff64:.1e}, float32 {diff32:.1e} "
          f"(logits up to {float(exact.abs().max()):.2f}; float32 vs float64: ours "
          f"{float((logits[torch.float32][0] - exact).abs().max()):.1e}, reference "
          f"{float((logits[torch.float32][1] - exact).abs().max()):.1e})")
    # float32 differs by the rounding of Minkowski products of TeV momenta, not by formulation.
    assert diff64 < 1e-9 and diff32 < 1e-2 * max(1.0, float(exact.abs().max())), "the formulations disagree"
    # Train mode (batch statistics, dropout, gradients) on jets of one multiplicity.
    same = [jet[:30] for jet in jets[:64] if len(jet) >= 30][:16]
    flat = make_batch(same, np.arange(len(same)))
    target = torch.from_numpy(labels[:len(same)])
    a, b = LorentzNet(4).double(), EdgeListLorentzNet().double()
    a.load_state_dict(ours.state_dict())
    b.load_state_dict(ours.state_dict())
    torch.manual_seed(1)
    la = F.cross_entropy(a(flat), target)
    torch.manual_seed(1)
    lb = F.cross_entropy(b(**reference_inputs(flat, torch.float64)), target)
    la.backward(), lb.backward()
    la, lb = la.detach(), lb.detach()
    grads = dict(b.named_parameters())
    # Relative to each gradient's scale; 1e-8 for the biases before a BatchNorm (zero gradient).
    worst = max(float((p.grad - grads[name].grad).abs().max() / (grads[name].grad.abs().max() + 1e-8))
                for name, p in a.named_parameters())
    print(f"check train, {len(same)} jets of 30 particles, float64: |loss difference| {abs(float(la - lb)):.1e}, "
          f"worst relative gradient difference {worst:.1e}")
    assert abs(float(la - lb)) < 1e-9 and worst < 1e-6, "the two formulations train differently"


def train_epoch(model: nn.Module, optimizer: torch.optim.Optimizer, inputs: list, targets: list, ours: bool) -> float:
    """Seconds for one pass of training steps over the batches."""
    model.train()
    start = time.perf_counter()
    for batch, target in zip(inputs, targets):
        optimizer.zero_grad(set_to_none=True)
        logits = model(batch) if ours else model(**batch)
        F.cross_entropy(logits, target).backward()
        optimizer.step()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jets", type=int, default=1024)
    parser.add_argument("--max-particles", type=int, default=100)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", default="1,2", help="comma-separated torch thread counts")
    args = parser.parse_args()

    jets, labels = synthetic_jets(args.jets, args.max_particles)
    torch.manual_seed(0)
    ours = LorentzNet(4)
    check_same_function(ours, EdgeListLorentzNet(), jets, labels)

    order = np.random.default_rng(1).permutation(args.jets)
    index = [order[k:k + args.batch_size] for k in range(0, args.jets, args.batch_size)]
    batches = [make_batch(jets, i) for i in index]
    targets = [torch.from_numpy(labels[i]) for i in index]
    reference_batches = [reference_inputs(b) for b in batches]
    counts = np.array([len(j) for j in jets])
    real_pairs = int(sum(((c + 2) * (c + 1)) for c in counts))
    padded_pairs = int(sum(len(i) * (int(counts[i].max()) + 2) ** 2 for i in index))
    print(f"torch {torch.__version__}; {args.jets} jets, {counts.mean():.1f} particles per jet "
          f"(max {counts.max()}), batch {args.batch_size}; edges {real_pairs}, pairs if padded to each "
          f"batch's widest jet {padded_pairs} ({padded_pairs / real_pairs:.2f}x)")
    for threads in [int(t) for t in args.threads.split(",")]:
        torch.set_num_threads(threads)
        torch.manual_seed(0)
        model = LorentzNet(4)
        reference = EdgeListLorentzNet()
        reference.load_state_dict(model.state_dict())
        opt_ours, opt_ref = torch.optim.Adam(model.parameters()), torch.optim.Adam(reference.parameters())
        # One warm-up step each (allocator, first-call costs), then interleaved timed epochs.
        train_epoch(model, opt_ours, batches[:1], targets[:1], True)
        train_epoch(reference, opt_ref, reference_batches[:1], targets[:1], False)
        t_ours, t_ref = [], []
        for _ in range(args.repeats):
            t_ours.append(train_epoch(model, opt_ours, batches, targets, True))
            t_ref.append(train_epoch(reference, opt_ref, reference_batches, targets, False))
        ours_rate, ref_rate = args.jets / min(t_ours), args.jets / min(t_ref)
        print(f"threads {threads}: dense (ours) {ours_rate:7.1f} jets/s   edge list (reference) {ref_rate:7.1f} jets/s"
              f"   ours / reference = {ours_rate / ref_rate:.2f}   (best of {args.repeats}; all ours "
              f"{', '.join(f'{args.jets / t:.0f}' for t in t_ours)}, reference "
              f"{', '.join(f'{args.jets / t:.0f}' for t in t_ref)})", flush=True)


if __name__ == "__main__":
    main()
