"""What the text checks compare: the one-row-per-text table of the schema suite, TF-IDF
vectors (word 1-2 grams, fitted on the real training texts) for the label classifier
and the cosine similarities, and the distinct-n diversity of a set of texts.
scikit-learn loads inside the functions that use it."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from equipoise.dataspec.text import SOURCE, TextSchema
from equipoise.validation.sample_suite import between, key_expectations
from equipoise.validation.schema_suite import Expectation

#: inverse L2 strength of the label classifier (fine-food reviews, 300 + 30 and
#: 1,500 + 150 training texts: C=1 keeps 89-94 % of real holdout texts of the rare
#: class at p >= 0.3 on both sizes; C=10 and C=100 move the bunch of probabilities
#: with the size of the training split, so no one threshold fits both)
LABEL_C = 1.0
#: query x reference similarities computed at once (bounds the memory of one block)
BLOCK = 4_000_000
#: a source position that is not a whole number
BAD_SOURCE = -2
_WORD = re.compile(r"[a-z0-9]+(?:['\u2019][a-z]+)*")


@dataclass(frozen=True)
class TextTable:
    """One row per text: `id`, `label`, `source` (the `__source__` position, -1 when
    absent, -2 when not a whole number), `chars` (length, -1 for a value that is not
    text), `blank` and `unencodable` (1 for a value that is not text), then one column
    `input.<name>` per input column (the schema's in schema order, any others after
    them) holding each value's type name, not the value: GX hashes the table, and lone
    surrogates or mixed types in an object column cannot be hashed."""

    schema: TextSchema
    noun: str = "texts"

    @property
    def columns(self) -> tuple[str, ...]:
        inputs = (f"input.{c}" for c in self.schema.columns)
        return ("id", "label", "source", "chars", "blank", "unencodable", *inputs)

    def table(self, X: pd.DataFrame, y: np.ndarray, ids: Sequence[str]) -> pd.DataFrame:
        n = len(X)
        texts = X[self.schema.text].tolist() if self.schema.text in X.columns else [None] * n
        text = [t if isinstance(t, str) else None for t in texts]
        inputs = [c for c in self.schema.columns if c in X.columns]
        inputs += [c for c in X.columns if c not in self.schema.columns and c != SOURCE]
        return pd.DataFrame(
            {
                "id": pd.Series(list(ids), dtype=str),
                "label": list(np.asarray(y).tolist()),
                "source": sources(X),
                "chars": [-1 if t is None else len(t) for t in text],
                "blank": [int(t is None or not t.strip()) for t in text],
                "unencodable": [int(t is None or not encodable(t)) for t in text],
                **{f"input.{c}": [type(v).__name__ for v in X[c]] for c in inputs},
            },
            index=pd.RangeIndex(n),
        )

    def expectations(self, classes: Sequence[Any], sizes: Mapping[str, Any]) -> list[Expectation]:
        """Columns, unique ids, known labels and source positions within the training
        split (structural); length in characters within `sizes["chars"]`, non-blank,
        UTF-8-encodable text (droppable)."""
        lo, hi = sizes["chars"]
        return [
            *key_expectations(self.columns, classes),
            between("source", -1, sizes["sources"] - 1, True),
            between("chars", lo, hi, False),
            between("blank", 0, 0, False),
            between("unencodable", 0, 0, False),
        ]


def sources(X: pd.DataFrame) -> np.ndarray:
    """The `__source__` column as int64 (-1 when absent; BAD_SOURCE where a value is
    missing or not a whole number)."""
    if SOURCE not in X.columns:
        return np.full(len(X), -1, dtype=np.int64)
    values = pd.to_numeric(X[SOURCE], errors="coerce").to_numpy(dtype=np.float64)
    whole = np.isfinite(values) & (values == np.round(values))
    return np.where(whole, values, BAD_SOURCE).astype(np.int64)


def encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates
        return False
    return True


def length_bounds(lengths: np.ndarray, slack: float) -> tuple[int, int]:
    """The real range of lengths widened by the factor 1 + `slack` both ways, at least 1."""
    lo, hi = int(lengths.min()), int(lengths.max())
    return max(1, math.floor(lo / (1 + slack))), math.ceil(hi * (1 + slack))


def vectorizer() -> Any:
    """TF-IDF of word 1-2 grams with sublinear term frequency; rows are L2-normalised,
    so a dot product of two rows is their cosine."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)


def label_classifier(V: Any, y: np.ndarray, C: float = LABEL_C) -> Any:
    """Logistic regression (balanced class weights) on the TF-IDF rows of the real
    training texts."""
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=C, max_iter=5000, class_weight="balanced")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(V, np.asarray(y, dtype=object))


def most_similar(
    reference: Any,
    query: Any,
    reference_labels: np.ndarray | None = None,
    query_labels: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Cosine of each query row to its most similar reference row and that row's
    position (rows L2-normalised: TF-IDF sparse rows or dense embeddings); with labels,
    among the reference rows of the query row's label only
    (0 and -1 where there is none)."""
    n = query.shape[0]
    sim, idx = np.zeros(n), np.full(n, -1, dtype=np.int64)
    if n == 0 or reference.shape[0] == 0:
        return sim, idx
    step = max(1, BLOCK // reference.shape[0])
    for lo in range(0, n, step):
        S = query[lo : lo + step] @ reference.T
        S = np.asarray(S.todense() if hasattr(S, "todense") else S)
        if reference_labels is not None and query_labels is not None:
            same = query_labels[lo : lo + step, None] == reference_labels[None, :]
            S = np.where(same, S, -np.inf)
        best = S.argmax(axis=1)
        top = S[np.arange(len(S)), best]
        found = np.isfinite(top)
        sim[lo : lo + step] = np.where(found, top, 0.0)
        idx[lo : lo + step] = np.where(found, best, -1)
    return np.clip(sim, 0.0, 1.0), idx


def row_similarity(a: Any, b: Any) -> np.ndarray:
    """Cosine of each row of `a` with the same row of `b` (TF-IDF rows)."""
    return np.clip(np.asarray(a.multiply(b).sum(axis=1)).ravel(), 0.0, 1.0)


def normalised(text: Any) -> str | None:
    """A text with its whitespace collapsed and stripped: what `exact copy` compares."""
    return " ".join(text.split()) if isinstance(text, str) else None


def distinct(texts: Sequence[str], n: int) -> float | None:
    """distinct-n (Li et al. 2016): unique word n-grams over all word n-grams of the
    texts (lower-cased words); None when they hold no n-gram."""
    grams = []
    for text in texts:
        words = _WORD.findall(text.lower())
        grams += [tuple(words[i : i + n]) for i in range(len(words) - n + 1)]
    return len(set(grams)) / len(grams) if grams else None


def diversity(
    synthetic: Sequence[str],
    real: Sequence[str],
    holdout: Sequence[str],
    draws: int,
    rng: np.random.Generator,
) -> dict[str, Any]:
    """distinct-1 and distinct-2 of a class's synthetic, real training and real holdout
    texts, each on `size` = min(synthetic, real training) texts drawn at random (the
    figure falls as a set grows, so sets are compared at one size), averaged over
    `draws` draws; `ratio`: synthetic over real training distinct-2 (holdout_ratio: the
    holdout's). The holdout is left out when it has fewer than `size` texts."""
    size = min(len(synthetic), len(real))
    out: dict[str, Any] = {"size": size}
    sides = {"synthetic": synthetic, "real": real, "holdout": holdout}
    for side, texts in sides.items():
        for n in (1, 2):
            values = []
            if size >= 2 and len(texts) >= size:
                for _ in range(draws if len(texts) > size else 1):
                    pick = rng.choice(len(texts), size, replace=False)
                    values.append(distinct([texts[i] for i in pick], n))
            known = [v for v in values if v is not None]
            out[f"{side}_distinct_{n}"] = float(np.mean(known)) if known else None
    real2 = out["real_distinct_2"]
    for side, key in (("synthetic", "ratio"), ("holdout", "holdout_ratio")):
        value = out[f"{side}_distinct_2"]
        out[key] = value / real2 if value is not None and real2 else None
    return out
