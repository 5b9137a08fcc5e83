"""How many samples each class gets: deficits, the spare for validation to drop, and
which validated samples are accepted (any modality: DataFrames or arrays)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd


def class_counts(y: pd.Series) -> dict[Any, int]:
    return {k: int(v) for k, v in pd.Series(y).value_counts().sort_index().items()}


def synthetic_counts(counts: Mapping[Any, int], target_ratio: float) -> dict[Any, int]:
    """New rows per class so that each class reaches target_ratio × the largest class."""
    target = math.ceil(target_ratio * max(counts.values()))
    return {c: max(0, target - n) for c, n in counts.items() if target > n}


#: extra rows sampled per class so that rows dropped by validation can be replaced
SPARE_SHARE = 0.25


def with_spare(asked: Mapping[Any, int]) -> dict[Any, int]:
    """The counts to sample: what is asked plus a spare share for validation to drop."""
    return {c: n + math.ceil(SPARE_SHARE * n) for c, n in asked.items()}


def accept(keep: np.ndarray, y: pd.Series, asked: Mapping[Any, int]) -> np.ndarray:
    """Of the rows validation kept, the first `asked[c]` of each class c."""
    keep = np.asarray(keep, dtype=bool).copy()
    labels = pd.Series(y).to_numpy()
    for cls, n in asked.items():
        kept = np.flatnonzero(keep & (labels == cls))
        keep[kept[n:]] = False
    return keep


def shortfall(y: pd.Series, asked: Mapping[Any, int]) -> dict[Any, int]:
    """Rows per class still missing after validation removed some."""
    got = class_counts(y)
    return {c: n - got.get(c, 0) for c, n in asked.items() if got.get(c, 0) < n}


def head_per_class(X: Any, y: Any, counts: Mapping[Any, int]) -> tuple[Any, Any]:
    """The first `counts[c]` samples of each class c (fewer if there are fewer)."""
    labels = pd.Series(y).reset_index(drop=True)
    keep = np.zeros(len(labels), dtype=bool)
    for cls, n in counts.items():
        keep[np.flatnonzero((labels == cls).to_numpy())[:n]] = True
    if isinstance(X, pd.DataFrame):
        return X.reset_index(drop=True)[keep].reset_index(drop=True), labels[keep].reset_index(
            drop=True
        )
    return np.asarray(X)[keep], np.asarray(y)[keep]


def undersample_targets(counts: Mapping[Any, int], target_ratio: float) -> dict[Any, int]:
    """Rows per class to keep so that the smallest is target_ratio × every larger class."""
    cap = math.ceil(min(counts.values()) / target_ratio)
    return {c: min(n, cap) for c, n in counts.items()}
