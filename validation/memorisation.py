"""Memorisation of training samples, shared by the array modalities (images, series):
each synthetic sample's nearest training sample, compared with how near the real
holdout samples come to the training samples, and near copies flagged by the ratio
test of Carlini et al. 2023 ("Extracting training data from diffusion models"): the
distance to the nearest training sample, divided by the mean distance to the next n,
is small for a copy and near 1 for a sample that is merely typical of its class."""

from __future__ import annotations

from typing import Any

import numpy as np

from equipoise.validation.neighbours import knn
from equipoise.validation.results import CheckResult


def nearest_with_ratio(
    reference: np.ndarray, query: np.ndarray, neighbours: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distance to and position of each query row's nearest reference row, and its
    Carlini ratio over the next `neighbours` reference rows (1 where undefined)."""
    dist, idx = knn(reference, query, neighbours + 1)
    rest = dist[:, 1:]
    finite = np.isfinite(rest)
    denom = np.where(finite, rest, 0.0).sum(axis=1) / np.maximum(finite.sum(axis=1), 1)
    ratio = np.where(denom > 0, dist[:, 0] / np.where(denom > 0, denom, 1.0), 1.0)
    return dist[:, 0], idx[:, 0], ratio


def median(a: np.ndarray) -> float | None:
    return float(np.median(a)) if len(a) else None


def relative_median(a: np.ndarray, b: np.ndarray) -> float | None:
    """median(a) / median(b); None when either is empty or median(b) is 0."""
    mb = median(b)
    return float(np.median(a) / mb) if len(a) and mb else None


def near_copy_stats(syn_ratio: np.ndarray, hold_ratio: np.ndarray, ratio: float) -> dict:
    """Near-copy shares and median ratios of a class's synthetic and holdout samples."""
    return {
        "near_copy_share": float((syn_ratio < ratio).mean()) if len(syn_ratio) else 0.0,
        "holdout_near_copy_share": float((hold_ratio < ratio).mean()) if len(hold_ratio) else 0.0,
        "median_ratio": median(syn_ratio),
        "holdout_median_ratio": median(hold_ratio),
    }


def near_copy_checks(
    label: Any,
    stats: dict,
    removed: int,
    max_share: float,
    noun: str,
    advice: str,
    test: str = "ratio test",
) -> list[CheckResult]:
    """The gated excess of near copies over the holdout's share, and how many were
    removed; `test` names how near copies were found."""
    excess = stats["near_copy_share"] - stats["holdout_near_copy_share"]
    return [
        CheckResult(
            "leakage.near_copy_share_excess", label, excess, max_share, excess <= max_share,
            setting="max_near_copy_share",
            advice=(
                f"{stats['near_copy_share']:.0%} of the class's synthetic {noun} are near "
                f"copies of training {noun} ({test}); the generator memorises: {advice}"
            ),
        ),
        CheckResult("leakage.near_copies_removed", label, removed, None, None),
    ]  # fmt: skip


#: closest synthetic / training pairs kept for the report
PAIRS = 16


def closest_pairs(
    ratio: np.ndarray, index: np.ndarray, distance: np.ndarray, n: int = PAIRS
) -> list[tuple[int, int, float, float]]:
    """The `n` synthetic samples with the lowest ratio: (synthetic position, nearest
    training position, distance, ratio)."""
    order = np.argsort(ratio, kind="stable")[:n]
    return [(int(i), int(index[i]), float(distance[i]), float(ratio[i])) for i in order]
