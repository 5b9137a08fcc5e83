"""`validate_synthetic`: schema, fidelity, leakage and label checks of synthetic rows,
per generated class, with the verdict, the rows to keep and their utility (TSTR)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from equipoise.dataspec import InputError, TableSchema
from equipoise.dataspec.encoding import MixedEncoder
from equipoise.dataspec.errors import ValidationFailed
from equipoise.dataspec.seeding import derive_seed
from equipoise.validation.report import ValidationReport
from equipoise.validation.results import CheckResult
from equipoise.validation.schema_suite import SchemaResult, derive_expectations, run_schema_suite
from equipoise.validation.tables.fidelity import FidelityResult, assess_fidelity
from equipoise.validation.tables.inputs import check_real, check_synthetic, dtype_mismatches
from equipoise.validation.tables.labels import cross_fitted_filter
from equipoise.validation.tables.leakage import ClassRows, assess_leakage, row_hashes
from equipoise.validation.tables.settings import ValidationSettings
from equipoise.validation.tables.utility import tstr


def validate_synthetic(
    schema: TableSchema,
    *,
    train: tuple[pd.DataFrame, pd.Series],
    holdout: tuple[pd.DataFrame, pd.Series],
    synthetic: tuple[pd.DataFrame, pd.Series],
    settings: ValidationSettings | None = None,
    seed: int = 0,
    reports_dir: str | Path | None = None,
    rows_only: bool = False,
) -> ValidationReport:
    """Check synthetic rows against the real training split (schema, fidelity, leakage)
    and the holdout split (leakage baseline), per class that received synthetic rows.

    `rows_only`: only the checks that decide which rows are kept once the generator's
    output has passed the full validation (the cross-fitted gate's per-fold refits):
    exact and near copies of the training rows, leakage against `holdout` (the fold's
    scored rows) and the label filter; the Great Expectations suite, fidelity and TSTR
    are skipped (3-10 s a call, the rest under 0.5 s: BENCHMARKS.md).

    Raises ValidationFailed for a synthetic frame that cannot be repaired by dropping
    rows and InputError for bad real splits or settings; threshold failures are in the
    returned report (`passed` False, `failures`). Writes GX Data Docs into `reports_dir`
    when given.
    """
    started = time.perf_counter()
    settings = ValidationSettings() if settings is None else settings
    if not isinstance(settings, ValidationSettings):
        raise InputError(f"settings must be a ValidationSettings, got {type(settings).__name__}")
    X_train, y_train = check_real(schema, train, "train")
    X_hold, y_hold = check_real(schema, holdout, "holdout")
    X_syn, y_syn = check_synthetic(schema, synthetic)
    timings: dict[str, float] = {}

    # --- schema (GX) ----------------------------------------------------------------
    expectations = derive_expectations(schema, X_train, y_train, settings)
    frame = schema.join_xy(X_syn, y_syn)
    labels = frame[schema.label].to_numpy()
    docs = Path(reports_dir) if reports_dir is not None else None
    if rows_only:
        suite = SchemaResult(len(expectations), drop=np.zeros(len(frame), dtype=bool))
    else:
        suite = run_schema_suite(schema, expectations, frame, docs, seed)
    timings["schema"] = suite.seconds
    problems = list(suite.structural)
    flagged = {f["column"] for f in suite.failed if f["expectation"].endswith("to_be_of_type")}
    for column, (got, want) in dtype_mismatches(X_train, X_syn).items():
        if column not in flagged:
            problems.append(f"column {column!r} has dtype {got} where the real column has {want}")
    if problems:
        where = f"; the Data Docs are in {suite.data_docs}" if suite.data_docs else ""
        raise ValidationFailed(
            "synthetic rows do not fit the schema of the training split: "
            + "; ".join(problems)
            + f"; fix the generator's output{where}"
        )
    generated = [c for c in schema.classes if (labels == c).any()]
    train_labels = y_train.to_numpy()
    empty = [c for c in generated if not (train_labels == c).any()]
    if empty:
        raise ValidationFailed(
            f"there are synthetic rows of classes {empty} that have no real training rows; "
            "a generator may only add rows to classes it was fitted on"
        )

    # --- encode once; exact copies by row hash ---------------------------------------
    t = time.perf_counter()
    encoder = MixedEncoder(schema).fit(X_train)
    Z_train, Z_hold, Z_syn = (encoder.transform(X) for X in (X_train, X_hold, X_syn))
    h_train, h_hold, h_syn = (row_hashes(X) for X in (X_train, X_hold, X_syn))
    timings["encode_and_hash"] = time.perf_counter() - t

    keep = ~suite.drop
    checks: list[CheckResult] = []
    notes: list[str] = []
    label_filter = None
    if settings.label_filter:
        t = time.perf_counter()
        label_filter = cross_fitted_filter(
            schema, (X_train, y_train), (X_hold, y_hold), X_syn, (Z_train, Z_hold, Z_syn),
            model=settings.label_model, min_proba=settings.min_label_proba,
            seed=derive_seed(seed, "validation", "labels"),
        ).filter  # fmt: skip
        timings["label_model"] = time.perf_counter() - t
    else:
        notes.append("label filter off (validation.label_filter: false): no row was judged "
                     "by a label classifier")  # fmt: skip
    extra: list[str] = []
    classes: dict[Any, dict[str, Any]] = {}
    hold_labels = y_hold.to_numpy()
    for label in generated:
        mine = labels == label
        rows = np.flatnonzero(mine & ~suite.drop)
        in_train = train_labels == label
        in_hold = hold_labels == label
        schema_part = suite.for_class(labels, label)
        failing_rows = int((mine & suite.drop).sum())
        checks.append(_schema_check(label, failing_rows, int(mine.sum()), settings))

        t = time.perf_counter()
        fidelity = (
            FidelityResult(label, notes=["fidelity not measured (rows_only)"])
            if rows_only
            else assess_fidelity(
                label, schema, encoder, X_train[in_train], X_syn.iloc[rows], settings,
                derive_seed(seed, "validation", "fidelity", label),
            )
        )  # fmt: skip
        t_fid = time.perf_counter() - t
        t = time.perf_counter()
        leakage = assess_leakage(
            label,
            encoder,
            ClassRows(Z_train[in_train], h_train[in_train]),
            ClassRows(Z_hold[in_hold], h_hold[in_hold]),
            ClassRows(Z_syn[rows], h_syn[rows]),
            h_train,
            settings,
            np.random.default_rng(derive_seed(seed, "validation", "leakage", label)),
        )
        t_leak = time.perf_counter() - t
        keep[rows[leakage.removed]] = False
        n_label, label_info = 0, None
        if label_filter is not None and _distinct(h_train[in_train]) < 2:
            notes.append(f"label filter skipped for class {label!r}: it has fewer than 2 "
                         "distinct training rows, so every fold cannot see it")  # fmt: skip
        elif label_filter is not None:
            label_checks, label_info, n_label = label_filter.apply(label, rows, keep)
            checks += label_checks
        kept = int(keep[mine].sum())
        if kept == 0:
            extra.append(
                f"rows.kept: class {label!r}: no synthetic row survived the schema, leakage "
                "and label checks; see the other failures and notes for this class"
            )
        checks += fidelity.checks + leakage.checks
        notes += fidelity.notes + leakage.notes
        timings[f"fidelity[{label}]"] = t_fid
        timings[f"leakage[{label}]"] = t_leak
        classes[label] = {
            "rows": {
                "synthetic": int(mine.sum()),
                "dropped_by_schema": failing_rows,
                "removed_by_leakage": int(leakage.removed.sum()),
                "dropped_by_label": n_label,
                "kept": kept,
                "real_train": int(in_train.sum()),
                "real_holdout": int(in_hold.sum()),
            },
            "schema": schema_part,
            "fidelity": fidelity.to_dict(),
            "leakage": leakage.to_dict(),
            "label": label_info,
        }
    t = time.perf_counter()
    utility = {} if rows_only else tstr(
        schema, (X_train, y_train), (X_hold, y_hold),
        (X_syn[keep].reset_index(drop=True), y_syn[keep].reset_index(drop=True)),
        settings.utility_models, derive_seed(seed, "validation", "utility"),
    )  # fmt: skip
    timings["utility"] = time.perf_counter() - t
    timings["total"] = time.perf_counter() - started
    return ValidationReport(
        settings=settings,
        keep=keep,
        checks=checks,
        schema=suite.to_dict(),
        classes=classes,
        notes=notes,
        timings={k: round(v, 3) for k, v in timings.items()},
        extra_failures=extra,
        utility=utility,
    )


def _distinct(hashes: np.ndarray) -> int:
    return len(np.unique(hashes))


def _schema_check(
    label: Any, failing: int, total: int, settings: ValidationSettings
) -> CheckResult:
    share = failing / total if total else 0.0
    if settings.on_schema_failure == "drop":
        return CheckResult("schema.rows_dropped", label, failing, None, None)
    return CheckResult(
        "schema.rows_failing",
        label,
        failing,
        0,
        failing == 0,
        setting="on_schema_failure",
        advice=(
            f"{share:.0%} of the class's synthetic rows break a range or category expectation "
            "(see schema.failed); fix the generator or set validation.on_schema_failure: drop"
        ),
    )
