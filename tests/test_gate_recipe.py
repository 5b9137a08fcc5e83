"""The recommendation is a recipe (`validation/gate/recipe.py`): a standalone Python file
that rebuilds, unfitted, exactly the estimator the gate scored. For every baseline of the
table gate (and a user's model by import path) the rebuilt estimator has the same
parameters, and refitted on the training split it predicts the holdout exactly as the
gate's entry did: the gate's score is matched."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.model_selection import train_test_split

from equipoise.dataspec import infer_schema
from equipoise.validation.gate import Arena, GateSettings, decide, recipe, run_gate
from equipoise.validation.gate.scoring import metric_values


@pytest.fixture(scope="module")
def board_and_data(attrition_narrow):
    schema = infer_schema(attrition_narrow, "Attrition")
    X, y = schema.split_xy(attrition_narrow)
    Xa, Xb, ya, yb = train_test_split(X, y, test_size=0.3, stratify=y, random_state=0)
    train = (Xa.reset_index(drop=True), ya.reset_index(drop=True))
    holdout = (Xb.reset_index(drop=True), yb.reset_index(drop=True))
    knn = {"import": "sklearn.neighbors.KNeighborsClassifier", "params": {"n_neighbors": 7},
           "name": "knn"}  # fmt: skip
    settings = GateSettings(cross_fit="never", bootstrap=100, models=("logreg", "hgb", knn))
    return run_gate(Arena("table", schema, train, holdout, settings, 0), {}), train, holdout


def test_every_baseline_is_rebuilt_exactly_and_matches_the_gate_score(board_and_data, tmp_path):
    board, train, holdout = board_and_data
    classes = board.classes
    y_idx = np.array([classes.index(v) for v in holdout[1]])
    positive = classes.index(board.positive)
    assert len(board.rows) == 19  # 5 strategies x 3 models (no class weights for knn) + 5
    for row in board.rows:
        cand = row.candidate
        path = recipe.write(tmp_path, cand.estimator, title=cand.key, threshold=cand.threshold)
        rebuilt = recipe.build(path)
        assert repr(rebuilt) == repr(cand.estimator), cand.key
        fitted = rebuilt.fit(train[0], train[1].to_numpy())
        order = [list(fitted.classes_).index(c) for c in classes]
        proba = fitted.predict_proba(holdout[0])[:, order]
        threshold = getattr(fitted, "best_threshold_", None)
        values = metric_values(np.ones((1, len(y_idx))), y_idx, proba, threshold, positive,
                               board.settings)  # fmt: skip
        for metric in ("pr_auc", "f1", "recall"):
            assert values[metric][0] == pytest.approx(row.point[metric], abs=1e-12), (
                cand.key,
                metric,
            )


def test_a_refusal_writes_the_recipe_of_the_recommendation(board_and_data, tmp_path):
    from equipoise.validation.gate.decision import recommended_row

    board, *_ = board_and_data
    decision = decide(board)
    row = recommended_row(board, decision)
    assert (row.candidate.name, row.candidate.model) == (
        decision.recommendation["strategy"], decision.recommendation["model"])  # fmt: skip
    text = recipe.source(row.candidate.estimator, title="t", threshold=row.candidate.threshold)
    assert "def build_estimator():" in text and 'if __name__ == "__main__":' in text
    compile(text, "recipe.py", "exec")


# --------------------------------------------------------------------------- every kind


def _table_kinds(schema, minority):
    """Every kind of estimator the table gate builds, unfitted, by the gate's builders."""
    from equipoise.validation.gate import tables as tab
    from equipoise.validation.gate.estimators import tuned_threshold
    from equipoise.validation.gate.usermodel import parse

    knn, _ = parse({"import": "sklearn.neighbors.KNeighborsClassifier",
                    "params": {"n_neighbors": 7}, "name": "knn"})  # fmt: skip
    bayes, _ = parse({"import": "sklearn.naive_bayes.GaussianNB", "encode": "onehot"})
    kinds = {
        "logreg": tab.downstream_model("logreg", schema, seed=1),
        "logreg class weights": tab.downstream_model(
            "logreg", schema, seed=1, class_weight="balanced"
        ),
        "hgb (categorical mask) class weights": tab.downstream_model(
            "hgb", schema, seed=2, class_weight="balanced"
        ),
        "random oversampling": tab.oversample_model("hgb", schema, seed=3),
        "SMOTE": tab.smote_model("logreg", schema, seed=4, minority_rows=30),
        "SMOTENC": tab.smote_model("hgb", schema, seed=4, minority_rows=30),
        "tuned threshold": tuned_threshold(
            tab.downstream_model("logreg", schema, seed=5), 6, minority, 3
        ),
        "user model": tab.downstream_model(knn, schema, seed=7),
        "user model balanced by sample_weight": tab.downstream_model(
            bayes, schema, seed=7, class_weight="balanced"
        ),
    }
    for strategy in ("focal_loss", "balanced_bagging", "easy_ensemble", "rusboost",
                     "balanced_random_forest"):  # fmt: skip
        kinds[strategy] = tab.own_model(strategy, schema, seed=8, gamma=2.0)
    return kinds


@pytest.fixture(scope="module")
def int_table(attrition):
    """Attrition with integer labels and an integer column forced categorical (the
    schema's numpy scalars must come back from the recipe's dict form)."""
    columns = ["Age", "MonthlyIncome", "JobLevel", "OverTime", "BusinessTravel", "Attrition"]
    frame = attrition[columns].assign(Attrition=(attrition["Attrition"] == "Yes").astype(int))
    return infer_schema(frame, "Attrition", categorical=["JobLevel"]), frame


KINDS = list(_table_kinds(infer_schema(pd.DataFrame({"a": [0.0, 1.0], "y": ["n", "y"]}), "y"),
                          "y"))  # fmt: skip


@pytest.mark.parametrize("table", ["attrition_narrow", "int_table"])
@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_is_rebuilt_with_the_same_parameters_and_predictions(
    kind, table, attrition_narrow, int_table, tmp_path
):
    from sklearn.base import clone

    if table == "attrition_narrow":
        schema, frame = infer_schema(attrition_narrow, "Attrition"), attrition_narrow
    else:
        schema, frame = int_table
    X, y = schema.split_xy(frame)
    minority = y.value_counts().index[-1]
    original = clone(_table_kinds(schema, minority)[kind])
    path = recipe.write(tmp_path, original, title=f"{kind} on {table}", threshold=0.25)
    text = path.read_text()
    assert "def build_estimator():" in text and 'if __name__ == "__main__":' in text
    assert "._" not in "".join(line for line in text.splitlines() if line.startswith("from "))
    rebuilt = recipe.build(path)
    assert repr(rebuilt) == repr(original)
    assert repr(rebuilt.get_params(deep=True)) == repr(original.get_params(deep=True))
    fitted = [est.fit(X, y.to_numpy()) for est in (rebuilt, original)]
    np.testing.assert_array_equal(fitted[0].predict_proba(X), fitted[1].predict_proba(X))


def test_the_file_says_how_to_use_it_and_runs_on_its_own(attrition_narrow, tmp_path):
    import subprocess
    import sys

    from equipoise.validation.gate.estimators import tuned_threshold
    from equipoise.validation.gate.tables import downstream_model

    schema = infer_schema(attrition_narrow, "Attrition")
    tuned = tuned_threshold(downstream_model("hgb", schema, seed=0), 0, "Yes", 5)
    path = recipe.write(tmp_path, tuned, title="attrition: threshold tuning", threshold=0.3125)
    text = path.read_text()
    assert "build_estimator().fit(X, y)" in text
    assert "to 0.3125" in text and "threshold=0.3125, pos_label='Yes'" in text
    assert "categorical_features=np.array(" in text  # the mask as an array, not a list
    run = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, check=True)
    assert run.stdout.startswith("TunedThresholdClassifierCV(")


def test_what_cannot_be_written_raises_not_writable():
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import FunctionTransformer

    with pytest.raises(recipe.NotWritable, match="lambda"):
        recipe.source(Pipeline([("f", FunctionTransformer(lambda x: x)),
                                ("m", LogisticRegression())]), title="t")  # fmt: skip
    with pytest.raises(recipe.NotWritable, match="RandomState"):
        recipe.source(LogisticRegression(random_state=np.random.RandomState(0)), title="t")


def test_text_and_series_models_are_written_too(fine_food_text, italy_series, tmp_path):
    from sklearn.base import clone

    from equipoise.validation.gate import series, text

    schema, (X, y), _ = fine_food_text
    for original in (text.downstream_model("tfidf", schema, seed=0, class_weight="balanced"),
                     text.forest_model("tfidf", schema, seed=0)):  # fmt: skip
        rebuilt = recipe.build(recipe.write(tmp_path, clone(original), title="text"))
        assert repr(rebuilt) == repr(original)
        np.testing.assert_array_equal(rebuilt.fit(X, y).predict_proba(X),
                                      original.fit(X, y).predict_proba(X))  # fmt: skip
    _, (X, y), _ = italy_series
    original = series.own_model("anomaly", "flat", seed=0, n_kernels=84, folds=3)
    rebuilt = recipe.build(recipe.write(tmp_path, clone(original), title="series"))
    assert repr(rebuilt) == repr(original)
    np.testing.assert_array_equal(rebuilt.fit(X, y).predict_proba(X),
                                  original.fit(X, y).predict_proba(X))  # fmt: skip
