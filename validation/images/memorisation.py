"""Memorisation of training images: for each synthetic image its nearest training image
in pixel space and in the judge's feature space, compared with how near the real
holdout images come to the training images; near copies flagged by the ratio test of
Carlini et al. 2023 ("Extracting training data from diffusion models"): the distance to
the nearest training image, divided by the mean distance to the next n, is small for
a copy and near 1 for an image that is merely typical of its class."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

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
    dist, idx = knn(train_pixels, query_pixels, neighbours + 1)
    rest = dist[:, 1:]
    finite = np.isfinite(rest)
    denom = np.where(finite, rest, 0.0).sum(axis=1) / np.maximum(finite.sum(axis=1), 1)
    ratio = np.where(denom > 0, dist[:, 0] / np.where(denom > 0, denom, 1.0), 1.0)
    fdist, _ = knn(train_features, query_features, 1)
    return Nearest(dist[:, 0], idx[:, 0], ratio, fdist[:, 0])


def memorisation_stats(syn: Nearest, hold: Nearest, ratio: float) -> dict[str, float | None]:
    """Per-class figures: near-copy shares (synthetic and holdout) and how near synthetic
    images sit to training images relative to the holdout, in both spaces."""

    def median(a: np.ndarray) -> float | None:
        return float(np.median(a)) if len(a) else None

    def rel(a: np.ndarray, b: np.ndarray) -> float | None:
        mb = median(b)
        return float(np.median(a) / mb) if len(a) and mb else None

    return {
        "near_copy_share": float((syn.ratio < ratio).mean()) if len(syn.ratio) else 0.0,
        "holdout_near_copy_share": float((hold.ratio < ratio).mean()) if len(hold.ratio) else 0.0,
        "median_ratio": median(syn.ratio),
        "holdout_median_ratio": median(hold.ratio),
        "pixel_nn_median": median(syn.pixel_distance),
        "holdout_pixel_nn_median": median(hold.pixel_distance),
        "pixel_nn_vs_holdout": rel(syn.pixel_distance, hold.pixel_distance),
        "feature_nn_vs_holdout": rel(syn.feature_distance, hold.feature_distance),
    }
