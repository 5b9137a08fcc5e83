"""`ValidationReport`: the verdict, which synthetic rows to keep, one line per failure,
and the per-class details that go into manifest.json and the run report."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from equipoise.validation.results import CheckResult, jsonable


@dataclass
class ValidationReport:
    """Outcome of the validator (`validation/validator.py`).

    `keep` has one entry per synthetic sample: False for those a check dropped.
    `passed` is False when any check failed; then `failures` holds one line per failure
    naming the check, the class, the value, the threshold and what to change.
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
    #: only the checks that can drop samples ran (a cross-fitted gate's per-fold refit)
    rows_only: bool = False

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

    def dropped(self) -> dict[str, int]:
        """Samples each dropping check took out, summed over the classes (`rows` keys)."""
        out: dict[str, int] = {}
        for info in self.classes.values():
            for key, n in info["rows"].items():
                if key not in ("synthetic", "kept", "real_train", "real_holdout"):
                    out[key] = out.get(key, 0) + int(n)
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready details for manifest.json."""
        return jsonable(
            {
                "passed": self.passed,
                "failures": self.failures,
                "not_measured": self.not_measured,
                "scope": "rows_only" if self.rows_only else "full",
                "rows": {
                    "synthetic": len(self.keep),
                    "kept": int(self.keep.sum()),
                    **self.dropped(),
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
