"""The gate's rule: publish the best synthetic candidate only if it beats the best
baseline (a positive improvement), the lower bound of its paired-bootstrap interval
reaches `min_uplift`, and no guard metric drops by more than its tolerance. A tie —
e.g. synthetic rows that change nothing — publishes nothing, and so does a synthetic
set whose dose search chose 0 rows. The decision reads as one sentence; a refusal ends
with what to use instead (`recommendation`: the best baseline with the settings that
reproduce it, also machine-readable)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from equipoise.validation.gate.metrics import LABELS
from equipoise.validation.gate.scoring import Leaderboard, Row, percentiles

#: fewer holdout rows of the positive class than this: a refusal says the interval is wide
FEW_HOLDOUT_ROWS = 20


@dataclass(frozen=True)
class GateDecision:
    """What the gate decided, with the numbers behind it."""

    publish: bool
    sentence: str
    primary: str
    winner: str | None = None
    winner_model: str | None = None
    winner_value: float | None = None
    baseline: str | None = None
    baseline_model: str | None = None
    baseline_value: float | None = None
    uplift: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    min_uplift: float = 0.0
    confidence: float = 0.95
    guard_failures: list[str] = field(default_factory=list)
    guards: dict[str, dict[str, float]] = field(default_factory=dict)
    #: what to deploy: {strategy, words, model, estimator, params, threshold, dose}
    recommendation: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def decide(board: Leaderboard, settings: Any = None) -> GateDecision:
    """Apply the rule to a leaderboard (settings default to the board's own)."""
    settings = settings or board.settings
    primary, level = settings.primary, settings.confidence
    name = LABELS[primary]
    base, syn = board.best("baseline"), board.best("synthetic")
    common = {"primary": primary, "min_uplift": settings.min_uplift, "confidence": level}
    if syn is None:
        failed = [s for s in board.skipped if s.get("family", "synthetic") == "synthetic"]
        why = f" (the first could not be trained: {failed[0]['error']})" if failed else ""
        return GateDecision(
            False, f"no synthetic set could be trained by the gate{why}; nothing published",
            **common,
        )  # fmt: skip
    if base is None:
        return GateDecision(
            True,
            f"{_who(syn)} is published without a baseline to beat (no baselines configured)",
            winner=syn.candidate.name,
            winner_model=syn.candidate.model,
            winner_value=syn.point[primary],
            **common,
        )
    diff = syn.draws[primary] - base.draws[primary]
    uplift = syn.point[primary] - base.point[primary]
    low, high = percentiles(diff, level)
    guards = {
        metric: {
            "synthetic": syn.point[metric],
            "baseline": base.point[metric],
            "drop": base.point[metric] - syn.point[metric],
            "tolerance": tolerance,
        }
        for metric, tolerance in settings.guards.items()
    }
    failures = [
        f"{LABELS[m]} drops {g['drop']:.3f} (> {g['tolerance']:.3f})"
        for m, g in guards.items()
        if g["drop"] > g["tolerance"] + 1e-12
    ]
    numbers = {
        "winner": syn.candidate.name,
        "winner_model": syn.candidate.model,
        "winner_value": syn.point[primary],
        "baseline": base.candidate.name,
        "baseline_model": base.candidate.model,
        "baseline_value": base.point[primary],
        "uplift": uplift,
        "ci_low": low,
        "ci_high": high,
        "guard_failures": failures,
        "guards": guards,
    }
    pct = f"{level:.0%}"
    interval = f"{uplift:+.3f} [{pct} CI {low:+.3f}, {high:+.3f}]"
    dosed = syn.candidate.dose
    if uplift > 0 and low >= settings.min_uplift and not failures and dosed_in(syn):
        sentence = (
            f"{_who(syn)} beats {_who(base)} on {name}: {syn.point[primary]:.3f} vs "
            f"{base.point[primary]:.3f}, uplift {interval}; published"
        )
        return GateDecision(True, sentence, **numbers, **common, recommendation=recommend(syn))
    if not dosed_in(syn):
        sentence = (
            f"{syn.candidate.name} ({syn.candidate.model}): the dose search chose 0 synthetic "
            f"rows: they did not help in cross-validation ({LABELS[dosed['metric']]} on "
            f"{dosed['folds']} folds of the training split); {_who(base)} leads with {name} "
            f"{base.point[primary]:.3f}; nothing published"
        )
    elif uplift <= 0:
        sentence = (
            f"{_who(base)} beats every synthetic set ({name} {base.point[primary]:.3f} vs "
            f"{syn.point[primary]:.3f} for {_who(syn)}, {interval}); nothing published"
        )
    elif low < settings.min_uplift:
        sentence = (
            f"{_who(syn)} improves {name} by {interval} over {_who(base)}, but the interval "
            f"reaches below min_uplift {settings.min_uplift:g}; nothing published"
        )
    else:
        sentence = (
            f"{_who(syn)} improves {name} by {interval} over {_who(base)}, but "
            f"{'; '.join(failures)}; nothing published"
        )
    few = int(np.sum(np.asarray(board.y_holdout) == board.positive))
    if few < FEW_HOLDOUT_ROWS:
        sentence += (
            f" (the holdout has only {few} rows of class {board.positive!r}, so the interval "
            "is wide; a larger split.holdout, or gate.cross_fit: auto, gives the gate more to "
            "go on)"
        )
    advice = recommend(base)
    sentence += f"; use instead: {advice['estimator']}" + (
        f" at threshold {advice['threshold']:.3f}" if advice["threshold"] is not None else ""
    )
    return GateDecision(False, sentence, **numbers, **common, recommendation=advice)


def dosed_in(row: Row) -> bool:
    """False when the dose search chose to add no synthetic rows."""
    dose = row.candidate.dose
    return dose is None or dose["rows"] > 0


def recommend(row: Row) -> dict[str, Any]:
    """What to deploy to get `row`'s result: the strategy, its model, the estimator as
    scikit-learn writes it with its parameters, the cut-off on the positive class's
    probability (None: the most probable class) and, for synthetic data, the dose."""
    from equipoise.validation.gate.baselines import words as baseline_words

    cand = row.candidate
    return {
        "strategy": cand.name,
        "family": cand.family,
        "words": baseline_words(cand.name) if cand.family == "baseline" else cand.name,
        "model": cand.model,
        "estimator": cand.recipe.get("estimator", cand.model),
        "params": cand.recipe.get("params", {}),
        "threshold": cand.threshold,
        "dose": None
        if cand.dose is None
        else {k: cand.dose[k] for k in ("amount", "weight", "rows")},
    }


def _who(row: Row) -> str:
    cand = row.candidate
    if cand.family == "synthetic":
        return f"{cand.name} data ({cand.model})"
    from equipoise.validation.gate.baselines import words as baseline_words

    words = baseline_words(cand.name)
    return f"{words} on real data ({cand.model})"
