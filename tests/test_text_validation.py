"""Text validation on real Amazon fine-food reviews (class "other" cut to 1:10 in
training): the default settings pass EDA-augmented reviews, remove exact and near
copies of training reviews, drop reviews of the other class passed off as the rare one
(label filter), drop empty, non-text, unencodable, overlong and off-topic rows, refuse
wrong columns, labels and source positions, and check their own values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from equipoise.dataspec import InputError, ValidationFailed
from equipoise.dataspec.text import SOURCE
from equipoise.generators.text.eda import augment_to_counts
from equipoise.generators.text.lexicon import GloveLexicon
from equipoise.pipeline.modalities import modality
from equipoise.validation.text import TextValidationSettings

#: the text plug-in's validator (its list of checks through the one validator)
validate_text = modality("text").validator()

RARE, N = "other", 100


@pytest.fixture(scope="module")
def eda_rows(fine_food_text):
    """N EDA outputs of the rare class's training reviews, with their sources."""
    _, (X, y), _ = fine_food_text
    texts, labels, src = augment_to_counts(
        X["review"].tolist(), y.tolist(), {RARE: N}, GloveLexicon(), np.random.default_rng(0)
    )
    frame = pd.DataFrame({"product": X["product"].to_numpy()[src], "review": texts, SOURCE: src})
    return frame, np.asarray(labels, dtype=object)


@pytest.fixture(scope="module")
def eda_report(fine_food_text, eda_rows):
    return _validate(fine_food_text, *eda_rows)


def _validate(fine_food_text, X, y, **kw):
    schema, train, holdout = fine_food_text
    return validate_text(schema, train=train, holdout=holdout, synthetic=(X, y), seed=0, **kw)


def _flipped(fine_food_text, n=60):
    """Unseen real reviews of class "great" passed off as the rare class (no source),
    and the data without them in the holdout (else they would be holdout copies)."""
    schema, train, (X_hold, y_hold) = fine_food_text
    taken = np.zeros(len(y_hold), dtype=bool)
    taken[np.flatnonzero(y_hold.to_numpy() != RARE)[:n]] = True
    X = X_hold[taken].reset_index(drop=True)
    rest = (X_hold[~taken].reset_index(drop=True), y_hold[~taken].reset_index(drop=True))
    return X, np.full(len(X), RARE, dtype=object), (schema, train, rest)


def test_augmented_reviews_pass(fine_food_text, eda_rows, eda_report):
    report = eda_report
    assert report.passed, report.failures
    info = report.classes[RARE]
    assert info["rows"]["kept"] == int(report.keep.sum()) >= 0.9 * N
    assert info["leakage"]["exact_copies"] == 0 and info["leakage"]["near_copy_share"] < 0.05
    assert info["meaning"]["with_source"] == N
    assert 0.7 < info["meaning"]["source_similarity_median"] < 0.98
    assert info["label"]["share_kept"] > 0.95 and info["label"]["holdout_share_kept"] > 0.8
    div = info["diversity"]
    assert div["size"] == 30  # the rare class's training reviews
    assert 0.6 < div["ratio"] < 0.95 < div["holdout_ratio"]  # EDA repeats its sources' words
    checks = {r["check"] for r in report.summary_rows()}
    assert {"schema.texts_dropped", "leakage.exact_copies_removed",
            "leakage.near_copy_share_excess", "meaning.source_similarity", "label.share_kept",
            "diversity.distinct_2_ratio"} <= checks  # fmt: skip
    assert report.to_dict()["passed"] is True
    # a minimum diversity ratio, when set, gates
    strict = _validate(fine_food_text, *eda_rows,
                       settings=TextValidationSettings(min_distinct_ratio=0.97))  # fmt: skip
    assert any(f.startswith("diversity.distinct_2_ratio") for f in strict.failures)


def test_exact_and_near_copies_are_removed(fine_food_text, eda_rows, eda_report):
    _, (X, y), _ = fine_food_text
    rare = X[y.to_numpy() == RARE].reset_index(drop=True)
    copies = rare.assign(review=rare["review"] + "  ")  # whitespace does not hide a copy
    report = _validate(fine_food_text, copies, np.full(len(copies), RARE))
    assert not report.passed
    assert any(f.startswith("leakage.near_copy_share_excess") for f in report.failures)
    info = report.classes[RARE]
    assert info["leakage"]["exact_copies"] == len(copies) == info["rows"]["removed_by_leakage"]
    assert not report.keep.any()
    # a few copies among EDA outputs: removed and counted, below the allowed share
    four = rare[rare["review"].str.contains(".", regex=False)].head(4).assign(**{SOURCE: -1})
    few = pd.concat([eda_rows[0], four], ignore_index=True)
    # punctuation is no word: the last one is a near copy (cosine 1), not an exact one
    few.loc[len(few) - 1, "review"] = few.loc[len(few) - 1, "review"].replace(".", "!")
    report = _validate(fine_food_text, few, np.full(len(few), RARE))
    assert report.passed, report.failures
    assert not report.keep[N:].any()
    info = report.classes[RARE]
    assert info["leakage"]["exact_copies"] == 3
    eda_copies = eda_report.classes[RARE]["rows"]["removed_by_leakage"]  # one long review
    assert info["rows"]["removed_by_leakage"] == 4 + eda_copies


def test_relabelled_reviews_are_dropped_by_the_label_filter(fine_food_text, eda_rows):
    flipped, labels, data = _flipped(fine_food_text)
    X = pd.concat([eda_rows[0].head(60), flipped.assign(**{SOURCE: -1})], ignore_index=True)
    y = np.r_[eda_rows[1][:60], labels]
    report = _validate(data, X, y)
    assert report.keep[:60].mean() > 0.9
    assert report.keep[60:].mean() < 0.85
    rows = report.classes[RARE]["rows"]
    # the data hold a few duplicate reviews: one of these is in the training split
    assert rows["dropped_by_label"] >= 9 and rows["removed_by_leakage"] <= 1
    # a stricter setting drops more of them, and still fewer of the EDA rows (the filter
    # is cross-fitted, so an EDA row is judged by a model that never saw its source: on
    # 30 training reviews of the class its probabilities sit close to the threshold)
    strict = _validate(data, X, y, settings=TextValidationSettings(min_label_proba=0.35))
    assert strict.keep[60:].mean() < 0.5 * report.keep[60:].mean()
    assert strict.keep[60:].mean() < strict.keep[:60].mean()
    lenient = _validate(data, X, y, settings=TextValidationSettings(min_label_proba=0))
    assert lenient.keep[60:].mean() > 0.9


def test_bad_rows_are_dropped(fine_food_text, eda_rows):
    X = eda_rows[0].head(20).astype({"review": object}).reset_index(drop=True)
    off_topic = "Quantum chromodynamics describes the strong interaction of quarks and gluons."
    bad = ["", "   \n", None, 42, "broken \ud800 " + X["review"][1], "word " * 4000, off_topic]
    extra = pd.DataFrame({"product": "B000", "review": pd.Series(bad, dtype=object),
                          SOURCE: [-1] * 6 + [int(X[SOURCE][0])]})  # fmt: skip
    X = pd.concat([X, extra], ignore_index=True)
    report = _validate(fine_food_text, X, np.full(len(X), RARE))
    rows = report.classes[RARE]["rows"]
    assert rows["dropped_by_schema"] == 6 and report.schema["rows_dropped"] == 6
    assert rows["dropped_by_meaning"] == 1  # the off-topic text named a review as source
    assert not report.keep[20:].any() and report.keep[:20].mean() > 0.9
    failed = {(f["column"], f["unexpected_count"]) for f in report.schema["failed"]}
    assert failed == {("chars", 5), ("blank", 4), ("unencodable", 3)}


@pytest.mark.parametrize(
    ("change", "match"),
    [
        (lambda X, y: (X.drop(columns=["product"]), y), "columns differ"),
        (lambda X, y: (X.assign(extra=1), y), "columns differ"),
        (lambda X, y: (X, np.full(len(y), "bad", dtype=object)), "labels"),
        (lambda X, y: (X, y[:-1]), "labels"),
        (lambda X, y: (X.assign(**{SOURCE: 10_000}), y), "source"),
        (lambda X, y: (X.assign(**{SOURCE: 1.5}), y), "source"),
    ],
)
def test_structural_problems_raise(fine_food_text, eda_rows, change, match):
    X, y = change(eda_rows[0].head(12), eda_rows[1][:12])
    with pytest.raises(ValidationFailed, match=match):
        _validate(fine_food_text, X, y)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"min_label_proba": 1.5}, "min_label_proba must be between 0 and 1"),
        ({"max_near_copy_share": -0.1}, "max_near_copy_share must be between 0 and 1"),
        ({"max_source_similarity": "high"}, "max_source_similarity must be between 0 and 1"),
        ({"min_source_similarity": 0.99}, "must be below max_source_similarity"),
        ({"length_slack": -1}, "length_slack must be 0 or more"),
        ({"min_distinct_ratio": -0.5}, "min_distinct_ratio must be 0 or more"),
        ({"diversity_draws": True}, "diversity_draws must be an integer of at least 1"),
    ],
)
def test_settings_refuse_bad_values(kwargs, message):
    with pytest.raises(InputError, match=message):
        TextValidationSettings(**kwargs)
    assert TextValidationSettings().to_dict()["min_label_proba"] == 0.3


def test_copies_of_holdout_texts_are_leaks(fine_food_text, eda_rows, eda_report):
    """A synthetic text equal (or nearly) to a real holdout text is a leak: removed and
    counted, while EDA outputs of training texts are not."""
    _, _, (X_hold, y_hold) = fine_food_text
    hold = X_hold[y_hold.to_numpy() == RARE].head(3).reset_index(drop=True)
    leaked = hold.assign(review=hold["review"].str.upper(), **{SOURCE: -1})  # case hides nothing
    rows = pd.concat([eda_rows[0], leaked], ignore_index=True)
    report = _validate(fine_food_text, rows, np.full(len(rows), RARE))
    assert not report.keep[N:].any()
    info = report.classes[RARE]
    assert info["leakage"]["holdout_copies"] == 3
    assert eda_report.classes[RARE]["leakage"]["holdout_copies"] == 0
