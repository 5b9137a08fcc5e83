"""Gate power for small minorities: when the holdout holds too few rows of a class to
judge (`decision.FEW_HOLDOUT_ROWS`), the gate judges by repeated stratified
cross-fitting on every real row (training split + holdout) instead.

For each fold, the baselines and the synthetic candidates are trained on the other
folds and predict the fold. A synthetic candidate's rows must come from a generator
that saw only the fold's training part: the pipeline supplies a `refit(train, test,
seed)` per candidate whose generator is cheap to refit (its `refit_cheaply`), which
fits it again on the fold's training rows, samples and validates. Candidates without
one (expensive generators: CTGAN, ForestFlow, diffusion ...) are left out of a
cross-fitted gate, with the reason: their rows came from a fit on the whole training
split, which the folds score, and a holdout-only score of 8 rows would not be
comparable with the pooled one. Out-of-fold predictions of each repeat are pooled over
its folds; the repeats' predictions of each row are averaged (one prediction per real
row), and the usual paired bootstrap and decision rule run on them. A tuned cut-off
(the `threshold` baseline) is the mean of its per-fold cut-offs; a dose is the setting
chosen in most folds (ties: the smaller amount)."""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from equipoise.dataspec.encoding import model_labels
from equipoise.dataspec.seeding import derive_seed
from equipoise.validation.gate.arena import (
    Arena,
    Pair,
    Progress,
    Refit,
    SyntheticSet,
    concat,
    take,
    train_entries,
)
from equipoise.validation.gate.decision import FEW_HOLDOUT_ROWS
from equipoise.validation.gate.scoring import CandidateScores, Leaderboard, score_candidates

NOT_REFITTED = "its generator is too costly to refit per fold, and its rows were fitted on "
NOT_REFITTED += "training rows that the folds score; left out of the cross-fitted gate"


def reason(arena: Arena) -> str | None:
    """Why the gate should cross-fit (`gate.cross_fit`), None when the holdout judges."""
    mode = arena.settings.cross_fit
    if mode == "never":
        return None
    held = pd.Series(np.asarray(arena.holdout[1], dtype=object)).value_counts()
    few = held[held < FEW_HOLDOUT_ROWS]
    missing = [c for c in arena.classes if c not in held.index]
    if missing:
        return f"the holdout has no rows of class {missing[0]!r}"
    if len(few):
        return f"the holdout has {int(few.iloc[-1])} rows of class {few.index[-1]!r}"
    return "gate.cross_fit is always" if mode == "always" else None


def holdout_method(arena: Arena, why: str | None) -> dict[str, Any]:
    """The method record of a gate scored on the holdout."""
    rows = len(arena.holdout[1])
    sentence = f"judged on the real holdout ({rows} rows) that no generator saw"
    if why:
        sentence += f"; cross-fitting was not possible ({why}, but no candidate can be refitted)"
    return {"method": "holdout", "rows": rows, "sentence": sentence}


def run(
    arena: Arena,
    synthetic_sets: Mapping[str, SyntheticSet | Pair],
    refit: Mapping[str, Refit],
    why: str,
    *,
    progress: Progress | None = None,
) -> Leaderboard:
    """The leaderboard of repeated stratified cross-fitting on every real row."""
    from sklearn.model_selection import StratifiedKFold

    settings = arena.settings
    X = concat(arena.train[0], arena.holdout[0])
    y = concat(arena.train[1], arena.holdout[1])
    labels = np.asarray(y, dtype=object)
    smallest = int(pd.Series(labels).value_counts().min())
    folds = max(2, min(settings.cross_fit_folds, smallest))
    repeats = settings.cross_fit_repeats
    left_out = {n: NOT_REFITTED for n in synthetic_sets if n not in refit}
    proba: dict[str, np.ndarray] = {}
    seen: dict[str, list[CandidateScores]] = {}
    skipped: list[dict[str, str]] = []
    for r in range(repeats):
        cv = StratifiedKFold(folds, shuffle=True, random_state=derive_seed(arena.seed, "cv", r))
        for k, (fit_rows, test_rows) in enumerate(cv.split(labels, model_labels(labels))):
            fold = dataclasses.replace(
                arena, train=(take(X, fit_rows), take(y, fit_rows)),
                holdout=(take(X, test_rows), take(y, test_rows)),
            )  # fmt: skip
            sets: dict[str, SyntheticSet | Pair] = {}
            for name, make in refit.items():
                if name in left_out:
                    continue
                try:
                    sets[name] = make(fold.train, fold.holdout, derive_seed(arena.seed, name, r, k))
                except ValueError as error:
                    left_out[name] = f"could not be refitted on fold {k + 1}: {error}"
            scored, failed = train_entries(fold, sets, None)
            skipped += failed
            for cand in scored:
                if cand.key not in proba:
                    proba[cand.key] = np.full((repeats, len(labels), len(arena.classes)), np.nan)
                proba[cand.key][r, test_rows] = cand.proba
                seen.setdefault(cand.key, []).append(cand)
            if progress:
                progress("gate: cross-fitting", r * folds + k + 1, repeats * folds)
    pooled = [
        _pooled(seen[key], proba[key], folds, repeats)
        for key in seen
        if not np.isnan(proba[key]).any() and seen[key][0].name not in left_out
    ]
    board = score_candidates(
        y, pooled, classes=arena.classes, settings=settings,
        seed=derive_seed(arena.seed, "bootstrap"), minority=arena.minority,
    )  # fmt: skip
    once = {(s["candidate"], s["model"]): s for s in reversed(skipped)}  # first error each
    board.skipped = list(once.values())
    board.skipped += [{"candidate": n, "model": "all", "error": e} for n, e in left_out.items()]
    refitted = sorted(n for n in refit if n not in left_out)
    board.method = {
        "method": "cross_fit",
        "folds": folds,
        "repeats": repeats,
        "rows": len(labels),
        "reason": why,
        "refitted": refitted,
        "not_refitted": left_out,
        "sentence": (
            f"judged by {folds}-fold cross-fitting repeated {repeats}× on all {len(labels)} "
            f"real rows because {why}; refitted per fold: {', '.join(refitted) or 'none'}"
            + (
                f"; not refitted: {', '.join(f'{n} (left out)' for n in left_out)}"
                if left_out
                else ""
            )
        ),
    }
    return board


def _pooled(
    runs: list[CandidateScores], proba: np.ndarray, folds: int, repeats: int
) -> CandidateScores:
    """One candidate's folds and repeats as one: averaged predictions, mean cut-off,
    the dose chosen most often."""
    first = runs[0]
    cuts = [c.threshold for c in runs if c.threshold is not None]
    note = f"out-of-fold predictions of {folds} folds, averaged over {repeats} repeats"
    if cuts:
        note += f"; threshold: mean of {len(cuts)} per-fold cut-offs"
    dose = _dose([c.dose for c in runs if c.dose is not None])
    if dose:
        note += f"; dose: {dose['amount']:g} at weight {dose['weight']:g} in most folds"
    return dataclasses.replace(
        first, proba=proba.mean(axis=0), threshold=float(np.mean(cuts)) if cuts else None,
        note=note, dose=dose,
    )  # fmt: skip


def _dose(doses: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The setting chosen in most folds (ties: the smaller amount), the grid's values
    averaged over the folds, and every fold's choice."""
    if not doses:
        return None
    picks = Counter((d["amount"], d["weight"]) for d in doses)
    amount, weight = min(picks, key=lambda p: (-picks[p], p[0], -p[1]))
    rows = [d["rows"] for d in doses if (d["amount"], d["weight"]) == (amount, weight)]
    grid = [
        {**g, "value": float(np.nanmean([d["grid"][i]["value"] for d in doses]))}
        for i, g in enumerate(doses[0]["grid"])
    ]
    return {
        **doses[0], "amount": amount, "weight": weight, "rows": round(float(np.mean(rows))),
        "grid": grid, "per_fold": [{"amount": d["amount"], "weight": d["weight"]} for d in doses],
    }  # fmt: skip
