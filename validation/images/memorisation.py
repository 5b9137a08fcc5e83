"""Memorisation of training images: for each synthetic image its nearest training image
in pixel space and in the judge's feature space, compared with how near the real
holdout images come to the training images; near copies flagged by the shared ratio
test (`validation/memorisation.py`, Carlini et al. 2023) in pixel space."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from equipoise.validation.memorisation import (
    nearest_with_ratio,
)
from equipoise.validation.neighbours import knn


@dataclass(frozen=True)
class Nearest:
    """Nearest training image of each query image, in pixel and feature space."""

    pixel_distance: np.ndarray
    pixel_index: np.ndarray  # position in the training images
    ratio: np.ndarray  # Carlini ratio in pixel space
    feature_distance: np.ndarray


def flatten(X: np.ndarray) -> np.ndarray:
    """Images as float rows (pixel space, 0..255)."""
    return np.asarray(X, dtype=np.float32).reshape(len(X), -1)


def nearest_training(
    train_pixels: np.ndarray,
    train_features: np.ndarray | None,
    query_pixels: np.ndarray,
    query_features: np.ndarray | None,
    neighbours: int,
) -> Nearest:
    """Nearest-training-image distances of the query images and their ratio test; the
    feature-space distance is NaN without features (a rows-only validation)."""
    dist, idx, ratio = nearest_with_ratio(train_pixels, query_pixels, neighbours)
    if train_features is None or query_features is None:
        return Nearest(dist, idx, ratio, np.full(len(dist), np.nan))
    fdist, _ = knn(train_features, query_features, 1)
    return Nearest(dist, idx, ratio, fdist[:, 0])
