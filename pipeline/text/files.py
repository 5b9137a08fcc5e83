"""The files of a text version: `train.parquet` with exactly the input's columns (every
kept real row, then the accepted synthetic rows) and `provenance.parquet` (one row per
table row: origin, split, generator, the source row a synthetic row was made from).

A version of `embedding_smote` rows (vectors, no text) holds `train.parquet` with the
real rows only, and `embeddings.parquet`: one row per published row (the real rows in
`train.parquet`'s order, then the synthetic ones) with its label and its 384-d MiniLM
embedding; `provenance.parquet` then counts those rows (a synthetic row's source is its
nearest real row), and the file's metadata names the embedding model and its hash."""

from __future__ import annotations

import contextlib
from pathlib import Path

import numpy as np
import pandas as pd

from equipoise.dataspec.text import EMBEDDING, SOURCE, embedding_rows
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
    vectors = bool(embedding_rows(X_syn).any())
    table = pd.concat(
        [real.reset_index(drop=True), *([] if vectors else [new[list(frame.columns)]])],
        ignore_index=True,
    )
    for column in frame.columns:  # the input's dtypes where the values allow it
        with contextlib.suppress(TypeError, ValueError):
            table[column] = table[column].astype(frame[column].dtype)
    holdout = set(data.holdout_index.tolist())
    sources = X_syn[SOURCE].to_numpy() if SOURCE in X_syn.columns else np.full(len(new), -1)
    source_rows = [int(data.train_index[s]) if s >= 0 else None for s in sources]
    provenance = pd.DataFrame(
        {
            "row": np.arange(len(real) + len(new), dtype="int64"),
            "origin": ["real"] * len(real) + ["synthetic"] * len(new),
            "split": ["holdout" if i in holdout else "train" for i in real_index]
            + [None] * len(new),
            "generator": [None] * len(real) + [generator] * len(new),
            "source_row": pd.array([*real_index.tolist(), *source_rows], dtype="Int64"),
        }
    )
    table.to_parquet(folder / "train.parquet", index=False)
    provenance.to_parquet(folder / "provenance.parquet", index=False)
    if not vectors:
        return ["train.parquet", "provenance.parquet"]
    write_embeddings(folder / EMBEDDINGS, real, X_syn, list(y_syn), schema)
    return ["train.parquet", EMBEDDINGS, "provenance.parquet"]


#: the embeddings file of a version of embedding rows
EMBEDDINGS = "embeddings.parquet"


def write_embeddings(
    path: Path, real: pd.DataFrame, X_syn: pd.DataFrame, y_syn: list, schema
) -> None:
    """`row`, the label and `embedding` (fixed-size list of 384 float32) per published
    row: the real rows' texts embedded (cached), then the synthetic rows' vectors."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from equipoise.dataspec.embeddings import DIM, embed, model_id

    E_real = embed(real[schema.text].tolist())[0]
    E_syn = np.stack([np.asarray(v, dtype=np.float32) for v in X_syn[EMBEDDING]])
    E = np.concatenate([E_real, E_syn]).astype(np.float32)
    labels = [*real[schema.label].tolist(), *y_syn]
    table = pa.table(
        {
            "row": pa.array(np.arange(len(E), dtype=np.int64)),
            schema.label: pa.array(labels),
            "embedding": pa.FixedSizeListArray.from_arrays(pa.array(E.ravel()), DIM),
        }
    ).replace_schema_metadata({"equipoise.embedding_model": model_id()})
    pq.write_table(table, path)
