"""A validation check as a small object, in the manner of SDMetrics' metrics: a name,
the modalities it applies to, what a failure means, its own settings as typed fields
with their defaults, and `run(context) -> Outcome` per generated class. The one
validator (`validation/validator.py`) runs a modality's list of them in order.

A check that can drop samples says so (`drops`, with the `reason` its count is filed
under); only those run in a rows-only validation (the cross-fitted gate's per-fold
refits). Costly figures that several checks read (neighbours, a judge model, a label
classifier) are computed once per validation through `Run.once`."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Literal

import numpy as np

from equipoise.validation.results import CheckResult

#: what a failing result of a check means: the run fails, the samples are dropped (and
#: the results only report), or the results are informational
OnFailure = Literal["fail", "drop", "report"]


@dataclass
class Run:
    """One validation: the real and synthetic samples in the modality's form (labels as
    arrays), the settings, the seed, the samples still kept and what the checks share."""

    schema: Any
    train: tuple[Any, np.ndarray]
    holdout: tuple[Any, np.ndarray]
    synthetic: tuple[Any, np.ndarray]
    settings: Any
    seed: int
    reports_dir: Path | None
    rows_only: bool
    #: what the samples are called ("rows", "images", ...)
    units: str
    keep: np.ndarray
    memo: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    #: the schema step's report (the report's `schema`)
    schema_report: dict[str, Any] = field(default_factory=dict)
    #: run-level figures of checks (`Check.finish`), by section (tables: "utility")
    details: dict[str, Any] = field(default_factory=dict)
    #: the closest synthetic / training pairs, for the report's picture of them
    closest_pairs: list[tuple[int, int, float, float]] = field(default_factory=list)

    def once(self, key: str, make: Callable[[], Any], timing: str | None = None) -> Any:
        """`make()` the first time `key` is asked for, the same value after; its seconds
        are added to `timings[timing]` when `timing` is given."""
        if key not in self.memo:
            started = time.perf_counter()
            self.memo[key] = make()
            if timing is not None:
                self.timings[timing] = self.timings.get(timing, 0.0) + (
                    time.perf_counter() - started
                )
        return self.memo[key]


@dataclass
class Context:
    """One generated class within a run: its synthetic samples (`mine`), those the run-
    level checks (the schema) kept (`rows`), its real training and holdout samples."""

    run: Run
    label: Any
    mine: np.ndarray
    rows: np.ndarray
    in_train: np.ndarray
    in_hold: np.ndarray
    #: what one check of this class leaves for a later one (series: the fidelity
    #: check's sample of training series, which the DTW check reads)
    memo: dict[str, Any] = field(default_factory=dict)

    @property
    def train(self) -> tuple[Any, np.ndarray]:
        """The class's real training samples (X in the modality's form, labels)."""
        return _take(self.run.train, np.flatnonzero(self.in_train))

    @property
    def holdout(self) -> tuple[Any, np.ndarray]:
        """The class's real holdout samples."""
        return _take(self.run.holdout, np.flatnonzero(self.in_hold))

    @property
    def synthetic(self) -> tuple[Any, np.ndarray]:
        """The class's synthetic samples still kept (positions: `rows[keep[rows]]`)."""
        return _take(self.run.synthetic, self.rows[self.keep[self.rows]])

    @property
    def keep(self) -> np.ndarray:
        return self.run.keep

    @property
    def settings(self) -> Any:
        return self.run.settings

    @property
    def seed(self) -> int:
        return self.run.seed

    @property
    def schema(self) -> Any:
        return self.run.schema


def _take(pair: tuple[Any, Any], positions: np.ndarray) -> tuple[Any, np.ndarray]:
    X, y = pair
    X = X.iloc[positions] if hasattr(X, "iloc") else X[positions]
    return X, np.asarray(y)[positions]


@dataclass
class Outcome:
    """What a check found for one class: its results, the synthetic positions it drops
    (counted under the check's `reason`), its figures (the class's `section` of the
    report) and notes."""

    results: list[CheckResult] = field(default_factory=list)
    drop: np.ndarray | None = None
    details: Any = None
    notes: list[str] = field(default_factory=list)


class Check:
    """Base of every check. Subclasses are frozen dataclasses whose fields are their
    own settings (typed, with the documented default); thresholds the job's YAML sets
    are read from the modality's settings (`context.settings`). A subclass declares
    what it is in its class line:

        @dataclass(frozen=True)
        class MyCheck(Check, name="my.check", modalities=("table",), on_failure="fail",
                      section="mine"): ...
    """

    #: the name its results and timings go by
    name: ClassVar[str]
    #: the modalities whose plug-in may list it
    modalities: ClassVar[frozenset[str]]
    #: what a failing result means (see `OnFailure`)
    on_failure: ClassVar[OnFailure] = "report"
    #: where its figures go in each class's details (None: nowhere)
    section: ClassVar[str | None] = None
    #: for a dropping check: the key of `rows` its count goes under, and the word the
    #: "no sample survived" failure names it by
    reason: ClassVar[str | None] = None
    title: ClassVar[str] = ""

    def __init_subclass__(
        cls, *, name: str | None = None, modalities: tuple[str, ...] | None = None,
        on_failure: OnFailure | None = None, section: str | None = None,
        reason: str | None = None, title: str | None = None, **kwargs: Any,
    ) -> None:  # fmt: skip
        super().__init_subclass__(**kwargs)
        declared = {"name": name, "on_failure": on_failure, "section": section,
                    "reason": reason, "title": title}  # fmt: skip
        for key, value in declared.items():
            if value is not None:
                setattr(cls, key, value)
        if modalities is not None:
            cls.modalities = frozenset(modalities)

    @property
    def drops(self) -> bool:
        """Can it drop samples? Only such checks run in a rows-only validation."""
        return self.reason is not None

    def start(self, run: Run) -> None:
        """Run-level work before the classes (the schema suite over every sample)."""

    def run(self, context: Context) -> Outcome:
        """The check on one class."""
        return Outcome()

    def finish(self, run: Run) -> None:
        """Run-level work after the classes, on the samples kept (TSTR, closest pairs)."""
