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

from equipoise.flows import stopping
from equipoise.generators import Generator, Resampler
from equipoise.store import fit_cache


def _fit(generator: Generator, rows: fit_cache.FrameRef, seed: int, fits: Path | None):
    """Load the cached fit for (rows, generator, seed) or fit and cache it."""
    logger = get_run_logger()
    path = fit_cache.fit_path(fits, generator, rows, seed) if fits else None
    if path is not None and path.exists():
        logger.info("reused the cached fit of %s (%s)", generator.kind, path.name[:16])
        return fit_cache.load_fit(path)
    from equipoise.flows.progress import current_reporter

    X, y = rows.load()
    started = time.perf_counter()
    reporter = current_reporter(logger)
    generator.fit(
        X, y, seed=seed,
        progress=lambda what, done, total: reporter(f"training {what}", done, total),
    )  # fmt: skip
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
) -> list[Generator | Resampler]:
    """Fit independent generators on the same training data, reusing cached fits when
    `reuse`; resamplers (nothing to fit) come back as they are.

    Call inside a flow. The data are written to the cache once and passed by path +
    hash; if a fit fails and this call wrote them, they are removed again, so a
    refused input leaves the store as it was.
    """
    fitted = list(generators)
    todo = [i for i, g in enumerate(generators) if isinstance(g, Generator)]
    if not todo:
        return fitted
    rows, wrote = fit_cache.put_frame(store, X, y)
    fits = fit_cache.cache_folder(store) / "fits" if reuse else None
    try:
        if _shares_this_process():  # torch's random state is per process: one at a time
            for i in todo:
                fitted[i] = fit_task.submit(generators[i], rows, seeds[i], fits).result()
        else:
            futures = {i: fit_task.submit(generators[i], rows, seeds[i], fits) for i in todo}
            for i, future in futures.items():
                fitted[i] = future.result()
    except BaseException:
        if wrote:
            fit_cache.remove_empty(rows.path)
        raise
    return fitted


def _shares_this_process() -> bool:
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
