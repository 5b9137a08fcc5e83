"""MiniLM in text validation and the text gate, on real fine-food reviews (class
"other" cut to 1:10 in training): embedding_smote rows are validated in embedding space
(label-flipping vectors dropped by the label filter, copies of training and holdout rows
removed, text-only checks named as not applicable), MiniLM meaning flags an off-topic
text and a copy, and the gate's `embed` model trains on embedding rows where `tfidf`
cannot."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from equipoise.dataspec.text import EMBEDDING, SOURCE
from equipoise.generators import registry
from equipoise.pipeline.modalities import modality
from equipoise.validation.text import TextValidationSettings

#: the text plug-in's validator (its list of checks through the one validator)
validate_text = modality("text").validator()

RARE = "other"


@pytest.fixture(scope="module")
def smote(fine_food_text):
    schema, (X, y), _ = fine_food_text
    return registry.create("embedding_smote", schema).fit(X, y, seed=0)


def _validate(fine_food_text, X, y, **kw):
    schema, train, holdout = fine_food_text
    return validate_text(schema, train=train, holdout=holdout, synthetic=(X, y), seed=0, **kw)


def test_embedding_rows_are_validated_in_embedding_space(fine_food_text, smote):
    X, y = smote.sample({RARE: 60}, seed=0)
    report = _validate(fine_food_text, X, y)
    rows = report.classes[RARE]["rows"]
    assert report.passed, report.failures
    assert rows["dropped_by_label"] <= 6 and rows["kept"] >= 40
    assert report.classes[RARE]["diversity"] is None
    (note,) = [n for n in report.notes if "not applicable" in n]
    assert "distinct-n diversity" in note and "exact copies" in note
    checks = {c.check for c in report.checks}
    assert not {"diversity.distinct_2_ratio", "leakage.exact_copies_removed"} & checks


def test_label_flipping_embeddings_are_dropped(fine_food_text, smote):
    """Vectors made from class great's rows, labelled as the rare class."""
    X, _ = smote.sample({"great": 60}, seed=0)
    honest = _validate(fine_food_text, *smote.sample({RARE: 60}, seed=0))
    report = _validate(fine_food_text, X, np.full(60, RARE, dtype=object))
    flipped, fair = report.classes[RARE]["label"], honest.classes[RARE]["label"]
    assert flipped["share_kept"] < 0.6 < 0.9 < fair["share_kept"]
    assert report.classes[RARE]["rows"]["dropped_by_label"] >= 20


def test_copies_of_training_and_holdout_rows_are_removed(fine_food_text, smote):
    from equipoise.dataspec.embeddings import embed

    schema, (X_train, y_train), (X_hold, y_hold) = fine_food_text
    X, y = smote.sample({RARE: 20}, seed=0)
    i_train = int(np.flatnonzero(y_train == RARE)[0])
    i_hold = int(np.flatnonzero(y_hold == RARE)[0])
    X.at[0, EMBEDDING] = embed([X_train[schema.text][i_train]])[0][0]
    X.at[1, EMBEDDING] = embed([X_hold[schema.text][i_hold]])[0][0]
    X.at[2, EMBEDDING] = np.full(384, np.nan, dtype=np.float32)  # malformed
    report = _validate(fine_food_text, X, y)
    assert not report.keep[:3].any()
    info = report.classes[RARE]
    assert info["leakage"]["holdout_copies"] >= 1 and info["rows"]["dropped_by_schema"] == 1


def test_meaning_flags_an_off_topic_text_and_a_copy(fine_food_text):
    """A text on another subject is dropped by MiniLM meaning; the source review in
    upper case is a copy (MiniLM is uncased: cosine 1.0, above the copy bound) and
    removed; the bounds themselves drop below the lower and at or above the upper."""
    from equipoise.dataspec.embeddings import cosine, embed
    from equipoise.validation.text.measures import meaning_bounds

    schema, (X_train, y_train), _ = fine_food_text
    rare = np.flatnonzero(y_train == RARE)[:2]
    texts = X_train[schema.text].to_numpy()[rare]
    off_topic = "The printer driver fails to install on Windows and the manual does not help."
    rows = pd.DataFrame({"product": X_train["product"].to_numpy()[rare],
                         "review": [off_topic, texts[1].upper()], SOURCE: rare})  # fmt: skip
    report = _validate(fine_food_text, rows, np.full(2, RARE, dtype=object))
    assert list(report.keep) == [False, False]
    assert report.classes[RARE]["rows"]["dropped_by_meaning"] >= 1
    settings = TextValidationSettings()
    E = embed([texts[1], texts[1].upper(), off_topic])[0]
    assert cosine(E[:1], E[1:2])[0] >= settings.max_meaning_similarity
    assert cosine(E[:1], E[2:3])[0] < settings.min_meaning_similarity
    sims = np.array([0.3, 0.8, 0.9995, 0.2, 0.3])
    has_source = np.array([True, True, True, False, False])
    flags = meaning_bounds(sims, has_source, settings, minilm=True)
    assert list(flags) == [True, False, True, True, False]


def test_gate_embed_model_trains_on_embedding_rows_and_tfidf_is_skipped(fine_food_text, smote):
    from equipoise.validation.gate import Arena, run_gate
    from equipoise.validation.gate.text import TextGateSettings

    schema, train, holdout = fine_food_text
    X, y = smote.sample({RARE: 60}, seed=0)
    gate_set = (pd.concat([train[0], X], ignore_index=True),
                np.concatenate([train[1].to_numpy(dtype=object), y]))  # fmt: skip
    settings = TextGateSettings(models=("tfidf", "embed"), baselines=("none",), bootstrap=100)
    arena = Arena("text", schema, train, holdout, settings, seed=0)
    board = run_gate(arena, {"embedding_smote": gate_set})
    trained = {(r.candidate.name, r.candidate.model) for r in board.rows}
    assert {("none", "tfidf"), ("none", "embed"), ("embedding_smote", "embed")} <= trained
    (skip,) = board.skipped
    assert skip["model"] == "tfidf" and "embeddings" in skip["error"]


def test_report_examples_show_the_source_and_the_cosine_of_an_embedding_row(fine_food_text, smote):
    from types import SimpleNamespace

    from equipoise.reports.text import examples

    schema, (X_train, _), _ = fine_food_text
    X, y = smote.sample({RARE: 2}, seed=0)
    (block,) = examples(SimpleNamespace(X_train=X_train, schema=schema), (X, y))
    (source, new), _ = block["pairs"]
    assert source == X_train[schema.text][int(X[SOURCE][0])][:400]
    assert new.startswith("(an embedding, no text)")
    assert re.search(r"cosine [01]\.\d{3}$", new)
