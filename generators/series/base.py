"""The series side of the generator interface: inputs are float series (N, C, T) and
their labels; samples come back as float64 series of the schema's shape."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from equipoise.dataspec import SeriesSchema
from equipoise.generators.base import Generator


class SeriesGenerator(Generator):
    """Learns from real series and creates new ones for the classes asked for."""

    modality: ClassVar[str] = "series"
    unit: ClassVar[str] = "series"
    fallback: ClassVar[str] = "kind: series_augment"
    schema: SeriesSchema

    def _check_inputs(self, X: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
        X, y = np.asarray(X, dtype=np.float64), np.asarray(y, dtype=object)
        self.schema.check(X, y, what="training series")
        return X, y

    def _conform(self, X: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
        return self.schema.conform(X, y)

    def _empty(self) -> tuple[np.ndarray, np.ndarray]:
        return np.zeros((0, *self.schema.shape)), np.array([], dtype=object)
