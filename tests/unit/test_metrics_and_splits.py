import numpy as np
import pytest

from jettransfer.evaluate.metrics import MIN_BACKGROUND_PAST_CUT, background_rejection, roc, tagger_metrics
from jettransfer.evaluate.tables import markdown_table
from jettransfer.stages.preprocess import split_balanced
from tests.toy_jets import random_graphs


def test_metrics_on_a_hand_made_tagger():
    # 4 signal, 4 background; background scores 0.1 .. 0.4 and 0.65; signal 0.6 .. 0.9 with one at 0.2.
    labels = np.array([1, 1, 1, 1, 0, 0, 0, 0, 0])
    scores = np.array([0.9, 0.8, 0.6, 0.2, 0.1, 0.3, 0.4, 0.65, 0.05])
    m = tagger_metrics(labels, scores)
    # Pairs (s, b) with s > b: 0.9, 0.8 beat all 5; 0.6 beats 4; 0.2 beats 2  -> 16 of 20.
    assert m["auc"] == pytest.approx(16 / 20)
    # At eps_S = 0.5 the cut sits between 0.8 and 0.65: no background passes, so it is not quoted.
    assert m["background_past_cut_50"] == 0 and m["rejection_at_50"] is None and m["rejection_at_50_error"] is None
    curve = roc(labels, scores)
    assert curve.rejection_at(0.75) == pytest.approx(5.0)  # cut at 0.6: only 0.65 passes -> eps_B = 1/5


def test_rejection_carries_a_bootstrap_error_of_the_size_counting_predicts():
    rng = np.random.default_rng(3)
    labels = np.repeat([1, 0], 20_000)
    scores = np.concatenate([rng.normal(2.0, 1.0, 20_000), rng.normal(0.0, 1.0, 20_000)])
    rejection = background_rejection(labels, scores, 0.5)
    assert rejection.value == pytest.approx(roc(labels, scores).rejection_at(0.5))
    assert rejection.background_past_cut == round(20_000 / rejection.value)
    # k background jets past the cut: a relative error of about 1/sqrt(k).
    expected = rejection.value / np.sqrt(rejection.background_past_cut)
    assert 0.7 < rejection.error / expected < 1.3, (rejection, expected)
    assert background_rejection(labels, scores, 0.5) == rejection  # seeded: the same every time


def test_rejection_is_not_quoted_on_too_few_background_jets():
    # 100 signal jets above 100 background jets, except 9 background jets at the very top.
    labels = np.repeat([1, 0], 100)
    scores = np.concatenate([np.linspace(0.5, 0.9, 100), np.linspace(0.0, 0.4, 100)])
    scores[100:109] = 0.95
    rejection = background_rejection(labels, scores, 0.3)
    assert rejection.background_past_cut == MIN_BACKGROUND_PAST_CUT - 1 and rejection.value is None
    scores[109] = 0.95
    assert background_rejection(labels, scores, 0.3).value == pytest.approx(10.0)


def test_metrics_need_both_classes():
    with pytest.raises(ValueError, match="both signal and background"):
        tagger_metrics(np.ones(4), np.linspace(0, 1, 4))


def test_splits_are_balanced_disjoint_and_reproducible():
    signal, background = random_graphs(101, seed=1), random_graphs(90, seed=2)
    signal.labels[:] = 1
    background.labels[:] = 0
    signal.jet_pt[:] = np.arange(101)
    background.jet_pt[:] = 1000 + np.arange(90)
    fractions = {"train": 0.8, "validation": 0.1, "test": 0.1}
    splits = split_balanced([(signal, 1), (background, 0)], fractions, seed=4)
    ids = {k: set(v.jet_pt.tolist()) for k, v in splits.items()}
    assert not (ids["train"] & ids["test"]) and not (ids["train"] & ids["validation"]) and not (ids["validation"] & ids["test"])
    assert sum(len(v) for v in splits.values()) == 180
    for graphs in splits.values():
        assert graphs.labels.sum() * 2 == len(graphs)
    # Interleaved: any prefix of the training split is balanced too.
    assert splits["train"].labels[:10].tolist() == [1, 0] * 5
    again = split_balanced([(signal, 1), (background, 0)], fractions, seed=4)
    np.testing.assert_array_equal(again["test"].jet_pt, splits["test"].jet_pt)


def test_markdown_table_formats_numbers():
    import pandas as pd

    text = markdown_table(pd.DataFrame([{"run": "a", "AUC": 0.98765, "Rej": float("inf")}]), "T", {"AUC": ".3f"})
    assert "| a | 0.988 | inf |" in text and text.startswith("# T")
    rows = pd.DataFrame([{"run": "a", "Rej": 123.456, "Rej error": 7.89}, {"run": "b", "Rej": None, "Rej error": None}])
    text = markdown_table(rows, "T", {"Rej": ".1f"}, errors={"Rej": "Rej error"})
    assert "| run | Rej |" in text and "| a | 123.5 ± 7.9 |" in text and "| b | - |" in text


@pytest.mark.parametrize("separation", [1.0, 3.0])
def test_auc_errors_match_the_spread_over_test_sets(separation):
    """DeLong's error, from one test set's scores, is the spread of the AUC over independent test
    sets; Hanley and McNeil's, from the AUC and the set sizes alone, bounds it from above."""
    from jettransfer.evaluate.metrics import area_under_curve, auc_error, auc_standard_error

    rng = np.random.default_rng(0)
    n = 2000
    labels = np.r_[np.ones(n), np.zeros(n)]
    sets = [np.r_[rng.normal(separation, 1, n), rng.normal(0, 1, n)] for _ in range(300)]
    spread = np.std([area_under_curve(labels, s) for s in sets], ddof=1)
    assert np.mean([auc_error(labels, s) for s in sets[:20]]) == pytest.approx(spread, rel=0.1)
    bound = auc_standard_error(float(np.mean([area_under_curve(labels, s) for s in sets])), n, n)
    assert spread * 0.9 < bound < spread * 1.5
    assert auc_standard_error(0.98, 4 * n, 4 * n) == pytest.approx(auc_standard_error(0.98, n, n) / 2, rel=1e-3)


def test_auc_error_by_hand():
    """Two signal (0.9, 0.4) and two background (0.5, 0.1) jets: signal shares of the background
    below (1, 0.5), background shares of the signal above (0.5, 1); variances 1/8 each."""
    from jettransfer.evaluate.metrics import auc_error

    labels, scores = np.array([1, 1, 0, 0]), np.array([0.9, 0.4, 0.5, 0.1])
    assert auc_error(labels, scores) == pytest.approx(np.sqrt(0.125 / 2 + 0.125 / 2))
