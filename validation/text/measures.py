"""What the text checks compare, in one of two spaces: `text_measures` for synthetic
texts (the GX text schema, TF-IDF copies and label classifier, meaning by MiniLM or
TF-IDF), `embedding_measures` for rows that hold a MiniLM vector (embedding_smote:
structural checks of the vectors, copies of training and holdout rows, meaning and the
label classifier in MiniLM space). Both return `Measures`, which the text checks
(`checks.py`) read."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from equipoise.dataspec import InputError, ValidationFailed
from equipoise.dataspec.embeddings import DIM, cosine, embed
from equipoise.dataspec.seeding import derive_seed
from equipoise.dataspec.text import EMBEDDING, TextSchema
from equipoise.validation.label_filter import LabelFilter, cross_fitted_proba, deal_folds
from equipoise.validation.sample_suite import run_sample_suites
from equipoise.validation.text.features import (
    TextTable,
    label_classifier,
    length_bounds,
    most_similar,
    normalised,
    row_similarity,
    sources,
    vectorizer,
)
from equipoise.validation.text.settings import TextValidationSettings


@dataclass
class Measures:
    """Per synthetic row (positions are the synthetic rows'), in one vector space."""

    keep: np.ndarray  # rows that passed the schema
    schema: dict[str, Any]  # the schema step's report
    texts: list[str] | None  # None for embedding rows
    nearest: np.ndarray  # similarity to the nearest training row (any class)
    hold_nearest: np.ndarray  # the same for the real holdout rows
    near: np.ndarray  # near or exact copies of training rows (removed)
    hold_near: np.ndarray
    exact: np.ndarray
    leak: np.ndarray  # copies of holdout rows (removed)
    same_class: np.ndarray  # similarity to the class's nearest training row
    hold_same_class: np.ndarray
    meaning: np.ndarray  # similarity to the source row (or same_class without one)
    off_meaning: np.ndarray  # outside the meaning bounds (dropped)
    meaning_test: str  # the space meaning was measured in ("MiniLM", "TF-IDF")
    copy_test: str  # how near copies were found
    share_gated: bool  # whether the near-copy share can fail the run (texts) or is reported
    labels: LabelFilter
    timings: dict[str, float]


def meaning_bounds(
    meaning: np.ndarray, has_source: np.ndarray, settings: TextValidationSettings, minilm: bool
) -> np.ndarray:
    """Rows off topic (below the lower bound for rows with / without a source) or, in
    MiniLM space, copies in meaning (at or above `max_meaning_similarity`)."""
    if minilm:
        low = np.where(has_source, settings.min_meaning_similarity,
                       settings.min_nearest_meaning_similarity)  # fmt: skip
        return (meaning < low) | (meaning >= settings.max_meaning_similarity)
    low = np.where(has_source, settings.min_source_similarity, settings.min_nearest_similarity)
    return meaning < low


def text_measures(
    schema: TextSchema,
    X_train: pd.DataFrame, y_train: np.ndarray,
    X_hold: pd.DataFrame, y_hold: np.ndarray,
    X_syn: pd.DataFrame, y_syn: np.ndarray,
    settings: TextValidationSettings, seed: int, reports_dir: str | Path | None,
) -> Measures:  # fmt: skip
    """Synthetic texts: GX schema, TF-IDF copies and label classifier; meaning by MiniLM
    (`_minilm_meaning`) or by TF-IDF (`meaning_model`)."""
    texts_train, texts_hold = X_train[schema.text].tolist(), X_hold[schema.text].tolist()
    timings: dict[str, float] = {}
    real_suite, suite = _text_schema(schema, (X_train, y_train), (X_syn, y_syn), settings,
                                     seed, reports_dir)  # fmt: skip
    timings["schema"] = real_suite.seconds + suite.seconds
    keep = ~suite.drop
    # dropped rows are read as empty texts below, so that every array keeps its positions
    texts_syn = [t if k else "" for t, k in zip(X_syn[schema.text].tolist(), keep, strict=True)]
    source = sources(X_syn)
    has_source = source >= 0
    t = time.perf_counter()
    V_train, V_hold, V_syn = _tfidf(texts_train, texts_hold, texts_syn)
    nearest, nearest_at = most_similar(V_train, V_syn)
    hold_nearest, hold_at = most_similar(V_train, V_hold)
    labels = cross_fitted_labels(
        schema, texts_train, y_train, y_hold, {"synthetic": V_syn, "holdout": V_hold}, V_train,
        (np.where(has_source, source, nearest_at), hold_at), settings, seed,
    )  # fmt: skip
    timings["tfidf_and_label_model"] = time.perf_counter() - t
    t = time.perf_counter()
    bound = settings.max_source_similarity
    exact, near, hold_near, leak = _copies(
        (texts_train, texts_hold, texts_syn), (nearest, hold_nearest), (V_hold, V_syn), keep, bound
    )  # fmt: skip
    timings["similarity"] = time.perf_counter() - t

    t = time.perf_counter()
    minilm = settings.meaning_model == "minilm"
    if minilm:  # only the texts still kept after the schema and copy checks
        meaning, same_class, hold_same_class = _minilm_meaning(
            (texts_train, y_train), (texts_hold, y_hold), (texts_syn, y_syn),
            np.flatnonzero(keep & ~near), source,
        )  # fmt: skip
    else:
        same_class, _ = most_similar(V_train, V_syn, y_train, y_syn)
        hold_same_class, _ = most_similar(V_train, V_hold, y_train, y_hold)
        meaning = same_class.copy()
        if has_source.any():
            meaning[has_source] = row_similarity(V_syn[has_source], V_train[source[has_source]])
    timings["meaning"] = time.perf_counter() - t
    return Measures(
        keep=keep, schema=suite.to_dict() | {"real_training_texts": real_suite.to_dict()},
        texts=texts_syn, nearest=nearest, hold_nearest=hold_nearest, near=near,
        hold_near=hold_near, exact=exact, leak=leak,
        same_class=same_class, hold_same_class=hold_same_class, meaning=meaning,
        off_meaning=meaning_bounds(meaning, has_source, settings, minilm),
        meaning_test="MiniLM" if minilm else "TF-IDF",
        copy_test=f"TF-IDF cosine >= {settings.max_source_similarity:g}", share_gated=True,
        labels=labels,
        timings=timings,
    )  # fmt: skip


def _tfidf(texts_train: list[str], texts_hold: list[str], texts_syn: list[str]) -> tuple:
    """The three splits' TF-IDF vectors, on a vocabulary fitted on the training texts."""
    vec = vectorizer()
    V_train = vec.fit_transform(texts_train)
    return V_train, vec.transform(texts_hold), vec.transform(texts_syn)


def _text_schema(
    schema: TextSchema, train: tuple[pd.DataFrame, np.ndarray],
    synthetic: tuple[pd.DataFrame, np.ndarray], settings: TextValidationSettings, seed: int,
    reports_dir: str | Path | None,
) -> tuple[Any, Any]:  # fmt: skip
    """The GX suite over one row per text, on the real training texts and the synthetic
    ones (lengths within the training texts' range widened by `length_slack`)."""
    lengths = np.array([len(t) for t in train[0][schema.text].tolist()])
    sizes = {"chars": length_bounds(lengths, settings.length_slack), "sources": len(train[1])}
    real_suite, suite, _ = run_sample_suites(
        TextTable(schema), schema, sizes, train=train, synthetic=synthetic,
        reports_dir=reports_dir, seed=seed,
    )  # fmt: skip
    return real_suite, suite


def _copies(
    texts: tuple[list[str], list[str], list[str]], nearest: tuple[np.ndarray, np.ndarray],
    V: tuple[Any, Any], keep: np.ndarray, bound: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:  # fmt: skip
    """Exact copies of training texts; near copies (TF-IDF cosine >= `bound`, or exact) of
    the synthetic and the holdout texts; synthetic texts equal or nearly equal to a
    holdout text (a leak, removed)."""
    (texts_train, texts_hold, texts_syn), (V_hold, V_syn) = texts, V
    seen = {normalised(x) for x in texts_train}
    exact = np.array([normalised(x) in seen for x in texts_syn], dtype=bool) & keep
    hold_exact = np.array([normalised(x) in seen for x in texts_hold], dtype=bool)
    near = (nearest[0] >= bound) | exact
    hold_near = (nearest[1] >= bound) | hold_exact
    in_holdout = {normalised(x) for x in texts_hold}
    to_holdout, _ = most_similar(V_hold, V_syn)
    leak = keep & (
        np.array([normalised(x) in in_holdout for x in texts_syn], dtype=bool)
        | (to_holdout >= bound)
    )
    return exact, near, hold_near, leak


def _minilm_meaning(
    train: tuple[list[str], np.ndarray], hold: tuple[list[str], np.ndarray],
    syn: tuple[list[str], np.ndarray], rows: np.ndarray, source: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # fmt: skip
    """MiniLM cosines of the synthetic `rows` to their source text (or the class's
    nearest training text), to the class's nearest training text, and of the holdout
    texts of those classes to theirs; only those texts and their references are embedded."""
    (texts_train, y_train), (texts_hold, y_hold), (texts_syn, y_syn) = train, hold, syn
    has_source = source >= 0
    meaning, same_class = np.zeros(len(texts_syn)), np.zeros(len(texts_syn))
    E_syn = embed([texts_syn[i] for i in rows])[0]
    classes = sorted({y_syn[i] for i in rows}, key=str)
    ref_rows = np.flatnonzero(np.isin(y_train, classes)) if len(rows) else np.zeros(0, int)
    E_ref = embed([texts_train[i] for i in ref_rows])[0]
    if len(rows):
        same_class[rows] = _nearest_in_class(E_syn, y_syn[rows], E_ref, y_train[ref_rows])
        position = {r: j for j, r in enumerate(ref_rows)}
        with_source = has_source[rows] & np.isin(source[rows], ref_rows)
        meaning[rows] = same_class[rows]
        if with_source.any():
            refs = [position[s] for s in source[rows][with_source]]
            meaning[rows[with_source]] = cosine(E_syn[with_source], E_ref[refs])
    in_class = np.flatnonzero(np.isin(y_hold, classes))
    E_hold = embed([texts_hold[i] for i in in_class])[0]
    hold_same_class = np.zeros(len(texts_hold))
    if len(in_class) and len(ref_rows):
        hold_same_class[in_class] = _nearest_in_class(E_hold, y_hold[in_class], E_ref,
                                                      y_train[ref_rows])  # fmt: skip
    return meaning, same_class, hold_same_class


def _nearest_in_class(E: np.ndarray, y: np.ndarray, E_ref: np.ndarray, y_ref: np.ndarray):
    """Each row's cosine to the nearest reference row of its class, clipped to [0, 1]."""
    S = np.where(y[:, None] == y_ref[None, :], E @ E_ref.T, -np.inf)
    return np.clip(S.max(axis=1), 0, 1)


def vectors_of(X_syn: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """The synthetic rows' vectors (n, DIM) float32 and which are well formed (DIM
    finite values); malformed ones are zeros."""
    out = np.zeros((len(X_syn), DIM), dtype=np.float32)
    ok = np.zeros(len(X_syn), dtype=bool)
    for i, v in enumerate(X_syn[EMBEDDING]):
        a = np.asarray(v, dtype=np.float64).ravel() if v is not None else np.zeros(0)
        if a.shape == (DIM,) and np.isfinite(a).all() and np.linalg.norm(a) > 0:
            out[i], ok[i] = a, True
    return out, ok


def _vector_schema(
    schema: TextSchema, X_syn: pd.DataFrame, y_syn: np.ndarray, n: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The source positions (within the `n` training rows), the vectors and which are
    well formed; ValidationFailed for sources out of range, columns or labels."""
    source = sources(X_syn)
    if ((source < -1) | (source >= n)).any():
        raise ValidationFailed(
            f"synthetic rows name source rows outside the training split (0-{n - 1}); "
            "fix the generator's output"
        )
    try:  # columns and labels (the rows hold no text to check)
        schema.check(X_syn.assign(**{schema.text: ""}), y_syn, what="synthetic rows")
    except InputError as err:
        raise ValidationFailed(err.message) from None
    return (source, *vectors_of(X_syn))


def embedding_measures(
    schema: TextSchema,
    X_train: pd.DataFrame, y_train: np.ndarray,
    X_hold: pd.DataFrame, y_hold: np.ndarray,
    X_syn: pd.DataFrame, y_syn: np.ndarray,
    settings: TextValidationSettings,
) -> Measures:  # fmt: skip
    """Rows holding MiniLM vectors: a vector that is not DIM finite values is dropped
    (the schema step); a row at cosine >= `max_embedding_similarity` to a training row
    is a near copy, to a holdout row a leak (both removed); meaning is the cosine to
    the source row (or the class's nearest training row) within the MiniLM bounds; the
    label classifier is a logistic regression on the training rows' embeddings."""
    timings: dict[str, float] = {}
    t = time.perf_counter()
    source, V_syn, keep = _vector_schema(schema, X_syn, y_syn, len(y_train))
    timings["schema"] = time.perf_counter() - t
    t = time.perf_counter()
    E_train = embed(X_train[schema.text].tolist())[0]
    E_hold = embed(X_hold[schema.text].tolist())[0]
    timings["embed_real"] = time.perf_counter() - t
    t = time.perf_counter()
    unit = V_syn / np.maximum(np.linalg.norm(V_syn, axis=1, keepdims=True), 1e-12)
    nearest, nearest_at = most_similar(E_train, unit)
    hold_nearest, hold_at = most_similar(E_train, E_hold)
    to_holdout, _ = most_similar(E_hold, unit)
    same_class, _ = most_similar(E_train, unit, y_train, y_syn)
    hold_same_class, _ = most_similar(E_train, E_hold, y_train, y_hold)
    meaning = same_class.copy()
    has_source = source >= 0
    if has_source.any():
        meaning[has_source] = cosine(unit[has_source], E_train[source[has_source]])
    bound = settings.max_embedding_similarity
    near = (nearest >= bound) & keep
    labels = cross_fitted_labels(
        schema, X_train[schema.text].tolist(), y_train, y_hold,
        {"synthetic": unit, "holdout": E_hold}, E_train,
        (np.where(has_source, source, nearest_at), hold_at), settings, 0,
    )  # fmt: skip
    timings["similarity_and_label_model"] = time.perf_counter() - t
    malformed = int((~keep).sum())
    return Measures(
        keep=keep,
        schema={"checked": "vectors: 384 finite values, not all zero", "dropped": malformed,
                "not_applicable": "the GX text schema (rows hold no text)"},
        texts=None, nearest=nearest, hold_nearest=hold_nearest, near=near,
        hold_near=hold_nearest >= bound, exact=np.zeros(len(keep), dtype=bool),
        leak=(to_holdout >= bound) & keep, same_class=same_class,
        hold_same_class=hold_same_class, meaning=meaning,
        off_meaning=meaning < np.where(has_source, settings.min_meaning_similarity,
                                       settings.min_nearest_meaning_similarity),
        meaning_test="MiniLM", copy_test=f"MiniLM cosine >= {bound:g}", share_gated=False,
        labels=labels,
        timings=timings,
    )  # fmt: skip


def cross_fitted_labels(
    schema: TextSchema, texts_train: list[str], y_train: np.ndarray, y_hold: np.ndarray,
    queries: dict[str, Any], V_train: Any, anchors: tuple[np.ndarray, np.ndarray],
    settings: TextValidationSettings, seed: int,
) -> LabelFilter:  # fmt: skip
    """The label filter, cross-fitted (`validation/label_filter.py`): each synthetic text
    is scored by a classifier that never saw its source text (`__source__`, else its
    nearest training text), each holdout text by one that never saw its nearest."""
    keys = np.array([normalised(t) for t in texts_train], dtype=object)
    labels = np.asarray(y_train, dtype=object)
    folds = deal_folds(keys, labels, np.random.default_rng(derive_seed(seed, "labels")))
    classes = list(schema.classes)

    def fit_predict(rows, need):
        model = label_classifier(V_train[rows], labels[rows])
        return model.classes_, {
            name: model.predict_proba(queries[name][idx]) for name, idx in need.items() if len(idx)
        }

    anchored = {name: np.maximum(a, 0) for name, a in zip(queries, anchors, strict=True)}
    proba = cross_fitted_proba(folds, anchored, classes, fit_predict)
    return LabelFilter(classes, proba["synthetic"], proba["holdout"], y_hold,
                       settings.min_label_proba, "texts")  # fmt: skip
