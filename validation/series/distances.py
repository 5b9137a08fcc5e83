"""Two optional distance figures of synthetic series: the Fréchet distance of MiniRocket
features (fitted on the real training series, standardised, projected on their leading
principal components) and the DTW distance (dependent, Sakoe-Chiba window) from a sample
of series to the nearest training series of their class. Pure numpy except MiniRocket
(sktime, through the gate's `RocketFeatures`) and PCA / sqrtm (scikit-learn, scipy),
which load inside the functions."""

from __future__ import annotations

from typing import Any

import numpy as np

#: pair cells (pairs x length) a DTW batch holds at once
DTW_BATCH_CELLS = 2_000_000


class RocketSpace:
    """MiniRocket features of the real training series, standardised and projected on
    their first `components` principal components (fewer with fewer series); the space
    in which `frechet` compares two sets of series."""

    def __init__(self, X_train: np.ndarray, *, n_kernels: int, components: int, seed: int):
        from sklearn.decomposition import PCA
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        from equipoise.validation.gate.series import RocketFeatures

        X_train = np.asarray(X_train, dtype=np.float64)
        k = max(1, min(components, len(X_train) - 1))
        self.model: Any = make_pipeline(
            RocketFeatures(n_kernels, seed=seed), StandardScaler(),
            PCA(k, random_state=seed),
        )  # fmt: skip
        self.train = self.model.fit_transform(X_train)

    def transform(self, X: np.ndarray) -> np.ndarray:
        if not len(X):
            return np.empty((0, self.train.shape[1]))
        return self.model.transform(np.asarray(X, dtype=np.float64))


def frechet(A: np.ndarray, B: np.ndarray) -> float | None:
    """Fréchet distance of two Gaussians fitted to the rows of A and of B:
    |mu_a - mu_b|^2 + tr(S_a + S_b - 2 (S_a S_b)^(1/2)); None with fewer than 2 rows
    a side."""
    if len(A) < 2 or len(B) < 2:
        return None
    from scipy.linalg import sqrtm

    mu = A.mean(axis=0) - B.mean(axis=0)
    Sa = np.atleast_2d(np.cov(A, rowvar=False))
    Sb = np.atleast_2d(np.cov(B, rowvar=False))
    root = np.real(sqrtm(Sa @ Sb))
    value = float(mu @ mu + np.trace(Sa + Sb - 2 * root))
    return max(value, 0.0)


def dtw_distances(A: np.ndarray, B: np.ndarray, window: int) -> np.ndarray:
    """Dependent DTW distance (squared differences summed over channels, square root
    of the path's sum) between A[p] and B[p], pairwise (both (P, C, T)), within a
    Sakoe-Chiba band of `window` steps (|i - j| <= window). Computed by anti-diagonals,
    vectorised over pairs; memory O(P * T)."""
    A = np.asarray(A, dtype=np.float64)
    B = np.asarray(B, dtype=np.float64)
    P, _, T = A.shape
    inf = np.inf
    older = np.full((P, T + 1), inf)  # diagonal d - 2, indexed by i
    older[:, 0] = 0.0
    old = np.full((P, T + 1), inf)  # diagonal d - 1
    for d in range(2, 2 * T + 1):
        lo, hi = max(1, d - T), min(T, d - 1)
        lo, hi = max(lo, (d - window + 1) // 2), min(hi, (d + window) // 2)
        new = np.full((P, T + 1), inf)
        if lo <= hi:
            i = np.arange(lo, hi + 1)
            cost = ((A[:, :, i - 1] - B[:, :, d - i - 1]) ** 2).sum(axis=1)
            best = np.minimum(np.minimum(older[:, i - 1], old[:, i - 1]), old[:, i])
            new[:, i] = cost + best
        older, old = old, new
    return np.sqrt(old[:, T])


def nearest_dtw(queries: np.ndarray, pool: np.ndarray, window: int) -> np.ndarray:
    """For each series of `queries` (n, C, T), its DTW distance to the nearest series of
    `pool` (m, C, T); pairs are computed in batches of DTW_BATCH_CELLS cells."""
    n, m, T = len(queries), len(pool), queries.shape[2]
    out = np.full(n, np.inf)
    if not n or not m:
        return out[:0] if not n else out
    q_idx, p_idx = np.repeat(np.arange(n), m), np.tile(np.arange(m), n)
    step = max(1, DTW_BATCH_CELLS // max(1, T * queries.shape[1]))
    for start in range(0, len(q_idx), step):
        q, p = q_idx[start : start + step], p_idx[start : start + step]
        dist = dtw_distances(queries[q], pool[p], window)
        np.minimum.at(out, q, dist)
    return out
