"""Fitted generators cached on disk, and the training rows handed to the fit
task by path + hash.

A fit is keyed by (training data hash, generator kind + parameters + schema, seed,
equipoise version) and pickled to `STORE/.cache/fits/KEY.pkl` once it succeeds,
so a run killed later (while sampling, validating, publishing) and started again
reuses the fitted model and publishes the identical version. The training rows
go to `STORE/.cache/data/HASH.pkl` and the fit task gets only that path and hash:
a task runner on other processes or machines (Dask) then moves a path, not a
DataFrame, and a shared store is all a remote worker needs. Files are written
under unique temporary names and renamed into place, so concurrent runs and
kills never leave a torn file behind. Deleting `.cache/` at any time is safe.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import pickle
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

import equipoise
from equipoise.generators import Generator, Resampler

CACHE_FOLDER = ".cache"


@dataclass(frozen=True)
class FrameRef:
    """Training rows on disk: what a fit task receives instead of the frames."""

    path: Path
    sha256: str

    def load(self) -> tuple[pd.DataFrame, pd.Series]:
        with self.path.open("rb") as handle:
            X, y = pickle.load(handle)
        if data_hash(X, y) != self.sha256:
            raise RuntimeError(f"{self.path} does not hold the rows it was written with")
        return X, y


def cache_folder(store: Path) -> Path:
    return store / CACHE_FOLDER


def data_hash(X: pd.DataFrame, y: pd.Series) -> str:
    """sha256 of the rows' values, index, column names and dtypes."""
    digest = hashlib.sha256()
    layout = [list(map(str, X.columns)), [str(t) for t in X.dtypes], str(y.name), str(y.dtype)]
    digest.update(json.dumps(layout).encode())
    digest.update(pd.util.hash_pandas_object(X, index=True).to_numpy().tobytes())
    digest.update(pd.util.hash_pandas_object(y, index=True).to_numpy().tobytes())
    return digest.hexdigest()


def fit_key(generator: Generator, data_sha256: str, seed: int) -> str:
    """What decides a fitted model: the data, the generator's kind, parameters and
    schema, the seed and the code version."""
    payload = {
        "data": data_sha256,
        "kind": generator.kind,
        "params": generator.params(),
        "schema": generator.schema.to_dict(),
        "seed": seed,
        "equipoise": equipoise.__version__,
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def _write_atomic(path: Path, obj: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.parent / f".{path.name}.{uuid.uuid4().hex}.tmp"
    try:
        with tmp.open("wb") as handle:
            pickle.dump(obj, handle, protocol=pickle.HIGHEST_PROTOCOL)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def put_frame(store: Path, X: pd.DataFrame, y: pd.Series) -> tuple[FrameRef, bool]:
    """Write the rows once under their hash; returns the ref and whether this call wrote it."""
    sha = data_hash(X, y)
    path = cache_folder(store) / "data" / f"{sha}.pkl"
    if path.exists():
        return FrameRef(path, sha), False
    _write_atomic(path, (X, y))
    return FrameRef(path, sha), True


def _fit(generator: Generator, rows: FrameRef, seed: int, fits: Path | None) -> Generator:
    """Load the cached fit for (rows, generator, seed) or fit and cache it."""
    logger = get_run_logger()
    path = fits / f"{fit_key(generator, rows.sha256, seed)}.pkl" if fits else None
    if path is not None and path.exists():
        with path.open("rb") as handle:
            cached = pickle.load(handle)
        logger.info("reused the cached fit of %s (%s)", generator.kind, path.name[:16])
        return cached
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
        _write_atomic(path, generator)
    return generator


fit_task = task(_fit, name="fit-generator", cache_policy=NO_CACHE, persist_result=False)


def fit_all(
    generators: Sequence[Generator | Resampler],
    X: pd.DataFrame,
    y: pd.Series,
    seeds: Sequence[int],
    store: Path,
    *,
    reuse: bool = True,
) -> list[Generator | Resampler]:
    """Fit independent generators on the same rows, each as a submitted task (in
    parallel on process and Dask runners, one after another on thread runners),
    reusing cached fits when `reuse`; resamplers (nothing to fit) come back as they are.

    Call inside a flow. The rows are written to the cache once and passed by path +
    hash; if a fit fails and this call wrote them, they are removed again, so a
    refused input leaves the store as it was.
    """
    fitted = list(generators)
    todo = [i for i, g in enumerate(generators) if isinstance(g, Generator)]
    if not todo:
        return fitted
    rows, wrote = put_frame(store, X, y)
    fits = cache_folder(store) / "fits" if reuse else None
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
            _remove_empty(rows.path)
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


def _remove_empty(path: Path) -> None:
    """Remove `path`, then its folders up to the cache folder while they are empty."""
    path.unlink(missing_ok=True)
    for parent in path.parents:
        with contextlib.suppress(OSError):
            parent.rmdir()
        if parent.name == CACHE_FOLDER:
            break
