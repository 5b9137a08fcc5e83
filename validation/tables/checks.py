"""The checks of synthetic table rows, as the table plug-in lists them: the Great
Expectations schema suite, SDMetrics fidelity and detection, leakage (exact copies, DCR,
NNDR, the near-copy filter), the cross-fitted label filter and train-on-synthetic
utility. Rows are encoded and hashed once a run (`encoded`)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from equipoise.dataspec.encoding import MixedEncoder
from equipoise.dataspec.errors import ValidationFailed
from equipoise.dataspec.seeding import derive_seed
from equipoise.validation.check import Check, Context, Outcome, Run
from equipoise.validation.checks.labels import LabelCheck
from equipoise.validation.results import CheckResult
from equipoise.validation.schema_suite import SchemaResult, derive_expectations, run_schema_suite
from equipoise.validation.tables.fidelity import assess_fidelity
from equipoise.validation.tables.inputs import check_real, check_synthetic, dtype_mismatches
from equipoise.validation.tables.labels import cross_fitted_filter
from equipoise.validation.tables.leakage import ClassRows, assess_leakage, row_hashes
from equipoise.validation.tables.settings import ValidationSettings
from equipoise.validation.tables.utility import tstr
from equipoise.validation.validator import Inputs


def _prepare(schema: Any, train: Any, holdout: Any, synthetic: Any) -> tuple:
    return (check_real(schema, train, "train"), check_real(schema, holdout, "holdout"),
            check_synthetic(schema, synthetic))  # fmt: skip


INPUTS = Inputs(ValidationSettings, "row", "rows", _prepare)


@dataclass(frozen=True)
class Encoded:
    """The three splits on one `MixedEncoder` fitted on the training split, and the
    raw rows' hashes (exact copies)."""

    encoder: MixedEncoder
    Z: tuple[np.ndarray, np.ndarray, np.ndarray]
    hashes: tuple[np.ndarray, np.ndarray, np.ndarray]


def encoded(run: Run) -> Encoded:
    def make() -> Encoded:
        frames = (run.train[0], run.holdout[0], run.synthetic[0])
        encoder = MixedEncoder(run.schema).fit(frames[0])
        Z = tuple(encoder.transform(X) for X in frames)
        return Encoded(encoder, Z, tuple(row_hashes(X) for X in frames))  # type: ignore[arg-type]

    return run.once("encoded", make, "encode_and_hash")


@dataclass(frozen=True)
class TableSchema(Check, name="schema", modalities=("table",), on_failure="fail",
                  section="schema", reason="dropped_by_schema", title="schema"):  # fmt: skip
    """The GX suite derived from the training split; structural failures (and dtypes
    unlike the real columns') fail the run, rows out of range are dropped and fail the
    class unless `validation.on_schema_failure: drop`. A rows-only validation checks
    the dtypes alone (the generator's output passed the suite in the full one)."""

    def start(self, run: Run) -> None:
        (X_train, y_train), (X_syn, y_syn) = run.train, run.synthetic
        expectations = derive_expectations(run.schema, X_train, y_train, run.settings)
        frame = run.schema.join_xy(X_syn, y_syn)
        if run.rows_only:
            suite = SchemaResult(len(expectations), drop=np.zeros(len(frame), dtype=bool))
        else:
            suite = run_schema_suite(run.schema, expectations, frame, run.reports_dir, run.seed)
        run.timings["schema"] = suite.seconds
        _raise_structural(suite, X_train, X_syn)
        run.keep &= ~suite.drop
        run.memo["schema_suite"] = suite
        run.schema_report = suite.to_dict()

    def run(self, context: Context) -> Outcome:
        suite = context.run.memo["schema_suite"]
        labels = np.asarray(context.run.synthetic[1])
        drop = np.flatnonzero(context.mine & suite.drop)
        result = _schema_result(context.label, len(drop), int(context.mine.sum()),
                                context.settings)  # fmt: skip
        return Outcome([result], drop=drop, details=suite.for_class(labels, context.label))


def _raise_structural(suite: SchemaResult, X_train: Any, X_syn: Any) -> None:
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


def _schema_result(
    label: Any, failing: int, total: int, settings: ValidationSettings
) -> CheckResult:
    share = failing / total if total else 0.0
    if settings.on_schema_failure == "drop":
        return CheckResult("schema.rows_dropped", label, failing, None, None)
    return CheckResult(
        "schema.rows_failing", label, failing, 0, failing == 0, setting="on_schema_failure",
        advice=(
            f"{share:.0%} of the class's synthetic rows break a range or category expectation "
            "(see schema.failed); fix the generator or set validation.on_schema_failure: drop"
        ),
    )  # fmt: skip


@dataclass(frozen=True)
class TableFidelity(Check, name="fidelity", modalities=("table",), on_failure="fail",
                    section="fidelity"):  # fmt: skip
    """SDMetrics column shapes and pair trends, and the detection test, against the
    class's training rows (`validation/tables/fidelity.py`)."""

    def run(self, context: Context) -> Outcome:
        run, label, started = context.run, context.label, time.perf_counter()
        result = assess_fidelity(
            label, run.schema, encoded(run).encoder, run.train[0][context.in_train],
            run.synthetic[0].iloc[context.rows], context.settings,
            derive_seed(run.seed, "validation", "fidelity", label),
        )  # fmt: skip
        run.timings[f"fidelity[{label}]"] = time.perf_counter() - started
        return Outcome(result.checks, details=result.to_dict(), notes=result.notes)


@dataclass(frozen=True)
class TableLeakage(Check, name="leakage", modalities=("table",), on_failure="fail",
                   section="leakage", reason="removed_by_leakage", title="leakage"):  # fmt: skip
    """Exact copies, DCR and NNDR against the holdout, and the per-row near-copy filter
    (`validation/tables/leakage.py`); copies are removed."""

    def run(self, context: Context) -> Outcome:
        run, label, rows, started = context.run, context.label, context.rows, time.perf_counter()
        enc = encoded(run)
        (Z_train, Z_hold, Z_syn), (h_train, h_hold, h_syn) = enc.Z, enc.hashes
        t, h = context.in_train, context.in_hold
        result = assess_leakage(
            label, enc.encoder, ClassRows(Z_train[t], h_train[t]), ClassRows(Z_hold[h], h_hold[h]),
            ClassRows(Z_syn[rows], h_syn[rows]), h_train, context.settings,
            np.random.default_rng(derive_seed(run.seed, "validation", "leakage", label)),
        )  # fmt: skip
        run.timings[f"leakage[{label}]"] = time.perf_counter() - started
        return Outcome(result.checks, drop=rows[result.removed], details=result.to_dict(),
                       notes=result.notes)  # fmt: skip


def _table_filter(run: Run) -> Any:
    enc = encoded(run)
    return cross_fitted_filter(
        run.schema, run.train, run.holdout, run.synthetic[0], enc.Z,
        model=run.settings.label_model, min_proba=run.settings.min_label_proba,
        seed=derive_seed(run.seed, "validation", "labels"),
    ).filter  # fmt: skip


@dataclass(frozen=True)
class TableLabels(LabelCheck, modalities=("table",)):
    """The shared label filter with the table's off switch (`validation.label_filter`)
    and its rule for classes of fewer than 2 distinct training rows (no fold sees them)."""

    build: Any = _table_filter

    def start(self, run: Run) -> None:
        if not run.settings.label_filter:
            run.notes.append("label filter off (validation.label_filter: false): no row was "
                             "judged by a label classifier")  # fmt: skip

    def run(self, context: Context) -> Outcome:
        if not context.settings.label_filter:
            return Outcome()
        hashes = encoded(context.run).hashes[0][context.in_train]
        if len(np.unique(hashes)) < 2:
            return Outcome(notes=[f"label filter skipped for class {context.label!r}: it has "
                                  "fewer than 2 distinct training rows, so every fold cannot "
                                  "see it"])  # fmt: skip
        return super().run(context)


@dataclass(frozen=True)
class TableUtility(Check, name="utility", modalities=("table",)):
    """Train on the kept synthetic rows, test on the real holdout (TSTR), per model and
    class: reported, never gated."""

    def finish(self, run: Run) -> None:
        started, keep = time.perf_counter(), run.keep
        X_syn, y_syn = run.synthetic
        run.details["utility"] = tstr(
            run.schema, run.train, run.holdout,
            (X_syn[keep].reset_index(drop=True), y_syn[keep].reset_index(drop=True)),
            run.settings.utility_models, derive_seed(run.seed, "validation", "utility"),
        )  # fmt: skip
        run.timings["utility"] = time.perf_counter() - started
