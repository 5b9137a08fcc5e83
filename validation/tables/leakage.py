"""Leakage of training records, per generated class: exact copies, near copies (a
per-row filter), distance to closest record (DCR) of synthetic and holdout rows to the
training rows, the size-corrected DCR share, the 5th-percentile ratio and the
nearest-neighbour distance ratio (NNDR).

Distances are Euclidean on the one `MixedEncoder` matrix fitted on the training split,
between distinct rows (duplicates add nothing to "how near"); each search runs once
and serves every statistic that needs it.

Near copy (the per-row filter): a synthetic row whose distance to its nearest training
row a is below `near_copy_ratio` x the distance from a to a's own nearest other real
training row, i.e. far nearer to a training record than real records come to each
other. The share of such rows, above the share of holdout rows that are as near, decides
pass or fail. (The 5th percentile of the holdout rows' DCR is not the per-row threshold:
in mixed data with many columns those distances concentrate and it would remove 7-91 %
of SMOTE's rows, while in data full of near-duplicates it is 0 and misses copies; see
BENCHMARKS.md. The share below it is reported.)

DCR share, corrected for set sizes: for each synthetic row, is the nearest training row
nearer than the nearest holdout row? If the row is independent of the training rows,
training and holdout rows are exchangeable and the nearest of their union is a training
row with probability e = n_train / (n_train + n_holdout). The raw share p is reweighted to
equal-sized sets, share = (p/e) / (p/e + (1-p)/(1-e)): 0.5 means no memorisation, 1 means
every synthetic row sits on a training row. Unlike subsampling the training rows to the
holdout's size, this keeps every training row in the comparison.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from equipoise.validation.neighbours import (
    SEPARATION,
    discrete_signature,
    knn,
    knn_within_groups,
)
from equipoise.validation.results import CheckResult, jsonable
from equipoise.validation.sampling import capped, sample_note
from equipoise.validation.tables.settings import ValidationSettings

#: holdout rows a class needs for the DCR share and the holdout baselines
MIN_HOLDOUT_ROWS = 10
#: query x reference pairs searched by brute force; above, within discrete signatures
BRUTE_PAIRS = 400_000_000


def row_hashes(X: pd.DataFrame) -> np.ndarray:
    """One 64-bit hash per row of the raw feature values (exact copies, distinct rows)."""
    return pd.util.hash_pandas_object(X, index=False).to_numpy()


def distinct(hashes: np.ndarray) -> np.ndarray:
    """Positions of the first occurrence of each distinct row."""
    return np.flatnonzero(~pd.Series(hashes).duplicated().to_numpy())


@dataclass
class LeakageResult:
    """Leakage statistics of one class; `removed` marks the synthetic rows to drop."""

    label: Any
    removed: np.ndarray
    stats: dict[str, Any] = field(default_factory=dict)
    checks: list[CheckResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return jsonable({**self.stats, "notes": self.notes})


@dataclass
class ClassRows:
    """Encoded rows of one class and their raw-row hashes."""

    Z: np.ndarray
    hashes: np.ndarray


def assess_leakage(
    label: Any,
    encoder: Any,
    train: ClassRows,
    holdout: ClassRows,
    synthetic: ClassRows,
    train_hash_set: np.ndarray,
    settings: ValidationSettings,
    rng: np.random.Generator,
) -> LeakageResult:
    """Leakage checks of one class. `train_hash_set` holds the hashes of every training
    row (all classes): a synthetic row equal to any of them is an exact copy."""
    n_s = len(synthetic.Z)
    out = LeakageResult(label, removed=np.zeros(n_s, dtype=bool))
    out.stats["rows"] = {
        "train": len(train.Z),
        "holdout": len(holdout.Z),
        "synthetic": n_s,
    }
    exact = _exact_copies(out, synthetic, holdout, train_hash_set, settings)
    # Allowed copies are known duplicates: the distance statistics describe the others.
    cand = np.flatnonzero(~exact) if settings.allow_exact_copies else np.arange(n_s)
    U, V = _distinct_rows(train), _distinct_rows(holdout)
    S = synthetic.Z if len(cand) == n_s else synthetic.Z[cand]

    if len(U) < 2 or len(S) == 0:
        _skip(out, n_s, len(U), settings)
        return out
    reuse = _near_copies(out, encoder, (U, S, V), exact, cand, settings, rng)

    # --- DCR statistics (sampled above `sample_rows` per side) -----------------------
    if len(V) < MIN_HOLDOUT_ROWS:
        out.stats["dcr"] = None
        out.checks.append(
            CheckResult("leakage.dcr_share", label, None, settings.max_dcr_share, None)
        )
    else:
        _dcr(out, U, S, V, settings, rng, reuse=reuse)
    out.stats["rows_removed"] = int(out.removed.sum())
    out.checks.append(
        CheckResult("leakage.rows_removed", label, int(out.removed.sum()), None, None)
    )
    return out


def _exact_copies(
    out: LeakageResult, synthetic: ClassRows, holdout: ClassRows, train_hash_set: np.ndarray,
    settings: ValidationSettings,
) -> np.ndarray:  # fmt: skip
    """Synthetic rows equal to a training row (any class): counted, checked and, unless
    allowed, removed."""
    exact = np.isin(synthetic.hashes, train_hash_set)
    hold_exact = np.isin(holdout.hashes, train_hash_set)
    copy_share = float(exact.mean()) if len(exact) else 0.0
    hold_copy_share = float(hold_exact.mean()) if len(hold_exact) else None
    out.stats["exact_copies"] = {
        "count": int(exact.sum()),
        "share": copy_share,
        "holdout_share": hold_copy_share,
        "kept": bool(settings.allow_exact_copies),
    }
    _exact_copy_check(out, copy_share, hold_copy_share, settings)
    if not settings.allow_exact_copies:
        out.removed |= exact
    return exact


def _skip(out: LeakageResult, n_s: int, n_u: int, settings: ValidationSettings) -> None:
    """Near copies and DCR need synthetic rows and 2 distinct training rows."""
    if n_s == 0:
        why = "no synthetic rows are left after the schema check"
    elif n_u < 2:
        why = f"the class has {n_u} distinct training row(s); near copies need 2"
    else:
        why = "every synthetic row is an allowed exact copy"
    out.notes.append(f"near-copy filter and DCR statistics skipped for class {out.label!r}: {why}")
    out.checks += _skipped(out.label, settings)
    out.stats["near_copies"] = out.stats["dcr"] = None


def _near_copies(
    out: LeakageResult, encoder: Any, rows: tuple[np.ndarray, np.ndarray, np.ndarray],
    exact: np.ndarray, cand: np.ndarray, settings: ValidationSettings, rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray] | None:  # fmt: skip
    """The per-row near-copy filter: every candidate row against every distinct training
    row (`rows`: U, S, V). Returns the brute-force distances for the DCR to reuse."""
    U, S, V = rows
    label, n_s = out.label, len(out.removed)
    small = len(U) * (len(U) + len(S) + len(V)) <= BRUTE_PAIRS
    if small:
        d_u = knn(U, U, 2)[0][:, 1]
        d_s, i_s = knn(U, S, 2)
        d_v, i_v = knn(U, V, 2)
        rel_s = _relative(d_s[:, 0], d_u[np.maximum(i_s[:, 0], 0)])
        rel_v = _relative(d_v[:, 0], d_u[np.maximum(i_v[:, 0], 0)])
        search = "brute force"
        v_rows = np.arange(len(V))
    else:
        v_rows = capped(len(V), settings.sample_rows, rng)
        rel_s, rel_v = _relative_by_signature(encoder, U, S, V[v_rows], settings.near_copy_ratio)
        search = "within discrete signatures"
    near = rel_s < settings.near_copy_ratio
    if not settings.allow_exact_copies:
        near &= ~exact[cand]  # exact copies are counted as such
    out.removed[cand[near]] = True
    near_share = float(near.sum()) / n_s
    hold_near = None
    if len(V) >= MIN_HOLDOUT_ROWS:
        hold_near = float(np.mean(rel_v < settings.near_copy_ratio))
    else:
        out.notes.append(
            f"class {label!r} has {len(V)} distinct holdout rows (need {MIN_HOLDOUT_ROWS}): "
            "near copies are compared with a holdout share of 0 and the DCR share is skipped; "
            "use a larger holdout (split.holdout)"
        )
    out.stats["near_copies"] = {
        "ratio": settings.near_copy_ratio,
        "count": int(near.sum()),
        "share": near_share,
        "holdout_share": hold_near,
        "search": search,
    }
    _near_copy_check(out, near_share, hold_near, settings)
    return (d_s, d_v) if small else None


def _near_copy_check(
    out: LeakageResult, near_share: float, hold_near: float | None, settings: ValidationSettings
) -> None:
    label = out.label
    limit = (hold_near or 0.0) + settings.max_near_copy_share
    out.checks.append(
        CheckResult(
            "leakage.near_copies",
            label,
            near_share,
            min(limit, 1.0),
            near_share <= limit,
            setting="max_near_copy_share",
            advice=(
                f"{near_share:.0%} of synthetic rows sit nearer to a training row than "
                f"{settings.near_copy_ratio:g} x the distance between real neighbours "
                f"(holdout rows: {hold_near or 0.0:.0%}); they were removed, but so many mean "
                "the generator reproduces training rows: train it less or pick another kind"
            ),
        )
    )


def _dcr(
    out: LeakageResult,
    U: np.ndarray,
    S: np.ndarray,
    V: np.ndarray,
    settings: ValidationSettings,
    rng: np.random.Generator,
    reuse: tuple[np.ndarray, np.ndarray] | None,
) -> None:
    """DCR share, 5th-percentile and median ratios, NNDR."""
    d_s, d_v, d_sv, (n_u, n_v) = _dcr_distances(out, U, S, V, settings, rng, reuse)
    votes = np.where(d_s[:, 0] == d_sv, 0.5, (d_s[:, 0] < d_sv).astype(float))
    raw = float(votes.mean())
    expected = n_u / (n_u + n_v)
    share = _size_corrected(raw, expected)
    p5_s, p5_v = float(np.percentile(d_s[:, 0], 5)), float(np.percentile(d_v[:, 0], 5))
    med_s, med_v = float(np.median(d_s[:, 0])), float(np.median(d_v[:, 0]))
    out.stats["dcr"] = {
        "share": share,
        "share_raw": raw,
        "share_expected_by_size": expected,
        "synthetic_p5": p5_s,
        "holdout_p5": p5_v,
        "p5_ratio": p5_s / p5_v if p5_v > 0 else None,
        # the share a filter at the holdout's 5th percentile would remove (not applied)
        "share_below_holdout_p5": float(np.mean(d_s[:, 0] < p5_v)),
        "synthetic_median": med_s,
        "holdout_median": med_v,
        "median_ratio": med_s / med_v if med_v > 0 else None,
        "nndr_synthetic_median": _nndr(d_s),
        "nndr_holdout_median": _nndr(d_v),
    }
    threshold = settings.max_dcr_share
    out.checks.append(
        CheckResult(
            "leakage.dcr_share",
            out.label,
            share,
            threshold,
            None if threshold is None else share <= threshold,
            setting="max_dcr_share",
            advice=(
                f"{raw:.0%} of synthetic rows lie nearer to a training row than to any "
                f"holdout row ({expected:.0%} expected by set sizes alone): the generator "
                "reproduces its training rows; train it less, pick another kind, or raise "
                "the threshold"
            ),
        )
    )
    out.checks.append(
        CheckResult("leakage.dcr_p5_ratio", out.label, out.stats["dcr"]["p5_ratio"], None, None)
    )


def _dcr_distances(
    out: LeakageResult, U: np.ndarray, S: np.ndarray, V: np.ndarray,
    settings: ValidationSettings, rng: np.random.Generator,
    reuse: tuple[np.ndarray, np.ndarray] | None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, tuple[int, int]]:  # fmt: skip
    """Nearest-two training distances of the synthetic and holdout rows, each synthetic
    row's nearest holdout distance and the set sizes (sampled above `sample_rows`)."""
    if reuse is not None:  # the near-copy search already saw every row: reuse it
        d_s, d_v = reuse
        return d_s, d_v, knn(V, S, 1)[0][:, 0], (len(U), len(V))
    s_idx = capped(len(S), settings.sample_rows, rng)
    u_idx = capped(len(U), settings.sample_rows, rng)
    v_idx = capped(len(V), settings.sample_rows, rng)
    Us, Vs, Ss = U[u_idx], V[v_idx], S[s_idx]
    d_s, d_v = knn(Us, Ss, 2)[0], knn(Us, Vs, 2)[0]
    d_sv = knn(Vs, Ss, 1)[0][:, 0]
    n_u, n_v = len(Us), len(Vs)
    note = sample_note(
        "the DCR share, percentile ratios and NNDR",
        {
            "synthetic": (len(Ss), len(S)),
            "distinct training": (len(Us), len(U)),
            "distinct holdout": (len(Vs), len(V)),
        },
    )
    if note:
        out.notes.append(f"class {out.label!r}: {note}")
    return d_s, d_v, d_sv, (n_u, n_v)


def _distinct_rows(rows: ClassRows) -> np.ndarray:
    keep = distinct(rows.hashes)
    return rows.Z if len(keep) == len(rows.Z) else rows.Z[keep]


def _exact_copy_check(
    out: LeakageResult, share: float, holdout_share: float | None, settings: ValidationSettings
) -> None:
    if settings.allow_exact_copies:
        if share > 0:
            out.notes.append(
                f"class {out.label!r}: {share:.1%} of synthetic rows are exact copies of "
                "training rows and were kept (allow_exact_copies: true); they add no new data"
            )
        out.checks.append(CheckResult("leakage.exact_copies", out.label, share, None, None))
        return
    limit = (holdout_share or 0.0) + settings.max_exact_copy_share
    out.checks.append(
        CheckResult(
            "leakage.exact_copies",
            out.label,
            share,
            min(limit, 1.0),
            share <= limit,
            setting="max_exact_copy_share",
            advice=(
                f"{share:.0%} of synthetic rows equal a training row (holdout rows: "
                f"{holdout_share or 0.0:.0%}); they were removed. If the generator copies "
                "rows by design (random_oversample) set validation.allow_exact_copies: true; "
                "otherwise train it less or pick another kind"
            ),
        )
    )


def _skipped(label: Any, settings: ValidationSettings) -> list[CheckResult]:
    return [
        CheckResult("leakage.near_copies", label, None, settings.max_near_copy_share, None),
        CheckResult("leakage.dcr_share", label, None, settings.max_dcr_share, None),
    ]


def _relative(d: np.ndarray, d_neighbour: np.ndarray) -> np.ndarray:
    """d / (the nearest training row's distance to its own nearest other training row)."""
    rel = np.full(len(d), np.inf)
    np.divide(d, d_neighbour, out=rel, where=d_neighbour > 0)
    rel[d == 0] = 0.0
    return rel


def _relative_by_signature(
    encoder: Any, U: np.ndarray, S: np.ndarray, V: np.ndarray, ratio: float
) -> tuple[np.ndarray, np.ndarray]:
    """`_relative` for large tables, searching within discrete signatures.

    Exact wherever a row's nearest training row is nearer than SEPARATION (all that
    matters at the default ratio unless a training row is more than SEPARATION / ratio
    from every other one); rows farther than SEPARATION count as not near.
    """
    k = len(encoder.numeric_)
    g_u, g_s, g_v = discrete_signature(encoder, U, S, V)
    within_u = knn_within_groups(U[:, :k], g_u, U[:, :k], g_u, 2)[0][:, 1]
    d_u = np.where(within_u < SEPARATION, within_u, SEPARATION)  # a lower bound above
    out = []
    for Q, g_q in ((S, g_s), (V, g_v)):
        d, i = knn_within_groups(U[:, :k], g_u, Q[:, :k], g_q, 1)
        d, i = d[:, 0], np.maximum(i[:, 0], 0)
        d = np.where(d < SEPARATION, d, np.inf)
        # Where a's own neighbour is only bounded (>= SEPARATION), settle the cases the
        # bound cannot decide with an exact search for those training rows.
        unsure = (within_u[i] >= SEPARATION) & (d >= ratio * SEPARATION) & (d < ratio * within_u[i])
        if unsure.any():
            rows = np.unique(i[unsure])
            exact = knn(U, U[rows], 2)[0][:, 1]
            d_u[rows] = exact
        out.append(_relative(d, d_u[i]))
    return out[0], out[1]


def _size_corrected(raw: float, expected: float) -> float:
    """The share p reweighted to equal-sized training and holdout sets (module doc)."""
    if raw <= 0.0 or raw >= 1.0:
        return float(raw)
    a, b = raw / expected, (1.0 - raw) / (1.0 - expected)
    return a / (a + b)


def _nndr(d: np.ndarray) -> float | None:
    """Median of nearest / second-nearest distance (0 for a row on a training row)."""
    if not np.isfinite(d[:, 1]).any():
        return None
    ratio = np.zeros(len(d))
    np.divide(d[:, 0], d[:, 1], out=ratio, where=d[:, 1] > 0)
    return float(np.median(ratio))
