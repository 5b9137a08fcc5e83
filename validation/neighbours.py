"""Exact nearest-neighbour searches on the one mixed-type encoding (`MixedEncoder`),
vectorised: brute force in chunks (scikit-learn's parallel pairwise reductions) for
ordinary sizes, and for large tables a search within discrete signatures.

Two rows that differ in any category or missing indicator are at least 1/sqrt(2) apart
in the encoding (a one-hot mismatch weighs 1 in squared distance, an unseen category
1/2, a missing indicator 1). Any distance below that comes from a row with the same
discrete values, so searching only among rows with the same signature, on the numeric
columns, finds every neighbour nearer than `SEPARATION` exactly.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from equipoise.dataspec.encoding import MixedEncoder

#: the smallest distance between two encoded rows whose discrete values differ
SEPARATION = float(1.0 / np.sqrt(2.0))
#: distances below this are float noise of the GEMM-based distance: an exact match
ZERO = 1e-6
#: query x reference pairs above which a signature group is searched with a KD-tree
_KDTREE_PAIRS = 4_000_000
#: pairs per block of the small-group brute force (bounds its memory)
_BLOCK_PAIRS = 2_000_000


def knn(reference: np.ndarray, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Distances and indices of the k nearest reference rows of every query row
    (brute force; inf and -1 where the reference has fewer rows)."""
    dist = np.full((len(query), k), np.inf)
    idx = np.full((len(query), k), -1, dtype=np.int64)
    k_eff = min(k, len(reference))
    if k_eff == 0 or len(query) == 0:
        return dist, idx
    from sklearn.neighbors import NearestNeighbors

    model = NearestNeighbors(n_neighbors=k_eff, algorithm="brute").fit(reference)
    d, i = model.kneighbors(query, return_distance=True)
    dist[:, :k_eff] = np.where(d < ZERO, 0.0, d)
    idx[:, :k_eff] = i
    return dist, idx


def discrete_signature(encoder: MixedEncoder, *matrices: np.ndarray) -> list[np.ndarray]:
    """One integer per row naming its discrete values (missing indicators and categories),
    consistent across the given encoded matrices."""
    if encoder.mode != "onehot":
        raise ValueError("discrete signatures need the one-hot encoding")
    k = len(encoder.numeric_)
    blocks = [(k + i, 1) for i in range(len(encoder.indicated_))]
    start = k + len(encoder.indicated_)
    for name in encoder.discrete_:
        width = len(encoder.categories_[name])
        blocks.append((start, width))
        start += width
    sizes = [len(Z) for Z in matrices]
    keys = [np.zeros(n, dtype=np.int64) for n in sizes]
    cardinality = 1
    for first, width in blocks:
        levels = 2 if width == 1 else width + 1
        if cardinality * levels >= 2**62:  # renumber the keys seen so far, jointly
            codes, uniques = pd.factorize(np.concatenate(keys))
            keys = np.split(codes.astype(np.int64), np.cumsum(sizes)[:-1])
            cardinality = len(uniques)
        for j, Z in enumerate(matrices):
            part = Z[:, first : first + width]
            if width == 1:
                code = (part[:, 0] > 0).astype(np.int64)
            else:
                code = np.where(part.max(axis=1) > 0, part.argmax(axis=1), width)
            keys[j] = keys[j] * levels + code
        cardinality *= levels
    key = np.concatenate(keys) if keys else np.zeros(0, dtype=np.int64)
    key = pd.factorize(key)[0].astype(np.int64)
    return np.split(key, np.cumsum(sizes)[:-1])


def knn_within_groups(
    reference: np.ndarray,
    reference_group: np.ndarray,
    query: np.ndarray,
    query_group: np.ndarray,
    k: int = 1,
) -> tuple[np.ndarray, np.ndarray]:
    """Distances and indices of the k nearest reference rows *of the same group* (pass the
    numeric columns only; inf and -1 where the group has fewer rows)."""
    dist = np.full((len(query), k), np.inf)
    idx = np.full((len(query), k), -1, dtype=np.int64)
    if len(reference) == 0 or len(query) == 0:
        return dist, idx
    order = np.argsort(reference_group, kind="stable")
    groups, starts = np.unique(reference_group[order], return_index=True)
    ends = np.append(starts[1:], len(order))
    q_order = np.argsort(query_group, kind="stable")
    q_groups, q_starts = np.unique(query_group[q_order], return_index=True)
    q_ends = np.append(q_starts[1:], len(q_order))
    where = np.searchsorted(groups, q_groups)
    for g, qs, qe, pos in zip(q_groups, q_starts, q_ends, where, strict=True):
        if pos >= len(groups) or groups[pos] != g:
            continue
        members = order[starts[pos] : ends[pos]]
        rows = q_order[qs:qe]
        d, i = _group_knn(reference[members], query[rows], k)
        dist[rows] = d
        idx[rows] = np.where(i >= 0, members[np.maximum(i, 0)], -1)
    return dist, idx


def _group_knn(R: np.ndarray, Q: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    dist = np.full((len(Q), k), np.inf)
    idx = np.full((len(Q), k), -1, dtype=np.int64)
    k_eff = min(k, len(R))
    if R.shape[1] == 0:  # no numeric columns: the same signature is the same row
        dist[:, :k_eff] = 0.0
        idx[:, :k_eff] = np.arange(k_eff)
        return dist, idx
    if len(R) * len(Q) > _KDTREE_PAIRS:
        from sklearn.neighbors import KDTree

        d, i = KDTree(R).query(Q, k=k_eff)
        dist[:, :k_eff], idx[:, :k_eff] = np.where(d < ZERO, 0.0, d), i
        return dist, idx
    r2 = np.einsum("ij,ij->i", R, R)
    step = max(1, _BLOCK_PAIRS // len(R))
    for lo in range(0, len(Q), step):
        q = Q[lo : lo + step]
        d2 = np.einsum("ij,ij->i", q, q)[:, None] + r2[None, :] - 2.0 * (q @ R.T)
        if k_eff == 1:
            part = d2.argmin(axis=1)[:, None]
        elif k_eff < len(R):
            part = np.argpartition(d2, k_eff - 1, axis=1)[:, :k_eff]
        else:
            part = np.broadcast_to(np.arange(len(R)), d2.shape)
        chosen = np.take_along_axis(d2, part, axis=1)
        rank = np.argsort(chosen, axis=1, kind="stable")
        d = np.sqrt(np.maximum(np.take_along_axis(chosen, rank, axis=1), 0.0))
        dist[lo : lo + step, :k_eff] = np.where(d < ZERO, 0.0, d)
        idx[lo : lo + step, :k_eff] = np.take_along_axis(part, rank, axis=1)
    return dist, idx
