"""Oversampling equal-length series: SMOTE / Borderline-SMOTE (imbalanced-learn) on
the flattened array (n, channels * length), reshaped back, and a weighted
DTW-barycentre variant (Forestier et al. 2017, "average selected") when tslearn is
installed.

Each function takes `counts` (class -> number of new series), returns exactly that
many per class, and for each new series the index (into X) of a real series of its
class it came from: for SMOTE the nearest real series of the class (Euclidean),
for DBA the anchor series.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any, Literal, NamedTuple

import numpy as np
from sklearn.neighbors import NearestNeighbors


class SeriesOversample(NamedTuple):
    """New series X (m, c, T) in X's dtype, their labels y (m,) and, per new series,
    the index into the real X of its source series."""

    X: np.ndarray
    y: np.ndarray
    source: np.ndarray


def _check(X: np.ndarray, y: np.ndarray, counts: Mapping[Any, int]) -> tuple[np.ndarray, ...]:
    X = np.asarray(X)
    y = np.asarray(y)
    if X.ndim != 3 or not np.issubdtype(X.dtype, np.floating):
        raise ValueError(f"X must be a float (n, channels, length) array, got {X.dtype} {X.shape}")
    if y.shape != (X.shape[0],):
        raise ValueError(f"y must have shape ({X.shape[0]},), got {y.shape}")
    if not np.isfinite(X).all():
        raise ValueError("X contains NaN or infinite values")
    present = set(np.unique(y).tolist())
    for cls, n in counts.items():
        if cls not in present:
            raise ValueError(f"class {cls!r} is not in y")
        if int(n) < 0:
            raise ValueError(f"count for class {cls!r} is negative ({n})")
    return X, y


def _seed(rng: np.random.Generator | int) -> int:
    return int(np.random.default_rng(rng).integers(2**31 - 1))


def _empty(X: np.ndarray, y: np.ndarray) -> SeriesOversample:
    return SeriesOversample(
        np.empty((0, *X.shape[1:]), dtype=X.dtype), y[:0].copy(), np.empty(0, dtype=np.intp)
    )


def nearest_source(
    flat_real: np.ndarray, y_real: np.ndarray, flat_new: np.ndarray, y_new: np.ndarray
) -> np.ndarray:
    """Index into the real rows of the nearest real row of the same class (Euclidean)."""
    source = np.empty(len(flat_new), dtype=np.intp)
    for cls in np.unique(y_new):
        members = np.flatnonzero(y_real == cls)
        rows = np.flatnonzero(y_new == cls)
        nn = NearestNeighbors(n_neighbors=1).fit(flat_real[members])
        source[rows] = members[nn.kneighbors(flat_new[rows], return_distance=False)[:, 0]]
    return source


def smote_series(
    X: np.ndarray,
    y: np.ndarray,
    counts: Mapping[Any, int],
    rng: np.random.Generator | int,
    *,
    kind: Literal["smote", "borderline-1", "borderline-2"] = "smote",
    k_neighbors: int = 5,
    m_neighbors: int = 10,
) -> SeriesOversample:
    """SMOTE (`kind="smote"`) or Borderline-SMOTE (`"borderline-1"`, `"borderline-2"`)
    on the flattened series. k_neighbors is capped at (smallest asked class size - 1).
    Borderline-SMOTE only starts from "danger" series (most of whose m nearest
    neighbours are of other classes); a class without any raises ValueError, as does a
    class with a single series. Returns exactly counts[c] new series of each class c."""
    from imblearn.over_sampling import SMOTE, BorderlineSMOTE

    X, y = _check(X, y, counts)
    counts = {cls: int(n) for cls, n in counts.items() if int(n) > 0}
    if not counts:
        return _empty(X, y)
    n, c, T = X.shape
    flat = X.reshape(n, c * T).astype(np.float64)
    sizes = {cls: int((y == cls).sum()) for cls in counts}
    smallest = min(sizes.values())
    if smallest < 2:
        raise ValueError(f"SMOTE needs at least 2 series per class, got {sizes}")
    k = min(k_neighbors, smallest - 1)
    strategy = {cls: sizes[cls] + m for cls, m in counts.items()}
    seed = _seed(rng)
    if kind == "smote":
        sampler: Any = SMOTE(sampling_strategy=strategy, k_neighbors=k, random_state=seed)
    elif kind in ("borderline-1", "borderline-2"):
        sampler = BorderlineSMOTE(
            sampling_strategy=strategy,
            k_neighbors=k,
            m_neighbors=min(m_neighbors, n - 1),
            kind=kind,
            random_state=seed,
        )
    else:
        raise ValueError(f"unknown kind {kind!r}; use smote, borderline-1 or borderline-2")
    flat_res, y_res = sampler.fit_resample(flat, y)
    flat_new, y_new = np.asarray(flat_res[n:]), np.asarray(y_res[n:])
    got = {cls: int((y_new == cls).sum()) for cls in counts}
    if got != counts:
        raise ValueError(
            f"{kind} produced {got} new series of the asked {counts} (Borderline-SMOTE makes "
            "none for a class without borderline series); use kind='smote'"
        )
    source = nearest_source(flat, y, flat_new, y_new)
    X_new = flat_new.reshape(-1, c, T).astype(X.dtype, copy=False)
    return SeriesOversample(X_new, y_new.astype(y.dtype, copy=False), source)


def tslearn_available() -> bool:
    """Whether the optional tslearn (DTW barycentres) can be imported."""
    try:
        with warnings.catch_warnings():  # tslearn warns at import when h5py is absent
            warnings.simplefilter("ignore", UserWarning)
            import tslearn.barycenters  # noqa: F401
    except ImportError:
        return False
    return True


def dba_series(
    X: np.ndarray,
    y: np.ndarray,
    counts: Mapping[Any, int],
    rng: np.random.Generator | int,
    *,
    k_neighbors: int = 5,
    anchor_weight: float = 0.5,
    max_iter: int = 10,
) -> SeriesOversample:
    """Weighted DTW barycentre averaging ("average selected", Forestier et al. 2017):
    each new series is the weighted DBA of a random anchor series of the class
    (weight `anchor_weight`, also the starting barycentre) and its k nearest
    same-class neighbours (Euclidean; the remaining weight split among them by a
    flat Dirichlet draw). Needs tslearn (optional; ImportError otherwise). The source
    of each new series is its anchor."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            from tslearn.barycenters import dtw_barycenter_averaging
    except ImportError as err:
        raise ImportError("dba_series needs the optional package tslearn") from err
    X, y = _check(X, y, counts)
    if not 0 < anchor_weight <= 1:
        raise ValueError(f"anchor_weight must be in (0, 1], got {anchor_weight}")
    counts = {cls: int(m) for cls, m in counts.items() if int(m) > 0}
    if not counts:
        return _empty(X, y)
    rng = np.random.default_rng(rng)
    n, c, T = X.shape
    flat = X.reshape(n, c * T).astype(np.float64)
    series = np.ascontiguousarray(np.transpose(X, (0, 2, 1)), dtype=np.float64)  # (n, T, c)
    out_X, out_y, out_src = [], [], []
    for cls, m in counts.items():
        members = np.flatnonzero(y == cls)
        if len(members) < 2:
            raise ValueError(f"DBA needs at least 2 series of class {cls!r}, got {len(members)}")
        k = min(k_neighbors, len(members) - 1)
        nn = NearestNeighbors(n_neighbors=k + 1).fit(flat[members])
        neigh = members[nn.kneighbors(flat[members], return_distance=False)]  # self first
        picks = rng.integers(len(members), size=m)
        for p in picks:
            group = neigh[p]
            anchor = members[p]
            group = np.concatenate([[anchor], group[group != anchor][:k]])
            rest = rng.dirichlet(np.ones(len(group) - 1)) * (1.0 - anchor_weight)
            weights = np.concatenate([[anchor_weight], rest])
            bary = dtw_barycenter_averaging(
                series[group], weights=weights, init_barycenter=series[anchor], max_iter=max_iter
            )
            out_X.append(np.asarray(bary).T)
            out_y.append(cls)
            out_src.append(anchor)
    X_new = np.stack(out_X).astype(X.dtype, copy=False)
    return SeriesOversample(
        X_new, np.asarray(out_y).astype(y.dtype, copy=False), np.asarray(out_src, dtype=np.intp)
    )
