"""Reading time series (a long table, an `.npz`, a set bundled with sktime) into one
float array (N, C, T) with labels, and the split: the stratified holdout first, then
the rare rule on the training split only."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from equipoise.dataspec import InputError, SeriesSchema, infer_series_schema
from equipoise.pipeline.series.bundled import BUNDLED, load_series_list, resample_length
from equipoise.pipeline.series.config import SeriesConfig
from equipoise.pipeline.splits import known_labels, rare_keep, stratified_split


@dataclass(frozen=True)
class RawSeries:
    """Series as read: X (N, C, T) float64 after the length rule, one label and id each."""

    X: np.ndarray
    y: np.ndarray
    ids: list[str]
    channel_names: tuple[str, ...]
    lengths: np.ndarray  # each series' length as read
    form: str  # "long" | "npz" | "bundled"
    rows: pd.DataFrame | None = None  # a long table's input rows, published as they were


@dataclass(frozen=True)
class SeriesSplit:
    """Train / holdout arrays after the length and rare rules."""

    schema: SeriesSchema
    X_train: np.ndarray
    y_train: np.ndarray
    X_holdout: np.ndarray
    y_holdout: np.ndarray
    ids_train: list[str]
    ids_holdout: list[str]
    raw: RawSeries
    config: SeriesConfig  # the section they were read with (column names for the files)
    input_counts: dict[Any, int] = field(default_factory=dict)
    rare_removed: int = 0


# --------------------------------------------------------------------------- sources


def read_series(config: SeriesConfig) -> RawSeries:
    """Series and labels from a long table, an `.npz` or a bundled set."""
    source = config.source
    if source.startswith("sktime:"):
        return _bundled(source.split(":", 1)[1], config)
    if source.startswith("memory:"):  # arrays or a long table from equipoise.balance
        from equipoise.pipeline import memory

        held = memory.take(source)
        if isinstance(held, pd.DataFrame):
            return _long(Path(source), config)
        return _arrays(held, source, config)
    path = Path(source)
    if not path.exists():
        raise InputError(
            f"series source {path} not found; pass a long table (CSV/Parquet), an .npz or "
            f"sktime:NAME ({', '.join(sorted(BUNDLED))})"
        )
    if path.suffix.lower() == ".npz":
        return _npz(path, config)
    return _long(path, config)


def _bundled(name: str, config: SeriesConfig) -> RawSeries:
    if name.lower() not in BUNDLED:
        raise InputError(
            f"sktime:{name} unknown; bundled series sets: {', '.join(sorted(BUNDLED))}"
        )
    loaded = load_series_list(name.lower())
    X = _equal_length(loaded.X, config, f"sktime:{name}")
    ids = [f"{name}-{i:06d}" for i in range(len(X))]
    names = tuple(str(c) for c in range(X.shape[1]))
    return RawSeries(X, loaded.y.astype(object), ids, names, loaded.lengths, "bundled")


def _npz(path: Path, config: SeriesConfig) -> RawSeries:
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {k: data[k] for k in data.files}
    except (OSError, ValueError) as err:
        raise InputError(
            f"{path} is not a readable .npz ({err}); write it with numpy.savez"
        ) from None
    return _arrays(arrays, path, config)


def _arrays(arrays: Mapping[str, Any], path: Path | str, config: SeriesConfig) -> RawSeries:
    """Series from arrays X (n, T) or (n, C, T) and y (an .npz, or held in memory)."""
    arrays = {str(k).lower(): v for k, v in arrays.items()}
    if "x" not in arrays or "y" not in arrays:
        raise InputError(f"{path} lacks arrays X and y (it has {sorted(arrays)}); save both")
    X, y = np.asarray(arrays["x"]), np.asarray(arrays["y"])
    if X.ndim == 2:
        X = X[:, None, :]
    if X.ndim != 3 or len(X) != len(y):
        raise InputError(
            f"{path}: X has shape {X.shape} and y {y.shape}; X must be (n, T) or (n, C, T) "
            "with one label per series"
        )
    if not np.issubdtype(X.dtype, np.number):
        raise InputError(f"{path}: X holds {X.dtype}, not numbers")
    ids = [f"series-{i:06d}" for i in range(len(X))]
    names = tuple(str(c) for c in range(X.shape[1]))
    lengths = np.full(len(X), X.shape[2])
    return RawSeries(X.astype(np.float64), y.astype(object), ids, names, lengths, "npz")


def _long(path: Path, config: SeriesConfig) -> RawSeries:
    from equipoise.pipeline.tables.loading import read_source

    if config.label is None or config.id is None:
        raise InputError(
            f"{path} is a long table: name its columns with series.label and series.id "
            "(--label COLUMN --id COLUMN), and optionally series.time"
        )
    frame = read_source(str(path))
    named = [c for c in (config.label, config.id, config.time, *(config.values or [])) if c]
    missing = [c for c in named if c not in frame.columns]
    if missing:
        raise InputError(f"{path} has no column(s) {missing}; its columns: {list(frame.columns)}")
    keys = {config.label, config.id, config.time}
    values = config.values or [
        c for c in frame.columns if c not in keys and pd.api.types.is_numeric_dtype(frame[c])
    ]
    if not values:
        raise InputError(f"{path}: no numeric value columns besides id, time and label")
    bad = [c for c in values if not pd.api.types.is_numeric_dtype(frame[c])]
    if bad:
        raise InputError(f"{path}: value columns {bad} are not numeric; list numeric series.values")
    if frame[[config.id, config.label]].isna().any().any():
        raise InputError(f"{path}: missing ids or labels; fill or drop those rows")
    order = frame.sort_values([config.id, config.time], kind="stable") if config.time else frame
    series, labels, ids = [], [], []
    for sid, rows in order.groupby(config.id, sort=False):
        label = rows[config.label].unique()
        if len(label) != 1:
            raise InputError(
                f"{path}: series {sid!r} has {len(label)} labels {list(label)[:3]}; one label "
                "per series"
            )
        series.append(rows[values].to_numpy(dtype=np.float64).T)
        labels.append(label[0])
        ids.append(str(sid))
    X = _equal_length(series, config, str(path))
    lengths = np.array([s.shape[1] for s in series])
    return RawSeries(X, np.array(labels, dtype=object), ids, tuple(values), lengths, "long", frame)


def _equal_length(series: list[np.ndarray], config: SeriesConfig, what: str) -> np.ndarray:
    lengths = np.array([s.shape[1] for s in series])
    if config.length is None:
        if (lengths != lengths[0]).any():
            raise InputError(
                f"{what}: series lengths vary from {lengths.min()} to {lengths.max()}; set "
                "series.length to max, min or a number to resample them linearly"
            )
        return np.stack(series).astype(np.float64)
    target = {"max": int(lengths.max()), "min": int(lengths.min())}.get(
        config.length, config.length
    )
    return resample_length(series, int(target))


# --------------------------------------------------------------------------- split


def prepare(raw: RawSeries, config: SeriesConfig, holdout_share: float, seed: int) -> SeriesSplit:
    """Check labels, split off the holdout, then apply the rare rule to the training split."""
    y = known_labels(raw.y, config.classes, config.source, "series")
    schema = infer_series_schema(raw.X, y, raw.channel_names)
    if config.classes is not None:
        schema = SeriesSchema(schema.channels, schema.length, tuple(config.classes),
                              schema.channel_names)  # fmt: skip
        schema.check(raw.X, y, what=f"{config.source} series")
    train, hold = stratified_split(y, holdout_share, seed, unit="series")
    y_train = y[train]
    removed, keep = 0, np.ones(len(train), dtype=bool)
    if config.rare is not None:
        keep = rare_keep(y_train, config.rare, seed, schema.classes, section="series",
                         unit="series")  # fmt: skip
        removed = len(train) - int(keep.sum())
    train = train[keep]
    counts = {c: int((y == c).sum()) for c in schema.classes}
    return SeriesSplit(
        schema, raw.X[train], y[train], raw.X[hold], y[hold],
        [raw.ids[i] for i in train], [raw.ids[i] for i in hold], raw, config, counts, removed,
    )  # fmt: skip
