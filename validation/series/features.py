"""What the series checks compare: summary features per channel (mean, standard
deviation, autocorrelation at a few lags, the share of spectral power in equal
frequency bands), the standardised mean difference of two sets of them, a detection
classifier's AUC, the label classifier's inputs, and z-normalised rows for the
nearest-neighbour leakage search. Pure numpy; scikit-learn loads inside the functions."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

#: autocorrelation lags of the summary features
LAGS = (1, 2, 5)
#: equal-width frequency bands (DC left out) whose share of spectral power is a feature
BANDS = 4
#: |SMD| cap: a feature this many pooled standard deviations off is as wrong as it gets
#: (also what a feature that is constant on one side and differs on the other scores)
MAX_SMD = 10.0
#: standard deviations below this are treated as zero (constant channels)
TINY = 1e-12
#: inputs of the label classifier whose training variance is below this are left out
CONSTANT = 1e-8
#: inverse L2 strength of the label classifier (ItalyPowerDemand, 1:10, seeds 0-2: C=0.1
#: keeps 97-99 % of holdout series of the rare class at p >= 0.2 and 4-8 % of series of
#: the other class passed off as it; C=1: 95-96 % and 3-6 %, augment 70-73 % vs 73-82 %)
LABEL_C = 0.1


def feature_names(channel_names: Sequence[str]) -> list[str]:
    """Names of the summary features, channel by channel."""
    per = ["mean", "std", *(f"acf{k}" for k in LAGS), *(f"band{b}" for b in range(BANDS))]
    return [f"{c}:{name}" for c in channel_names for name in per]


def summary_features(X: np.ndarray) -> np.ndarray:
    """(N, C * 9) float64: per channel mean, std, autocorrelation at LAGS (0 for a
    constant channel or a lag beyond the length) and the share of spectral power (DC
    excluded) in each of BANDS equal frequency bands (0 for a constant channel)."""
    X = np.asarray(X, dtype=np.float64)
    n, c, T = X.shape
    mean = X.mean(axis=2)
    centred = X - mean[..., None]
    var = (centred**2).sum(axis=2)
    flat = var > TINY * (1 + mean**2) * T
    safe = np.where(flat, var, 1.0)
    acf = [
        np.where(flat, (centred[..., :-k] * centred[..., k:]).sum(axis=2) / safe, 0.0)
        if k < T
        else np.zeros((n, c))
        for k in LAGS
    ]
    power = np.abs(np.fft.rfft(centred, axis=2)[..., 1:]) ** 2
    total = power.sum(axis=2)
    bands = [
        part.sum(axis=2) / np.where(total > 0, total, 1.0) if part.shape[2] else np.zeros((n, c))
        for part in np.array_split(power, BANDS, axis=2)
    ]
    per_channel = np.stack([mean, X.std(axis=2), *acf, *bands], axis=2)  # (n, c, 9)
    return per_channel.reshape(n, -1)


def abs_smd(A: np.ndarray, B: np.ndarray) -> np.ndarray | None:
    """|standardised mean difference| of every column of A vs B: |mean_a - mean_b| over
    the pooled standard deviation sqrt((var_a + var_b) / 2), capped at MAX_SMD (0 for a
    column constant and equal on both sides); None with fewer than 2 rows a side."""
    if len(A) < 2 or len(B) < 2:
        return None
    diff = np.abs(A.mean(axis=0) - B.mean(axis=0))
    pooled = np.sqrt((A.var(axis=0, ddof=1) + B.var(axis=0, ddof=1)) / 2)
    scale = TINY * (1 + np.abs(A.mean(axis=0)))
    with np.errstate(divide="ignore", invalid="ignore"):
        smd = np.where(pooled > scale, diff / pooled, np.where(diff > scale, MAX_SMD, 0.0))
    return np.minimum(smd, MAX_SMD)


def detection_auc(real: np.ndarray, fake: np.ndarray, folds: int, seed: int) -> float | None:
    """Cross-validated ROC-AUC of a logistic regression telling `fake` rows from `real`
    ones (standardised features; 0.5: indistinguishable, 1: always told apart). None
    when a side has fewer than 2 rows."""
    k = min(folds, len(real), len(fake))
    if k < 2:
        return None
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import StratifiedKFold, cross_val_predict
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X = np.vstack([real, fake])
    y = np.r_[np.zeros(len(real)), np.ones(len(fake))]
    model = make_pipeline(
        StandardScaler(), LogisticRegression(max_iter=2000, class_weight="balanced")
    )
    cv = StratifiedKFold(k, shuffle=True, random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        score = cross_val_predict(model, X, y, cv=cv, method="predict_proba")[:, 1]
    return float(roc_auc_score(y, score))


def resampled(X: np.ndarray, points: int) -> np.ndarray:
    """Each channel linearly interpolated to min(T, points) evenly spaced points,
    channels concatenated: (N, C * min(T, points))."""
    X = np.asarray(X, dtype=np.float64)
    n, c, T = X.shape
    if points >= T:
        return X.reshape(n, -1)
    grid = np.linspace(0.0, T - 1.0, points)
    rows = [np.interp(grid, np.arange(T), row) for row in X.reshape(n * c, T)]
    return np.asarray(rows).reshape(n, c * points)


def label_inputs(X: np.ndarray, points: int) -> np.ndarray:
    """What the label classifier reads: summary features and the resampled series."""
    return np.hstack([summary_features(X), resampled(X, points)])


def label_classifier(X: np.ndarray, y: np.ndarray, points: int, C: float = LABEL_C) -> Any:
    """Logistic regression (balanced class weights, L2 with C=`C`, standardised inputs)
    on `label_inputs`, fitted on the real training series only. Inputs (almost) constant
    on the training series are left out first: z-normalised sets have mean 0 and std 1
    in every series, and scaling by a variance of 1e-30 would make any synthetic
    deviation from it decide the label alone."""
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.feature_selection import VarianceThreshold
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    model = make_pipeline(
        VarianceThreshold(CONSTANT),
        StandardScaler(),
        LogisticRegression(C=C, max_iter=5000, class_weight="balanced"),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(label_inputs(X, points), np.asarray(y, dtype=object))


def znormalised(X: np.ndarray) -> np.ndarray:
    """Each channel of each series shifted to mean 0 and scaled to std 1 (a constant
    channel becomes 0), flattened: the space of the leakage search."""
    X = np.asarray(X, dtype=np.float64)
    mean = X.mean(axis=2, keepdims=True)
    std = X.std(axis=2, keepdims=True)
    scale = np.where(std > TINY * (1 + np.abs(mean)), std, np.inf)
    return ((X - mean) / scale).reshape(len(X), -1)
