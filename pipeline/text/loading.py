"""Reading a text table (missing labels and texts handled, the schema inferred once) and
the split: the stratified holdout first, then the rare rule on the training split."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from equipoise.dataspec import InputError, TextSchema, infer_text_schema
from equipoise.pipeline.splits import rare_keep, stratified_split
from equipoise.pipeline.text.config import TextConfig

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TextTable:
    """The input rows after cleaning (index = input row number) and their schema."""

    frame: pd.DataFrame
    schema: TextSchema
    dropped_label_nan: int


@dataclass(frozen=True)
class TextSplit:
    """Train / holdout rows after the rare rule; indices are input row numbers."""

    table: TextTable
    train_index: np.ndarray
    holdout_index: np.ndarray
    input_counts: dict[Any, int] = field(default_factory=dict)
    rare_removed: int = 0

    @property
    def schema(self) -> TextSchema:
        return self.table.schema

    def _part(self, index: np.ndarray) -> tuple[pd.DataFrame, pd.Series]:
        rows = self.table.frame.loc[index]
        return (
            rows[list(self.schema.columns)].reset_index(drop=True),
            pd.Series(rows[self.schema.label].tolist(), dtype=object),
        )

    @cached_property
    def X_train(self) -> pd.DataFrame:
        return self._part(self.train_index)[0]

    @cached_property
    def y_train(self) -> pd.Series:
        return self._part(self.train_index)[1]

    @cached_property
    def X_holdout(self) -> pd.DataFrame:
        return self._part(self.holdout_index)[0]

    @cached_property
    def y_holdout(self) -> pd.Series:
        return self._part(self.holdout_index)[1]


def read_text_table(config: TextConfig) -> TextTable:
    """The table named by the config, cleaned: dropped columns, missing labels, texts."""
    from equipoise.pipeline.tables.loading import drop_columns, drop_missing_labels, read_source

    frame = read_source(config.source, labels=[config.label])
    frame = drop_columns(frame, config.drop_columns, "text")
    for column, role in ((config.text, "text.text"), (config.label, "text.label")):
        if column not in frame.columns:
            raise InputError(
                f"{role} {column!r} is not a column of {config.source}; its columns: "
                f"{list(frame.columns)}"
            )
    frame, dropped = drop_missing_labels(frame, config.label, config.label_nan, "text")
    texts = frame[config.text]
    if not texts.map(lambda t: isinstance(t, str)).all():
        bad = int((~texts.map(lambda t: isinstance(t, str))).sum())
        raise InputError(
            f"text column {config.text!r} holds {bad} missing or non-text values; fill or "
            "drop those rows"
        )
    if (texts.str.strip() == "").any():
        raise InputError(
            f"text column {config.text!r} holds {int((texts.str.strip() == '').sum())} empty "
            "texts; drop those rows"
        )
    schema = infer_text_schema(frame, config.text, config.label)
    return TextTable(frame, schema, dropped)


def split(table: TextTable, config: TextConfig, holdout: float, seed: int) -> TextSplit:
    """Stratified, seeded holdout first; then the rare rule on the training rows."""
    y = np.asarray(table.frame[config.label].tolist(), dtype=object)
    train, hold = stratified_split(y, holdout, seed, unit="rows")
    removed = 0
    if config.rare is not None:
        keep = rare_keep(y[train], config.rare, seed, table.schema.classes, section="text",
                         unit="rows")  # fmt: skip
        removed = len(train) - int(keep.sum())
        train = train[keep]
    index = table.frame.index.to_numpy()
    counts = {c: int((y == c).sum()) for c in table.schema.classes}
    return TextSplit(table, index[train], index[hold], counts, removed)
