"""Epoch loops under watch: progress callbacks and the time budget.

`EpochBudget` is what a fit may spend (its share of the run's `budget`, decided in
`pipeline/budget.py`); `budgeted_epochs` drives any epoch loop under it: it times the
second epoch (the first warms up), cuts the epochs to what fits the share (unless the
user fixed them), skips the fit (`BudgetExceeded`) when not even `min_epochs` fit, and
stops early once the share is spent. `report_epochs` does the same for libraries that
only offer tqdm (ctgan, and SDV through it) by swapping the module's `tqdm` for one fit;
fits run one at a time in a process, so the swap is not shared between threads.
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any

from equipoise.dataspec import BudgetExceeded
from equipoise.generators.base import ProgressCallback


@dataclass
class EpochBudget:
    """The seconds one generator's fit may take, and what its epoch loops did."""

    seconds: float
    #: the user set params.epochs: measured and warned about, never cut
    fixed: bool = False
    #: fewer epochs than this fit in the share: skip the generator
    min_epochs: int = 10
    #: epochs timed (after a warm-up epoch) before the count is chosen
    probe: int = 1
    #: one entry per epoch loop (per-class fits have several), for the manifest
    loops: list[dict[str, Any]] = field(default_factory=list)
    started: float | None = None
    #: where the loop's decisions are told as they happen (the run's log); not pickled
    notify: Callable[[str], None] | None = field(default=None, repr=False, compare=False)

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "notify": None}

    def tell(self, message: str) -> None:
        if self.notify is not None:
            self.notify(message)

    def start(self) -> EpochBudget:
        """Start the clock (at the beginning of the fit, so preprocessing counts)."""
        if self.started is None:
            self.started = time.perf_counter()
        return self

    def part(self, fraction: float) -> EpochBudget:
        """A share of this budget for one of several fits (per-class models); its clock
        starts when that fit does, and its loops are recorded here."""
        return replace(self, seconds=self.seconds * fraction, started=None, loops=self.loops)

    def left(self) -> float:
        return self.seconds - (time.perf_counter() - (self.started or time.perf_counter()))


def budgeted_epochs(
    total: int,
    budget: EpochBudget | None,
    what: str,
    progress: ProgressCallback | None = None,
) -> Iterator[int]:
    """Epoch numbers 0..total-1, as many as `budget` allows (all of them without one),
    with `progress(what, done, planned)` before the first and after each epoch: once the
    budget cuts the epochs, `planned` is the cut count, and a loop stopped early ends its
    bar where it stopped.

    The first epoch is a warm-up (one-time allocations) and is not used to estimate;
    the next `budget.probe` epochs are timed, then the count is set."""
    if progress:
        progress(what, 0, total)
    done, planned = 0, total
    for done, planned in _planned_epochs(total, budget, what):
        yield done - 1
        if progress:
            progress(what, done, planned)
    if progress and done < planned:  # stopped early: the bar ends where the loop did
        progress(what, done, done)


def _planned_epochs(total: int, budget: EpochBudget | None, what: str) -> Iterator[tuple[int, int]]:
    """(epochs done after this one, epochs planned so far) per epoch."""
    if budget is None:
        for epoch in range(total):
            yield epoch + 1, total
        return
    budget.start()
    loop_start = time.perf_counter()
    available = max(budget.left(), 0.0)
    record: dict[str, Any] = {"fit": what, "configured": total, "share_s": round(available, 1)}
    budget.loops.append(record)
    planned, why = total, "the configured epochs fit the budget"
    decide = 1 + budget.probe
    epoch, warm = 0, loop_start
    while epoch < planned:
        now = time.perf_counter()
        elapsed = now - loop_start
        if epoch == 1:
            warm = now
        if epoch == decide:
            per_epoch = max((now - warm) / budget.probe, 1e-6)
            record["epoch_s"] = round(per_epoch, 3)
            fit = epoch + int(max(available - elapsed, 0.0) // per_epoch)
            if budget.fixed:
                why = "params.epochs set by the user"
                estimate = elapsed + (total - epoch) * per_epoch
                if estimate > available:
                    why += f" (about {estimate:.0f} s, over its {available:.0f} s share)"
                    budget.tell(
                        f"{what}: params.epochs {total} take about {estimate:.0f} s at "
                        f"{per_epoch:.2f} s per epoch, over its {available:.0f} s share of the "
                        "time budget; running them as asked"
                    )
            elif fit < budget.min_epochs:
                record.update(epochs=epoch, why="skipped: the budget is too small")
                raise BudgetExceeded(
                    f"{what}: one epoch takes {per_epoch:.1f} s, so {budget.min_epochs} epochs "
                    f"(the fewest worth training) need about {budget.min_epochs * per_epoch:.0f}"
                    f" s, more than its {available:.0f} s share of the time budget; skipped "
                    "(raise --budget to train it)"
                )
            elif fit < total:
                planned = fit
                why = (
                    f"{fit} of {total} epochs fit its {available:.0f} s share at "
                    f"{per_epoch:.2f} s per epoch"
                )
                budget.tell(f"{what}: {why}")
        elif epoch > decide and not budget.fixed and elapsed > available:
            why += f"; stopped after epoch {epoch}: its share was spent (the machine slowed)"
            budget.tell(f"{what}: stopped after epoch {epoch} of {planned}: its share is spent")
            break
        yield epoch + 1, planned
        epoch += 1
    record.update(epochs=epoch, why=why, seconds=round(time.perf_counter() - loop_start, 1))


class _EpochIterator:
    def __init__(
        self,
        iterable: Any,
        description: str,
        progress: ProgressCallback | None,
        budget: EpochBudget | None,
    ):
        self._items = list(iterable)
        self._description = description
        self._progress = progress
        self._budget = budget

    def __iter__(self) -> Iterator[Any]:
        for epoch in budgeted_epochs(
            len(self._items), self._budget, self._description, self._progress
        ):
            yield self._items[epoch]

    def set_description(self, *args: Any, **kwargs: Any) -> None:
        """tqdm API used by ctgan for its loss read-out; the callback shows progress."""


@contextmanager
def report_epochs(
    module_name: str,
    description: str,
    progress: ProgressCallback | None,
    budget: EpochBudget | None = None,
) -> Iterator[None]:
    """Within the block, epochs of `module_name`'s training loop call `progress` and
    follow `budget`."""
    if progress is None and budget is None:
        yield
        return
    module = importlib.import_module(module_name)
    original = module.tqdm

    def factory(iterable: Any, *args: Any, **kwargs: Any) -> _EpochIterator:
        return _EpochIterator(iterable, description, progress, budget)

    module.tqdm = factory
    try:
        yield
    finally:
        module.tqdm = original
