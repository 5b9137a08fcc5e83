"""Memorisation of training images: for each synthetic image its nearest training image
in pixel space and in the judge's feature space, compared with how near the real
holdout images come to the training images; near copies flagged by the shared ratio
test (`validation/memorisation.py`, Carlini et al. 2023) in pixel space."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from equipoise.validation.memorisation import (
    median,
    near_copy_stats,
    nearest_with_ratio,
    relative_median,
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
    train_features: np.ndarray,
    query_pixels: np.ndarray,
    query_features: np.ndarray,
    neighbours: int,
) -> Nearest:
    """Nearest-training-image distances of the query images and their ratio test."""
    dist, idx, ratio = nearest_with_ratio(train_pixels, query_pixels, neighbours)
    fdist, _ = knn(train_features, query_features, 1)
    return Nearest(dist, idx, ratio, fdist[:, 0])


def memorisation_stats(syn: Nearest, hold: Nearest, ratio: float) -> dict[str, float | None]:
    """Per-class figures: near-copy shares (synthetic and holdout) and how near synthetic
    images sit to training images relative to the holdout, in both spaces."""
    return near_copy_stats(syn.ratio, hold.ratio, ratio) | {
        "pixel_nn_median": median(syn.pixel_distance),
        "holdout_pixel_nn_median": median(hold.pixel_distance),
        "pixel_nn_vs_holdout": relative_median(syn.pixel_distance, hold.pixel_distance),
        "feature_nn_vs_holdout": relative_median(syn.feature_distance, hold.feature_distance),
    }
