"""The gate's rule: publish the best synthetic candidate only if it beats the best
baseline (a positive improvement), the lower bound of its paired-bootstrap interval
reaches `min_uplift`, and no guard metric drops by more than its tolerance. A tie —
e.g. synthetic rows that change nothing — publishes nothing. The decision reads as
one sentence."""

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
        return GateDecision(False, "no synthetic set reached the gate; nothing published", **common)
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
    if uplift > 0 and low >= settings.min_uplift and not failures:
        sentence = (
            f"{_who(syn)} beats {_who(base)} on {name}: {syn.point[primary]:.3f} vs "
            f"{base.point[primary]:.3f}, uplift {interval}; published"
        )
        return GateDecision(True, sentence, **numbers, **common)
    if uplift <= 0:
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
            "is wide; a larger split.holdout gives the gate more to go on)"
        )
    return GateDecision(False, sentence, **numbers, **common)


def _who(row: Row) -> str:
    cand = row.candidate
    if cand.family == "synthetic":
        return f"{cand.name} data ({cand.model})"
    from equipoise.validation.gate.baselines import words as baseline_words

    words = baseline_words(cand.name)
    return f"{words} on real data ({cand.model})"
