"""The files of a series version, in the input's form: a long table's rows as they
were plus the synthetic series in the same columns (`train.parquet`), or the arrays
(`train.npz`: X, y, id); and `provenance.parquet`, one row per series."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from equipoise.pipeline.series.config import SeriesConfig
from equipoise.pipeline.series.loading import SeriesSplit

#: a fixed timestamp inside train.npz, so that the same arrays give the same bytes (and id)
ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def write_series_files(
    folder: Path,
    data: SeriesSplit,
    synthetic: tuple[np.ndarray, np.ndarray],
    generator: str,
    config: SeriesConfig,
) -> list[str]:
    """Every kept real series (training split after the rare rule, and the holdout) and
    the accepted synthetic ones; returns the files written."""
    X_syn, y_syn = synthetic
    syn_ids = [f"synthetic-{generator}-{i:06d}" for i in range(len(y_syn))]
    provenance = pd.DataFrame(
        {
            "id": [*data.ids_train, *data.ids_holdout, *syn_ids],
            "label": [plain(v) for v in (*data.y_train, *data.y_holdout, *y_syn)],
            "origin": ["real"] * (len(data.ids_train) + len(data.ids_holdout))
            + ["synthetic"] * len(syn_ids),
            "split": ["train"] * len(data.ids_train)
            + ["holdout"] * len(data.ids_holdout)
            + [None] * len(syn_ids),
            "generator": [None] * (len(data.ids_train) + len(data.ids_holdout))
            + [generator] * len(syn_ids),
        }
    )
    provenance.to_parquet(folder / "provenance.parquet", index=False)
    if data.raw.form == "long":
        long_table(data, X_syn, y_syn, syn_ids, config).to_parquet(
            folder / "train.parquet", index=False
        )
        return ["train.parquet", "provenance.parquet"]
    X = np.concatenate([data.X_train, data.X_holdout, X_syn])
    labels = [plain(v) for v in provenance["label"]]
    write_npz(
        folder / "train.npz", X=X, y=np.array(labels), id=np.array(provenance["id"], dtype=str)
    )
    return ["train.npz", "provenance.parquet"]


def long_table(
    data: SeriesSplit,
    X_syn: np.ndarray,
    y_syn: np.ndarray,
    syn_ids: list[str],
    config: SeriesConfig,
) -> pd.DataFrame:
    """The input rows of the kept real series, then one row per synthetic series and step
    in the same columns: the steps take the real series' common time grid when they share
    one, else the step number; other columns are left empty."""
    rows = data.raw.rows
    assert rows is not None and config.id is not None and config.label is not None
    kept = set(data.ids_train) | set(data.ids_holdout)
    real = rows[rows[config.id].astype(str).isin(kept)]
    if not len(syn_ids):
        return real.reset_index(drop=True)
    steps = X_syn.shape[2]
    grid: Any = np.arange(steps)
    if config.time is not None:
        grids = {tuple(g[config.time]) for _, g in real.sort_values(config.time).groupby(config.id)}
        if len(grids) == 1 and len(next(iter(grids))) == steps:
            grid = np.array(next(iter(grids)), dtype=object)
    parts = []
    for sid, series, label in zip(syn_ids, X_syn, y_syn, strict=True):
        part = {config.id: [sid] * steps, config.label: [plain(label)] * steps}
        if config.time is not None:
            part[config.time] = list(grid)
        for channel, name in enumerate(data.schema.channel_names):
            part[name] = series[channel]
        parts.append(pd.DataFrame(part))
    synthetic = pd.concat(parts, ignore_index=True).reindex(columns=real.columns)
    out = pd.concat([real, synthetic], ignore_index=True)
    for column in real.columns:  # keep the input's dtypes where the values allow it
        try:
            out[column] = out[column].astype(real[column].dtype)
        except (TypeError, ValueError):
            if column == config.id:  # numeric ids beside "synthetic-..." ones: text
                out[column] = out[column].astype(str)
    return out


def write_npz(path: Path, **arrays: np.ndarray) -> None:
    """`numpy.savez` with fixed timestamps: the same arrays always give the same bytes."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as archive:
        for name, array in arrays.items():
            buffer = io.BytesIO()
            np.save(buffer, np.asarray(array), allow_pickle=False)
            archive.writestr(zipfile.ZipInfo(f"{name}.npy", date_time=ZIP_TIME), buffer.getvalue())


def plain(value: Any) -> Any:
    """A numpy scalar as the Python value parquet stores."""
    return value.item() if hasattr(value, "item") else value
