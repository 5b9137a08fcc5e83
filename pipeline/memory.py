"""In-memory sources: data a caller hands to `equipoise.balance` without a file.

`hold(obj)` keeps a DataFrame (tables, text) or an `{"X": array, "y": array}` mapping
(series) in this process and returns its source, `memory:<content hash>`: the job's
config names that source as it would name a file, the flow's loading step reads it back
with `take`, and the hash ties a version to the content (the same frame gives the same
source, and so the same version id). Nothing is written to disk. A `memory:` source only
exists in the process that holds it: a deployment or a worker on another machine
cannot read it (`take` says so), which is why the loading step runs in the flow's own
process.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import numpy as np
import pandas as pd

from equipoise.dataspec import InputError

SCHEME = "memory"

#: content hash -> [object, how many callers hold it]
_HELD: dict[str, list[Any]] = {}


def content_hash(obj: pd.DataFrame | Mapping[str, np.ndarray]) -> str:
    """A sha256 of the values, the column names and dtypes (frames) or the arrays'
    shapes, dtypes and bytes (mappings): 16 hex digits."""
    digest = hashlib.sha256()
    if isinstance(obj, pd.DataFrame):
        digest.update(repr([(str(c), str(t)) for c, t in obj.dtypes.items()]).encode())
        digest.update(pd.util.hash_pandas_object(obj, index=False).to_numpy().tobytes())
    else:
        for key in sorted(obj):
            array = np.asarray(obj[key])
            digest.update(f"{key}{array.shape}{array.dtype}".encode())
            digest.update(
                np.ascontiguousarray(array).tobytes()
                if array.dtype != object
                else repr(array.tolist()).encode()
            )
    return digest.hexdigest()[:16]


def is_memory(source: str) -> bool:
    return source.startswith(f"{SCHEME}:")


@contextmanager
def held(obj: pd.DataFrame | Mapping[str, np.ndarray]) -> Iterator[str]:
    """Hold `obj` for the block; yields its `memory:` source."""
    key = content_hash(obj)
    _HELD.setdefault(key, [obj, 0])[1] += 1
    try:
        yield f"{SCHEME}:{key}"
    finally:
        _HELD[key][1] -= 1
        if not _HELD[key][1]:
            del _HELD[key]


def take(source: str) -> Any:
    """The object a `memory:` source names (the caller's, not a copy: readers copy
    before they change it)."""
    key = source.partition(":")[2]
    if key not in _HELD:
        raise InputError(
            f"{source} is data held in the memory of the process that called "
            "equipoise.balance, and this process does not hold it; pass a file path "
            "for a deployment or a remote worker"
        )
    return _HELD[key][0]
