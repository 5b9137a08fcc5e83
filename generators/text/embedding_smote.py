"""SMOTE and Borderline-SMOTE (imbalanced-learn) in sentence-embedding space.

Given embeddings of real texts, their labels and how many new rows each class needs,
returns exactly that many new vectors per class, their labels, and for each new vector
the index of its nearest real row of the same class (Euclidean; the row a text wrapper
would show or paraphrase, and what a leakage check compares against).

Borderline-SMOTE only makes rows from minority rows "in danger" (near the border);
when a class has none, imbalanced-learn makes fewer rows than asked. The shortfall is
then made with plain SMOTE, and `topped_up` says how many rows per class that was,
so the counts are always exact.
"""

from __future__ import annotations

import warnings
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from sklearn.neighbors import NearestNeighbors

from equipoise.dataspec import InputError

Method = Literal["smote", "borderline-1", "borderline-2"]


@dataclass(frozen=True)
class EmbeddingSamples:
    vectors: np.ndarray  # (m, d) float32
    labels: np.ndarray  # (m,)
    source: np.ndarray  # (m,) int64: nearest real row (same class), index into the input
    source_distance: np.ndarray  # (m,) float32: Euclidean distance to that row
    topped_up: dict[Hashable, int] = field(default_factory=dict)


def _sampler(method: Method, targets: dict, k: int, m: int, seed: int):
    from imblearn.over_sampling import SMOTE, BorderlineSMOTE

    if method == "smote":
        return SMOTE(sampling_strategy=targets, k_neighbors=k, random_state=seed)
    if method in ("borderline-1", "borderline-2"):
        return BorderlineSMOTE(
            sampling_strategy=targets,
            k_neighbors=k,
            m_neighbors=m,
            kind=method,
            random_state=seed,
        )
    raise InputError(f"embedding SMOTE: unknown method {method!r}")


def _new_rows(
    X: np.ndarray, y: np.ndarray, counts: dict, method: Method, k: int, m: int, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    classes, n_per = np.unique(y, return_counts=True)
    have = dict(zip(classes.tolist(), n_per.tolist(), strict=True))
    targets = {c: have[c] + n for c, n in counts.items()}
    # imbalanced-learn refuses a target below a class's size for classes it does not
    # name, so every asked class is named; the others are left alone.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        X_res, y_res = _sampler(method, targets, k, m, seed).fit_resample(X, y)
    return np.asarray(X_res[len(X) :]), np.asarray(y_res[len(y) :])


def smote_embeddings(
    X: np.ndarray,
    y: np.ndarray,
    counts: Mapping[Hashable, int],
    rng: np.random.Generator,
    method: Method = "smote",
    k_neighbors: int = 5,
    m_neighbors: int = 10,
    normalize: bool = False,
) -> EmbeddingSamples:
    """counts[label] new vectors for each label (labels absent or 0: none).

    k_neighbors is lowered to (smallest asked class size - 1) when that is smaller;
    a class with fewer than 2 rows cannot be interpolated and raises InputError.
    normalize=True rescales the new vectors to unit length (sentence embeddings are
    unit vectors; interpolants between two are a little shorter)."""
    X, y, want = _checked(X, y, counts, rng)
    dim = X.shape[1]
    if not want:
        empty = np.zeros(0, dtype=np.int64)
        return EmbeddingSamples(
            np.zeros((0, dim), np.float32), y[:0], empty, np.zeros(0, np.float32)
        )
    sizes = {c: int((y == c).sum()) for c in want}
    small = {c: n for c, n in sizes.items() if n < 2}
    if small:
        raise InputError(f"embedding SMOTE: classes with fewer than 2 rows: {small}")
    k = max(1, min(k_neighbors, min(sizes.values()) - 1))
    m = max(1, min(m_neighbors, len(X) - 1))
    seed = int(rng.integers(0, 2**31 - 1))

    vecs, labs = _new_rows(X, y, want, method, k, m, seed)
    topped: dict[Hashable, int] = {}
    if method != "smote":
        short = {c: n - int((labs == c).sum()) for c, n in want.items()}
        short = {c: n for c, n in short.items() if n > 0}
        if short:
            v2, l2 = _new_rows(X, y, short, "smote", k, m, seed + 1)
            vecs, labs = np.concatenate([vecs, v2]), np.concatenate([labs, l2])
            topped = short
    got = {c: int((labs == c).sum()) for c in want}
    if got != want:  # pragma: no cover - imbalanced-learn contract
        raise RuntimeError(f"embedding SMOTE made {got}, asked {want}")

    vecs = vecs.astype(np.float32, copy=False)
    if normalize:
        vecs = vecs / np.maximum(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-12)
    source, dist = _nearest_sources(X, y, vecs, labs, want)
    return EmbeddingSamples(vecs, labs, source, dist, topped)


def _checked(
    X: np.ndarray, y: np.ndarray, counts: Mapping[Hashable, int], rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, dict[Hashable, int]]:
    """X as float32 rows, y as an array and the positive counts; InputError when bad."""
    if not isinstance(rng, np.random.Generator):
        raise InputError(f"embedding SMOTE needs a numpy Generator, got {type(rng).__name__}")
    X = np.asarray(X, dtype=np.float32)
    y = np.asarray(y)
    if X.ndim != 2 or len(X) != len(y):
        raise InputError(f"embedding SMOTE: X {X.shape} and y {y.shape} do not match")
    if not np.isfinite(X).all():
        raise InputError("embedding SMOTE: X has NaN or inf")
    want = {c: int(n) for c, n in counts.items() if int(n) > 0}
    if any(int(n) < 0 for n in counts.values()):
        raise InputError(f"embedding SMOTE: negative counts {dict(counts)}")
    return X, y, want


def _nearest_sources(
    X: np.ndarray, y: np.ndarray, vecs: np.ndarray, labs: np.ndarray, want: Mapping
) -> tuple[np.ndarray, np.ndarray]:
    """Each new vector's nearest real row of its class (the source) and the distance."""
    source = np.empty(len(vecs), dtype=np.int64)
    dist = np.empty(len(vecs), dtype=np.float32)
    for c in want:
        rows = np.flatnonzero(y == c)
        new = np.flatnonzero(labs == c)
        nn = NearestNeighbors(n_neighbors=1).fit(X[rows])
        d, j = nn.kneighbors(vecs[new])
        source[new] = rows[j[:, 0]]
        dist[new] = d[:, 0]
    return source, dist
