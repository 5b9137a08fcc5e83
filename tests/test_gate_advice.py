"""Which real-data strategy a refusal names (`validation/gate/selection.py::advise`): on
the model of the baseline entry with the best estimate, the reference strategy (SMOTE by
default) unless another entry of that model beats it after choosing among them, at
`gate.switch_confidence`; no resampling must also beat every other strategy of that
model. With a dozen entries of equal true skill, the plain best point estimate names a
lucky entry almost every time; the reference rule keeps the reference. A real advantage
still moves the verdict, and no resampling needs the most evidence: naming it where
resampling helps leaves the rare class unseen at the user's cut-off."""

from __future__ import annotations

import numpy as np
import pytest

from equipoise.dataspec import InputError
from equipoise.validation.gate import CandidateScores, GateSettings, decide, score_candidates
from equipoise.validation.gate.selection import advise, reference_row

NAMES = ("none", "class_weight", "threshold", "random_oversample", "smote", "focal_loss")


def _board(rng, *, lead=None, gain: float = 0.0, settings=None, seed=0, better_model=None,
           gains=None):  # fmt: skip
    n, positives = 300, 20
    y = np.r_[np.zeros(n - positives, int), np.ones(positives, int)]
    shared = rng.normal(size=n)
    cands = []
    for name in NAMES:
        for model in ("logreg", "hgb"):
            skill = 1.5 + (gain if (name, model) == (lead, "logreg") else 0.0)
            skill += (gains or {}).get((name, model), 0.0)
            skill += 1.5 if model == better_model else 0.0
            noise = np.sqrt(0.3) * shared + np.sqrt(0.7) * rng.normal(size=n)
            p = 1 / (1 + np.exp(-(skill * y + noise)))
            cands.append(CandidateScores(name, "baseline", model, np.c_[1 - p, p]))
    settings = settings or GateSettings(guards={}, bootstrap=200)
    return score_candidates(y, cands, classes=[0, 1], settings=settings, seed=seed)


def test_noise_among_equal_strategies_keeps_the_reference():
    rng = np.random.default_rng(3)
    kept = argmax_kept = 0
    reps = 30
    for rep in range(reps):
        board = _board(rng, seed=rep)
        advice = advise(board, "pr_auc", GateSettings().switch_confidence)
        assert advice.reference.candidate.name == "smote"
        # the reference is taken on the model of the best entry
        assert advice.reference.candidate.model == advice.best.candidate.model
        kept += not advice.switched
        argmax_kept += board.best("baseline", "all") is advice.reference
    assert kept >= reps * 3 // 4, f"the reference was left on noise in {reps - kept} of {reps}"
    assert argmax_kept <= reps // 3, "the plain best point estimate chases noise"


def test_a_real_advantage_moves_the_verdict_and_says_why():
    rng = np.random.default_rng(4)
    moved = 0
    for rep in range(10):
        board = _board(rng, lead="class_weight", gain=2.5, seed=rep)
        advice = advise(board, "pr_auc", 0.8)
        moved += advice.choice.candidate.key == "class_weight · logreg"
    assert moved >= 8, moved
    decision = decide(board)
    assert decision.recommendation["strategy"] == "class_weight"
    assert "it beats the reference, SMOTE on real data (logreg)" in decision.sentence
    assert "over the 5 other real-data entries of its model)" in decision.sentence
    assert decision.advice["switched"] and decision.advice["ci_low"] > 0


def test_no_resampling_with_a_real_lead_is_named_and_says_why():
    rng = np.random.default_rng(7)
    board = _board(rng, lead="none", gain=2.5)
    decision = decide(board)
    assert decision.recommendation["strategy"] == "none", decision.sentence
    assert decision.advice["switched"] and decision.advice["held_back"] is None
    assert "and beats every other strategy of its model)" in decision.sentence


def test_no_resampling_must_beat_every_strategy_of_its_model_not_only_the_reference():
    """No resampling and class weights both far ahead of SMOTE, level with each other
    (`none` a little ahead on skill): `none` clears the reference but not class weights,
    so the verdict names class weights, never no resampling."""
    rng = np.random.default_rng(8)
    for rep in range(6):
        gains = {("none", "logreg"): 2.7, ("class_weight", "logreg"): 2.5}
        advice = advise(_board(rng, seed=rep, gains=gains), "pr_auc", 0.8)
        assert advice.choice.candidate.name != "none", advice.to_dict()
        assert advice.choice.candidate.key == "class_weight · logreg", advice.to_dict()


def test_the_reference_is_configurable_and_falls_back_in_order():
    rng = np.random.default_rng(5)
    settings = GateSettings(guards={}, bootstrap=200, reference=("easy_ensemble", "class_weight"))
    board = _board(rng, settings=settings)
    row = reference_row(board, settings.reference)
    assert row.candidate.key == "class_weight · logreg"  # easy_ensemble did not run
    decision = decide(board)
    if not decision.advice["switched"]:
        assert decision.recommendation["strategy"] == "class_weight"
        assert "(the reference strategy on the model of the best real-data entry: none of " in (
            decision.sentence
        )


def test_an_unknown_reference_is_one_clear_error():
    from equipoise.dataspec.errors import InputError

    with pytest.raises(InputError, match="reference: unknown baselines"):
        GateSettings(reference=("smoot",))
    with pytest.raises(InputError, match="reference must name at least one baseline"):
        GateSettings(reference=())


def test_the_sentence_names_the_switch_level():
    rng = np.random.default_rng(4)
    board = _board(rng, settings=GateSettings(guards={}, bootstrap=200, switch_confidence=0.6))
    decision = decide(board)
    assert decision.advice["switch_confidence"] == 0.6
    assert "at 60% once the best is chosen" in decision.sentence or "60% simultaneous" in (
        decision.sentence
    )
    with pytest.raises(InputError, match=r"switch_confidence must be at least 0\.5"):
        GateSettings(switch_confidence=1.2)


def test_the_reference_is_taken_on_the_model_of_the_best_entry():
    """A model far better with every strategy (boosting on interactions against a linear
    model): the reference is SMOTE on it, not on the first configured model, and no
    other entry needs to clear a bound to get there."""
    rng = np.random.default_rng(6)
    board = _board(rng, better_model="hgb")
    assert reference_row(board, GateSettings().reference, "pr_auc").candidate.key == "smote · hgb"
    assert reference_row(board, GateSettings().reference).candidate.key == "smote · logreg"
    decision = decide(board)
    assert decision.recommendation["model"] == "hgb", decision.sentence


def test_a_model_without_a_preferred_strategy_is_its_own_reference():
    """A balanced ensemble brings its own model: when its entry is the best, it is the
    reference itself (no SMOTE on that model to fall back to)."""
    rng = np.random.default_rng(9)
    settings = GateSettings(guards={}, bootstrap=200, reference=("smote",))
    board = _board(rng, gains={("threshold", "hgb"): 3.0}, settings=settings)
    row = reference_row(board, ("easy_ensemble",), "pr_auc")
    # no easy_ensemble ran: the first preferred strategy on hgb is then `none`
    assert row.candidate.key == "none · hgb"
    advice = advise(board, "pr_auc", 0.8)
    assert advice.best.candidate.key == "threshold · hgb"
    assert advice.choice.candidate.key == "threshold · hgb", advice.to_dict()
