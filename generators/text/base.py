"""The text side of the generator interface: inputs are the text table's feature
columns (a DataFrame: the text column and the columns that travel with a row) and the
labels; new rows copy their source row's other columns and name it in `SOURCE`."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import pandas as pd

from equipoise.dataspec import TextSchema
from equipoise.dataspec.text import SOURCE
from equipoise.generators.base import Generator


class TextGenerator(Generator):
    """Makes new rows of a class from that class's real rows."""

    modality: ClassVar[str] = "text"
    unit: ClassVar[str] = "rows"
    fallback: ClassVar[str] = "kind: eda"
    schema: TextSchema

    def _check_inputs(self, X: Any, y: Any) -> tuple[pd.DataFrame, pd.Series]:
        self.schema.check(X, y, what="training rows")
        return X[list(self.schema.columns)].reset_index(drop=True), pd.Series(list(y), dtype=object)

    def _conform(self, X: Any, y: Any) -> tuple[pd.DataFrame, pd.Series]:
        return self.schema.conform(X, y)

    def _empty(self) -> tuple[pd.DataFrame, pd.Series]:
        frame = pd.DataFrame({c: pd.Series(dtype=object) for c in self.schema.columns})
        return frame, pd.Series([], dtype=object)

    def _fit(self, X, y, *, seed, progress) -> None:
        self.X_ = X
        self.y_ = y.to_numpy()

    def _rows_from(self, sources: np.ndarray, texts: list[str]) -> pd.DataFrame:
        """New rows: the source rows' columns with the new texts, and `SOURCE`."""
        rows = self.X_.iloc[sources].reset_index(drop=True).copy()
        rows[self.schema.text] = texts
        rows[SOURCE] = np.asarray(sources, dtype=np.int64)
        return rows
