"""Result records shared by the checks: one `CheckResult` per check and class, the
line a failure prints, and JSON-safe numbers."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class CheckResult:
    """One check on one class: its value, its threshold and whether it passed
    (None: informational, or skipped because the class is too small; see the notes)."""

    check: str
    label: Any
    value: float | int | None
    threshold: float | int | None
    passed: bool | None
    #: "<=" or ">=": how value must compare to threshold
    op: str = "<="
    #: the setting that holds the threshold
    setting: str | None = None
    #: what the value means and what to change, for the failure line
    advice: str = ""

    def failure_line(self) -> str:
        bad = ">" if self.op == "<=" else "<"
        limit = f" {bad} {_fmt(self.threshold)}" if self.threshold is not None else ""
        setting = f" (validation.{self.setting})" if self.setting else ""
        return (
            f"{self.check}: class {self.label!r}: {_fmt(self.value)}{limit}{setting}; {self.advice}"
        )

    @property
    def not_measured(self) -> bool:
        """A threshold that could not be applied: the value could not be computed (too
        few samples of the class, see the notes), so the check neither passed nor failed."""
        return self.threshold is not None and self.value is None

    @property
    def status(self) -> str:
        """pass, fail, reported (informational) or not measured."""
        if self.passed is not None:
            return "pass" if self.passed else "fail"
        return "not measured" if self.not_measured else "reported"

    def row(self) -> dict[str, Any]:
        return {
            "check": self.check,
            "class": jsonable(self.label),
            "value": jsonable(self.value),
            "threshold": jsonable(self.threshold),
            "op": self.op,
            "passed": self.passed,
            "status": self.status,
        }


def meets(value: float | None, threshold: float | None, op: str) -> bool | None:
    """Whether `value op threshold` holds; None when there is no value or no threshold."""
    if value is None or threshold is None:
        return None
    return value >= threshold if op == ">=" else value <= threshold


def _fmt(value: Any) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def jsonable(value: Any) -> Any:
    """Plain JSON values: numpy scalars unwrapped, floats rounded to 6 places, NaN/inf as None."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return [jsonable(v) for v in value.tolist()]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        return round(value, 6) if math.isfinite(value) else None
    return value


def is_number(value: Any) -> bool:
    """A finite int or float (not a bool): what numeric settings accept."""
    return (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and math.isfinite(float(value))
    )


def in_unit_interval(value: Any) -> bool:
    """A number between 0 and 1 (both included): what share and probability settings take."""
    return is_number(value) and 0.0 <= value <= 1.0


def integer_problems(settings: Any, lows: tuple[tuple[str, int], ...]) -> list[str]:
    """One line per integer field of `settings` that is not an int of at least its low."""
    return [
        f"{name} must be an integer of at least {low}, got {value!r}"
        for name, low in lows
        if not isinstance(value := getattr(settings, name), int)
        or isinstance(value, bool)
        or value < low
    ]
