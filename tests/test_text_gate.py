"""The text gate on real Amazon fine-food reviews (class "other" cut to 1:10 in
training): every registered text baseline runs with the `tfidf` model on the review
column of a DataFrame and ranks the rare class better than chance, an EDA-augmented set
competes, and the settings refuse what the text gate cannot run."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from equipoise.dataspec import InputError
from equipoise.generators.text.eda import augment_to_counts
from equipoise.generators.text.lexicon import GloveLexicon
from equipoise.validation.gate import Arena, decide, run_gate
from equipoise.validation.gate.baselines import names_for, words
from equipoise.validation.gate.text import TextGateSettings, downstream_model

RARE = "other"


def test_every_text_baseline_runs_with_the_tfidf_model(fine_food_text):
    schema, (X, y), holdout = fine_food_text
    settings = TextGateSettings(bootstrap=200)
    assert settings.baselines == names_for("text") == (
        "none", "class_weight", "threshold", "balanced_random_forest", "random_oversample"
    )  # fmt: skip
    assert words("random_oversample") == "random oversampling"
    texts, labels, src = augment_to_counts(
        X["review"].tolist(), y.tolist(), {RARE: 270}, GloveLexicon(), np.random.default_rng(0)
    )
    extra = pd.DataFrame({"product": X["product"].to_numpy()[src], "review": texts})
    eda = (pd.concat([X, extra], ignore_index=True), np.r_[y.to_numpy(), labels])
    arena = Arena("text", schema, (X, y), holdout, settings, seed=0)
    board = run_gate(arena, {"eda": eda})
    assert board.skipped == [] and board.minority == RARE
    rows = {row.candidate.name: row for row in board.rows}
    assert sorted(rows) == sorted([*settings.baselines, "eda"])
    assert rows["balanced_random_forest"].candidate.model == "tfidf+forest"
    assert rows["none"].candidate.model == "tfidf"
    # the rare class is about a third of the holdout: a random ranking scores about that
    prevalence = float(np.mean(holdout[1] == RARE))
    for name, row in rows.items():
        assert row.point["pr_auc"] > prevalence + 0.15, (name, row.point)
    # unweighted, the rare class is never predicted; weights and a tuned cut-off find it
    assert rows["none"].point["recall"] < 0.1
    assert rows["random_oversample"].point["recall"] >= rows["none"].point["recall"]
    tuned = rows["threshold"]
    assert 0 < tuned.candidate.threshold < 0.5 and tuned.point["recall"] > 0.3
    assert decide(board, settings).sentence


def test_the_model_reads_only_the_text_column(fine_food_text):
    schema, (X, y), (X_hold, _) = fine_food_text
    model = downstream_model("tfidf", schema, seed=0).fit(X, y.to_numpy())
    shuffled = X_hold.assign(product=X_hold["product"].sample(frac=1, random_state=1).to_numpy())
    np.testing.assert_allclose(model.predict_proba(X_hold), model.predict_proba(shuffled))
    assert set(model.classes_) == {"great", RARE}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"models": ("minilm",)}, "models must be some of tfidf"),
        ({"baselines": ("none", "smote")}, "unknown baselines ['smote']"),
        ({"baselines": ("anomaly",)}, "unknown baselines ['anomaly']"),
        ({"primary": "accuracy"}, "accuracy is never a gate metric"),
    ],
)
def test_settings_refuse_what_the_text_gate_cannot_run(kwargs, message):
    with pytest.raises(InputError, match=message.replace("[", r"\[").replace("]", r"\]")):
        TextGateSettings(**kwargs)
    assert TextGateSettings().models == ("tfidf",)
