"""Gate entries for any scikit-learn-compatible estimator: train on a candidate's data
(a synthetic set at each dose of its grid, with sample weights where the model takes
them), predict the holdout in class order, note the threshold a tuned estimator chose
and how to reproduce the estimator. Table, series and text gates build their entries
with these."""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np

from equipoise.dataspec.encoding import model_labels
from equipoise.dataspec.seeding import derive_seed
from equipoise.validation.gate import dose
from equipoise.validation.gate.arena import (
    Arena,
    Entry,
    Pair,
    SyntheticSet,
    proba_in_class_order,
)
from equipoise.validation.gate.scoring import CandidateScores


def fit_weighted(estimator: Any, X: Any, y: Any, sample_weight: np.ndarray | None = None) -> Any:
    """`estimator.fit(X, y)`, with `sample_weight` routed to a pipeline's last step."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.pipeline import Pipeline

    kwargs: dict[str, Any] = {}
    if sample_weight is not None:
        last = estimator.steps[-1][0] if isinstance(estimator, Pipeline) else None
        kwargs = {f"{last}__sample_weight" if last else "sample_weight": sample_weight}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return estimator.fit(X, model_labels(y), **kwargs)


def fit_predict(
    build: Callable[[], Any], data: Pair, arena: Arena, sample_weight: np.ndarray | None = None
) -> tuple[Any, np.ndarray]:
    estimator = fit_weighted(build(), *data, sample_weight)
    X_hold = arena.holdout[0]
    raw = estimator.predict_proba(X_hold)
    return estimator, proba_in_class_order(raw, estimator.classes_, arena.classes, len(X_hold))


def entry(arena: Arena, name: str, family: str, model: str, build, data: Pair) -> list[Entry]:
    """The entries of one candidate × model: one, or one per dose of the grid when
    `data` is a `SyntheticSet` (`dose.py`; the whole set at weight 1 without a grid)."""
    if not isinstance(data, SyntheticSet):
        return [Entry(name, family, model, partial(_run, arena, name, family, model, build, data))]
    weighted = dose.takes_sample_weight(build())
    points = dose.grid(arena.settings, weighted)
    if not points:
        pair = data.joined()
        return [Entry(name, family, model, partial(_run, arena, name, family, model, build, pair))]
    note = None if weighted else f"{model} takes no sample_weight: weight-1 doses only"
    run = partial(_dosed, arena, name, family, model, build, data, note=note)
    return [Entry(name, family, model, partial(run, a, w)) for a, w in points]


def _dosed(arena, name, family, model, build, data: SyntheticSet, amount, weight, *, note):
    pair, weights = data.dosed(amount, weight)
    rows = len(pair[1]) - len(data.real[1])
    chosen = {"amount": amount, "weight": weight, "rows": rows}
    if note:
        chosen["weights_note"] = note
    return _run(arena, name, family, model, build, pair, None if weight == 1.0 else weights, chosen)


def _run(
    arena: Arena, name: str, family: str, model: str, build, pair: Pair,
    weights: np.ndarray | None = None, chosen: dict[str, Any] | None = None,
) -> CandidateScores:  # fmt: skip
    """Train one entry on `pair` and predict the arena's holdout."""
    from sklearn.base import clone

    started = time.perf_counter()
    estimator, proba = fit_predict(build, pair, arena, weights)
    # a tuned cut-off: TunedThresholdClassifierCV's scorer names the minority as its
    # positive label, so `best_threshold_` is already on the minority's probability
    threshold = getattr(estimator, "best_threshold_", None)
    note = f"trained on {len(pair[1])} rows in {time.perf_counter() - started:.1f} s"
    if chosen is not None:
        note += f"; {chosen['rows']} synthetic rows at weight {chosen['weight']:g}"
    if threshold is not None:
        note += f"; threshold {threshold:.3f} chosen by CV on the training rows"
    return CandidateScores(
        name, family, model, proba,  # type: ignore[arg-type]
        threshold=None if threshold is None else float(threshold), note=note,
        dose=chosen, recipe=recipe(estimator), estimator=clone(estimator),
    )  # fmt: skip


def recipe(estimator: Any) -> dict[str, Any]:
    """How to reproduce a fitted gate estimator: its steps after the feature encoding as
    scikit-learn writes them (only the parameters that differ from the defaults), and
    the last step's parameters as plain JSON values."""
    from sklearn.pipeline import Pipeline

    inner = getattr(estimator, "estimator", None)
    if inner is not None and hasattr(estimator, "best_threshold_"):
        estimator = inner  # TunedThresholdClassifierCV: the model it tunes
    steps = estimator.steps if isinstance(estimator, Pipeline) else [("model", estimator)]
    kept = [step for name, step in steps if name not in ("encode", "features")]
    last = kept[-1]
    last = getattr(last, "estimator", last) if hasattr(last, "describe") else last
    try:
        defaults = type(last)().get_params(deep=False)
    except TypeError:  # needs arguments: every parameter counts
        defaults = {}
    params = {
        k: v
        for k, v in last.get_params(deep=False).items()
        if (v is None or isinstance(v, bool | int | float | str))
        and (k not in defaults or defaults[k] != v)
    }
    words = [s.describe() if hasattr(s, "describe") else " ".join(repr(s).split()) for s in kept]
    return {"estimator": " + ".join(words), "params": params}


def each_model(arena: Arena, name: str, family: str, data: Pair, make, **options) -> list[Entry]:
    """One entry per configured downstream model: `make(model, schema, seed=...,
    **options)` builds the estimator."""
    return [
        one
        for model in arena.settings.model_specs
        for one in entry(
            arena,
            name,
            family,
            str(model),
            partial(make, model, arena.schema, seed=derive_seed(arena.seed, model), **options),
            data,
        )
    ]


def oversampled(make):
    """`make`'s pipeline with imbalanced-learn's RandomOverSampler first: the smaller
    classes' real rows repeated at random up to the largest class's count, fitted on
    the training split only (the `random_oversample` baseline: the literature's control
    for SMOTE-like methods)."""

    def build(name: Any, schema: Any, *, seed: int) -> Any:
        from imblearn.over_sampling import RandomOverSampler
        from imblearn.pipeline import Pipeline

        base = make(name, schema, seed=seed)
        return Pipeline([("oversample", RandomOverSampler(random_state=seed)), *base.steps])

    return build


def f1_of(y_true: Any, y_pred: Any, *, pos_label: Any) -> float:
    """The F1 score of class `pos_label`: scikit-learn's `f1_score(y_true, y_pred,
    pos_label=pos_label)` for two classes, to the last bit (2 tp / (true + predicted),
    0 when both are empty), without its input checks. TunedThresholdClassifierCV calls
    its scorer at 100 cut-offs per inner fold; with `f1_score` those checks cost 14 % of
    a cross-fitted gate's CPU time (BENCHMARKS.md, "The cross-fitted gate in CPU
    seconds")."""
    true = np.asarray(y_true) == pos_label
    predicted = np.asarray(y_pred) == pos_label
    both = int(true.sum()) + int(predicted.sum())
    return 2 * int((true & predicted).sum()) / both if both else 0.0


def tuned_threshold(estimator: Any, seed: int, positive: Any, folds: int) -> Any:
    """`estimator` with its decision threshold chosen by stratified CV on the training
    split (maximising the positive class's F1, `f1_of`), never on the holdout. The fitted
    cut-off applies to the probability of `classes_[1]` (sklearn's convention)."""
    from sklearn.metrics import make_scorer
    from sklearn.model_selection import StratifiedKFold, TunedThresholdClassifierCV

    return TunedThresholdClassifierCV(
        estimator,
        scoring=make_scorer(f1_of, pos_label=positive),
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
