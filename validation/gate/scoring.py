"""The leaderboard: every candidate's predictions scored with every metric, with
stratified-bootstrap intervals whose resamples are shared by all candidates (so
differences between candidates are paired).

A candidate is scored on its `scope`: every row of the board ("all": the holdout, or
every real row when the gate cross-fits) or the holdout rows alone ("holdout": a
cross-fitted gate's synthetic set whose generator was fitted on the training split
once, so only the rows it never saw can judge it). Baselines are also scored on every
scope in use, so that each synthetic set is compared with them on its own rows. The
dose grid of a synthetic set × model is scored entry by entry; its leaderboard row is
the best dose, and the others stay with it (`Row.grid`) for the selection-corrected
interval (`selection.py`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
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
#: the scope every board has: all of its rows
ALL = "all"
#: groups of the delete-a-group jackknife that checks the bootstrap's spread
JACKKNIFE_GROUPS = 20


@dataclass(frozen=True)
class CandidateScores:
    """One candidate's predictions on the board's rows.

    `proba` is (n_rows, n_classes) with columns in class order (NaN on rows outside its
    `scope`). `threshold` (binary only) is the cut-off on the positive class's
    probability that the label metrics use; None: the most probable class."""

    name: str
    family: Family
    model: str
    proba: np.ndarray
    threshold: float | None = None
    note: str = ""
    #: synthetic rows added: {amount, weight, rows} of one dose; on a leaderboard row,
    #: also the grid of every dose tried ({amount, weight, value}; amount 0 is `none`)
    dose: dict[str, Any] | None = None
    #: how to reproduce it: {"estimator": "LogisticRegression(...)", "params": {...}}
    recipe: dict[str, Any] = field(default_factory=dict)
    #: the rows that score it: "all", or "holdout" (see the module's docstring)
    scope: str = ALL
    #: how it was judged, in words (the report and gate.json say it per candidate)
    judged: str = ""
    #: the unfitted estimator, for the runnable recipe (not in the records)
    estimator: Any = field(default=None, repr=False, compare=False)

    @property
    def key(self) -> str:
        return f"{self.name} · {self.model}"


@dataclass
class Row:
    """A scored candidate: point estimates and the bootstrap draws of each metric on its
    scope; baselines also on every other scope in use (`scoped`)."""

    candidate: CandidateScores
    point: dict[str, float]
    draws: dict[str, np.ndarray] = field(repr=False)
    #: scope -> (point, bootstrap draws, jackknife values) on that scope's rows (its own
    #: included); the jackknife's delete-a-group values check the bootstrap's spread
    scoped: dict[str, tuple[dict, dict, dict]] = field(default_factory=dict, repr=False)
    #: a synthetic row: every dose tried, itself included (empty: no dose grid)
    grid: list[Row] = field(default_factory=list, repr=False)

    def on(self, scope: str) -> tuple[dict[str, float], dict[str, np.ndarray]]:
        """Point and bootstrap draws on `scope`'s rows."""
        point, draws, _ = self.scoped.get(scope, (self.point, self.draws, {}))
        return point, draws

    def jackknife(self, scope: str, metric: str) -> np.ndarray:
        """The delete-a-group jackknife values of `metric` on `scope`'s rows."""
        return self.scoped[scope if scope in self.scoped else self.candidate.scope][2][metric]

    def interval(self, metric: str, confidence: float) -> tuple[float, float]:
        return percentiles(self.draws[metric], confidence)

    @property
    def entries(self) -> list[Row]:
        """The entries behind this row: its dose grid, or itself."""
        return self.grid or [self]


@dataclass
class Leaderboard:
    """Rows sorted by the primary metric (best first), and what scored them."""

    rows: list[Row]
    classes: list[Any]
    positive: Any
    minority: Any
    y_holdout: np.ndarray
    settings: GateSettings
    #: candidates whose model could not be trained: {candidate, family, model, error}
    skipped: list[dict[str, str]] = field(default_factory=list)
    #: how the candidates were judged: {method: holdout | cross_fit, sentence, ...}
    method: dict[str, Any] = field(default_factory=dict)
    #: scope -> the positions of its rows in `y_holdout`
    scopes: dict[str, np.ndarray] = field(default_factory=dict)
    #: synthetic candidates that never reached the gate: name -> why (validation failed)
    excluded: dict[str, str] = field(default_factory=dict)

    def family(self, family: Family) -> list[Row]:
        return [r for r in self.rows if r.candidate.family == family]

    def best(
        self, family: Family, scope: str | None = None, metric: str | None = None
    ) -> Row | None:
        """The family's best row on `metric` (default: the primary one), on `scope`'s
        rows when given (baselines); the first row when no scope is given."""
        rows = self.family(family)
        if scope is None or not rows:
            return rows[0] if rows else None
        metric = metric or self.settings.primary
        return max(rows, key=lambda r: _finite(r.on(scope)[0][metric]))

    def rows_of(self, scope: str) -> int:
        return len(self.scopes.get(scope, self.y_holdout))

    def to_records(self) -> list[dict[str, Any]]:
        """One dict per candidate, for the manifest, the report and the artifacts."""
        primary, level = self.settings.primary, self.settings.confidence
        records = []
        for rank, row in enumerate(self.rows, start=1):
            low, high = row.interval(primary, level)
            cand = row.candidate
            records.append(
                {
                    "rank": rank,
                    "candidate": cand.name,
                    "family": cand.family,
                    "model": cand.model,
                    "metric": primary,
                    "value": row.point[primary],
                    "ci_low": low,
                    "ci_high": high,
                    "threshold": cand.threshold,
                    "metrics": dict(row.point),
                    "note": cand.note,
                    "dose": cand.dose,
                    "recipe": cand.recipe,
                    "scope": cand.scope,
                    "scored_rows": self.rows_of(cand.scope),
                    # resamples whose metric had no value, left out of the interval
                    "nan_draws": int(np.isnan(row.draws[primary]).sum()),
                    "judged": cand.judged,
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
    scopes: Mapping[str, np.ndarray] | None = None,
    strata: np.ndarray | None = None,
) -> Leaderboard:
    """Score every candidate on the same rows and the same bootstrap resamples.

    `minority` (default: the rarest class of the rows) is the class binary metrics score
    as positive and `minority_recall` reports. `scopes` names row subsets candidates
    can be scored on (`ALL` is added); `strata` (one integer per row) refines the
    stratified bootstrap, so that each resample keeps every stratum's class counts
    (a scope's rows stay a stratified resample of themselves)."""
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
    scopes = {ALL: np.arange(len(y)), **dict(scopes or {})}
    cells = y if strata is None else y * (int(np.max(strata)) + 1) + np.asarray(strata)
    # one matrix, filled in place: a big holdout's weights are the gate's largest array
    W = np.ones((1 + settings.bootstrap + JACKKNIFE_GROUPS, len(y)))
    stratified_weights(cells, settings.bootstrap, seed, out=W[1 : 1 + settings.bootstrap])
    W[1 + settings.bootstrap :] = jackknife_weights(cells, JACKKNIFE_GROUPS, seed)
    in_use = sorted({c.scope for c in candidates})
    scored: list[Row] = []
    for cand in candidates:
        proba = np.asarray(cand.proba, dtype=float)
        if proba.shape != (len(y), len(classes)):
            raise ValueError(
                f"{cand.key}: proba has shape {proba.shape}, expected {(len(y), len(classes))}"
            )
        own = [cand.scope] if cand.family == "synthetic" else in_use
        scoped = {s: _on_rows(W, y, proba, cand.threshold, m, settings, scopes[s]) for s in own}
        point, draws, _ = scoped[cand.scope]
        scored.append(Row(cand, point, draws, scoped))
    rows = [r for r in scored if r.candidate.family == "baseline"]
    rows += _dose_rows([r for r in scored if r.candidate.family == "synthetic"], rows, settings)
    primary = settings.primary
    rows.sort(key=lambda r: (-_finite(r.point[primary]), r.candidate.family, r.candidate.key))
    return Leaderboard(rows, classes, minority, minority, y_raw, settings, scopes=scopes)


def _on_rows(W, y, proba, threshold, positive, settings, rows) -> tuple[dict, dict, dict]:
    values = metric_values(W[:, rows], y[rows], proba[rows], threshold, positive, settings)
    point = {name: float(values[name][0]) for name in METRIC_NAMES}
    end = 1 + settings.bootstrap
    draws = {name: values[name][1:end] for name in METRIC_NAMES}
    return point, draws, {name: values[name][end:] for name in METRIC_NAMES}


def jackknife_weights(y: np.ndarray, groups: int, seed: int) -> np.ndarray:
    """(groups, n) weights of a delete-a-group jackknife: each class's rows dealt at
    random into `groups` groups, row g of the matrix leaves group g out."""
    rng = np.random.default_rng([seed, 1])
    group = np.empty(len(y), dtype=int)
    for cls in np.unique(y):
        rows = np.flatnonzero(y == cls)
        group[rows] = rng.permutation(len(rows)) % groups
    return (group[None, :] != np.arange(groups)[:, None]).astype(float)


def _dose_rows(entries: list[Row], baselines: list[Row], settings: GateSettings) -> list[Row]:
    """One row per synthetic candidate × model: its best dose (ties: fewer rows, then
    the higher weight), the others in its `grid`, and the dose record with the grid's
    values (amount 0 is the `none` baseline of the same model on the same rows)."""
    primary = settings.primary
    groups: dict[tuple[str, str], list[Row]] = {}
    for row in entries:
        groups.setdefault((row.candidate.name, row.candidate.model), []).append(row)
    out = []
    for (_, model), group in groups.items():
        if group[0].candidate.dose is None:
            out += group
            continue

        def rank(r: Row) -> tuple:
            dose = r.candidate.dose
            return (-_finite(r.point[primary]), dose["amount"], -dose["weight"])

        best = min(group, key=rank)
        none = next(
            (b for b in baselines if b.candidate.name == "none" and b.candidate.model == model),
            None,
        )
        grid = [{"amount": 0.0, "weight": 1.0, "rows": 0,
                 "value": none.on(best.candidate.scope)[0][primary] if none else None}]  # fmt: skip
        for r in sorted(
            group, key=lambda r: (r.candidate.dose["amount"], -r.candidate.dose["weight"])
        ):
            grid.append({**{k: r.candidate.dose[k] for k in ("amount", "weight", "rows")},
                         "value": r.point[primary]})  # fmt: skip
        dose = {**best.candidate.dose, "metric": primary, "grid": grid}
        if "weights_note" in best.candidate.dose:
            dose["weights_note"] = best.candidate.dose["weights_note"]
        out.append(replace_row(best, dose=dose, grid=group))
    return out


def replace_row(row: Row, *, grid: list[Row], **changes: Any) -> Row:
    """`row` with its candidate's fields changed and its dose grid attached."""
    return Row(replace(row.candidate, **changes), row.point, row.draws, row.scoped, grid)


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
    if settings.deployment_prior is not None:
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
    """The central `confidence` interval of the finite draws (NaN when none is)."""
    finite = np.asarray(draws, dtype=float)
    finite = finite[np.isfinite(finite)]
    if not len(finite):
        return float("nan"), float("nan")
    tail = (1 - confidence) / 2 * 100
    low, high = np.percentile(finite, [tail, 100 - tail])
    return float(low), float(high)


def _finite(value: float) -> float:
    return value if np.isfinite(value) else -np.inf
