"""Classic time-series augmentations on a batch X (n, channels, length), after Um et
al. 2017 (jitter, scaling, magnitude warp, time warp) and Le Guennec et al. 2016
(window slicing, window warping). Pure numpy / scipy, vectorised over the batch.

Every transform takes the batch and a `numpy.random.Generator` and returns a new
array of the same shape and dtype (floating dtypes only); the same seed gives the
same output. Magnitudes (`sigma`) are in the data's units unless `relative=True`
(jitter), so they suit z-normalised series such as the UCR / UEA sets. Time
transforms move all channels of a series together; magnitude transforms draw per
channel.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
from scipy.interpolate import CubicSpline

from equipoise.generators.series.interp import sample_at, stretch_positions

Transform = Callable[..., np.ndarray]


def _check(X: np.ndarray) -> np.ndarray:
    X = np.asarray(X)
    if X.ndim != 3:
        raise ValueError(f"series batch must be (n, channels, length), got shape {X.shape}")
    if not np.issubdtype(X.dtype, np.floating):
        raise TypeError(f"series batch must have a floating dtype, got {X.dtype}")
    return X


def _smooth_curves(rng: np.random.Generator, sigma: float, knots: int, T: int, shape: tuple):
    """Random smooth curves around 1: N(1, sigma) at `knots` + 2 evenly spaced points
    over [0, T - 1] (both ends included), joined by a cubic spline. Returns
    (*shape, T) float64."""
    if knots < 0:
        raise ValueError(f"knots must be >= 0, got {knots}")
    values = rng.normal(1.0, sigma, size=(knots + 2, *shape))
    if T == 1:
        return np.moveaxis(values[:1], 0, -1)
    anchors = np.linspace(0.0, T - 1.0, knots + 2)
    curves = CubicSpline(anchors, values, axis=0)(np.arange(T, dtype=np.float64))
    return np.moveaxis(curves, 0, -1)


def jitter(
    X: np.ndarray, rng: np.random.Generator, *, sigma: float = 0.03, relative: bool = False
) -> np.ndarray:
    """Add Gaussian noise N(0, sigma) to every value; with `relative`, sigma is
    multiplied by each channel's standard deviation over the batch. sigma=0 returns
    an exact copy."""
    X = _check(X)
    if sigma < 0:
        raise ValueError(f"sigma must be >= 0, got {sigma}")
    if sigma == 0:
        return X.copy()
    scale = sigma * X.std(axis=(0, 2), keepdims=True, dtype=np.float64) if relative else sigma
    noise = rng.normal(0.0, 1.0, size=X.shape) * scale
    return (X + noise).astype(X.dtype, copy=False)


def scaling(X: np.ndarray, rng: np.random.Generator, *, sigma: float = 0.1) -> np.ndarray:
    """Multiply each channel of each series by one factor drawn from N(1, sigma)."""
    X = _check(X)
    factors = rng.normal(1.0, sigma, size=(X.shape[0], X.shape[1], 1))
    return (X * factors).astype(X.dtype, copy=False)


def magnitude_warp(
    X: np.ndarray, rng: np.random.Generator, *, sigma: float = 0.2, knots: int = 4
) -> np.ndarray:
    """Multiply each channel by a smooth random curve (cubic spline through `knots` + 2
    values drawn from N(1, sigma))."""
    X = _check(X)
    n, c, T = X.shape
    curves = _smooth_curves(rng, sigma, knots, T, (n, c))
    return (X * curves).astype(X.dtype, copy=False)


def time_warp(
    X: np.ndarray, rng: np.random.Generator, *, sigma: float = 0.2, knots: int = 4
) -> np.ndarray:
    """Smooth monotone distortion of time: a random local speed (cubic spline through
    `knots` + 2 values from N(1, sigma), floored at 0.05) is integrated into a time
    map from 0 to T - 1, and each series is read along it (linear interpolation).
    Start and end values are kept; all channels of a series share the map."""
    X = _check(X)
    n, _, T = X.shape
    if T < 2:
        return X.copy()
    speed = np.maximum(_smooth_curves(rng, sigma, knots, T, (n,)), 0.05)
    steps = 0.5 * (speed[:, 1:] + speed[:, :-1])
    tau = np.concatenate([np.zeros((n, 1)), np.cumsum(steps, axis=1)], axis=1)
    tau *= (T - 1) / tau[:, -1:]
    return sample_at(X, tau).astype(X.dtype, copy=False)


def window_slice(X: np.ndarray, rng: np.random.Generator, *, ratio: float = 0.9) -> np.ndarray:
    """Crop a random window spanning `ratio` of each series and stretch it back to the
    full length (linear interpolation). ratio=1 returns a copy."""
    X = _check(X)
    if not 0 < ratio <= 1:
        raise ValueError(f"ratio must be in (0, 1], got {ratio}")
    n, _, T = X.shape
    width = ratio * (T - 1)
    start = rng.uniform(0.0, (T - 1) - width, size=n)
    pos = stretch_positions(start, np.full(n, width), T)
    return sample_at(X, pos).astype(X.dtype, copy=False)


def window_warp(
    X: np.ndarray,
    rng: np.random.Generator,
    *,
    window_ratio: float = 0.1,
    scales: Sequence[float] = (0.5, 2.0),
) -> np.ndarray:
    """Slow down or speed up a random window spanning `window_ratio` of each series by
    a factor drawn from `scales` (2: the window lasts twice as long; 0.5: half as
    long), then resample the whole warped series back to the original length. The
    time map is piecewise linear and monotone; channels move together."""
    X = _check(X)
    if not 0 < window_ratio < 1:
        raise ValueError(f"window_ratio must be in (0, 1), got {window_ratio}")
    scales = np.asarray(scales, dtype=np.float64)
    if scales.size == 0 or (scales <= 0).any():
        raise ValueError(f"scales must be positive, got {scales.tolist()}")
    n, _, T = X.shape
    if T < 2:
        return X.copy()
    w = window_ratio * (T - 1)
    a = rng.uniform(0.0, (T - 1) - w, size=n)[:, None]
    s = rng.choice(scales, size=n)[:, None]
    total = (T - 1) + (s - 1.0) * w  # warped duration
    u = np.linspace(0.0, 1.0, T)[None, :] * total
    t = np.where(u <= a, u, np.where(u <= a + s * w, a + (u - a) / s, u - (s - 1.0) * w))
    return sample_at(X, t).astype(X.dtype, copy=False)


#: name -> transform, in the order `augment_batch` applies them
TRANSFORMS: dict[str, Transform] = {
    "jitter": jitter,
    "scaling": scaling,
    "magnitude_warp": magnitude_warp,
    "time_warp": time_warp,
    "window_slice": window_slice,
    "window_warp": window_warp,
}


def augment_batch(
    X: np.ndarray,
    rng: np.random.Generator | int,
    transforms: Mapping[str, Mapping[str, Any]] | None = None,
    *,
    p: float = 0.5,
) -> np.ndarray:
    """A random composition of transforms for each series. `transforms` maps names in
    `TRANSFORMS` to their keyword parameters (None: all six with their defaults); a
    parameter "p" overrides the probability `p` with which each series gets that
    transform. Transforms run in the order given; a series that drew none gets one
    chosen uniformly, so no output is an unchanged copy by construction. Returns the
    same shape and dtype; deterministic for a given seed."""
    X = _check(X)
    rng = np.random.default_rng(rng)
    spec = {name: {} for name in TRANSFORMS} if transforms is None else dict(transforms)
    unknown = sorted(set(spec) - set(TRANSFORMS))
    if unknown:
        raise ValueError(f"unknown transforms {unknown}; known: {list(TRANSFORMS)}")
    if not spec:
        raise ValueError("no transforms given")
    names = list(spec)
    params = [dict(spec[name]) for name in names]
    probs = np.array([float(kw.pop("p", p)) for kw in params])
    if ((probs < 0) | (probs > 1)).any():
        raise ValueError(f"probabilities must be in [0, 1], got {probs.tolist()}")
    n = X.shape[0]
    chosen = rng.random((n, len(names))) < probs
    none = ~chosen.any(axis=1)
    chosen[none, rng.integers(len(names), size=int(none.sum()))] = True
    out = X.copy()
    for k, name in enumerate(names):
        rows = np.flatnonzero(chosen[:, k])
        if rows.size:
            out[rows] = TRANSFORMS[name](out[rows], rng, **params[k])
    return out
