"""The recommendation is a recipe (`validation/gate/recipe.py`): a standalone Python file
that rebuilds, unfitted, exactly the estimator the gate scored. For every baseline of the
table gate (and a user's model by import path) the rebuilt estimator has the same
parameters, and refitted on the training split it predicts the holdout exactly as the
gate's entry did: the gate's score is matched."""

from __future__ import annotations

import numpy as np
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
