"""The tabular tournament: the baselines on the real training split and every
synthetic candidate set, each trained with the same downstream models and scored on
the same real holdout."""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np
import pandas as pd

from equipoise.dataspec.schema import TableSchema
from equipoise.dataspec.seeding import derive_seed
from equipoise.validation.gate import downstream as ds
from equipoise.validation.gate.scoring import CandidateScores, Leaderboard, score_candidates
from equipoise.validation.gate.settings import GateSettings

Pair = tuple[pd.DataFrame, pd.Series]
#: progress(description, completed, total), after each trained candidate
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class _Job:
    name: str
    family: str
    model: str
    build: Callable[[], Any]
    data: Pair
    note: str = ""


def run_tournament(
    schema: TableSchema,
    *,
    train: Pair,
    holdout: Pair,
    synthetic_sets: Mapping[str, Pair],
    settings: GateSettings,
    seed: int,
    progress: Progress | None = None,
) -> Leaderboard:
    """Train every candidate, predict the holdout, and score them all.

    `synthetic_sets` maps a generator's name to its candidate training set (the real
    training split plus its accepted synthetic rows, or the rows a resampler kept)."""
    y_train = train[1]
    X_hold, y_hold = holdout
    classes = list(schema.classes)
    counts = pd.Series(y_train).value_counts()
    minority = counts.index[-1]
    binary = len(classes) == 2
    baselines = [b for b in settings.baseline_set if b not in synthetic_sets]  # smote vs smote
    jobs = _baseline_jobs(
        schema, train, settings, baselines, seed, minority, int(counts.iloc[-1]), binary
    )
    for name, pair in synthetic_sets.items():
        for model in settings.models:
            build = partial(ds.downstream_model, model, schema, seed=derive_seed(seed, model))
            jobs.append(_Job(name, "synthetic", model, build, pair))
    candidates, skipped = [], []
    for done, job in enumerate(jobs, start=1):
        try:
            candidates.append(_train_and_predict(job, X_hold, classes, minority))
        except ValueError as error:  # e.g. AdaBoost: "worse than random" on tiny classes
            skipped.append({"candidate": job.name, "model": job.model, "error": str(error)})
        if progress:
            progress("gate: training candidates", done, len(jobs))
    board = score_candidates(
        y_hold,
        candidates,
        classes=classes,
        settings=settings,
        seed=derive_seed(seed, "bootstrap"),
        minority=minority,
    )
    board.skipped = skipped
    return board


def _baseline_jobs(
    schema: TableSchema,
    train: Pair,
    settings: GateSettings,
    baselines: list[str],
    seed: int,
    minority: Any,
    minority_rows: int,
    binary: bool,
) -> list[_Job]:
    jobs: list[_Job] = []
    for strategy in baselines:
        if strategy in ds.OWN_MODEL:
            build = partial(
                ds.own_model,
                strategy,
                schema,
                seed=derive_seed(seed, strategy),
                gamma=settings.focal_gamma,
            )
            jobs.append(_Job(strategy, "baseline", ds.OWN_MODEL[strategy], build, train))
            continue
        if strategy == "threshold" and not binary:
            continue  # one cut-off is defined for two classes only (see the README)
        for model in settings.models:
            kw = {"seed": derive_seed(seed, model)}
            if strategy == "none":
                build = partial(ds.downstream_model, model, schema, **kw)
            elif strategy == "class_weight":
                build = partial(ds.downstream_model, model, schema, class_weight="balanced", **kw)
            elif strategy == "threshold":
                build = partial(
                    ds.threshold_model,
                    model,
                    schema,
                    positive=minority,
                    folds=settings.cv_folds,
                    **kw,
                )
            else:  # smote
                build = partial(ds.smote_model, model, schema, minority_rows=minority_rows, **kw)
            jobs.append(_Job(strategy, "baseline", model, build, train))
    return jobs


def _train_and_predict(
    job: _Job, X_hold: pd.DataFrame, classes: list[Any], positive: Any
) -> CandidateScores:
    from sklearn.exceptions import ConvergenceWarning

    started = time.perf_counter()
    estimator = job.build()
    X, y = job.data
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        estimator.fit(X, np.asarray(y))
    raw = estimator.predict_proba(X_hold)
    proba = np.zeros((len(X_hold), len(classes)))
    index = {c: i for i, c in enumerate(classes)}
    for j, cls in enumerate(estimator.classes_):
        proba[:, index[cls]] = raw[:, j]
    threshold = getattr(estimator, "best_threshold_", None)
    if threshold is not None and estimator.classes_[1] != positive:
        threshold = 1.0 - threshold  # sklearn's cut-off is on classes_[1]; ours on `positive`
    note = f"trained on {len(y)} rows in {time.perf_counter() - started:.1f} s"
    if threshold is not None:
        note += f"; threshold {threshold:.3f} chosen by CV on the training split"
    return CandidateScores(
        job.name,
        job.family,  # type: ignore[arg-type]
        job.model,
        proba,
        threshold=None if threshold is None else float(threshold),
        note=note,
    )
