"""The merge of real and synthetic rows into a table version's `train.parquet` and its
provenance."""

from __future__ import annotations

import numpy as np
import pandas as pd

from equipoise.pipeline.tables.loading import RealData, Split


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
        new = _same_categories(real.schema.join_xy(*synthetic), real.frame)
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


def _same_categories(new: pd.DataFrame, frame: pd.DataFrame) -> pd.DataFrame:
    """Synthetic rows with the real columns' exact categorical dtypes (categories, order),
    so that the concatenation keeps `category` columns (a mismatch turns them `object`)."""
    dtypes = {
        c: dtype for c, dtype in frame.dtypes.items() if isinstance(dtype, pd.CategoricalDtype)
    }
    return new.astype(dtypes) if dtypes else new
