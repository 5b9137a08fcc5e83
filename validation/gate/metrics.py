"""Imbalance-aware metrics of holdout predictions, computed for many bootstrap
weightings at once: each metric takes a weight matrix W (B, n) — row b says how often
each holdout row is drawn in resample b — and returns B values. W = ones(1, n) gives
the plain point estimate. Binary metrics score the minority (positive) class; with
more classes they are macro averages (one-vs-rest for the ranking metrics). The
fixed-threshold metrics and recall at a precision floor always score the minority
(positive) class against the rest, at the cut-off the user deploys rather than the one a
candidate tuned. `prior_weights` reweights the holdout to a deployment class prior."""

from __future__ import annotations

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


#: a class with more holdout rows than this is resampled by counting picks
BIG_CLASS = 20_000


def stratified_weights(
    y: np.ndarray, n_resamples: int, seed: int, out: np.ndarray | None = None
) -> np.ndarray:
    """(B, n) draw counts of a bootstrap that resamples within each class, so every
    resample keeps the holdout's class counts (no resample without minority rows);
    written into `out` when given (a block of a larger weight matrix)."""
    rng = np.random.default_rng(seed)
    W = np.zeros((n_resamples, len(y))) if out is None else out
    for cls in np.unique(y):
        rows = np.flatnonzero(y == cls)
        m = len(rows)
        if m <= BIG_CLASS:
            W[:, rows] = rng.multinomial(m, np.full(m, 1.0 / m), n_resamples)
        else:  # the same distribution, drawn as m picks per resample (numpy's multinomial
            # takes a binomial per row: seconds for a class of 80,000 holdout rows), in
            # blocks of resamples so the picks never hold more than about 80 MB
            block = max(1, 10_000_000 // m)
            for start in range(0, n_resamples, block):
                b = min(block, n_resamples - start)
                picks = rng.integers(0, m, size=(b, m)) + (np.arange(b) * m)[:, None]
                counts = np.bincount(picks.ravel(), minlength=b * m).reshape(b, m)
                W[start : start + b, rows] = counts
    return W


def ranking(
    W: np.ndarray, positive: np.ndarray, score: np.ndarray, floor: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Weighted average precision (sklearn's step-wise definition), ROC-AUC (ties count
    one half) and the highest recall of any cut-off whose precision is at least `floor`
    (0 when none reaches it), each (B,).

    Rows sorted by score (highest first) fall into tie groups; all three change only at
    the groups that hold a positive, so only those are evaluated: the weights of the
    rows above each such group, in it, and its positives are summed by one sparse
    product with W. The cost is one pass over W and (B, groups with a positive) arrays,
    not (B, n) ones: a big holdout's bootstrap stays cheap."""
    from scipy import sparse

    n = len(score)
    if not positive.any():  # nothing to rank: undefined, and no cut-off reaches the floor
        nan = np.full(len(W), np.nan)
        return nan, nan.copy(), np.zeros(len(W))
    order = np.argsort(-score, kind="mergesort")
    s, pos = score[order], positive[order]
    group = np.r_[0, np.cumsum(np.diff(s) != 0)]  # tie group of each sorted row
    hits = np.unique(group[pos])  # the groups with a positive, in score order
    g = len(hits)
    # per sorted row: the positive group it is in, or the first one below it
    slot = np.searchsorted(hits, group)
    inside = np.zeros(n, dtype=bool)
    inside[slot < g] = hits[np.minimum(slot, g - 1)][slot < g] == group[slot < g]
    # columns: [above group j (since the previous one) | in group j] x g, the tail, then
    # the positives of group j
    col = np.where(inside, g + slot, np.minimum(slot, g) if g else 0)
    col = np.where(slot >= g, 2 * g, col)
    rows = np.r_[order, order[pos]]
    cols = np.r_[col, 2 * g + 1 + slot[pos]]
    S = sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, 3 * g + 1))
    sums = np.asarray(W @ S)
    above, within, tail, d_tp = (
        sums[:, :g],
        sums[:, g : 2 * g],
        sums[:, 2 * g],
        sums[:, 2 * g + 1 :],
    )
    seen = np.cumsum(above + within, axis=1)
    tp = np.cumsum(d_tp, axis=1)
    total = tp[:, -1] if g else np.zeros(len(W))
    negatives = (seen[:, -1] if g else 0) + tail - total
    fp = seen - tp
    d_fp = within - d_tp
    with np.errstate(invalid="ignore", divide="ignore"):
        precision = np.where(seen > 0, tp / seen, 1.0)
        recall = tp / total[:, None]
        ap = np.sum(d_tp / total[:, None] * precision, axis=1)
        ok = precision >= floor - 1e-12
        at_floor = np.where(ok, recall, 0.0).max(axis=1, initial=0.0)
        below = negatives[:, None] - fp  # negatives scored strictly lower than the group
        roc = np.sum(d_tp * (below + 0.5 * d_fp), axis=1) / (total * negatives)
    return ap, roc, at_floor


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
    ranks = {c: ranking(W, y == c, proba[:, c], precision_floor) for c in {*scored, positive}}
    out["recall_at_precision"] = ranks[positive][2]
    out["pr_auc"] = np.mean([ranks[c][0] for c in scored], axis=0)
    out["roc_auc"] = np.mean([ranks[c][1] for c in scored], axis=0)
    return {name: out[name] for name in METRIC_NAMES}


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
