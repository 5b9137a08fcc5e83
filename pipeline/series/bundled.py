"""sktime's bundled classification sets as plain arrays.

`load_series(name)` gives X float64 (n, channels, length), y as str, whether the
set came split train/test (the first `n_train` rows are the train split) and each
series' original length. sktime's nested format (a DataFrame of pd.Series cells)
is converted here; a variable-length set (japanese_vowels, plaid) raises
`VariableLengthError` unless `length=` says how to resample it
(`resample_length`: linear interpolation), or is read as a list by
`load_series_list`. Everything is read from files shipped inside sktime: no
download.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from equipoise.generators.series.interp import sample_at, stretch_positions

#: bundled classification sets: our name -> sktime.datasets loader name
BUNDLED: dict[str, str] = {
    "italy_power_demand": "load_italy_power_demand",
    "gunpoint": "load_gunpoint",
    "arrow_head": "load_arrow_head",
    "osuleaf": "load_osuleaf",
    "acsf1": "load_acsf1",
    "unit_test": "load_unit_test",
    "basic_motions": "load_basic_motions",
    "japanese_vowels": "load_japanese_vowels",
    "plaid": "load_plaid",
}


class VariableLengthError(ValueError):
    """The set's series differ in length and no target length was given."""

    def __init__(self, name: str, lengths: np.ndarray):
        self.lengths = lengths
        super().__init__(
            f"{name}: series lengths vary from {lengths.min()} to {lengths.max()}; pass "
            "length=<int>, 'max' or 'min' to resample them, or use load_series_list"
        )


@dataclass(frozen=True)
class SeriesSet:
    """A loaded set. `X` (n, c, T) float64; `y` (n,) str; `lengths` (n,) the
    original length of each series (all T unless `resampled`)."""

    name: str
    X: np.ndarray
    y: np.ndarray
    came_split: bool
    n_train: int
    lengths: np.ndarray
    resampled: bool

    @property
    def equal_length(self) -> bool:
        """Whether the original series all had the same length."""
        return bool((self.lengths == self.lengths[0]).all())

    def train(self) -> tuple[np.ndarray, np.ndarray]:
        """The train split (everything when the set did not come split)."""
        if not self.came_split:
            return self.X, self.y
        return self.X[: self.n_train], self.y[: self.n_train]

    def test(self) -> tuple[np.ndarray, np.ndarray]:
        """The test split (empty when the set did not come split)."""
        return self.X[self.n_train :], self.y[self.n_train :]


@dataclass(frozen=True)
class SeriesList:
    """A loaded set before any resampling: `X` a list of (c, T_i) float64 arrays."""

    name: str
    X: list[np.ndarray]
    y: np.ndarray
    came_split: bool
    n_train: int

    @property
    def lengths(self) -> np.ndarray:
        return np.array([x.shape[1] for x in self.X], dtype=np.intp)


def _loader(name: str) -> Callable[..., Any]:
    import sktime.datasets

    key = name.lower().replace("-", "_")
    if key not in BUNDLED:
        raise ValueError(f"unknown series set {name!r}; bundled: {sorted(BUNDLED)}")
    return getattr(sktime.datasets, BUNDLED[key])


def nested_to_list(frame: Any) -> list[np.ndarray]:
    """sktime's nested_univ DataFrame (rows: series, columns: channels, cells:
    pd.Series) -> list of (c, T_i) float64 arrays. Channels of one series must have
    the same length."""
    cells = frame.to_numpy()
    out: list[np.ndarray] = []
    for i, row in enumerate(cells):
        channels = [np.asarray(cell, dtype=np.float64).ravel() for cell in row]
        sizes = {len(ch) for ch in channels}
        if len(sizes) != 1:
            raise ValueError(f"series {i} has channels of different lengths {sorted(sizes)}")
        out.append(np.stack(channels))
    return out


def _as_list(X: Any) -> list[np.ndarray]:
    if isinstance(X, np.ndarray):  # numpy3D
        if X.ndim != 3:
            raise ValueError(f"expected a (n, c, T) array, got shape {X.shape}")
        return list(np.asarray(X, dtype=np.float64))
    return nested_to_list(X)


def load_series_list(name: str) -> SeriesList:
    """A bundled set as a list of (c, T_i) arrays, train rows first when it came split."""
    load = _loader(name)
    try:
        X_tr, y_tr = load(split="train", return_X_y=True)
        X_te, y_te = load(split="test", return_X_y=True)
    except (TypeError, ValueError, FileNotFoundError):
        X_all, y_all = load(return_X_y=True)
        return SeriesList(name, _as_list(X_all), np.asarray(y_all).astype(str), False, 0)
    train, test = _as_list(X_tr), _as_list(X_te)
    y = np.concatenate([np.asarray(y_tr).astype(str), np.asarray(y_te).astype(str)])
    return SeriesList(name, train + test, y, True, len(train))


def load_series(name: str, *, length: int | Literal["max", "min"] | None = None) -> SeriesSet:
    """A bundled set as X float64 (n, c, T), y str. Variable-length sets raise
    `VariableLengthError` (with `.lengths`) unless `length` is given; with it, every
    series is linearly resampled to that length (equal-length sets too, when it
    differs from theirs)."""
    return to_set(load_series_list(name), length=length)


def to_set(loaded: SeriesList, *, length: int | Literal["max", "min"] | None = None) -> SeriesSet:
    """`load_series` on a set already read by `load_series_list`."""
    name = loaded.name
    lengths = loaded.lengths
    equal = bool((lengths == lengths[0]).all())
    if length is None:
        if not equal:
            raise VariableLengthError(name, lengths)
        target = int(lengths[0])
    elif length == "max":
        target = int(lengths.max())
    elif length == "min":
        target = int(lengths.min())
    else:
        target = int(length)
    resampled = not (equal and target == lengths[0])
    X = resample_length(loaded.X, target) if resampled else np.stack(loaded.X)
    return SeriesSet(name, X, loaded.y, loaded.came_split, loaded.n_train, lengths, resampled)


def resample_length(X_list: Sequence[np.ndarray], T: int) -> np.ndarray:
    """Series of any lengths (each (c, T_i), the same c) -> (n, c, T) float64 by linear
    interpolation over each series' full span (first and last values kept). A series
    of length 1 becomes constant."""
    if T < 1:
        raise ValueError(f"target length must be >= 1, got {T}")
    if len(X_list) == 0:
        raise ValueError("no series to resample")
    channels = {np.shape(x)[0] for x in X_list}
    if len(channels) != 1 or any(np.ndim(x) != 2 for x in X_list):
        raise ValueError("every series must be a (channels, length) array with the same channels")
    c = channels.pop()
    out = np.empty((len(X_list), c, T), dtype=np.float64)
    # one vectorised pass per distinct length
    by_length: dict[int, list[int]] = {}
    for i, x in enumerate(X_list):
        by_length.setdefault(np.shape(x)[1], []).append(i)
    for L, idx in by_length.items():
        block = np.stack([np.asarray(X_list[i], dtype=np.float64) for i in idx])
        k = len(idx)
        pos = stretch_positions(np.zeros(k), np.full(k, L - 1.0), T)
        out[idx] = sample_at(block, pos)
    return out
