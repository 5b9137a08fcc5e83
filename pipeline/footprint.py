"""The run's memory budget and the row samples of big tables, decided here and nowhere
else (the time budget's twin: `budget.py`).

- `memory:` (`--memory 8G`): what the run may hold resident; by default `DEFAULT_SHARE`
  of the memory psutil calls available when the run starts.
- Design caps, whatever the budget (a table at or below them runs exactly as before):
  generators fit on at most `FIT_CLASS_ROWS` rows of each class (every row of a smaller
  class: the minority; a seeded random sample of a larger one: the majority, which only
  gives CTGAN context), and the gate trains on at most `GATE_TRAIN_ROWS` real rows
  (every row of the smaller classes, a seeded sample of the largest one); the report's
  distance figures use at most `FIGURE_ROWS` rows per set. BENCHMARKS.md, "Big tables
  and the memory budget", has the measurements behind them.
- Before each costly step (each fit, each candidate's sampling + validation, the gate)
  its peak is estimated from rows x encoded width (`estimate`, calibrated on measured
  peaks); a step that would not fit in what the budget leaves is sized down (fewer fit
  rows, one gate worker, fewer gate rows) or, for a candidate, skipped with the reason.
  When even the smallest gate cannot fit, the run refuses at the start (`MemoryPlan.
  check_start`), naming the setting to change.
"""

from __future__ import annotations

import contextlib
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from equipoise.dataspec import InputError

#: share of the available memory (psutil, at the start of the run) a run may use by default
DEFAULT_SHARE = 0.5
#: rows of each class a generator fits on at most (the minority whole below it)
FIT_CLASS_ROWS = 10_000
#: the fewest rows per class a fit is sized down to before it is skipped
MIN_FIT_CLASS_ROWS = 1_000
#: real training rows the gate trains on at most: all of the smaller classes' rows, a
#: sample of the largest class's
GATE_TRAIN_ROWS = 20_000
#: the fewest gate training rows (the largest class's sample) before the run refuses
MIN_GATE_TRAIN_ROWS = 5_000
#: holdout rows the gate scores at most: a larger holdout is sampled in proportion to its
#: classes (the class ratio, and so every metric's expectation, kept); its bootstrap holds
#: (resamples x rows) weights, 0.8 GB at this size
GATE_HOLDOUT_ROWS = 100_000
#: rows per set the report's distance-to-closest-record figure uses at most
FIGURE_ROWS = 5_000
#: the one-hot columns a categorical gets at most (`dataspec.encoding.MAX_ONEHOT_LEVELS`)
ONEHOT_LEVELS = 100
#: modes of CTGAN's mode-specific normalisation per numeric column (its default)
CTGAN_MODES = 10

GIB = 2**30
_UNITS = {"": GIB, "k": 2**10, "m": 2**20, "g": GIB, "t": 2**40}


# --------------------------------------------------------------------------- the setting


def parse_memory(value: str | float | int) -> int:
    """Bytes from `8G`, `8GB`, `512M`, `1.5T` (binary units) or a plain number of GiB."""
    text = str(value).strip().lower().replace(" ", "")
    match = re.fullmatch(r"(\d+(?:\.\d+)?)([kmgt]?)(?:i?b)?", text)
    if match is None or float(match.group(1)) <= 0:
        raise InputError(
            f"memory: {value!r} is not an amount of memory; write it like 8G, 512M or 1.5T"
        )
    return int(float(match.group(1)) * _UNITS[match.group(2)])


def default_memory() -> int:
    """`DEFAULT_SHARE` of the memory available now."""
    import psutil

    return int(psutil.virtual_memory().available * DEFAULT_SHARE)


def resident() -> int:
    """Resident bytes of this process and its children now."""
    import psutil

    total = 0
    proc = psutil.Process()
    for member in [proc, *proc.children(recursive=True)]:
        with contextlib.suppress(psutil.Error):
            total += member.memory_info().rss
    return total


def peak_resident() -> int:
    """The peak resident bytes of this process so far, plus its finished children's peak."""
    import resource

    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return int(own + children) * 1024  # Linux: KiB


def gb(n: float) -> str:
    return f"{n / GIB:.1f} GB"


# --------------------------------------------------------------------------- row samples


def cap_classes(y: Any, cap: int, seed: int) -> np.ndarray | None:
    """Sorted positions keeping every row of each class with at most `cap` rows and a
    seeded random `cap` of each larger class; None when no class has more than `cap`."""
    labels = np.asarray(y, dtype=object)
    counts = pd.Series(labels).value_counts()
    if counts.max() <= cap:
        return None
    rng = np.random.default_rng(seed)
    keep = []
    for cls in counts.index:
        rows = np.flatnonzero(labels == cls)
        keep.append(rows if len(rows) <= cap else rng.choice(rows, size=cap, replace=False))
    return np.sort(np.concatenate(keep))


def gate_rows(y: Any, total: int, seed: int) -> np.ndarray | None:
    """Sorted positions of at most `total` rows: every row of each smaller class up to a
    third of `total` (a seeded sample of a larger one), and a seeded sample of the largest
    class for the rest (never fewer rows than a smaller class keeps), so the largest class
    stays at least twice the size of the others and the gate still has a deficit for
    synthetic rows to fill; None when there are no more than `total` rows."""
    labels = np.asarray(y, dtype=object)
    if len(labels) <= total:
        return None
    counts = pd.Series(labels).value_counts()
    kept = {cls: min(int(n), total // 3) for cls, n in counts.iloc[1:].items()}
    largest = max(total - sum(kept.values()), max(kept.values(), default=0))
    rng = np.random.default_rng(seed)
    keep = []
    for cls, n in {counts.index[0]: largest, **kept}.items():
        rows = np.flatnonzero(labels == cls)
        keep.append(rows if len(rows) <= n else rng.choice(rows, size=n, replace=False))
    return np.sort(np.concatenate(keep))


def proportional_rows(y: Any, total: int, seed: int) -> np.ndarray | None:
    """Sorted positions of about `total` rows drawn from each class in proportion to
    its count (at least one row each; seeded); None when there are no more than `total`."""
    labels = np.asarray(y, dtype=object)
    if len(labels) <= total:
        return None
    rng = np.random.default_rng(seed)
    keep = []
    for cls, count in pd.Series(labels).value_counts().items():
        rows = np.flatnonzero(labels == cls)
        n = max(1, round(total * count / len(labels)))
        keep.append(rng.choice(rows, size=min(n, len(rows)), replace=False))
    return np.sort(np.concatenate(keep))


def take_rows(X: Any, y: Any, rows: np.ndarray | None) -> tuple[Any, Any]:
    if rows is None:
        return X, y
    return X.iloc[rows].reset_index(drop=True), pd.Series(y).iloc[rows].reset_index(drop=True)


def counts_of(y: Any) -> dict[str, int]:
    counts = pd.Series(np.asarray(y, dtype=object)).value_counts()
    return {str(k): int(v) for k, v in counts.items()}


# --------------------------------------------------------------------------- estimates


@dataclass(frozen=True)
class Widths:
    """Encoded widths of a table: `mixed` (MixedEncoder, one-hot capped at
    `ONEHOT_LEVELS`), `model` (CTGAN's: modes per numeric, one-hot per category)."""

    columns: int
    mixed: int
    model: int

    @classmethod
    def of(cls, schema: Any, X: pd.DataFrame) -> Widths:
        numeric = [c.name for c in schema.numeric]
        indicated = [c.name for c in schema.numeric if c.nullable]
        levels = [min(int(X[c.name].nunique(dropna=False)), ONEHOT_LEVELS) for c in schema.discrete]
        mixed = len(numeric) + len(indicated) + sum(levels)
        model = len(numeric) * (1 + CTGAN_MODES) + 2 * len(indicated) + sum(levels) + 2
        return cls(len(schema.columns), max(mixed, 1), max(model, 1))


#: calibrated constants: peak bytes above the resident set before the step, as
#: base + per_cell x rows x width (cells of the step's encoding); BENCHMARKS.md, "Big
#: tables and the memory budget" (measured on flights samples of 10k-300k rows)
COSTS: dict[str, tuple[float, float]] = {
    # step: (base bytes, bytes per encoded cell)
    "ctgan": (700e6, 40.0),
    "tvae": (600e6, 40.0),
    "forest_flow": (300e6, 8.0 * 100),  # duplicate_K copies of each row
    "gaussian_copula": (250e6, 60.0),
    "imblearn": (150e6, 40.0),
    "validate": (400e6, 48.0),
    "gate": (250e6, 40.0),
}


def estimate(step: str, rows: int, width: int, copies: int = 1) -> int:
    """The estimated peak bytes of `step` above what is resident before it."""
    base, per_cell = COSTS.get(step, COSTS["imblearn"])
    return int(copies * (base + per_cell * rows * width))


def fit_step(kind: str) -> str:
    return kind if kind in COSTS else "imblearn"


# --------------------------------------------------------------------------- the plan


@dataclass
class MemoryPlan:
    """The budget of one run and what it did to fit in: the rows each step used, the
    steps sized down or skipped, and the estimates checked. `record()` is the manifest's
    `memory` section."""

    budget: int
    source: str  # "memory: 8G" or "default: 50% of 20.1 GB available"
    seed: int
    widths: Widths | None = None
    #: step -> {"estimate_gb", "rows", ...}: what was checked before each step
    steps: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: one sentence per step sized down or skipped
    notes: list[str] = field(default_factory=list)
    fit_rows: dict[str, Any] | None = None
    gate: dict[str, Any] | None = None
    figure_rows: int | None = None
    started_resident: int = 0

    @classmethod
    def for_job(cls, job: Any) -> MemoryPlan:
        if job.memory is not None:
            return cls(parse_memory(job.memory), f"memory: {job.memory}", job.seed)
        import psutil

        available = psutil.virtual_memory().available
        return cls(
            int(available * DEFAULT_SHARE),
            f"default: {DEFAULT_SHARE:.0%} of the {gb(available)} available at the start",
            job.seed,
        )

    def left(self) -> int:
        return self.budget - resident()

    def fits(self, need: int) -> bool:
        return need <= self.left()

    def note(self, sentence: str) -> None:
        self.notes.append(sentence)

    def _setting(self) -> str:
        return "raise --memory (memory: in the config)"

    # -- the start -----------------------------------------------------------------
    def check_start(self, schema: Any, X_train: pd.DataFrame, y_train: Any) -> None:
        """Refuse (InputError, exit 2) when not even the smallest gate fits in what the
        budget leaves after loading."""
        self.started_resident = resident()
        self.widths = Widths.of(schema, X_train)
        rows = min(len(X_train), MIN_GATE_TRAIN_ROWS + _smaller_classes(y_train))
        need = estimate("gate", 2 * rows, self.widths.mixed)
        if not self.fits(need):
            want = math.ceil((self.started_resident + need) / GIB * 1.25)
            raise InputError(
                f"memory: the budget is {gb(self.budget)} ({self.source}); the loaded table "
                f"holds {gb(self.started_resident)} and the smallest gate ({rows} rows) needs "
                f"about {gb(need)} more; set --memory {want}G (memory: {want}G in the config) "
                "or pass fewer rows"
            )

    # -- fits ------------------------------------------------------------------------
    def fit_sample(
        self, kinds: Sequence[str], active: Sequence[bool], y_train: Any, parallel: bool
    ) -> tuple[np.ndarray | None, dict[int, str]]:
        """The training positions every generator fits on (None: all of them) and the
        generators to skip because not even `MIN_FIT_CLASS_ROWS` per class fit."""
        assert self.widths is not None
        counts = pd.Series(np.asarray(y_train, dtype=object)).value_counts()
        cap = FIT_CLASS_ROWS
        running = [i for i, a in enumerate(active) if a]

        def need(i: int, cap: int) -> int:
            rows = int(np.minimum(counts.to_numpy(), cap).sum())
            width = self.widths.model if kinds[i] in ("ctgan", "tvae") else self.widths.mixed
            return estimate(fit_step(kinds[i]), rows, width)

        def total(ids: list[int], cap: int) -> int:
            needs = [need(i, cap) for i in ids]
            return (sum(needs) if parallel else max(needs)) if needs else 0

        while cap > MIN_FIT_CLASS_ROWS and not self.fits(total(running, cap)):
            cap //= 2
        cap = max(cap, MIN_FIT_CLASS_ROWS)
        skips: dict[int, str] = {}
        for i in sorted(running, key=lambda i: -need(i, cap)):
            if self.fits(total([j for j in running if j not in skips], cap)):
                break
            skips[i] = (
                f"{kinds[i]} skipped: its fit on {MIN_FIT_CLASS_ROWS} rows per class needs "
                f"about {gb(need(i, cap))}, more than the {gb(self.left())} the memory budget "
                f"leaves ({self.source}); {self._setting()} to fit it"
            )
            self.note(skips[i])
        if cap < FIT_CLASS_ROWS and counts.max() > cap:
            self.note(
                f"generator fits sized down to {cap} rows per class (the design cap is "
                f"{FIT_CLASS_ROWS}) to fit the memory budget ({self.source})"
            )
        positions = cap_classes(y_train, cap, _seed(self.seed, "fit-rows"))
        fitted = [i for i in running if i not in skips]
        self.steps["fit"] = {
            "estimate_gb": round(total(fitted, cap) / GIB, 2),
            "rows_per_class_cap": cap,
            "parallel": parallel,
        }
        self.fit_rows = {
            "cap_per_class": cap,
            "design_cap_per_class": FIT_CLASS_ROWS,
            "train_rows": len(counts) and int(counts.sum()),
            "rows": int(counts.sum()) if positions is None else len(positions),
            "sampled": positions is not None,
            "class_counts": counts_of(
                y_train if positions is None else pd.Series(y_train).iloc[positions]
            ),
        }
        return positions, skips

    # -- a candidate's sampling and validation -----------------------------------------
    def check_candidate(self, name: str, synthetic_rows: int, real_rows: int) -> str | None:
        """None when sampling and validating `synthetic_rows` fits; else why it is skipped."""
        assert self.widths is not None
        need = estimate("validate", synthetic_rows + real_rows, self.widths.mixed)
        self.steps[f"validate:{name}"] = {
            "estimate_gb": round(need / GIB, 2),
            "synthetic_rows": synthetic_rows,
        }
        if self.fits(need):
            return None
        reason = (
            f"{name} skipped: sampling and validating {synthetic_rows} synthetic rows needs "
            f"about {gb(need)}, more than the {gb(self.left())} the memory budget leaves "
            f"({self.source}); {self._setting()} or lower balance.target_ratio"
        )
        self.note(reason)
        return reason

    # -- the gate --------------------------------------------------------------------
    def gate_plan(self, y_train: Any, synthetic_rows: int, workers: int) -> tuple[int, int]:
        """(training rows cap, worker processes) for the gate so that its estimate fits:
        `GATE_TRAIN_ROWS` and the configured workers, then one worker, then fewer rows
        (never below `MIN_GATE_TRAIN_ROWS` of the largest class)."""
        assert self.widths is not None
        n = len(y_train)
        smaller = _smaller_classes(y_train)
        rows = min(n, GATE_TRAIN_ROWS)

        def need(rows: int, workers: int) -> int:
            # a candidate trains on its real rows plus about as many synthetic ones
            return estimate("gate", rows + min(synthetic_rows, rows), self.widths.mixed, workers)

        design = (rows, workers)
        if not self.fits(need(rows, workers)) and workers > 1:
            workers = 1
        floor = min(n, MIN_GATE_TRAIN_ROWS + smaller)
        while rows > floor and not self.fits(need(rows, workers)):
            rows = max(floor, rows // 2)
        if (rows, workers) != design:
            self.note(
                f"gate sized down to {rows} training rows and {workers} worker process(es) "
                f"(the design: {design[0]} rows, {design[1]} workers) to fit the memory "
                f"budget ({self.source})"
            )
        self.steps["gate"] = {
            "estimate_gb": round(need(rows, workers) / GIB, 2),
            "train_rows_cap": rows,
            "workers": workers,
        }
        return rows, workers

    def record(self) -> dict[str, Any]:
        """The manifest's `memory` section."""
        return {
            "budget_gb": round(self.budget / GIB, 2),
            "source": self.source,
            "resident_after_load_gb": round(self.started_resident / GIB, 2),
            "peak_resident_gb": round(peak_resident() / GIB, 2),
            "widths": None if self.widths is None else vars(self.widths),
            "design": {
                "fit_class_rows": FIT_CLASS_ROWS,
                "gate_train_rows": GATE_TRAIN_ROWS,
                "gate_holdout_rows": GATE_HOLDOUT_ROWS,
                "figure_rows": FIGURE_ROWS,
                "onehot_levels": ONEHOT_LEVELS,
            },
            "fit_rows": self.fit_rows,
            "gate": self.gate,
            "steps": self.steps,
            "notes": self.notes,
        }


def _smaller_classes(y: Any) -> int:
    counts = pd.Series(np.asarray(y, dtype=object)).value_counts()
    return int(counts.iloc[1:].sum())


def _seed(seed: int, what: str) -> int:
    from equipoise.dataspec.seeding import derive_seed

    return derive_seed(seed, what)
