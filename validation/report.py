"""`ValidationReport`: the verdict, which synthetic rows to keep, one line per failure,
and the per-class details that go into manifest.json and the run report."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from equipoise.validation.results import CheckResult, jsonable


@dataclass
class ValidationReport:
    """Outcome of `validate_synthetic`.

    `keep` has one entry per synthetic row: False for rows dropped by the schema check
    or removed by the leakage filter. `passed` is False when any check failed; then
    `failures` holds one line per failure naming the check, the class, the value, the
    threshold and what to change.
    """

    settings: Any  # the modality's validation settings (has to_dict())
    keep: np.ndarray
    checks: list[CheckResult]
    schema: dict[str, Any]
    classes: dict[Any, dict[str, Any]]
    notes: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    extra_failures: list[str] = field(default_factory=list)
    #: the closest synthetic / training pairs (synthetic position, training position,
    #: distance, ratio), for the report's picture of them; empty where none were computed
    closest_pairs: list[tuple[int, int, float, float]] = field(default_factory=list)
    #: train-on-synthetic / test-on-real figures (tables); empty where not computed
    utility: dict[str, Any] = field(default_factory=dict)

    @property
    def failures(self) -> list[str]:
        return list(self.extra_failures) + [
            c.failure_line() for c in self.checks if c.passed is False
        ]

    @property
    def passed(self) -> bool:
        return not self.failures

    @property
    def not_measured(self) -> list[str]:
        """Checks whose threshold could not be applied (no value: too few samples of the
        class): they do not fail the run, and the report, the manifest and the log say so."""
        return [
            f"{c.check}: class {c.label!r}: not measured, so its threshold "
            f"{c.op} {c.threshold}"
            + (f" (validation.{c.setting})" if c.setting else "")
            + " was not applied"
            for c in self.checks
            if c.not_measured
        ]

    def summary_rows(self) -> list[dict[str, Any]]:
        """One row per class and check: check, class, value, threshold, passed (None:
        informational or skipped)."""
        return [c.row() for c in self.checks]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready details for manifest.json."""
        return jsonable(
            {
                "passed": self.passed,
                "failures": self.failures,
                "not_measured": self.not_measured,
                "rows": {
                    "synthetic": len(self.keep),
                    "kept": int(self.keep.sum()),
                    "dropped_by_schema": self.schema.get("rows_dropped", 0),
                    "removed_by_leakage": int(
                        sum(c["rows"]["removed_by_leakage"] for c in self.classes.values())
                    ),
                    "dropped_by_label": int(
                        sum(c["rows"].get("dropped_by_label", 0) for c in self.classes.values())
                    ),
                },
                "settings": self.settings.to_dict(),
                "schema": self.schema,
                "classes": {str(k): v for k, v in self.classes.items()},
                "checks": self.summary_rows(),
                "notes": self.notes,
                "timings_s": self.timings,
                **({"utility": self.utility} if self.utility else {}),
            }
        )


def per_class_report(
    *,
    settings: Any,
    keep: np.ndarray,
    checks: list[CheckResult],
    schema: dict[str, Any],
    classes: dict[Any, dict[str, Any]],
    notes: list[str],
    timings: dict[str, float],
    unit: str,
    checks_run: str,
    closest_pairs: list[tuple[int, int, float, float]] | None = None,
) -> ValidationReport:
    """The report of a per-class validation (images, series, text): a class of which no
    synthetic `unit` survived `checks_run` is a failure of its own."""
    extra = [
        f"rows.kept: class {c!r}: no synthetic {unit} survived {checks_run}"
        for c, info in classes.items()
        if info["rows"]["kept"] == 0
    ]
    return ValidationReport(
        settings=settings, keep=keep, checks=checks, schema=schema, classes=classes,
        notes=notes, timings={k: round(v, 3) for k, v in timings.items()},
        extra_failures=extra, closest_pairs=closest_pairs or [],
    )  # fmt: skip
