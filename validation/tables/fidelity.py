"""Fidelity of one generated class: SDMetrics column shapes and column-pair trends, and
a classifier two-sample test (detection) with the columns that give synthetic rows away.

Real rows are the class's training rows; both sides are sampled to
`settings.sample_rows` (the report says when).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from equipoise.dataspec import TableSchema
from equipoise.dataspec.schema import ColumnKind
from equipoise.validation.results import CheckResult, jsonable, meets
from equipoise.validation.sampling import capped, sample_note
from equipoise.validation.tables.settings import ValidationSettings

#: real and synthetic rows a class needs for the fidelity statistics (fewer: skipped)
MIN_ROWS = 10
#: columns listed as the ones that give synthetic rows away
TOP_FEATURES = 5
#: rows (real + synthetic) from which the detection classifier uses OpenMP threads
_THREADED_ROWS = 20_000

#: datetimes are compared as numbers (seconds since 1970, `TableSchema.with_numbers`)
_SDTYPE = {
    ColumnKind.NUMERIC: "numerical",
    ColumnKind.DATETIME: "numerical",
    ColumnKind.CATEGORICAL: "categorical",
    ColumnKind.BOOLEAN: "boolean",
}


@dataclass
class FidelityResult:
    label: Any
    stats: dict[str, Any] = field(default_factory=dict)
    checks: list[CheckResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return jsonable({**self.stats, "notes": self.notes})


def assess_fidelity(
    label: Any,
    schema: TableSchema,
    encoder: Any,
    X_real: pd.DataFrame,
    X_synthetic: pd.DataFrame,
    settings: ValidationSettings,
    seed: int,
) -> FidelityResult:
    """Column shapes, pair trends and detection AUC of one class (real = training rows)."""
    result = FidelityResult(label)
    if len(X_real) < MIN_ROWS or len(X_synthetic) < MIN_ROWS:
        result.notes.append(
            f"fidelity skipped for class {label!r}: {len(X_real)} real training rows and "
            f"{len(X_synthetic)} synthetic rows, each needs at least {MIN_ROWS}; "
            "use more data for this class"
        )
        for check, threshold, op, setting in _thresholds(settings):
            result.checks.append(CheckResult(check, label, None, threshold, None, op, setting))
        return result
    rng = np.random.default_rng(seed)
    r_idx = capped(len(X_real), settings.sample_rows, rng)
    s_idx = capped(len(X_synthetic), settings.sample_rows, rng)
    real = X_real.iloc[r_idx].reset_index(drop=True)
    synthetic = X_synthetic.iloc[s_idx].reset_index(drop=True)
    note = sample_note(
        "column shapes, pair trends and detection",
        {"real": (len(real), len(X_real)), "synthetic": (len(synthetic), len(X_synthetic))},
    )
    if note:
        result.notes.append(f"class {label!r}: {note}")
    result.stats["rows"] = {"real": len(real), "synthetic": len(synthetic)}

    shapes, trends, worst_columns, worst_pairs = _quality(schema, real, synthetic)
    auc, top = _detection(encoder, real, synthetic, settings.detection_folds, seed)
    result.stats.update(
        {
            "column_shapes": shapes,
            "column_pair_trends": trends,
            "worst_columns": worst_columns,
            "worst_pairs": worst_pairs,
            "detection_auc": auc,
            "detection_top_features": top,
        }
    )
    values = _values(result.stats)
    for check, threshold, op, setting in _thresholds(settings):
        value, advice = values[check]
        passed = meets(value, threshold, op)
        result.checks.append(
            CheckResult(check, label, value, threshold, passed, op, setting, advice)
        )
    return result


def _values(stats: dict[str, Any]) -> dict[str, tuple[Any, str]]:
    """Each fidelity check's value and the advice that names what gives the rows away."""
    top, worst_pairs = stats["detection_top_features"], stats["worst_pairs"]
    giveaways = ", ".join(f["column"] for f in top[:3]) or "none stand out"
    worst = ", ".join(c["column"] for c in stats["worst_columns"][:3])
    pairs = ", ".join(f"{p['columns'][0]}~{p['columns'][1]}" for p in worst_pairs[:3])
    shapes, trends, auc = (stats[k] for k in ("column_shapes", "column_pair_trends",
                                              "detection_auc"))  # fmt: skip
    return {
        "fidelity.column_shapes": (
            shapes,
            f"the class's columns are distributed unlike the real ones (worst: {worst}); "
            "train the generator longer or pick another kind",
        ),
        "fidelity.column_pair_trends": (
            trends,
            f"relations between columns are lost (worst pairs: {pairs}); train the generator "
            "longer or pick another kind",
        ),
        "fidelity.detection_auc": (
            auc,
            f"a classifier tells synthetic from real rows (giveaways: {giveaways}); train the "
            "generator longer or pick another kind",
        ),
    }


def _thresholds(settings: ValidationSettings) -> list[tuple[str, float | None, str, str]]:
    return [
        ("fidelity.column_shapes", settings.min_column_shapes, ">=", "min_column_shapes"),
        (
            "fidelity.column_pair_trends",
            settings.min_column_pair_trends,
            ">=",
            "min_column_pair_trends",
        ),
        ("fidelity.detection_auc", settings.max_detection_auc, "<=", "max_detection_auc"),
    ]


def _quality(
    schema: TableSchema, real: pd.DataFrame, synthetic: pd.DataFrame
) -> tuple[float | None, float | None, list[dict[str, Any]], list[dict[str, Any]]]:
    """SDMetrics QualityReport: column shapes, column-pair trends and the worst of each."""
    from sdmetrics.reports import QualityReport

    metadata = {
        "tables": {
            "rows": {"columns": {c.name: {"sdtype": _SDTYPE[c.kind]} for c in schema.columns}}
        }
    }
    report = QualityReport()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        report.generate(
            {"rows": schema.with_numbers(real)},
            {"rows": schema.with_numbers(synthetic)},
            metadata,
            verbose=False,
        )
    properties = report.get_properties().set_index("Property")["Score"]
    shapes = _score(properties.get("Column Shapes"))
    trends = _score(properties.get("Column Pair Trends"))
    columns = report.get_details("Column Shapes")
    columns = columns.dropna(subset=["Score"]).sort_values(["Score", "Column"]).head(5)
    worst_columns = [
        {"column": r.Column, "metric": r.Metric, "score": float(r.Score)}
        for r in columns.itertuples()
    ]
    pairs = report.get_details("Column Pair Trends")
    pairs = pairs.dropna(subset=["Score"]).sort_values(["Score", "Column 1", "Column 2"]).head(5)
    worst_pairs = [
        {
            "columns": [r[1], r[2]],
            "metric": r[3],
            "score": float(r[4]),
        }
        for r in pairs[["Column 1", "Column 2", "Metric", "Score"]].itertuples()
    ]
    return shapes, trends, worst_columns, worst_pairs


def _score(value: Any) -> float | None:
    if value is None or pd.isna(value):
        return None
    return float(value)


def _detection(
    encoder: Any, real: pd.DataFrame, synthetic: pd.DataFrame, folds: int, seed: int
) -> tuple[float | None, list[dict[str, Any]]]:
    """Cross-validated ROC-AUC of a gradient-boosted classifier telling synthetic (1) from
    real (0) rows, and the columns whose permutation lowers that AUC the most."""
    from sklearn.model_selection import StratifiedKFold
    from threadpoolctl import threadpool_limits

    Z = np.vstack([encoder.transform(real), encoder.transform(synthetic)])
    y = np.r_[np.zeros(len(real)), np.ones(len(synthetic))]
    sources = np.asarray(encoder.source_columns_)
    names = list(dict.fromkeys(encoder.source_columns_))
    blocks = {name: np.flatnonzero(sources == name) for name in names}
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed % (2**32))
    rng = np.random.default_rng(seed)
    aucs, drops = [], {name: [] for name in names}
    # Small fits and the many small predictions of the permutation test lose more to
    # OpenMP start-up and waiting (badly so on a busy machine) than threads win.
    threads = 1 if len(Z) < _THREADED_ROWS else None
    with threadpool_limits(limits=threads, user_api="openmp"):
        for fold, (fit_rows, test_rows) in enumerate(splitter.split(Z, y)):
            _fold(
                fold,
                Z[fit_rows],
                y[fit_rows],
                Z[test_rows],
                y[test_rows],
                blocks,
                seed,
                rng,
                aucs,
                drops,
            )

    importance = sorted(
        ((float(np.mean(v)), name) for name, v in drops.items()), key=lambda t: (-t[0], t[1])
    )
    top = [
        {"column": name, "auc_drop": drop}
        for drop, name in importance[:TOP_FEATURES]
        if drop > 0.005
    ]
    return float(np.mean(aucs)), top


def _fold(
    fold: int,
    Z_fit: np.ndarray,
    y_fit: np.ndarray,
    Z_test: np.ndarray,
    y_test: np.ndarray,
    blocks: dict[str, np.ndarray],
    seed: int,
    rng: np.random.Generator,
    aucs: list[float],
    drops: dict[str, list[float]],
) -> None:
    """Fit on one fold, record its test AUC and each column's permutation AUC drop."""
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.metrics import roc_auc_score

    model = HistGradientBoostingClassifier(
        max_iter=100,
        learning_rate=0.1,
        max_leaf_nodes=15,
        early_stopping=False,
        class_weight="balanced",
        random_state=(seed + fold) % (2**32),
    )
    model.fit(Z_fit, y_fit)
    auc = roc_auc_score(y_test, model.predict_proba(Z_test)[:, 1])
    aucs.append(auc)
    permuted = Z_test[rng.permutation(len(Z_test))]
    for name, cols in blocks.items():
        shuffled = Z_test.copy()
        shuffled[:, cols] = permuted[:, cols]
        drops[name].append(auc - roc_auc_score(y_test, model.predict_proba(shuffled)[:, 1]))
