"""Linear interpolation of a batch of series at fractional time positions, the one
primitive behind resampling, slicing and the time-warping transforms."""

from __future__ import annotations

import numpy as np


def sample_at(X: np.ndarray, pos: np.ndarray) -> np.ndarray:
    """Values of `X` (n, c, T) at fractional time positions `pos` (n, L), linearly
    interpolated; positions are clipped to [0, T - 1]. Returns float64 (n, c, L); the
    same positions are used for every channel of a series."""
    X = np.asarray(X, dtype=np.float64)
    n, c, T = X.shape
    pos = np.asarray(pos, dtype=np.float64)
    if pos.ndim != 2 or pos.shape[0] != n:
        raise ValueError(f"pos must have shape (n={n}, L), got {pos.shape}")
    if T == 1:
        return np.repeat(X, pos.shape[1], axis=2)
    pos = np.clip(pos, 0.0, T - 1)
    i0 = np.minimum(np.floor(pos).astype(np.intp), T - 2)
    frac = (pos - i0)[:, None, :]
    idx = np.broadcast_to(i0[:, None, :], (n, c, pos.shape[1]))
    left = np.take_along_axis(X, idx, axis=2)
    right = np.take_along_axis(X, idx + 1, axis=2)
    return left + frac * (right - left)


def stretch_positions(start: np.ndarray, width: np.ndarray, length: int) -> np.ndarray:
    """(n, length) positions spreading `length` points evenly over [start, start + width]
    for each series (start, width: (n,) floats)."""
    grid = np.linspace(0.0, 1.0, length)
    return np.asarray(start, dtype=np.float64)[:, None] + np.outer(width, grid)
