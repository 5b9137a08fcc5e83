"""Which real-data strategy a refusal names (`validation/gate/selection.py::advise`): the
baseline entry with the best estimate, except no resampling, which is named only when its
simultaneous lower bound over every other entry on its model is above 0 at
`gate.switch_confidence`; otherwise the reference strategy (SMOTE by default, on the
model whose entries score best on average). Naming no resampling where resampling helps
is the costly mistake, and no resampling leads on noise."""

from __future__ import annotations

import numpy as np
import pytest

from equipoise.dataspec import InputError
from equipoise.validation.gate import CandidateScores, GateSettings, decide, score_candidates
from equipoise.validation.gate.selection import advise, reference_row

NAMES = ("none", "class_weight", "threshold", "random_oversample", "smote", "focal_loss")


def _board(rng, *, lead=None, gain: float = 0.0, settings=None, seed=0, better_model=None):
    n, positives = 300, 20
    y = np.r_[np.zeros(n - positives, int), np.ones(positives, int)]
    shared = rng.normal(size=n)
    cands = []
    for name in NAMES:
        for model in ("logreg", "hgb"):
            skill = 1.5 + (gain if (name, model) == (lead, "logreg") else 0.0)
            skill += 1.5 if model == better_model else 0.0
            noise = np.sqrt(0.3) * shared + np.sqrt(0.7) * rng.normal(size=n)
            p = 1 / (1 + np.exp(-(skill * y + noise)))
            cands.append(CandidateScores(name, "baseline", model, np.c_[1 - p, p]))
    settings = settings or GateSettings(guards={}, bootstrap=200)
    return score_candidates(y, cands, classes=[0, 1], settings=settings, seed=seed)


def test_the_best_estimate_is_named_when_it_is_not_no_resampling():
    rng = np.random.default_rng(4)
    named = 0
    for rep in range(10):
        board = _board(rng, lead="class_weight", gain=2.5, seed=rep)
        advice = advise(board, "pr_auc", 0.8)
        best = board.best("baseline", "all")
        assert advice.choice is best and not advice.guarded
        named += advice.choice.candidate.key == "class_weight · logreg"
    assert named >= 8, named
    decision = decide(board)
    assert decision.recommendation["strategy"] == "class_weight"
    assert decision.advice["best"] == decision.advice["choice"] == "class_weight · logreg"
    assert "no resampling scores best" not in decision.sentence


def test_no_resampling_leading_on_noise_gives_way_to_the_reference():
    """Equal strategies: whenever `none` has the best estimate, it is a lucky one, and the
    verdict names the reference instead, saying why."""
    rng = np.random.default_rng(3)
    led = guarded = 0
    for rep in range(40):
        board = _board(rng, seed=rep)
        advice = advise(board, "pr_auc", GateSettings().switch_confidence)
        if advice.best.candidate.name != "none":
            assert advice.choice is advice.best
            continue
        led += 1
        guarded += advice.guarded
        if advice.guarded:
            assert advice.choice is advice.reference
            assert advice.reference.candidate.name == "smote"
            assert advice.low <= 0 and advice.rival.candidate.model == advice.best.candidate.model
    assert led >= 2, "no resampling never led: the test does not test the guard"
    assert guarded >= led - 1, f"no resampling was named on noise in {led - guarded} of {led}"


def test_no_resampling_with_a_real_lead_is_named_and_says_why():
    rng = np.random.default_rng(7)
    board = _board(rng, lead="none", gain=2.5)
    decision = decide(board)
    assert decision.recommendation["strategy"] == "none", decision.sentence
    assert decision.advice["best"] == "none · logreg" and not decision.advice["guarded"]
    assert decision.advice["ci_low"] > 0 and decision.advice["compared"] == len(NAMES) - 1
    assert "no resampling scores best on PR-AUC and beats every other strategy" in (
        decision.sentence
    )


def test_the_guard_falls_back_to_the_configured_reference_in_order():
    rng = np.random.default_rng(5)
    settings = GateSettings(guards={}, bootstrap=200, reference=("easy_ensemble", "class_weight"))
    board = _board(rng, settings=settings)
    row = reference_row(board, settings.reference)
    assert row.candidate.key == "class_weight · logreg"  # easy_ensemble did not run
    for rep in range(40):
        board = _board(rng, settings=settings, seed=rep)
        decision = decide(board)
        if decision.advice["guarded"]:
            assert decision.recommendation["strategy"] == "class_weight"
            assert "so the reference strategy)" in decision.sentence
            return
    pytest.fail("no resampling never led on noise in 40 boards")


def test_an_unknown_reference_is_one_clear_error():
    from equipoise.dataspec.errors import InputError

    with pytest.raises(InputError, match="reference: unknown baselines"):
        GateSettings(reference=("smoot",))
    with pytest.raises(InputError, match="reference must name at least one baseline"):
        GateSettings(reference=())


def test_the_sentence_names_the_switch_level():
    rng = np.random.default_rng(7)
    board = _board(
        rng,
        lead="none",
        gain=2.5,
        settings=GateSettings(guards={}, bootstrap=200, switch_confidence=0.6),
    )
    decision = decide(board)
    assert decision.advice["switch_confidence"] == 0.6
    assert "60% simultaneous over the 5 other real-data entries of its model" in decision.sentence
    with pytest.raises(InputError, match=r"switch_confidence must be at least 0\.5"):
        GateSettings(switch_confidence=1.2)


def test_the_reference_is_taken_on_the_model_that_scores_best_on_average():
    """A model far better with every strategy (boosting on interactions against a linear
    model): the reference is SMOTE on it, not on the first configured model."""
    rng = np.random.default_rng(6)
    board = _board(rng, better_model="hgb")
    assert reference_row(board, GateSettings().reference, "pr_auc").candidate.key == "smote · hgb"
    assert reference_row(board, GateSettings().reference).candidate.key == "smote · logreg"
    decision = decide(board)
    assert decision.recommendation["model"] == "hgb", decision.sentence
