"""Where the gate's independent units of work run: worker processes on this machine's
cores (joblib's loky pool; each unit pinned to one thread, as every fit is), or in this
process. Processes rather than threads: torch-based models (the focal-loss MLP, the
image CNN, augmentation) seed torch's global generator, which threads would share, and
a unit must give the same result wherever it runs. A Dask cluster's mapper comes from
the flow (`flows/runners.py`) and has the same shape: `mapper(fn, items)` yields the
results in the items' order."""

from __future__ import annotations

import os
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
