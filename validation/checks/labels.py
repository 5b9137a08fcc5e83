"""The label filter as a check (`validation/label_filter.py`): a cross-fitted classifier
on the real training split drops the synthetic samples it does not recognise as their
class; the share kept is reported next to the real holdout's."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from equipoise.validation.check import Check, Context, Outcome, Run
from equipoise.validation.label_filter import LabelFilter


@dataclass(frozen=True)
class LabelCheck(Check, name="label", modalities=("table", "series", "text"),
                 on_failure="drop", section="label", reason="dropped_by_label",
                 title="label"):  # fmt: skip
    """`build(run)`: the modality's cross-fitted filter, fitted once a run."""

    build: Callable[[Run], LabelFilter]

    def filter(self, run: Run) -> LabelFilter:
        return run.once("label_filter", lambda: self.build(run), "label_model")

    def run(self, context: Context) -> Outcome:
        keep, rows = context.keep.copy(), context.rows
        results, info, _ = self.filter(context.run).apply(context.label, rows, keep)
        return Outcome(results, drop=rows[context.keep[rows] & ~keep[rows]], details=info)
