"""The image side of the generator interface: inputs are uint8 images (N, C, H, W) and
their labels; samples come back as uint8 images of the schema's shape."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from equipoise.dataspec import ImageSchema
from equipoise.generators.base import Generator


class ImageGenerator(Generator):
    """Learns from real images and creates new ones for the classes asked for."""

    modality: ClassVar[str] = "image"
    unit: ClassVar[str] = "images"
    fallback: ClassVar[str] = "kind: augment"
    schema: ImageSchema

    def _check_inputs(self, X: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
        X, y = np.asarray(X), np.asarray(y)
        self.schema.check(X, y, what="training images")
        return X, y

    def _conform(self, X: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
        return self.schema.conform(X, y)

    def _empty(self) -> tuple[np.ndarray, np.ndarray]:
        return np.zeros((0, *self.schema.shape), np.uint8), np.array([], dtype=object)
