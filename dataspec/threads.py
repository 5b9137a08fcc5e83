"""Thread counts pinned deliberately: on a shared 2-core machine, torch's and the BLAS /
OpenMP pools' defaults (one thread per core) can make small fits 10-20x slower as soon
as another job runs beside them. `limited_threads(n)` pins torch and every threadpool
that threadpoolctl knows to n threads for a block (and, for n = 1, runs joblib's
Parallel in the calling process) and restores them afterwards."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager

#: the threads equipoise's own fits use (CTGAN / TVAE / copulas, the gate's models):
#: 1 unless the environment variable EQUIPOISE_THREADS says otherwise
DEFAULT_THREADS = int(os.environ.get("EQUIPOISE_THREADS", "1"))


@contextmanager
def limited_threads(n: int | None = DEFAULT_THREADS) -> Iterator[None]:
    """Run the block with torch (if imported) and BLAS / OpenMP limited to `n` threads;
    None leaves them as they are."""
    if n is None:
        yield
        return
    from joblib import parallel_config
    from threadpoolctl import threadpool_limits

    torch = sys.modules.get("torch")
    before = torch.get_num_threads() if torch is not None else None
    if torch is not None:
        torch.set_num_threads(n)
    try:
        # one thread also means no joblib worker processes: ctgan's DataTransformer asks
        # for Parallel(n_jobs=-1) (a process per core) on 500 rows or more
        with (
            threadpool_limits(limits=n),
            parallel_config(**({"backend": "sequential"} if n == 1 else {"n_jobs": n})),
        ):
            yield
    finally:
        if torch is not None and before is not None:
            torch.set_num_threads(before)
