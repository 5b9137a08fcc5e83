"""The schema check of the sample modalities (images, series): the Great Expectations
suite over one row per sample (`validation/sample_suite.py`) on the real training
samples and on the synthetic ones. Structural failures fail the run; a sample out of
range or with non-finite values is dropped."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from equipoise.validation.check import Check, Context, Outcome, Run
from equipoise.validation.results import CheckResult
from equipoise.validation.sample_suite import SampleTable, run_sample_suites
from equipoise.validation.schema_suite import SchemaResult


@dataclass(frozen=True)
class SampleSchema(Check, name="schema", modalities=("image", "series"),
                   on_failure="drop", reason="dropped_by_schema", title="schema"):  # fmt: skip
    """`table`: how samples become rows; `sizes`: the schema's sizes the expectations
    are derived from; `blank`: dropped samples are read as zeros by the checks after
    (their figures need finite values at every position)."""

    table: SampleTable
    sizes: Callable[[Any], Mapping[str, Any]]
    blank: bool = False

    def start(self, run: Run) -> None:
        X_syn, y_syn = run.synthetic
        if run.rows_only:  # the generator's output passed the suite in the full validation
            real = suite = SchemaResult(0, drop=np.zeros(len(y_syn), dtype=bool))
        else:
            real, suite, _ = run_sample_suites(
                self.table, run.schema, self.sizes(run.schema), train=run.train,
                synthetic=run.synthetic, reports_dir=run.reports_dir, seed=run.seed,
            )  # fmt: skip
        run.timings["schema"] = real.seconds + suite.seconds
        run.schema_report = suite.to_dict() | {f"real_training_{self.table.noun}": real.to_dict()}
        run.keep &= ~suite.drop
        run.memo["schema_drop"] = suite.drop
        if self.blank:
            X = np.where(run.keep[:, None, None], np.asarray(X_syn, dtype=np.float64), 0.0)
            run.synthetic = (X, y_syn)

    def run(self, context: Context) -> Outcome:
        drop = np.flatnonzero(context.mine & context.run.memo["schema_drop"])
        name = f"schema.{self.table.noun}_dropped"
        return Outcome([CheckResult(name, context.label, len(drop), None, None)], drop=drop)
