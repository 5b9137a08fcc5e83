"""Label preservation, shared by every modality: a classifier fitted on the real training
split gives each synthetic sample a probability of its intended class; samples below the
threshold are dropped, and the share kept is reported next to the real holdout's own
share at the same threshold.

Cross-fitted, so that no sample is judged by a model that saw its source: the distinct
training samples of each class are dealt at random into `FOLDS` folds (identical samples
share a fold), one model is fitted per fold on the other folds, and each synthetic sample
(and each holdout sample, for the reference share) is scored by the model of its
anchor's fold: the training sample it was made from when the generator says so (text:
`__source__`), else its nearest training sample. A copy, an augmented copy or a SMOTE
child is judged by a model that never saw its source; the cost is `FOLDS` fits."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from equipoise.validation.memorisation import median
from equipoise.validation.results import CheckResult


@dataclass(frozen=True)
class LabelFilter:
    """The classifier's probabilities of the synthetic and holdout samples (columns in
    `classes` order), the holdout's labels and the threshold."""

    classes: Any
    p_synthetic: np.ndarray
    p_holdout: np.ndarray
    y_holdout: np.ndarray
    min_proba: float
    #: what the samples are called in the checks ("series", "texts")
    noun: str

    def apply(self, label: Any, rows: np.ndarray, keep: np.ndarray) -> tuple[list, dict, int]:
        """Drop (keep False) the class's `rows` still kept whose probability of `label`
        is below the threshold; the checks, the report details and the count dropped."""
        column = {c: i for i, c in enumerate(self.classes)}
        rest = rows[keep[rows]]
        proba = self.p_synthetic[rest, column[label]] if label in column else np.zeros(len(rest))
        low = rest[proba < self.min_proba]
        keep[low] = False
        share = float(1 - len(low) / len(rest)) if len(rest) else None
        in_hold = self.y_holdout == label
        hold_p = self.p_holdout[in_hold, column[label]] if label in column else np.zeros(0)
        hold_share = float((hold_p >= self.min_proba).mean()) if len(hold_p) else None
        ref = f" (real holdout {self.noun}: {hold_share:.3f})" if hold_share is not None else ""
        checks = [
            CheckResult("label.share_kept", label, share, None, None, op=">=",
                        advice=f"share of the class's {self.noun} the label classifier "
                        f"recognises{ref}"),
            CheckResult(f"label.{self.noun}_dropped", label, len(low), None, None,
                        setting="min_label_proba"),
        ]  # fmt: skip
        info = {"share_kept": share, "holdout_share_kept": hold_share,
                "median_proba": median(proba), "holdout_median_proba": median(hold_p)}  # fmt: skip
        return checks, info, len(low)


#: folds of the cross-fitted label classifier
FOLDS = 5


def deal_folds(keys: np.ndarray, labels: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A fold per training sample: each class's distinct samples (by `keys`, e.g. a hash
    of the sample) dealt at random into FOLDS folds in turn; identical samples (same key,
    any label) take their first one's."""
    first = pd.Series(keys).groupby(keys, sort=False).ngroup().to_numpy()
    _, lead = np.unique(first, return_index=True)  # the first sample of each distinct key
    fold_of = np.empty(len(lead), dtype=np.int64)
    for label in pd.unique(labels[lead]):
        mine = np.flatnonzero(labels[lead] == label)
        fold_of[rng.permutation(mine)] = np.arange(len(mine)) % FOLDS
    return fold_of[first]


def cross_fitted_proba(
    train_folds: np.ndarray,
    anchors: Mapping[str, np.ndarray],
    classes: list[Any],
    fit_predict: Callable[[np.ndarray, Mapping[str, np.ndarray]], tuple[Any, dict[str, Any]]],
) -> dict[str, np.ndarray]:
    """Each query sample's class probabilities (columns in `classes` order) from the model
    of its anchor's fold. `anchors`: name -> the training position each query sample is
    anchored to; `fit_predict(fit_rows, {name: query rows})` fits a model on the training
    positions `fit_rows` and returns (its classes, {name: probabilities of those rows})."""
    folds = {name: train_folds[np.asarray(a, dtype=np.int64)] for name, a in anchors.items()}
    out = {name: np.zeros((len(a), len(classes))) for name, a in anchors.items()}
    for k in range(FOLDS):
        need = {name: np.flatnonzero(f == k) for name, f in folds.items()}
        if not any(len(rows) for rows in need.values()):
            continue
        model_classes, probas = fit_predict(np.flatnonzero(train_folds != k), need)
        columns = [classes.index(c) for c in model_classes]
        for name, rows in need.items():
            if len(rows):
                out[name][np.ix_(rows, columns)] = probas[name]
    return out
