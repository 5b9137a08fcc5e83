"""The dose grid of a synthetic candidate: how many of its accepted rows to add (a share
of each class's synthetic rows: the training split's deficit) and at what sample
weight. Every (amount, weight) of `gate.dose` with an amount above 0 is an entry of
its own, trained and scored like any other; amount 0 is the `none` baseline of the same
model. The candidate's leaderboard row is its best dose, and the choice among doses is
accounted for by the gate's simultaneous interval (`selection.py`), which covers every
dose of every candidate: the dose is chosen on the same rows that judge it, honestly.

A model that takes no `sample_weight` (k-nearest neighbours, ...) gets the weight-1
doses only (rows added as they are), and the dose record says so."""

from __future__ import annotations

from typing import Any

from equipoise.validation.gate.settings import GateSettings


def grid(settings: GateSettings, weighted: bool = True) -> list[tuple[float, float]]:
    """The (amount, weight) entries of a synthetic candidate × model: the grid's
    positive amounts, at weight 1 only when the model cannot weight rows."""
    return [(a, w) for a, w in settings.dose_grid if a > 0 and (weighted or w == 1.0)] or (
        [(1.0, 1.0)] if settings.dose_grid else []
    )


def takes_sample_weight(estimator: Any) -> bool:
    """Whether `estimator` (a pipeline: its last step; a tuned threshold: the model it
    tunes; the gate's user-model wrapper: the user's class) accepts `sample_weight`."""
    from sklearn.model_selection import TunedThresholdClassifierCV
    from sklearn.pipeline import Pipeline
    from sklearn.utils.validation import has_fit_parameter

    while True:
        if isinstance(estimator, Pipeline):
            estimator = estimator.steps[-1][1]
        elif isinstance(estimator, TunedThresholdClassifierCV):
            estimator = estimator.estimator
        elif hasattr(estimator, "weighs_rows"):
            return bool(estimator.weighs_rows)
        else:
            return has_fit_parameter(estimator, "sample_weight")
