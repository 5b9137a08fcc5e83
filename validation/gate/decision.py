"""The gate's rule: publish the best synthetic entry only if it beats the best baseline
(a positive improvement), the lower bound of its simultaneous interval against EVERY
baseline reaches `min_uplift` (`selection.py`: the bounds hold after choosing the best
candidate, model and dose among all entries), and no guard metric drops by more than
its tolerance. A tie publishes nothing. Each synthetic entry is compared with the
baselines on its own scope (the holdout rows alone for a costly generator in a
cross-fitted gate). The decision reads as one sentence; a refusal ends with what to
use instead (`recommendation`, also machine-readable, with the settings that reproduce
it): on the model of the best real-data entry, the reference strategy unless another
beats it clearly after choosing among them (`selection.advise`).
Every run ends in a verdict: when no synthetic set reached the gate, the baselines are
still ranked and one is named."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from equipoise.validation.gate import selection
from equipoise.validation.gate.metrics import LABELS
from equipoise.validation.gate.scoring import ALL, Leaderboard, Row

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
    #: the rows the winner was compared on ("all" or "holdout") and how many
    scope: str = ALL
    scored_rows: int | None = None
    #: the simultaneous interval's rule and size (`selection.Bounds.to_dict`)
    simultaneous: dict[str, Any] = field(default_factory=dict)
    #: the baseline whose lower bound decided, when not the best baseline itself
    binding_baseline: str | None = None
    #: how the recommended real-data strategy was chosen (`selection.Advice.to_dict`)
    advice: dict[str, Any] = field(default_factory=dict)
    #: baselines that could not be trained, and synthetic sets that never reached the gate
    left_out: list[str] = field(default_factory=list)
    excluded: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def decide(board: Leaderboard, settings: Any = None) -> GateDecision:
    """Apply the rule to a leaderboard (settings default to the board's own)."""
    settings = settings or board.settings
    primary, level = settings.primary, settings.confidence
    left_out = _left_out_baselines(board)
    common = {"primary": primary, "min_uplift": settings.min_uplift, "confidence": level,
              "left_out": left_out, "excluded": dict(board.excluded)}  # fmt: skip
    tail = "".join(f"; left out: {x}" for x in left_out[:1]) + (
        f" (+{len(left_out) - 1} more)" if len(left_out) > 1 else ""
    )
    base = board.best("baseline", ALL)
    no_none = [
        s for s in board.skipped if s["candidate"] == "none" and s.get("family") != "synthetic"
    ]
    if base is None or no_none:
        why = (no_none or board.skipped or [{"error": "no baselines configured"}])[0]["error"]
        return GateDecision(
            False, f"the no-resampling baseline could not be trained ({why}), so there is "
            "nothing to compare synthetic data with; nothing published" + tail, **common,
        )  # fmt: skip
    switch = settings.switch_confidence
    advised = selection.advise(board, primary, switch)
    advice = recommend(advised.choice)
    common["advice"] = advised.to_dict() | {"switch_confidence": switch}
    instead = _use_instead(advice) + _why(advised, LABELS[primary], switch)
    if not board.family("synthetic"):
        return _nothing_judged(board, advised, advice, instead, tail, common)
    return _judged(board, settings, advice, instead, tail, common)


def _nothing_judged(board, advised, advice, instead: str, tail: str, common) -> GateDecision:
    """The verdict when no synthetic set reached the gate: the real-data strategy."""
    primary = board.settings.primary
    failed = [f"{n}: {w}" for n, w in board.excluded.items()]
    failed += [
        f"{s['candidate']} ({s['model']}): {s['error']}"
        for s in board.skipped
        if s.get("family") == "synthetic"
    ]
    why = f" ({_first(failed)})" if failed else ""
    chosen = advised.choice
    sentence = (
        f"no synthetic set could be judged{why}; {_who(chosen)} is the real-data "
        f"strategy to use ({LABELS[primary]} {chosen.point[primary]:.3f}); nothing "
        f"published{tail}; use instead: {instead}"
    )
    return GateDecision(
        False, sentence, baseline=chosen.candidate.name,
        baseline_model=chosen.candidate.model, baseline_value=chosen.point[primary],
        recommendation=advice, **common,
    )  # fmt: skip


@dataclass(frozen=True)
class _Contest:
    """The best synthetic entry against the best baseline on its scope, with bounds."""

    syn: Row
    rival: Row
    uplift: float
    low: float
    high: float
    binding: Row
    binding_low: float
    bounds: selection.Bounds
    failures: list[str]
    numbers: dict[str, Any]


def _contest(board: Leaderboard, settings: Any) -> _Contest:
    primary, level = settings.primary, settings.confidence
    syn = max(board.family("synthetic"), key=lambda r: _finite(_lead(board, r, primary)))
    scope = syn.candidate.scope
    rival = board.best("baseline", scope)
    rival_point = rival.on(scope)[0]
    uplift = syn.point[primary] - rival_point[primary]
    bounds = selection.bounds(board, primary, level)
    _, low, high = bounds.of(syn, rival)
    binding_low, binding = min(
        ((bounds.of(syn, b)[1], b) for b in board.family("baseline")),
        key=lambda pair: _finite(pair[0]),
    )
    guards = {
        metric: {
            "synthetic": syn.point[metric],
            "baseline": rival_point[metric],
            "drop": rival_point[metric] - syn.point[metric],
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
        "winner": syn.candidate.name, "winner_model": syn.candidate.model,
        "winner_value": syn.point[primary], "baseline": rival.candidate.name,
        "baseline_model": rival.candidate.model, "baseline_value": rival_point[primary],
        "uplift": uplift, "ci_low": low, "ci_high": high, "guard_failures": failures,
        "guards": guards, "scope": scope, "scored_rows": board.rows_of(scope),
        "simultaneous": bounds.to_dict(),
        "binding_baseline": None if binding is rival else binding.candidate.key,
    }  # fmt: skip
    return _Contest(syn, rival, uplift, low, high, binding, binding_low, bounds, failures, numbers)


def _judged(board, settings, advice, instead: str, tail: str, common) -> GateDecision:
    """The verdict when synthetic sets competed: publish the best, or refuse and say why."""
    primary, level, name = settings.primary, settings.confidence, LABELS[settings.primary]
    c = _contest(board, settings)
    syn, rival, uplift, scope = c.syn, c.rival, c.uplift, c.syn.candidate.scope
    rival_value = rival.on(scope)[0][primary]
    on = (
        ""
        if scope == ALL
        else f" on the {board.rows_of(scope)} holdout rows its generator never saw"
    )
    entries = (
        f"{c.bounds.synthetic_entries} synthetic × {c.bounds.baseline_entries} baseline entries"
    )
    interval = (
        f"{uplift:+.3f} [{level:.0%} CI {c.low:+.3f}, {c.high:+.3f}, simultaneous over {entries}]"
    )
    lower_ok = np.isfinite(c.binding_low) and c.binding_low >= settings.min_uplift
    if uplift > 0 and lower_ok and not c.failures:
        sentence = (
            f"{_who(syn)} beats {_who(rival)} on {name}{on}: {syn.point[primary]:.3f} vs "
            f"{rival_value:.3f}, uplift {interval}; published{tail}"
        )
        return GateDecision(True, sentence, **c.numbers, **common, recommendation=recommend(syn))
    if uplift <= 0:
        sentence = (
            f"{_who(rival)} beats every synthetic set ({name}{on} {rival_value:.3f} vs "
            f"{syn.point[primary]:.3f} for {_who(syn)}, {interval}); nothing published"
        )
    elif not lower_ok:
        against = (
            ""
            if c.binding is rival
            else (f" (against {_who(c.binding)} its lower bound is {c.binding_low:+.3f})")
        )
        sentence = (
            f"{_who(syn)} improves {name}{on} by {interval} over {_who(rival)}, but the "
            f"interval reaches below min_uplift {settings.min_uplift:g}{against}; nothing published"
        )
    else:
        sentence = (
            f"{_who(syn)} improves {name}{on} by {interval} over {_who(rival)}, but "
            f"{'; '.join(c.failures)}; nothing published"
        )
    sentence += _hints(board, c.bounds) + tail + f"; use instead: {instead}"
    return GateDecision(False, sentence, **c.numbers, **common, recommendation=advice)


def _why(advised: selection.Advice, name: str, level: float) -> str:
    """Why the verdict names this real-data strategy, in a parenthesis."""
    of_model = f"{advised.compared} other real-data entries of its model"
    if advised.switched:
        also = " and beats every other strategy of its model" if (
            advised.choice.candidate.name == "none"
        ) else ""  # fmt: skip
        return (
            f" (it beats the reference, {_who(advised.reference)}, on {name} by "
            f"{advised.uplift:+.3f}, {level:.0%} simultaneous lower bound {advised.low:+.3f} "
            f"over the {of_model}{also})"
        )
    if advised.rival is None:  # the only real-data entry of its model
        return ""
    held = advised.held_back
    held_back = (
        f"; no resampling beats it but not every other strategy of {held.candidate.model} at "
        f"{level:.0%}"
        if held is not None
        else ""
    )
    return (
        f" (the reference strategy on the model of the best real-data entry: none of the "
        f"{of_model} beats it at {level:.0%} once the best is chosen; the closest, "
        f"{_who(advised.rival)}, by {advised.uplift:+.3f} [{advised.low:+.3f}, "
        f"{advised.high:+.3f}]{held_back})"
    )


def _lead(board: Leaderboard, row: Row, primary: str) -> float:
    """A synthetic row's lead over the best baseline on its own scope."""
    scope = row.candidate.scope
    best = board.best("baseline", scope)
    return row.point[primary] - best.on(scope)[0][primary] if best else row.point[primary]


def _hints(board: Leaderboard, bounds: selection.Bounds) -> str:
    """What the reader should know about the interval: a thin holdout, lost resamples."""
    out = ""
    few = int(np.sum(np.asarray(board.y_holdout) == board.positive))
    if board.method.get("method", "holdout") == "holdout" and few < FEW_HOLDOUT_ROWS:
        out += (
            f" (the holdout has only {few} rows of class {board.positive!r}, so the interval "
            "is wide; gate.cross_fit: auto judges on every real row)"
        )
    if bounds.nan_resamples:
        out += (
            f" ({bounds.nan_resamples} of {bounds.nan_resamples + bounds.resamples} bootstrap "
            "resamples gave some entry no value and were left out of the interval)"
        )
    return out


def _left_out_baselines(board: Leaderboard) -> list[str]:
    """Baseline entries that could not be trained, as sentences."""
    from equipoise.validation.gate.baselines import words

    return [
        f"{words(s['candidate'])} ({s['model']}) could not be trained: {s['error']}"
        for s in board.skipped
        if s.get("family") == "baseline"
    ]


def _first(items: list[str], n: int = 2) -> str:
    more = f"; +{len(items) - n} more" if len(items) > n else ""
    return "; ".join(items[:n]) + more


def _use_instead(advice: dict[str, Any]) -> str:
    cut = advice["threshold"]
    return advice["estimator"] + (f" at threshold {cut:.3f}" if cut is not None else "")


def recommended_row(board: Leaderboard, decision: GateDecision) -> Row | None:
    """The leaderboard entry the decision's recommendation names (a synthetic winner: the
    entry of its dose), None when there is none."""
    rec = decision.recommendation
    if rec is None:
        return None
    for row in board.rows:
        cand = row.candidate
        if (cand.name, cand.model, cand.family) == (rec["strategy"], rec["model"], rec["family"]):
            return row
    return None


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
        dose = cand.dose
        share = (
            "" if dose is None else f", {dose['amount']:g} of its rows at weight {dose['weight']:g}"
        )
        return f"{cand.name} data ({cand.model}{share})"
    from equipoise.validation.gate.baselines import words as baseline_words

    return f"{baseline_words(cand.name)} on real data ({cand.model})"


def _finite(value: float) -> float:
    return value if np.isfinite(value) else -np.inf
