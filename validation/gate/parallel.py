"""Where the gate's independent units of work run: worker processes on this machine's
cores (joblib's loky pool; each unit pinned to one thread, as every fit is), or in this
process. Processes rather than threads: torch-based models (the focal-loss MLP, the
image CNN, augmentation) seed torch's global generator, which threads would share, and
a unit must give the same result wherever it runs. On a Dask runner the flow
(`flows/runners.py`) passes `dask_mapper(client)` instead, of the same shape:
`mapper(fn, items)` yields the results in the items' order."""

from __future__ import annotations

import dataclasses
import os
import threading
from collections.abc import Callable, Iterator
from typing import Any


def cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def workers(jobs: int) -> int:
    """Worker processes for `gate.jobs` (0: the environment's EQUIPOISE_GATE_JOBS when
    set, else one per core)."""
    return max(1, jobs or int(os.environ.get("EQUIPOISE_GATE_JOBS") or 0) or cores())


def local_mapper(jobs: int) -> Callable[[Callable[[Any], Any], list[Any]], Iterator[Any]]:
    """A mapper over `workers(jobs)` processes (in this process when that is one)."""
    n = workers(jobs)

    def mapper(fn: Callable[[Any], Any], items: list[Any]) -> Iterator[Any]:
        if n == 1 or len(items) < 2:
            return map(fn, items)
        import warnings

        from joblib import Parallel, delayed

        # loky restarts a worker whose memory grew by 300 MB (torch's first import does)
        # and warns of a leak; it does so between units, so nothing is lost
        warnings.filterwarnings("ignore", message="A worker stopped while some jobs")
        run = Parallel(n_jobs=min(n, len(items)), backend="loky", return_as="generator")
        return iter(run(delayed(fn)(item) for item in items))

    return mapper


#: one unit at a time per worker process: torch-based entries seed torch's global
#: generator, which the threads of a Dask worker started with --nthreads > 1 would share
_ONE_AT_A_TIME = threading.Lock()


def dask_mapper(client: Any) -> Callable[[Callable[[Any], Any], list[Any]], Iterator[Any]]:
    """A mapper whose items run as tasks on the Dask cluster of `client` (a
    `distributed.Client`), in any order, yielded in the items' order.

    The data are sent once: every dataclass held in a field of an item (the gate's
    `Unit`: its fold's `Arena`, its `Source` with the synthetic rows) is scattered to the
    cluster once however many items share it, and the items travel without them. A
    field of the result that is the item itself (`Done.unit`) comes back as the
    original item rather than as a copy of its data."""

    def mapper(fn: Callable[[Any], Any], items: list[Any]) -> Iterator[Any]:
        scattered: dict[int, Any] = {}
        futures = []
        for item in items:
            shared = _shared_fields(item)
            for value in shared.values():
                if id(value) not in scattered:
                    scattered[id(value)] = client.scatter(value, hash=False)
            light = dataclasses.replace(item, **dict.fromkeys(shared)) if shared else item
            parts = {name: scattered[id(value)] for name, value in shared.items()}
            futures.append(client.submit(_on_worker, fn, light, parts, pure=False))
        return _in_order(futures, items)

    mapper.where = f"dask: {len(client.nthreads())} workers"  # type: ignore[attr-defined]
    return mapper


def _in_order(futures: list[Any], items: list[Any]) -> Iterator[Any]:
    """The results of `futures` in their order, each with the original item put back;
    a failed task raises its error here, as it would in this process."""
    try:
        for future, item in zip(futures, items, strict=True):
            yield _restore(future.result(), item)
    finally:
        for future in futures:  # an error or an abandoned iterator: stop the rest
            future.cancel()


def _shared_fields(item: Any) -> dict[str, Any]:
    """The fields of a dataclass item that hold dataclass instances (sent by scatter)."""
    if not dataclasses.is_dataclass(item) or isinstance(item, type):
        return {}
    return {
        f.name: value
        for f in dataclasses.fields(item)
        if dataclasses.is_dataclass(value := getattr(item, f.name)) and not isinstance(value, type)
    }


class _Item:
    """Marks the field of a result that held the item it was computed from."""


def _on_worker(fn: Callable[[Any], Any], light: Any, parts: dict[str, Any]) -> Any:
    """Run `fn` on the item rebuilt from its scattered parts (on a Dask worker)."""
    item = dataclasses.replace(light, **parts) if parts else light
    with _ONE_AT_A_TIME:
        result = fn(item)
    if dataclasses.is_dataclass(result) and not isinstance(result, type):
        same = [f.name for f in dataclasses.fields(result) if getattr(result, f.name) is item]
        if same:  # do not send the item's data back
            return dataclasses.replace(result, **dict.fromkeys(same, _Item))
    return result


def _restore(result: Any, item: Any) -> Any:
    if dataclasses.is_dataclass(result) and not isinstance(result, type):
        marked = [f.name for f in dataclasses.fields(result) if getattr(result, f.name) is _Item]
        if marked:
            return dataclasses.replace(result, **dict.fromkeys(marked, item))
    return result
