"""The image side of the generator interface: `ImageGenerator` takes uint8 images
(N, C, H, W) and their labels, and returns exactly the asked number of new images
per class. Shared checks (class sizes, counts, schema) live here, once;
subclasses implement `_fit` / `_sample` only, as the table generators do."""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from equipoise.dataspec import ImageSchema, InputError
from equipoise.generators.base import ProgressCallback, _Base


class ImageGenerator(_Base):
    """Learns from real images and creates new ones for the classes asked for."""

    modality: ClassVar[str] = "image"

    #: images are never copies of real ones by design (augmentations transform them)
    copies_real_rows = False
    fallback = "kind: augment"

    def __init__(self, schema: ImageSchema):
        self.schema = schema

    def fit(
        self,
        X: np.ndarray,
        y: np.ndarray,
        *,
        seed: int,
        progress: ProgressCallback | None = None,
    ) -> ImageGenerator:
        X, y = np.asarray(X), np.asarray(y)
        self.schema.check(X, y, what="training images")
        counts = pd.Series(y).value_counts()
        if len(counts) < 2:
            raise InputError("the training images have a single class; there is nothing to balance")
        self.minority_classes_ = list(counts.index[1:])
        self._check_class_sizes(pd.Series(y), self.minority_classes_)
        self.class_counts_ = {k: int(v) for k, v in counts.items()}
        self._fit(X, y, seed=seed, progress=progress)
        return self

    def sample(self, counts: Mapping[Any, int], *, seed: int) -> tuple[np.ndarray, np.ndarray]:
        """Exactly `counts[c]` new uint8 images of each class c, as (N, C, H, W)."""
        asked = self._asked(counts)
        if not asked:
            return np.zeros((0, *self.schema.shape), np.uint8), np.array([], dtype=object)
        X, y = self.schema.conform(*self._sample(asked, seed=seed))
        self._check_returned(y, asked, "images")
        return X, y

    @abstractmethod
    def _fit(
        self, X: np.ndarray, y: np.ndarray, *, seed: int, progress: ProgressCallback | None
    ) -> None: ...

    @abstractmethod
    def _sample(self, counts: dict[Any, int], *, seed: int) -> tuple[np.ndarray, np.ndarray]: ...
