"""The table side of the generator interface: inputs are a DataFrame of the schema's
feature columns and a label Series; samples come back in the real columns' dtypes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from equipoise.dataspec import GenerationError, InputError, TableSchema
from equipoise.generators.base import Generator, Resampler


class TableInputs:
    """The table hooks: check X against the schema, conform samples to its dtypes."""

    modality: ClassVar[str] = "table"
    schema: TableSchema

    def _check_inputs(self, X: pd.DataFrame, y: Any) -> tuple[pd.DataFrame, pd.Series]:
        if len(X) != len(y):
            raise InputError(f"X has {len(X)} rows but y has {len(y)}; pass matching rows")
        missing = [c for c in self.schema.feature_names if c not in X.columns]
        if missing:
            raise InputError(f"X lacks the schema's columns {missing}; pass the same columns")
        return X[self.schema.feature_names].reset_index(drop=True), pd.Series(y).reset_index(
            drop=True
        )

    def _conform(self, X: pd.DataFrame, y: Any) -> tuple[pd.DataFrame, pd.Series]:
        return self.schema.conform(X.reset_index(drop=True)), self.schema.conform_labels(y)

    def _empty(self) -> tuple[pd.DataFrame, pd.Series]:
        return (
            self.schema.conform(pd.DataFrame(columns=self.schema.feature_names)),
            self.schema.conform_labels([]),
        )


class TableGenerator(TableInputs, Generator):
    """A generator of table rows."""


class TableResampler(TableInputs, Resampler):
    """A resampler of table rows."""


def take_exact(
    frame: pd.DataFrame, labels: pd.Series, counts: Mapping[Any, int], seed: int
) -> tuple[pd.DataFrame, pd.Series]:
    """A seeded subset with exactly counts[c] rows of each class c (fewer raises)."""
    rng = np.random.default_rng(seed)
    labels = pd.Series(labels).reset_index(drop=True)
    parts = []
    for cls, n in counts.items():
        idx = np.flatnonzero((labels == cls).to_numpy())
        if len(idx) < n:
            raise GenerationError(f"produced {len(idx)} rows of class {cls!r}, {n} were asked")
        parts.append(np.sort(rng.choice(idx, size=n, replace=False)))
    keep = np.concatenate(parts) if parts else np.array([], dtype=int)
    return frame.iloc[keep].reset_index(drop=True), labels.iloc[keep].reset_index(drop=True)
