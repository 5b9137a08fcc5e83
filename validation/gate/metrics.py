"""Imbalance-aware metrics of holdout predictions, computed for many bootstrap
weightings at once: each metric takes a weight matrix W (B, n) — row b says how often
each holdout row is drawn in resample b — and returns B values. W = ones(1, n) gives
the plain point estimate. Binary metrics score the minority (positive) class; with
more classes they are macro averages (one-vs-rest for the ranking metrics). The
fixed-threshold metrics and recall at a precision floor always score the minority
(positive) class against the rest, at the cut-off the user deploys rather than the one a
candidate tuned. `prior_weights` reweights the holdout to a deployment class prior."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

#: every metric the gate computes; accuracy is shown (with a warning), never gated
METRIC_NAMES = (
    "pr_auc",
    "roc_auc",
    "precision",
    "recall",
    "minority_recall",
    "f1",
    "mcc",
    "gmean",
    "balanced_accuracy",
    "f1_fixed",
    "recall_fixed",
    "precision_fixed",
    "recall_at_precision",
    "accuracy",
)
LABELS = {
    "pr_auc": "PR-AUC",
    "roc_auc": "ROC-AUC",
    "precision": "precision",
    "recall": "recall",
    "minority_recall": "minority recall",
    "f1": "F1",
    "mcc": "MCC",
    "gmean": "G-mean",
    "balanced_accuracy": "balanced accuracy",
    "f1_fixed": "F1 at the fixed threshold",
    "recall_fixed": "recall at the fixed threshold",
    "precision_fixed": "precision at the fixed threshold",
    "recall_at_precision": "recall at the precision floor",
    "accuracy": "accuracy",
}


def prior_weights(y: np.ndarray, positive: int, prior: float | None) -> np.ndarray:
    """Per-row importance weights that give class `positive` the share `prior` of the
    weighted rows and keep the other classes' proportions among themselves (ones when
    `prior` is None). y: class indices."""
    if prior is None:
        return np.ones(len(y))
    is_pos = y == positive
    share = is_pos.mean()
    if share in (0.0, 1.0):
        return np.ones(len(y))
    return np.where(is_pos, prior / share, (1 - prior) / (1 - share))


def stratified_weights(y: np.ndarray, n_resamples: int, seed: int) -> np.ndarray:
    """(B, n) draw counts of a bootstrap that resamples within each class, so every
    resample keeps the holdout's class counts (no resample without minority rows)."""
    rng = np.random.default_rng(seed)
    W = np.zeros((n_resamples, len(y)))
    for cls in np.unique(y):
        rows = np.flatnonzero(y == cls)
        W[:, rows] = rng.multinomial(len(rows), np.full(len(rows), 1.0 / len(rows)), n_resamples)
    return W


def pr_steps(W: np.ndarray, positive: np.ndarray, score: np.ndarray):
    """Weighted (precision, recall) at each distinct score as the cut-off (highest
    first, ties grouped): the steps of the precision-recall curve, (B, steps) each."""
    order = np.argsort(-score, kind="mergesort")
    s, pos = score[order], positive[order].astype(float)
    Wo = W[:, order]
    tp = np.cumsum(Wo * pos, axis=1)
    seen = np.cumsum(Wo, axis=1)
    last = np.r_[np.flatnonzero(np.diff(s)), len(s) - 1]  # end of each tie group
    tp, seen = tp[:, last], seen[:, last]
    total = tp[:, -1:]
    with np.errstate(invalid="ignore", divide="ignore"):
        precision = np.where(seen > 0, tp / seen, 1.0)
        recall = tp / total
    return precision, recall


def average_precision(W: np.ndarray, positive: np.ndarray, score: np.ndarray) -> np.ndarray:
    """Weighted average precision (sklearn's step-wise definition, ties grouped)."""
    precision, recall = pr_steps(W, positive, score)
    gain = np.diff(np.concatenate([np.zeros((len(W), 1)), recall], axis=1), axis=1)
    return np.sum(gain * precision, axis=1)


def recall_at_precision(
    W: np.ndarray, positive: np.ndarray, score: np.ndarray, floor: float
) -> np.ndarray:
    """The highest recall of any cut-off whose precision is at least `floor` (0 when
    none reaches it)."""
    precision, recall = pr_steps(W, positive, score)
    return np.where(precision >= floor - 1e-12, recall, 0.0).max(axis=1)


def roc_auc(W: np.ndarray, positive: np.ndarray, score: np.ndarray) -> np.ndarray:
    """Weighted ROC-AUC by the rank-sum identity (ties count one half)."""
    order = np.argsort(score, kind="mergesort")
    s, pos = score[order], positive[order]
    Wo = W[:, order]
    wp, wn = Wo * pos, Wo * ~pos
    # negatives strictly below each row plus half of the tied negatives
    bounds = np.searchsorted(s, s, side="left"), np.searchsorted(s, s, side="right")
    cum_neg = np.concatenate([np.zeros((len(W), 1)), np.cumsum(wn, axis=1)], axis=1)
    below = cum_neg[:, bounds[0]]
    tied = cum_neg[:, bounds[1]] - below
    num = np.sum(wp * (below + 0.5 * tied), axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return num / (wp.sum(axis=1) * wn.sum(axis=1))


def confusion(W: np.ndarray, y: np.ndarray, pred: np.ndarray, k: int) -> np.ndarray:
    """(B, k, k) weighted confusion matrices, true classes on the rows."""
    cell = y * k + pred
    onehot = np.zeros((len(y), k * k))
    onehot[np.arange(len(y)), cell] = 1.0
    return (W @ onehot).reshape(len(W), k, k)


def all_metrics(
    W: np.ndarray,
    y: np.ndarray,
    proba: np.ndarray,
    pred: np.ndarray,
    *,
    positive: int,
    minority: int,
    fixed_threshold: float = 0.5,
    precision_floor: float = 0.5,
) -> dict[str, np.ndarray]:
    """Every metric for B weightings. y, pred: class indices; proba: (n, k) columns in
    class order; `positive` is the class scored in the binary case (and against the
    rest by the fixed-threshold metrics and recall at `precision_floor`), `minority`
    the smallest training class (for minority_recall)."""
    k = proba.shape[1]
    C = confusion(W, y, pred, k)
    diag = np.diagonal(C, axis1=1, axis2=2)
    true_n, pred_n = C.sum(axis=2), C.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        recall_c = diag / true_n
        precision_c = np.where(pred_n > 0, diag / pred_n, 0.0)
        f1_c = np.where(
            precision_c + recall_c > 0, 2 * precision_c * recall_c / (precision_c + recall_c), 0.0
        )
    scored: list[int] = [positive] if k == 2 else list(range(k))
    out = {
        "precision": precision_c[:, scored].mean(axis=1),
        "recall": recall_c[:, scored].mean(axis=1),
        "minority_recall": recall_c[:, minority],
        "f1": f1_c[:, scored].mean(axis=1),
        "mcc": _mcc(C),
        "gmean": np.exp(np.mean(np.log(np.clip(recall_c, 1e-300, None)), axis=1))
        * (recall_c > 0).all(axis=1),
        "balanced_accuracy": recall_c.mean(axis=1),
        "accuracy": diag.sum(axis=1) / C.sum(axis=(1, 2)),
    }
    is_pos = y == positive
    fixed = (proba[:, positive] >= fixed_threshold).astype(int)
    Cf = confusion(W, is_pos.astype(int), fixed, 2)
    tp, fn, fp = Cf[:, 1, 1], Cf[:, 1, 0], Cf[:, 0, 1]
    with np.errstate(invalid="ignore", divide="ignore"):
        out["recall_fixed"] = tp / (tp + fn)
        out["precision_fixed"] = np.where(tp + fp > 0, tp / (tp + fp), 0.0)
        out["f1_fixed"] = np.where(tp > 0, 2 * tp / (2 * tp + fp + fn), 0.0)
    out["recall_at_precision"] = recall_at_precision(W, is_pos, proba[:, positive], precision_floor)
    out["pr_auc"] = _per_class(average_precision, W, y, proba, scored)
    out["roc_auc"] = _per_class(roc_auc, W, y, proba, scored)
    return {name: out[name] for name in METRIC_NAMES}


def _per_class(
    fn: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray],
    W: np.ndarray,
    y: np.ndarray,
    proba: np.ndarray,
    scored: list[int],
) -> np.ndarray:
    return np.mean([fn(W, y == c, proba[:, c]) for c in scored], axis=0)


def _mcc(C: np.ndarray) -> np.ndarray:
    """Matthews correlation of each confusion matrix (multiclass: Gorodkin's R_K)."""
    t, p = C.sum(axis=2), C.sum(axis=1)
    n = C.sum(axis=(1, 2))
    correct = np.trace(C, axis1=1, axis2=2)
    cov_tp = correct * n - np.sum(t * p, axis=1)
    cov_pp = n**2 - np.sum(p * p, axis=1)
    cov_tt = n**2 - np.sum(t * t, axis=1)
    denom = np.sqrt(cov_pp * cov_tt)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(denom > 0, cov_tp / denom, 0.0)
