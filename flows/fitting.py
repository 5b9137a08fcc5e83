"""The fit task: every configured generator of a run fitted as a submitted task (in
parallel on process and Dask runners, one after another on thread runners), each fit
loaded from or saved to the store's fit cache (`store/fit_cache.py`)."""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

from equipoise.dataspec import BudgetExceeded
from equipoise.flows import stopping
from equipoise.generators import Generator, Resampler
from equipoise.generators.progress import EpochBudget
from equipoise.store import fit_cache


def _fit(
    generator: Generator,
    rows: fit_cache.FrameRef,
    seed: int,
    fits: Path | None,
    budget: EpochBudget | None = None,
):
    """Load the cached fit for (rows, generator, seed) or fit and cache it, its epochs
    held to `budget`; returns the BudgetExceeded when not enough epochs fit its share."""
    logger = get_run_logger()
    path = fit_cache.fit_path(fits, generator, rows, seed) if fits else None
    if path is not None and path.exists():
        logger.info("reused the cached fit of %s (%s)", generator.kind, path.name[:16])
        return fit_cache.load_fit(path)
    from equipoise.flows.progress import current_reporter

    X, y = rows.load()
    started = time.perf_counter()
    reporter = current_reporter(logger)
    if budget is not None:
        budget.notify = logger.warning if budget.fixed else logger.info
        logger.info(
            "%s: %.0f s of the time budget for its fit%s", generator.kind, budget.seconds,
            " (params.epochs set: kept)" if budget.fixed else "",
        )  # fmt: skip
    try:
        generator.fit(
            X, y, seed=seed,
            progress=lambda what, done, total: reporter(f"training {what}", done, total),
            budget=budget,
        )  # fmt: skip
    except BudgetExceeded as skipped:
        return skipped  # not a failed task: the run goes on without this generator
    finally:
        if budget is not None:
            budget.notify = None
    logger.info(
        "fitted %s in %.1f s (process %d)", generator.kind, time.perf_counter() - started,
        os.getpid(),
    )  # fmt: skip
    if path is not None:
        stopping.check()  # a run stopped by a signal caches nothing after the stop
        fit_cache.write_atomic(path, generator)
    return generator


fit_task = task(_fit, name="fit-generator", cache_policy=NO_CACHE, persist_result=False)


def fit_all(
    generators: Sequence[Generator | Resampler],
    X: Any,
    y: Any,
    seeds: Sequence[int],
    store: Path,
    *,
    reuse: bool = True,
    budgets: Sequence[EpochBudget | None] | None = None,
    skip: Sequence[bool] | None = None,
) -> tuple[list[Generator | Resampler], dict[int, str]]:
    """Fit independent generators on the same training data, reusing cached fits when
    `reuse`, each held to its budget; resamplers (nothing to fit) and those in `skip`
    come back as they are. Returns them with the positions the budget skipped, and why.

    Call inside a flow. The data are written to the cache once and passed by path +
    hash; if a fit fails and this call wrote them, they are removed again, so a
    refused input leaves the store as it was.
    """
    fitted = list(generators)
    budgets = list(budgets or [None] * len(generators))
    todo = [
        i
        for i, g in enumerate(generators)
        if isinstance(g, Generator) and not (skip is not None and skip[i])
    ]
    skipped: dict[int, str] = {}
    if not todo:
        return fitted, skipped
    rows, wrote = fit_cache.put_frame(store, X, y)
    fits = fit_cache.cache_folder(store) / "fits" if reuse else None

    def submit(i: int):
        return fit_task.submit(generators[i], rows, seeds[i], fits, budgets[i])

    try:
        # torch's random state is per process: one at a time in threads of this process
        futures = {} if shares_this_process() else {i: submit(i) for i in todo}
        for i in todo:
            result = (futures[i] if i in futures else submit(i)).result()
            if isinstance(result, BudgetExceeded):
                skipped[i] = result.message
                get_run_logger().warning(result.message)
            else:
                fitted[i] = result
    except BaseException:
        if wrote:
            fit_cache.remove_empty(rows.path)
        raise
    return fitted, skipped


def shares_this_process() -> bool:
    """True when the flow's task runner runs tasks in threads of this process.

    Neural generators seed torch's process-wide generator; two fits in threads of one
    process would draw from it in turn and give a different model on every run, so
    thread runners fit one generator after another (process and Dask runners fit in
    parallel).
    """
    from prefect.context import FlowRunContext
    from prefect.task_runners import ThreadPoolTaskRunner

    context = FlowRunContext.get()
    return context is None or isinstance(context.task_runner, ThreadPoolTaskRunner)
