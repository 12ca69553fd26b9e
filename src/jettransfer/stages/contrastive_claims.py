"""Seed 004's conclusions, each checked on a contrastive study's numbers: holds, does NOT hold,
or cannot be checked (and why)."""

from __future__ import annotations

from typing import Any

from jettransfer.contrastive_study import PRETRAINED, SCRATCH, label_series, pretrain_run_name, size_sweep
from jettransfer.stages.contrastive_report import RunResults
from jettransfer.stages.distillation_claims import verdict, within_spread
from jettransfer.stages.study_report import mean_and_spread


SAME_ACCURACY = 0.002  # accuracies closer than this are "the same" where repeats give no spread


def _mean(results: RunResults, runs, key: str) -> tuple[float, float]:
    """Mean and spread of `key` over `runs` (no spread from a single run: 0)."""
    mean, spread = mean_and_spread(results.values(runs, key))
    return mean, spread or 0.0


def _noise(a: float, b: float) -> float:
    return (a**2 + b**2) ** 0.5


def seed004_claims(config: dict[str, Any], study: str, results: RunResults) -> list[str]:
    spec = config["contrastive_studies"][study]
    series = label_series(config, study)
    head = spec["heads"][0]
    scratch = next(s for s in series if s.kind == SCRATCH and s.head == head)
    pretrained = next(s for s in series if s.kind == PRETRAINED and s.head == head)
    fewest, most = min(spec["label_fractions"]), max(spec["label_fractions"])
    lines = []

    # 1. Pretraining pays most where labels are few.
    for key, name in (("accuracy", "accuracy"), ("rejection_at_50", "Rej@50%")):
        if len(results.values(scratch.runs[fewest], key)) < spec["repeats"] or \
                len(results.values(pretrained.runs[fewest], key)) < spec["repeats"]:
            lines.append(f"1. With the fewest labels, the pretrained encoder ({head} head) beats the same architecture from "
                         f"scratch in {name}: cannot be checked (too few background jets past the cut for {name}).")
            continue
        (p, ps), (s, ss) = _mean(results, pretrained.runs[fewest], key), _mean(results, scratch.runs[fewest], key)
        n = _mean(results, scratch.runs[fewest], "n_train")[0]
        lines.append(f"1. With the fewest labels ({n:.0f} jets), the pretrained encoder ({head} head) beats the same "
                     f"architecture from scratch in {name}: {p:.4g} vs {s:.4g}{within_spread(p - s, _noise(ps, ss))}: "
                     f"{verdict(p > s)}")
    if fewest != most:
        gain_few = _mean(results, pretrained.runs[fewest], "accuracy")[0] - _mean(results, scratch.runs[fewest], "accuracy")[0]
        gain_most = _mean(results, pretrained.runs[most], "accuracy")[0] - _mean(results, scratch.runs[most], "accuracy")[0]
        lines.append(f"1b. The accuracy gain from pretraining is larger with the fewest labels than with the most "
                     f"({fewest * 100:g}% vs {most * 100:g}% of the labels): {gain_few:+.4f} vs {gain_most:+.4f}: "
                     f"{verdict(gain_few > gain_most)}")

    # 2. Faster convergence: fewer epochs to within 1% of the final validation accuracy.
    pretrained_runs = [r for runs in pretrained.runs.values() for r in runs]
    scratch_runs = [r for runs in scratch.runs.values() for r in runs]
    (p, ps), (s, ss) = _mean(results, pretrained_runs, "epochs_to_converge"), _mean(results, scratch_runs, "epochs_to_converge")
    lines.append(f"2. Fine-tuning converges faster than training from scratch (epochs to within 1% of the final "
                 f"validation accuracy, over every label fraction and repeat): {p:.2f} vs {s:.2f}"
                 f"{within_spread(p - s, _noise(ps, ss))}: {verdict(p < s)}")

    # 3. Both improve with the pretraining-set size.
    sweep = size_sweep(config, study)
    if len(sweep) < 2:
        lines.append("3. Rej@50% and convergence improve with the pretraining-set size: cannot be checked "
                     "(one pretraining size; give pretrain_fractions several)")
    else:
        small, large = sweep[min(sweep)], sweep[max(sweep)]
        jets = {p: results.summaries[pretrain_run_name(study, p)]["n_train"] for p in (min(sweep), max(sweep))}
        if len(results.values(small, "rejection_at_50")) == len(small) and len(results.values(large, "rejection_at_50")) == len(large):
            (a, sa), (b, sb) = _mean(results, large, "rejection_at_50"), _mean(results, small, "rejection_at_50")
            lines.append(f"3a. Rej@50% grows with the pretraining set ({jets[min(sweep)]} -> {jets[max(sweep)]} jets): "
                         f"{b:.1f} -> {a:.1f}{within_spread(a - b, _noise(sa, sb))}: {verdict(a > b)}")
        else:
            lines.append("3a. Rej@50% grows with the pretraining set: cannot be checked (too few background jets past "
                         "the cut; a larger test set is needed)")
        (a, sa), (b, sb) = _mean(results, large, "epochs_to_converge"), _mean(results, small, "epochs_to_converge")
        lines.append(f"3b. Fine-tuning converges faster from the larger pretraining ({jets[min(sweep)]} -> "
                     f"{jets[max(sweep)]} jets; epochs to within 1%): {b:.2f} -> {a:.2f}"
                     f"{within_spread(a - b, _noise(sa, sb))}: {verdict(a < b)}")

    # 4. The MLP head converges faster than the linear one.
    heads = {s.head: s for s in series if s.kind == PRETRAINED}
    if {"linear", "mlp"} <= set(heads):
        runs = {h: [r for rs in heads[h].runs.values() for r in rs] for h in ("linear", "mlp")}
        (m, sm), (li, sl) = _mean(results, runs["mlp"], "epochs_to_converge"), _mean(results, runs["linear"], "epochs_to_converge")
        lines.append(f"4. On the pretrained encoder, the MLP head converges faster than the linear head (epochs to within "
                     f"1%): {m:.2f} vs {li:.2f}{within_spread(m - li, _noise(sm, sl))}: {verdict(m < li)}")
        (m, sm), (li, sl) = _mean(results, runs["mlp"], "accuracy"), _mean(results, runs["linear"], "accuracy")
        # "No significant improvement in performance": the heads' final accuracies differ by less
        # than their seed-to-seed spread (or, without one, SAME_ACCURACY).
        noise = max(_noise(sm, sl), SAME_ACCURACY)
        lines.append(f"4b. ... but reaches about the same test accuracy (mean over label fractions): {m:.4f} vs {li:.4f}, "
                     f"difference {m - li:+.4f} against a spread of {noise:.4f}: {verdict(abs(m - li) < noise)}")
    else:
        lines.append("4. The MLP head converges faster than the linear head: cannot be checked (give heads: [linear, mlp])")
    return lines


CLAIMS = {"seed004": seed004_claims}


def contrastive_claims(config: dict[str, Any], study: str, results: RunResults) -> str:
    spec = config["contrastive_studies"][study]
    lines = [f"# {spec.get('title', study)}: seed 004's conclusions on our numbers", "",
             "Means over the repeats; ', within the seed-to-seed spread' marks a difference smaller than the "
             "repeats' standard deviations combined.", ""]
    return "\n".join(lines + [f"- {line}" for line in CLAIMS[spec["claims"]](config, study, results)]) + "\n"
