"""The label-consistency filter for synthetic table rows, cross-fitted so that no row
judges itself.

A classifier (a gate downstream model, `label_model`, with balanced class weights so
that the probabilities of a small class are not crushed by the prior) is fitted on the
real training split only and gives every synthetic row a probability of its intended
class; the shared `LabelFilter` drops the rows below `min_label_proba` and counts them per
class, next to the share of real holdout rows of the class that pass the same threshold.

Cross-fitting. The distinct training rows of each class are dealt at random into
`FOLDS` folds (identical rows share a fold, so a duplicated row cannot sit on both sides)
and one model is fitted per fold on the other folds. Each synthetic row is scored by the
model of the fold of its nearest training row (Euclidean, on the one `MixedEncoder`
matrix): a copy or near copy of a training row, and a SMOTE row interpolated next to
its seed row, is judged by a model that never saw that row. (A SMOTE row's far
endpoint lies in the same fold with probability 1/FOLDS only; the model may have seen
it, which can only make the filter more lenient, never stricter.) The real holdout rows
are scored the same way, by the model of their nearest training row's fold, so the
reference share is measured under the same conditions. The cost is `FOLDS` fits of the
label model and one nearest-neighbour search.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from equipoise.dataspec import TableSchema
from equipoise.dataspec.encoding import model_labels
from equipoise.validation.gate.tables import downstream_model
from equipoise.validation.label_filter import FOLDS, LabelFilter, cross_fitted_proba, deal_folds
from equipoise.validation.tables.leakage import row_hashes


@dataclass
class CrossFitted:
    """The filter and how it was cross-fitted: the fold of every training row, the fold
    whose model scored each synthetic and holdout row, and the training positions each
    fold's model was fitted on."""

    filter: LabelFilter
    train_folds: np.ndarray
    synthetic_folds: np.ndarray
    holdout_folds: np.ndarray
    fitted_on: list[np.ndarray]


def cross_fitted_filter(
    schema: TableSchema,
    train: tuple[pd.DataFrame, pd.Series],
    holdout: tuple[pd.DataFrame, pd.Series],
    X_syn: pd.DataFrame,
    encoded: tuple[np.ndarray, np.ndarray, np.ndarray],
    *,
    model: str,
    min_proba: float,
    seed: int,
) -> CrossFitted:
    """Score the synthetic and holdout rows with the cross-fitted label classifier.
    `encoded` holds the training, holdout and synthetic rows on one `MixedEncoder`
    (one-hot) fitted on the training split."""
    X_train, y_train = train
    X_hold, y_hold = holdout
    Z_train, Z_hold, Z_syn = encoded
    labels = y_train.to_numpy(dtype=object)
    fit_labels = model_labels(y_train)
    folds = deal_folds(row_hashes(X_train), labels, np.random.default_rng(seed))
    syn_near, hold_near = _nearest(Z_train, Z_syn, Z_hold)
    classes = list(schema.classes)
    rows_of = {"synthetic": X_syn, "holdout": X_hold}
    fitted_on: list[np.ndarray] = [np.flatnonzero(folds != k) for k in range(FOLDS)]

    def fit_predict(rows: np.ndarray, need: dict[str, np.ndarray]):
        clf = downstream_model(model, schema, seed=seed, class_weight="balanced")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # convergence chatter of a small fold
            clf.fit(X_train.iloc[rows], fit_labels[rows])
        return clf.classes_, {
            name: clf.predict_proba(rows_of[name].iloc[idx])
            for name, idx in need.items()
            if len(idx)
        }

    proba = cross_fitted_proba(
        folds, {"synthetic": syn_near, "holdout": hold_near}, classes, fit_predict
    )
    labels_filter = LabelFilter(
        classes, proba["synthetic"], proba["holdout"], y_hold.to_numpy(dtype=object), min_proba,
        "rows",
    )  # fmt: skip
    return CrossFitted(labels_filter, folds, folds[syn_near], folds[hold_near], fitted_on)


def _nearest(Z_train: np.ndarray, *queries: np.ndarray) -> list[np.ndarray]:
    """The position of each query row's nearest training row (exact search)."""
    from sklearn.neighbors import NearestNeighbors

    index = NearestNeighbors(n_neighbors=1).fit(Z_train)
    return [
        index.kneighbors(Q, return_distance=False)[:, 0] if len(Q) else np.zeros(0, dtype=np.int64)
        for Q in queries
    ]
