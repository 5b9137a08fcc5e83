"""The leaderboard: every candidate's holdout predictions scored with every metric,
with stratified-bootstrap intervals whose resamples are shared by all candidates (so
differences between candidates are paired)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from equipoise.dataspec.errors import InputError
from equipoise.validation.gate.metrics import (
    METRIC_NAMES,
    all_metrics,
    prior_weights,
    stratified_weights,
)
from equipoise.validation.gate.settings import GateSettings

Family = Literal["baseline", "synthetic"]


@dataclass(frozen=True)
class CandidateScores:
    """One candidate's predictions on the real holdout.

    `proba` is (n_holdout, n_classes) with columns in class order. `threshold` (binary
    only) is the cut-off on the positive class's probability that the label metrics
    use; None: the most probable class."""

    name: str
    family: Family
    model: str
    proba: np.ndarray
    threshold: float | None = None
    note: str = ""
    #: the dose search's choice and grid (synthetic candidates, when it ran)
    dose: dict[str, Any] | None = None
    #: how to reproduce it: {"estimator": "LogisticRegression(...)", "params": {...}}
    recipe: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return f"{self.name} · {self.model}"


@dataclass
class Row:
    """A scored candidate: point estimates and the bootstrap draws of each metric."""

    candidate: CandidateScores
    point: dict[str, float]
    draws: dict[str, np.ndarray] = field(repr=False)

    def interval(self, metric: str, confidence: float) -> tuple[float, float]:
        return percentiles(self.draws[metric], confidence)


@dataclass
class Leaderboard:
    """Rows sorted by the primary metric (best first), and what scored them."""

    rows: list[Row]
    classes: list[Any]
    positive: Any
    minority: Any
    y_holdout: np.ndarray
    settings: GateSettings
    #: candidates whose model could not be trained: {candidate, model, error}
    skipped: list[dict[str, str]] = field(default_factory=list)
    #: how the candidates were judged: {method: holdout | cross_fit, sentence, ...}
    method: dict[str, Any] = field(default_factory=dict)

    def family(self, family: Family) -> list[Row]:
        return [r for r in self.rows if r.candidate.family == family]

    def best(self, family: Family) -> Row | None:
        rows = self.family(family)
        return rows[0] if rows else None

    def to_records(self) -> list[dict[str, Any]]:
        """One dict per candidate, for the manifest, the report and the artifacts."""
        primary, level = self.settings.primary, self.settings.confidence
        records = []
        for rank, row in enumerate(self.rows, start=1):
            low, high = row.interval(primary, level)
            records.append(
                {
                    "rank": rank,
                    "candidate": row.candidate.name,
                    "family": row.candidate.family,
                    "model": row.candidate.model,
                    "metric": primary,
                    "value": row.point[primary],
                    "ci_low": low,
                    "ci_high": high,
                    "threshold": row.candidate.threshold,
                    "metrics": dict(row.point),
                    "note": row.candidate.note,
                    "dose": row.candidate.dose,
                    "recipe": row.candidate.recipe,
                }
            )
        return records


def score_candidates(
    y_holdout: Sequence[Any],
    candidates: Sequence[CandidateScores],
    *,
    classes: Sequence[Any],
    settings: GateSettings,
    seed: int,
    minority: Any = None,
) -> Leaderboard:
    """Score every candidate on the same holdout rows and the same bootstrap resamples.

    `minority` (default: the rarest holdout class) is the class binary metrics score
    as positive and `minority_recall` reports."""
    classes = list(classes)
    y_raw = np.asarray(y_holdout)
    index = {c: i for i, c in enumerate(classes)}
    unknown = sorted({v for v in y_raw.tolist() if v not in index}, key=str)
    if unknown:
        raise InputError(f"gate: holdout labels {unknown[:5]} are not among the classes {classes}")
    if not candidates:
        raise InputError("gate: no candidates to score")
    y = np.array([index[v] for v in y_raw.tolist()], dtype=int)
    counts = np.bincount(y, minlength=len(classes))
    if (counts == 0).any():
        missing = [classes[i] for i in np.flatnonzero(counts == 0)]
        raise InputError(
            f"gate: the holdout has no rows of class(es) {missing}; use a larger split.holdout"
        )
    minority = classes[int(np.argmin(counts))] if minority is None else minority
    m = index[minority]
    W = np.vstack([np.ones(len(y)), stratified_weights(y, settings.bootstrap, seed)])
    rows = []
    for cand in candidates:
        proba = np.asarray(cand.proba, dtype=float)
        if proba.shape != (len(y), len(classes)):
            raise ValueError(
                f"{cand.key}: proba has shape {proba.shape}, expected {(len(y), len(classes))}"
            )
        values = metric_values(W, y, proba, cand.threshold, m, settings)
        point = {name: float(values[name][0]) for name in METRIC_NAMES}
        rows.append(Row(cand, point, {name: values[name][1:] for name in METRIC_NAMES}))
    primary = settings.primary
    rows.sort(key=lambda r: (-_finite(r.point[primary]), r.candidate.family, r.candidate.key))
    return Leaderboard(rows, classes, minority, minority, y_raw, settings)


def metric_values(
    W: np.ndarray,
    y: np.ndarray,
    proba: np.ndarray,
    threshold: float | None,
    positive: int,
    settings: GateSettings,
) -> dict[str, np.ndarray]:
    """Every metric of one candidate's predictions for the weightings W (the gate's
    fixed threshold, precision floor and deployment prior applied). y: class indices."""
    W = W * prior_weights(y, positive, settings.deployment_prior)[None, :]
    pred = _predict(proba, threshold, positive)
    return all_metrics(
        W, y, proba, pred, positive=positive, minority=positive,
        fixed_threshold=settings.fixed_threshold, precision_floor=settings.precision_floor,
    )  # fmt: skip


def _predict(proba: np.ndarray, threshold: float | None, positive: int) -> np.ndarray:
    if threshold is None or proba.shape[1] != 2:
        return proba.argmax(axis=1)
    other = 1 - positive
    return np.where(proba[:, positive] >= threshold, positive, other)


def percentiles(draws: np.ndarray, confidence: float) -> tuple[float, float]:
    tail = (1 - confidence) / 2 * 100
    low, high = np.nanpercentile(draws, [tail, 100 - tail])
    return float(low), float(high)


def _finite(value: float) -> float:
    return value if np.isfinite(value) else -np.inf
