"""How many rows each class gets, and the merge of real and synthetic rows into
the published table and its provenance."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from equipoise.flows.loading import RealData, Split


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


def head_per_class(
    X: pd.DataFrame, y: pd.Series, counts: Mapping[Any, int]
) -> tuple[pd.DataFrame, pd.Series]:
    """The first `counts[c]` rows of each class c (fewer if there are fewer)."""
    labels = pd.Series(y).reset_index(drop=True)
    keep = np.zeros(len(labels), dtype=bool)
    for cls, n in counts.items():
        keep[np.flatnonzero((labels == cls).to_numpy())[:n]] = True
    return X.reset_index(drop=True)[keep].reset_index(drop=True), labels[keep].reset_index(
        drop=True
    )


def undersample_targets(counts: Mapping[Any, int], target_ratio: float) -> dict[Any, int]:
    """Rows per class to keep so that the smallest is target_ratio × every larger class."""
    cap = math.ceil(min(counts.values()) / target_ratio)
    return {c: min(n, cap) for c, n in counts.items()}


def merge(
    real: RealData,
    split: Split,
    synthetic: tuple[pd.DataFrame, pd.Series] | None,
    generator: str,
    kept_real: np.ndarray | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The published table (input columns only) and one provenance row per table row.

    Real rows keep their input order (all of them, or `kept_real` positions for a
    resampler); accepted synthetic rows follow.
    """
    frame = real.frame if kept_real is None else real.frame.iloc[kept_real]
    split_of = pd.Series("train", index=real.frame.index)
    split_of.loc[split.holdout_index] = "holdout"
    provenance = pd.DataFrame(
        {
            "origin": "real",
            "split": split_of.loc[frame.index].to_numpy(),
            "generator": None,
            "source_row": frame.index.to_numpy(dtype="int64"),
        }
    )
    table = frame.reset_index(drop=True)
    if synthetic is not None and len(synthetic[1]):
        new = real.schema.join_xy(*synthetic)
        table = pd.concat([table, new], ignore_index=True)
        provenance = pd.concat(
            [
                provenance,
                pd.DataFrame(
                    {
                        "origin": "synthetic",
                        "split": None,
                        "generator": generator,
                        "source_row": pd.array([None] * len(new), dtype="Int64"),
                    }
                ),
            ],
            ignore_index=True,
        )
    provenance["source_row"] = provenance["source_row"].astype("Int64")
    provenance.insert(0, "row", np.arange(len(provenance), dtype="int64"))
    return table[list(real.schema.column_order)], provenance
