"""A new validation check is one file plus one line (ARCHITECTURE.md, "Adding a
validation check"): toy checks written here as they would be in their own file, added to
the table plug-in's list by one line, read by the report and the manifest without any
change to them; what a failure means is the check's own declaration."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from equipoise.dataspec import infer_schema
from equipoise.pipeline.tables.modality import Tables
from equipoise.validation.check import Check, Context, Outcome
from equipoise.validation.results import CheckResult, meets

LABEL = "Attrition"


# --- the new check's file ----------------------------------------------------------
@dataclass(frozen=True)
class MinKept(Check, name="toy.min_kept", modalities=("table", "image", "series", "text"),
              on_failure="fail", section="toy"):  # fmt: skip
    """Fails a class with fewer than `least` synthetic rows kept by the checks before it."""

    least: int = 10

    def run(self, context: Context) -> Outcome:
        kept = len(context.synthetic[1])
        result = CheckResult("toy.kept", context.label, kept, self.least,
                             meets(kept, self.least, ">="), op=">=",
                             advice="the class keeps too few synthetic rows")  # fmt: skip
        return Outcome([result], details={"kept": kept})


@dataclass(frozen=True)
class DropOdd(Check, name="toy.drop_odd", modalities=("table",), on_failure="drop",
              reason="dropped_by_toy", title="toy"):  # fmt: skip
    """Drops the class's synthetic rows at odd positions (a check that can drop rows, so
    a rows-only validation runs it too)."""

    def run(self, context: Context) -> Outcome:
        rows = context.rows[context.keep[context.rows]]
        return Outcome(drop=rows[rows % 2 == 1])


# --- the one line: the plug-in's list with the new check ---------------------------
class WithToys(Tables):
    def __init__(self, *toys: Check):
        self.toys = toys

    def checks(self):
        inputs, checks = super().checks()
        return inputs, [*checks, *self.toys]


@pytest.fixture(scope="module")
def data(attrition):
    """The 400-row attrition sample: every fourth row held out; the held-out minority
    rows play the synthetic ones."""
    schema = infer_schema(attrition, LABEL)
    X, y = schema.split_xy(attrition)
    held = np.arange(len(y)) % 4 == 0
    X_hold, y_hold = X[held].reset_index(drop=True), y[held].reset_index(drop=True)
    yes = (y_hold == "Yes").to_numpy()
    return schema, (X[~held], y[~held]), (X_hold, y_hold), (X_hold[yes], y_hold[yes])


def _validate(data, *toys: Check, **kwargs):
    schema, train, holdout, synthetic = data
    return WithToys(*toys).validator()(schema, train=train, holdout=holdout,
                                       synthetic=synthetic, **kwargs)  # fmt: skip


def test_a_dropping_toy_check_runs_in_rows_only_validation_and_is_counted(data):
    plain = _validate(data, rows_only=True)
    report = _validate(data, DropOdd(), MinKept(least=10**6), rows_only=True)
    odd = np.flatnonzero(plain.keep) % 2 == 1
    assert odd.any() and not report.keep[np.flatnonzero(plain.keep)[odd]].any()
    yes = report.to_dict()["classes"]["Yes"]
    assert yes["rows"]["dropped_by_toy"] == odd.sum()
    assert report.to_dict()["rows"]["dropped_by_toy"] == odd.sum()
    assert "toy" not in yes  # MinKept cannot drop rows: not run
    assert any("not run: fidelity, utility, toy.min_kept" in n for n in report.notes)


def test_a_failing_toy_check_fails_the_run_and_reaches_report_and_manifest(data, monkeypatch):
    from equipoise.validation.tables import checks as table_checks

    # the toy is what this test is about: the table's own costly checks stay out
    monkeypatch.setattr(table_checks.TableFidelity, "run", lambda self, c: Outcome())
    monkeypatch.setattr(table_checks.TableUtility, "finish", lambda self, run: None)
    report = _validate(data, MinKept(least=10**6))
    assert not report.passed
    assert any(f.startswith("toy.kept: class 'Yes'") for f in report.failures)
    row = next(r for r in report.summary_rows() if r["check"] == "toy.kept")
    assert row["status"] == "fail" and row["op"] == ">="
    assert report.to_dict()["classes"]["Yes"]["toy"]["kept"] == row["value"]


def test_what_a_failure_means_is_declared_on_the_check(data, monkeypatch):
    @dataclass(frozen=True)
    class Reported(MinKept, on_failure="report"):
        """The same check, declared to report only."""

    from equipoise.validation.tables import checks as table_checks

    monkeypatch.setattr(table_checks.TableFidelity, "run", lambda self, c: Outcome())
    monkeypatch.setattr(table_checks.TableUtility, "finish", lambda self, run: None)
    report = _validate(data, Reported(least=10**6))
    row = next(r for r in report.summary_rows() if r["check"] == "toy.kept")
    assert row["status"] == "reported"
    assert not [f for f in report.failures if f.startswith("toy.")]
