"""Fitted generators cached on disk, and the training data handed to the fit
task by path + hash (any modality: DataFrames or arrays).

A fit is keyed by (training data hash, generator kind + parameters + schema, seed,
equipoise version, a hash of the generators' and encoders' source code) and pickled to
`STORE/.cache/fits/KEY.pkl` once it succeeds, so a run killed later (while sampling,
validating, publishing) and started again reuses the fitted model and publishes the
identical version. The source hash keeps a fit pickled by other code of the same
version number (a development checkout, an edited install) from being unpickled into
objects this code cannot use. The training rows
go to `STORE/.cache/data/HASH.pkl` and the fit task gets only that path and hash:
a task runner on other processes or machines (Dask) then moves a path, not a
DataFrame, and a shared store is all a remote worker needs. Files are written
under unique temporary names and renamed into place, so concurrent runs and
kills never leave a torn file behind. Deleting `.cache/` at any time is safe.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import pickle
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import equipoise
from equipoise.generators import Generator
from equipoise.store.versions import writing

CACHE_FOLDER = ".cache"


@dataclass(frozen=True)
class FrameRef:
    """Training rows on disk: what a fit task receives instead of the frames."""

    path: Path
    sha256: str

    def load(self) -> tuple[Any, Any]:
        with self.path.open("rb") as handle:
            X, y = pickle.load(handle)
        if data_hash(X, y) != self.sha256:
            raise RuntimeError(f"{self.path} does not hold the rows it was written with")
        return X, y


def cache_folder(store: Path) -> Path:
    return store / CACHE_FOLDER


def data_hash(X: Any, y: Any) -> str:
    """sha256 of the data: for frames their values, index, column names and dtypes; for
    arrays their shape, dtype and bytes (labels as text)."""
    digest = hashlib.sha256()
    if isinstance(X, pd.DataFrame):
        layout = [list(map(str, X.columns)), [str(t) for t in X.dtypes], str(y.name),
                  str(y.dtype)]  # fmt: skip
        digest.update(json.dumps(layout).encode())
        digest.update(pd.util.hash_pandas_object(X, index=True).to_numpy().tobytes())
        digest.update(pd.util.hash_pandas_object(y, index=True).to_numpy().tobytes())
        return digest.hexdigest()
    X = np.ascontiguousarray(X)
    digest.update(json.dumps([list(X.shape), str(X.dtype)]).encode())
    digest.update(X.tobytes())
    digest.update(json.dumps([str(v) for v in np.asarray(y).tolist()]).encode())
    return digest.hexdigest()


def source_hash(roots: tuple[Path, ...]) -> str:
    """sha256 of every `.py` file under `roots` (relative path and bytes, sorted)."""
    digest = hashlib.sha256()
    for root in roots:
        for path in sorted(Path(root).rglob("*.py")):
            digest.update(f"{Path(root).name}/{path.relative_to(root).as_posix()}".encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


@functools.cache
def code_fingerprint() -> str:
    """The source hash of the code a pickled fit holds objects of: the generators and
    the encoders (`dataspec`). Computed once per process (a few milliseconds)."""
    import equipoise.dataspec
    import equipoise.generators

    roots = (*equipoise.generators.__path__, *equipoise.dataspec.__path__)
    return source_hash(tuple(Path(r) for r in roots))


def fit_key(generator: Generator, data_sha256: str, seed: int) -> str:
    """What decides a fitted model: the data, the generator's kind, parameters and
    schema, the seed, the code version and the generators' source (`code_fingerprint`)."""
    payload = {
        "data": data_sha256,
        "kind": generator.kind,
        "params": generator.params(),
        "schema": generator.schema.to_dict(),
        "seed": seed,
        "equipoise": equipoise.__version__,
        "code": code_fingerprint(),
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def write_atomic(path: Path, obj: object) -> None:
    """Pickle `obj` to `path` through a temporary file; a full disk or a missing
    permission raises WriteError (exit 6) and leaves no file behind."""
    tmp = path.parent / f".{path.name}.{uuid.uuid4().hex}.tmp"
    try:
        with writing(f"the fit cache {path.parent}"):
            path.parent.mkdir(parents=True, exist_ok=True)
            with tmp.open("wb") as handle:
                pickle.dump(obj, handle, protocol=pickle.HIGHEST_PROTOCOL)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def put_frame(store: Path, X: Any, y: Any) -> tuple[FrameRef, bool]:
    """Write the rows once under their hash; returns the ref and whether this call wrote it."""
    sha = data_hash(X, y)
    path = cache_folder(store) / "data" / f"{sha}.pkl"
    if path.exists():
        return FrameRef(path, sha), False
    write_atomic(path, (X, y))
    return FrameRef(path, sha), True


def fit_path(fits: Path, generator: Generator, rows: FrameRef, seed: int) -> Path:
    """Where the fit of `generator` on `rows` with `seed` is cached."""
    return fits / f"{fit_key(generator, rows.sha256, seed)}.pkl"


def load_fit(path: Path) -> Generator:
    with path.open("rb") as handle:
        return pickle.load(handle)


def remove_empty(path: Path) -> None:
    """Remove `path`, then its folders up to the cache folder while they are empty."""
    path.unlink(missing_ok=True)
    for parent in path.parents:
        with contextlib.suppress(OSError):
            parent.rmdir()
        if parent.name == CACHE_FOLDER:
            break
