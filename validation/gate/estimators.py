"""Gate entries for any scikit-learn-compatible estimator: train on a candidate's data,
predict the holdout in class order, note the threshold a tuned estimator chose. Table
and series gates build their entries with these."""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np

from equipoise.dataspec.seeding import derive_seed
from equipoise.validation.gate.arena import Arena, Entry, Pair, proba_in_class_order
from equipoise.validation.gate.scoring import CandidateScores


def fit_predict(build: Callable[[], Any], data: Pair, arena: Arena) -> tuple[Any, np.ndarray]:
    from sklearn.exceptions import ConvergenceWarning

    estimator = build()
    X, y = data
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        estimator.fit(X, np.asarray(y))
    X_hold = arena.holdout[0]
    raw = estimator.predict_proba(X_hold)
    return estimator, proba_in_class_order(raw, estimator.classes_, arena.classes, len(X_hold))


def entry(arena: Arena, name: str, family: str, model: str, build, data: Pair) -> Entry:
    def run() -> CandidateScores:
        started = time.perf_counter()
        estimator, proba = fit_predict(build, data, arena)
        threshold = getattr(estimator, "best_threshold_", None)
        if threshold is not None and estimator.classes_[1] != arena.minority:
            threshold = 1.0 - threshold  # sklearn's cut-off is on classes_[1]; ours on the minority
        note = f"trained on {len(data[1])} rows in {time.perf_counter() - started:.1f} s"
        if threshold is not None:
            note += f"; threshold {threshold:.3f} chosen by CV on the training split"
        return CandidateScores(
            name, family, model, proba,  # type: ignore[arg-type]
            threshold=None if threshold is None else float(threshold), note=note,
        )  # fmt: skip

    return Entry(name, family, model, run)


def each_model(arena: Arena, name: str, family: str, data: Pair, make, **options) -> list[Entry]:
    """One entry per configured downstream model: `make(model, schema, seed=...,
    **options)` builds the estimator."""
    return [
        entry(
            arena,
            name,
            family,
            model,
            partial(make, model, arena.schema, seed=derive_seed(arena.seed, model), **options),
            data,
        )
        for model in arena.settings.models
    ]


def tuned_threshold(estimator: Any, seed: int, positive: Any, folds: int) -> Any:
    """`estimator` with its decision threshold chosen by stratified CV on the training
    split (maximising the positive class's F1), never on the holdout. The fitted
    cut-off applies to the probability of `classes_[1]` (sklearn's convention)."""
    from sklearn.metrics import f1_score, make_scorer
    from sklearn.model_selection import StratifiedKFold, TunedThresholdClassifierCV

    return TunedThresholdClassifierCV(
        estimator,
        scoring=make_scorer(f1_score, pos_label=positive),
        cv=StratifiedKFold(folds, shuffle=True, random_state=seed),
        random_state=seed,
    )


def tuned_model(model: str, schema: Any, *, seed: int, base, positive: Any, folds: int, **options):
    """`base(model, schema, seed=seed, **options)` with its cut-off tuned (`tuned_threshold`)."""
    return tuned_threshold(base(model, schema, seed=seed, **options), seed, positive, folds)


def threshold_entries(make, options: Callable[[Arena], dict] | None = None):
    """The `threshold` baseline's builder for a modality whose downstream models
    `make(model, schema, seed=..., **options(arena))` builds: each configured model with
    its cut-off chosen by stratified CV on the training split (two classes only: one
    cut-off is defined for two classes)."""

    def entries(arena: Arena, name: str, family: str, data: Pair) -> list[Entry]:
        if not arena.binary:
            return []
        return each_model(
            arena, name, family, data, tuned_model, base=make, positive=arena.minority,
            folds=arena.settings.cv_folds, **(options(arena) if options else {}),
        )  # fmt: skip

    return entries
