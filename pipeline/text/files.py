"""The files of a text version: `train.parquet` with exactly the input's columns (every
kept real row, then the accepted synthetic rows) and `provenance.parquet` (one row per
table row: origin, split, generator, the source row a synthetic row was made from)."""

from __future__ import annotations

import contextlib
from pathlib import Path

import numpy as np
import pandas as pd

from equipoise.dataspec.text import SOURCE
from equipoise.pipeline.text.loading import TextSplit


def write_text_files(
    folder: Path, data: TextSplit, synthetic: tuple[pd.DataFrame, pd.Series], generator: str
) -> list[str]:
    """Write both files; returns their names."""
    schema = data.schema
    frame = data.table.frame
    real_index = np.sort(np.concatenate([data.train_index, data.holdout_index]))
    real = frame.loc[real_index]
    X_syn, y_syn = synthetic
    new = X_syn[list(schema.columns)].copy()
    new[schema.label] = list(y_syn)
    table = pd.concat([real.reset_index(drop=True), new[list(frame.columns)]], ignore_index=True)
    for column in frame.columns:  # the input's dtypes where the values allow it
        with contextlib.suppress(TypeError, ValueError):
            table[column] = table[column].astype(frame[column].dtype)
    holdout = set(data.holdout_index.tolist())
    sources = X_syn[SOURCE].to_numpy() if SOURCE in X_syn.columns else np.full(len(new), -1)
    source_rows = [int(data.train_index[s]) if s >= 0 else None for s in sources]
    provenance = pd.DataFrame(
        {
            "row": np.arange(len(table), dtype="int64"),
            "origin": ["real"] * len(real) + ["synthetic"] * len(new),
            "split": ["holdout" if i in holdout else "train" for i in real_index]
            + [None] * len(new),
            "generator": [None] * len(real) + [generator] * len(new),
            "source_row": pd.array([*real_index.tolist(), *source_rows], dtype="Int64"),
        }
    )
    table.to_parquet(folder / "train.parquet", index=False)
    provenance.to_parquet(folder / "provenance.parquet", index=False)
    return ["train.parquet", "provenance.parquet"]
