"""The downstream-metric gate: metrics against scikit-learn, the bootstrap, the
decision rule on constructed predictions, the tournament on real data, and whole
runs where augmentation clearly helps (published) and clearly hurts (exit 3)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from imblearn.metrics import geometric_mean_score
from planted import LET_IT_THROUGH as LET_THROUGH
from planted import LabelFlip
from sklearn import metrics as skm
from typer.testing import CliRunner

from equipoise.cli import app
from equipoise.dataspec import InputError, infer_schema
from equipoise.generators import registry
from equipoise.validation.gate import (
    Arena,
    CandidateScores,
    GateSettings,
    decide,
    run_gate,
    score_candidates,
)
from equipoise.validation.gate.metrics import all_metrics, stratified_weights

runner = CliRunner()


# --------------------------------------------------------------------------- metrics


def _predictions(k: int, n: int = 300, seed: int = 0):
    rng = np.random.default_rng(seed)
    p = np.array([0.7, 0.2, 0.1][:k])
    y = rng.choice(k, n, p=p / p.sum())
    logits = np.round(rng.normal(size=(n, k)) + 1.2 * np.eye(k)[y], 1)  # rounded: ties
    proba = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    return y, proba, proba.argmax(axis=1), rng.integers(0, 3, n).astype(float)


@pytest.mark.parametrize("k", [2, 3])
@pytest.mark.parametrize("weighted", [False, True])
def test_metrics_match_scikit_learn(k, weighted):
    y, proba, pred, w = _predictions(k)
    sw = w if weighted else None
    W = (w if weighted else np.ones(len(y)))[None, :]
    positive = 1 if k == 2 else 0
    got = {
        m: v[0]
        for m, v in all_metrics(W, y, proba, pred, positive=positive, minority=k - 1).items()
    }
    average = "binary" if k == 2 else "macro"
    scored = [positive] if k == 2 else range(k)
    expected = {
        "pr_auc": np.mean([skm.average_precision_score(y == c, proba[:, c], sample_weight=sw)
                           for c in scored]),
        "roc_auc": np.mean([skm.roc_auc_score(y == c, proba[:, c], sample_weight=sw)
                            for c in scored]),
        "f1": skm.f1_score(y, pred, average=average, sample_weight=sw),
        "recall": skm.recall_score(y, pred, average=average, sample_weight=sw),
        "precision": skm.precision_score(y, pred, average=average, sample_weight=sw),
        "mcc": skm.matthews_corrcoef(y, pred, sample_weight=sw),
        "balanced_accuracy": skm.balanced_accuracy_score(y, pred, sample_weight=sw),
        "accuracy": skm.accuracy_score(y, pred, sample_weight=sw),
        "gmean": geometric_mean_score(y, pred, sample_weight=sw, average="multiclass"),
        "minority_recall": skm.recall_score(y, pred, labels=[k - 1], average="macro",
                                            sample_weight=sw),
    }  # fmt: skip
    for name, value in expected.items():
        assert got[name] == pytest.approx(value, abs=1e-9), name


def test_bootstrap_keeps_every_class_count():
    y = np.array([0] * 50 + [1] * 7 + [2] * 3)
    W = stratified_weights(y, 200, seed=1)
    for cls, n in ((0, 50), (1, 7), (2, 3)):
        assert (W[:, y == cls].sum(axis=1) == n).all()
    assert not np.allclose(W, W[0]), "resamples differ"


def test_a_big_class_is_resampled_by_counting_picks_with_the_same_distribution(monkeypatch):
    from equipoise.validation.gate import metrics

    monkeypatch.setattr(metrics, "BIG_CLASS", 40)  # class 0 takes the counting path
    y = np.array([0] * 50 + [1] * 7)
    W = stratified_weights(y, 4000, seed=1)
    for cls, n in ((0, 50), (1, 7)):
        assert (W[:, y == cls].sum(axis=1) == n).all()
    big = W[:, y == 0]
    # multinomial(50, 1/50) per row: mean 1, variance 1 - 1/50
    assert big.mean() == pytest.approx(1.0, abs=0.01)
    assert big.var() == pytest.approx(1 - 1 / 50, abs=0.03)


# --------------------------------------------------------------------------- decision


def _board(y, named_probas, settings=None, seed=0):
    settings = settings or GateSettings(guards={})
    cands = [CandidateScores(name, family, "m", p) for name, family, p in named_probas]
    return score_candidates(y, cands, classes=[0, 1], settings=settings, seed=seed)


def _binary_proba(y, skill, seed):
    """Probabilities whose ranking of the positives improves with `skill`."""
    rng = np.random.default_rng(seed)
    score = rng.normal(size=len(y)) + skill * y
    p = 1 / (1 + np.exp(-score))
    return np.c_[1 - p, p]


def test_a_clearly_better_synthetic_set_is_published():
    y = np.array([0] * 400 + [1] * 60)
    board = _board(y, [("none", "baseline", _binary_proba(y, 0.5, 1)),
                       ("gen", "synthetic", _binary_proba(y, 2.5, 2))])  # fmt: skip
    decision = decide(board)
    assert decision.publish and decision.winner == "gen"
    assert decision.ci_low > 0 and decision.uplift > 0.2
    assert decision.sentence.endswith("published")


def test_a_worse_synthetic_set_is_refused_and_names_the_winner():
    y = np.array([0] * 400 + [1] * 60)
    board = _board(y, [("threshold", "baseline", _binary_proba(y, 2.5, 1)),
                       ("gen", "synthetic", _binary_proba(y, 1.0, 2))])  # fmt: skip
    decision = decide(board)
    assert not decision.publish and decision.uplift < 0
    assert decision.sentence.startswith("threshold tuning on real data (m) beats every synthetic")
    assert "nothing published" in decision.sentence


def test_a_tie_publishes_nothing():
    y = np.array([0] * 200 + [1] * 30)
    same = _binary_proba(y, 1.5, 1)
    decision = decide(_board(y, [("none", "baseline", same), ("gen", "synthetic", same)]))
    assert not decision.publish and decision.uplift == 0


def test_an_uncertain_small_gain_is_refused():
    y = np.array([0] * 60 + [1] * 6)  # six positives: any gain is within the noise
    board = _board(y, [("none", "baseline", _binary_proba(y, 1.0, 1)),
                       ("gen", "synthetic", _binary_proba(y, 1.2, 3))])  # fmt: skip
    decision = decide(board)
    assert not decision.publish
    assert decision.ci_low < 0 < decision.ci_high
    assert "the holdout has only 6 rows of class 1" in decision.sentence


def test_a_guard_metric_that_drops_blocks_publication():
    y = np.array([0] * 400 + [1] * 60)
    base = _binary_proba(y, 1.0, 1)
    gen = _binary_proba(y, 3.0, 2)
    gen[:, 1] *= 0.3  # same ranking, but almost nothing crosses 0.5: recall collapses
    gen[:, 0] = 1 - gen[:, 1]
    settings = GateSettings(guards={"recall": 0.05})
    decision = decide(_board(y, [("none", "baseline", base), ("gen", "synthetic", gen)], settings))
    assert decision.uplift > 0 and not decision.publish
    assert decision.guard_failures and "recall drops" in decision.sentence


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"primary": "accuracy"}, "accuracy is never a gate metric"),
        ({"guards": {"accuracy": 0.1}}, "accuracy is never a gate metric"),
        ({"primary": "auc"}, "unknown metric 'auc'"),
        ({"baselines": ("none", "xgboost")}, "unknown baselines ['xgboost']"),
        ({"models": ("svm",)}, "models must be some of logreg, hgb"),
        ({"bootstrap": 10}, "bootstrap must be 100 to 100000"),
        ({"mode": "maybe"}, "mode must be enforce or report"),
    ],
)
def test_bad_gate_settings_are_one_line_errors(kwargs, message):
    with pytest.raises(InputError, match=r"^gate: ") as err:
        GateSettings(**kwargs)
    assert message in str(err.value) and "\n" not in str(err.value)


def test_when_no_baseline_could_be_trained_nothing_is_published():
    # it used to publish "without a baseline to beat (no baselines configured)"
    y = np.array([0] * 400 + [1] * 60)
    board = _board(y, [("gen", "synthetic", _binary_proba(y, 2.5, 2))])
    board.skipped = [{"candidate": "none", "family": "baseline", "model": "m", "fold": 1,
                      "error": "Input contains NaN"}]  # fmt: skip
    decision = decide(board)
    assert not decision.publish
    assert decision.sentence.startswith(
        "the no-resampling baseline could not be trained (Input contains NaN)"
    )


def test_holdout_without_a_class_is_refused():
    with pytest.raises(InputError, match=r"no rows of class"):
        _board(np.zeros(20, dtype=int), [("none", "baseline", np.full((20, 2), 0.5))])


# --------------------------------------------------------------------------- tournament


def _tournament(schema, *, train, holdout, synthetic_sets, settings, seed):
    arena = Arena("table", schema, train, holdout, settings, seed)
    return run_gate(arena, synthetic_sets)


def _split(frame, label, seed=0):
    from sklearn.model_selection import train_test_split

    schema = infer_schema(frame, label)
    X, y = schema.split_xy(frame)
    Xa, Xb, ya, yb = train_test_split(X, y, test_size=0.3, stratify=y, random_state=seed)
    return schema, (Xa.reset_index(drop=True), ya.reset_index(drop=True)), (
        Xb.reset_index(drop=True), yb.reset_index(drop=True))  # fmt: skip


def test_tournament_runs_every_baseline_on_real_binary_data(attrition):
    schema, train, holdout = _split(attrition, "Attrition")
    settings = GateSettings(bootstrap=200)
    board = _tournament(
        schema,
        train=train,
        holdout=holdout,
        synthetic_sets={"copy": train},
        settings=settings,
        seed=0,
    )
    seen = {(r.candidate.name, r.candidate.model) for r in board.rows}
    for strategy in ("none", "class_weight", "threshold", "smote"):
        assert {(strategy, "logreg"), (strategy, "hgb")} <= seen
    for strategy in ("focal_loss", "balanced_bagging", "easy_ensemble", "rusboost",
                     "balanced_random_forest"):  # fmt: skip
        assert any(name == strategy for name, _ in seen)
    values = [r.point["pr_auc"] for r in board.rows]
    assert values == sorted(values, reverse=True)
    assert board.positive == "Yes"
    # The threshold is chosen on the training split and moves the label metrics only.
    thr = next(r for r in board.rows if r.candidate.name == "threshold")
    none = next(
        r
        for r in board.rows
        if (r.candidate.name, r.candidate.model) == ("none", thr.candidate.model)
    )
    assert thr.candidate.threshold is not None and 0 < thr.candidate.threshold < 1
    assert thr.point["pr_auc"] == pytest.approx(none.point["pr_auc"])
    # The training rows themselves as a "synthetic set" change nothing: refused.
    decision = decide(board)
    assert not decision.publish  # fmt: skip


def test_tournament_on_several_classes_skips_only_the_threshold(hpc):
    schema, train, holdout = _split(hpc, "class")
    settings = GateSettings(bootstrap=100, models=("logreg",), cross_fit="never",
                            baselines=("none", "threshold", "class_weight",
                                       "focal_loss"))  # fmt: skip
    board = _tournament(schema, train=train, holdout=holdout, synthetic_sets={},
                        settings=settings, seed=0)  # fmt: skip
    names = sorted(r.candidate.name for r in board.rows)
    assert names == ["class_weight", "focal_loss", "none"]
    assert board.positive == "L"  # the rarest class is the one minority_recall reports
    assert all(r.candidate.proba.shape == (len(holdout[1]), 4) for r in board.rows)


# --------------------------------------------------------------------------- whole runs


#: validation would catch the flipped rows (copies, column shapes): let them reach the gate
LET_IT_THROUGH = tuple(f"validation.{k}={str(v).lower()}" for k, v in LET_THROUGH.items())


def _run(tmp_path, frame, label, *sets):
    data = tmp_path / "table.csv"
    frame.to_csv(data, index=False)
    args = ["run", "--data", str(data), "--label", label, "--out", str(tmp_path / "store"),
            "--set", f"output.runs={tmp_path / 'runs'}", "--set", "gate.bootstrap=500"]  # fmt: skip
    for item in sets:
        args += ["--set", item]
    return runner.invoke(app, args)


@pytest.mark.usefixtures("prefect_server")
@pytest.mark.extended  # the same run through equipoise.balance: tests/test_api.py
def test_augmentation_that_clearly_helps_is_published(tmp_path, attrition_full):
    # A weak learner at its default cut-off finds few leavers; SMOTE rows move the
    # linear boundary and recall (the metric this user ranks by) rises far.
    result = _run(tmp_path, attrition_full, "Attrition", "generator.kind=smote",
                  "gate.primary=recall", "gate.models=[logreg]", "gate.baselines=[none]",
                  "gate.guards={}")  # fmt: skip
    assert result.exit_code == 0, result.output
    path = Path(result.stdout.strip().splitlines()[-1])
    gate = json.loads((path / "manifest.json").read_text())["gate"]
    decision = gate["decision"]
    assert decision["publish"] and decision["winner"] == "smote"
    assert decision["ci_low"] > 0.1, decision
    assert gate["published_by"] == "gate"
    assert [r["candidate"] for r in gate["leaderboard"]] == ["smote", "none"]
    html = (path / "report.html").read_text()
    assert decision["sentence"] in html.replace("&#39;", "'")
    assert html.count("data:image/png;base64,") >= 4  # counts, marginals, DCR, PR curves
    assert "http://" not in html and "https://" not in html, "opens without a network"


@pytest.mark.usefixtures("prefect_server")
def test_augmentation_that_clearly_hurts_is_refused(tmp_path, attrition, monkeypatch, refusal):
    monkeypatch.setitem(registry.REGISTRY, "label_flip", LabelFlip)
    mlflow_uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    handoff = json.dumps([{"to": "mlflow", "tracking_uri": mlflow_uri, "experiment": "weekly",
                           "artifact_location": str(tmp_path / "artifacts")}])  # fmt: skip
    result = _run(tmp_path, attrition, "Attrition", "generator.kind=label_flip",
                  "gate.models=[logreg]", "gate.baselines=[none,class_weight]",
                  f"handoff={handoff}", *LET_IT_THROUGH)  # fmt: skip
    assert result.exit_code == 3, result.output
    error, folder, gate = refusal(result)
    assert "the gate refused" in error and "nothing published" in error
    assert result.stdout.strip() == ""
    store = tmp_path / "store"
    assert not list(store.rglob("manifest.json")) and not list(store.rglob(".staging-*"))
    assert gate["decision"]["publish"] is False
    # No dose of flipped rows beats no resampling with the same model (share 0 of the grid).
    assert "beats every synthetic set" in error and gate["decision"]["uplift"] < 0
    (dose,) = gate["doses"]
    assert dose["grid"][0]["amount"] == 0 and dose["grid"][0]["value"] == max(
        g["value"] for g in dose["grid"]
    )
    assert gate["published_by"] is None
    assert (folder / "report.html").is_file()
    assert "label_flip" in result.stderr  # the leaderboard is shown before the error
    # exit 3 for the CLI, but the flow run itself Completed, its result says refused
    from uuid import UUID

    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        state = client.read_flow_run(UUID(folder.name)).state
    assert state.is_completed() and state.name == "Refused", state
    assert state.message.startswith("the gate refused: ") and "nothing published" in state.message
    # the refusal reached the MLflow hand-off: one run, tagged, with every entry's interval
    import mlflow

    mlflow.set_tracking_uri(mlflow_uri)
    (run,) = mlflow.search_runs(
        [mlflow.get_experiment_by_name("weekly").experiment_id], output_format="list"
    )
    assert run.data.tags["equipoise.outcome"] == "refused"
    assert run.data.tags["equipoise.name"] == "table"
    assert run.data.tags["equipoise.decision"] == gate["decision"]["sentence"]
    assert run.data.metrics["decision.uplift"] == pytest.approx(gate["decision"]["uplift"])
    for r in gate["leaderboard"]:
        key = f"{r['family']}.{r['candidate']}.{r['model']}"
        assert run.data.metrics[f"{key}.value"] == pytest.approx(r["value"])
        assert run.data.metrics[f"{key}.ci_low"] <= run.data.metrics[f"{key}.ci_high"]
    artifacts = {p.name for p in (tmp_path / "artifacts" / run.info.run_id / "artifacts").iterdir()}
    assert artifacts == {"gate.json", "report.html", "recipe.py"}


@pytest.mark.usefixtures("prefect_server")
def test_report_mode_publishes_and_records_the_refusal(tmp_path, attrition, monkeypatch):
    monkeypatch.setitem(registry.REGISTRY, "label_flip", LabelFlip)
    result = _run(tmp_path, attrition, "Attrition", "generator.kind=label_flip",
                  "gate.mode=report", "gate.models=[logreg]", "gate.baselines=[none]",
                  *LET_IT_THROUGH)  # fmt: skip
    assert result.exit_code == 0, result.output
    path = Path(result.stdout.strip().splitlines()[-1])
    gate = json.loads((path / "manifest.json").read_text())["gate"]
    assert gate["decision"]["publish"] is False
    assert gate["published_by"] == "report mode (the gate would have refused)"


@pytest.mark.usefixtures("prefect_server")
@pytest.mark.extended  # a portfolio competing: tests/test_budget.py runs one by default
def test_several_generators_compete_and_one_is_published(tmp_path, attrition):
    result = _run(tmp_path, attrition, "Attrition",
                  "generator=[{kind: random_oversample}, {kind: smote}]", "gate.mode=report",
                  "gate.models=[logreg]", "gate.baselines=[none]",
                  "gate.primary=recall")  # fmt: skip
    assert result.exit_code == 0, result.output
    manifest = json.loads(
        (Path(result.stdout.strip().splitlines()[-1]) / "manifest.json").read_text()
    )
    assert [c["name"] for c in manifest["candidates"]] == ["random_oversample", "smote"]
    board = {r["candidate"] for r in manifest["gate"]["leaderboard"]}
    assert board == {"random_oversample", "smote", "none"}
    assert manifest["generator"]["kind"] == manifest["gate"]["leaderboard"][0]["candidate"] or (
        manifest["gate"]["decision"]["winner"] == manifest["generator"]["kind"]
    )


def test_a_baseline_that_cannot_be_trained_is_left_out_not_fatal(attrition, monkeypatch):
    from equipoise.validation.gate import tables

    def worse_than_random(strategy, *args, **kwargs):
        raise ValueError("BaseClassifier in AdaBoostClassifier ensemble is worse than random")

    monkeypatch.setattr(tables, "own_model", worse_than_random)
    schema, train, holdout = _split(attrition, "Attrition")
    settings = GateSettings(bootstrap=100, models=("logreg",), baselines=("none", "rusboost"))
    board = _tournament(schema, train=train, holdout=holdout, synthetic_sets={},
                        settings=settings, seed=0)  # fmt: skip
    assert [r.candidate.name for r in board.rows] == ["none"]
    error = "BaseClassifier in AdaBoostClassifier ensemble is worse than random"
    assert [(s["candidate"], s["family"], s["model"], s["error"]) for s in board.skipped] == [
        ("rusboost", "baseline", "adaboost", error)
    ]
    # said, not silent: the verdict names what it could not compare with
    assert f"left out: RUSBoost (adaboost) could not be trained: {error}" in decide(board).sentence
