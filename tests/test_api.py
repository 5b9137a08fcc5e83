"""equipoise.balance from Python: a DataFrame in, an Outcome out (a refusal and a
publication), as a subflow of a user's Prefect flow, and its bad input."""

from __future__ import annotations

import json
from pathlib import Path
from uuid import UUID

import numpy as np
import pandas as pd
import pytest
from planted import LET_IT_THROUGH, LabelFlip
from typer.testing import CliRunner

import equipoise
from equipoise.cli import app
from equipoise.dataspec import InputError
from equipoise.generators import registry


def _refusing(tmp_path, frame):
    """A run the gate must refuse: flipped labels passed off as minority rows."""
    return equipoise.balance(
        frame, label="Attrition", generator="label_flip", store=tmp_path / "store",
        gate={"models": ["logreg"], "baselines": ["none", "class_weight"], "bootstrap": 300},
        validation=LET_IT_THROUGH, output={"runs": str(tmp_path / "runs"), "name": "churn"},
    )  # fmt: skip


def test_a_refusal_is_an_outcome_with_the_recommendation(weekly):
    tmp_path, frame, outcome, _ = weekly
    assert isinstance(outcome, equipoise.Outcome)
    assert not outcome.published and outcome.version is None and outcome.path is None
    assert outcome.sentence.startswith("no resampling") or "beats every synthetic" in (
        outcome.sentence
    )
    assert outcome.decision["publish"] is False and outcome.decision["uplift"] < 0
    assert outcome.recommendation["family"] == "baseline"
    assert outcome.frame is frame, "the caller's real table, to train with the recommendation"
    board = outcome.leaderboard
    assert isinstance(board, pd.DataFrame)
    assert {"candidate", "family", "model", "value", "ci_low", "ci_high"} <= set(board.columns)
    assert set(board["candidate"]) >= {"label_flip", "none", "class_weight"}
    assert outcome.report.name == "report.html" and outcome.report.is_file()
    assert outcome.recipe is not None and "def build" in outcome.recipe.read_text()
    # the caller's frame was never written as a table file (only published versions are)
    assert not [p for p in tmp_path.rglob("*") if p.suffix == ".csv"]
    assert not [p for p in (tmp_path / "runs").rglob("*") if p.suffix == ".parquet"]
    gate = json.loads((outcome.report.parent / "gate.json").read_text())
    assert gate["config"]["data"]["source"].startswith("memory:")


def _publishing(tmp_path, frame):
    """A run the gate publishes: SMOTE rows lift a linear model's recall far."""
    return equipoise.balance(
        frame, label="Attrition", generator="smote", store=tmp_path / "store",
        gate={"primary": "recall", "models": ["logreg"], "baselines": ["none"], "guards": {},
              "bootstrap": 300},
        output={"runs": str(tmp_path / "runs"), "name": "churn"},
    )  # fmt: skip


@pytest.fixture(scope="module")
def weekly(tmp_path_factory, prefect_server, attrition, attrition_full):
    """Two runs of one dataset into one store and runs folder: a refusal, a publication."""
    root = tmp_path_factory.mktemp("api")
    frame = attrition.copy()
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(registry.REGISTRY, "label_flip", LabelFlip)
        refused = _refusing(root, frame)
    return root, frame, refused, _publishing(root, attrition_full)


def test_a_publication_is_an_outcome_with_the_balanced_frame(weekly, attrition_full):
    tmp_path, _, _, outcome = weekly
    assert outcome.published, outcome.sentence
    assert outcome.decision["winner"] == "smote" and outcome.recommendation["dose"] is not None
    assert outcome.path == tmp_path / "store" / "churn" / outcome.version
    manifest = json.loads((outcome.path / "manifest.json").read_text())
    assert manifest["version"] == outcome.version
    frame = outcome.frame
    added = manifest["class_counts"]["published"]["Yes"] - manifest["class_counts"]["train"]["Yes"]
    assert (
        added > 0
        and (frame["Attrition"] == "Yes").sum() == manifest["class_counts"]["published"]["Yes"]
    )
    assert outcome.report == outcome.path / "report.html" and outcome.recipe is None
    assert list(outcome.leaderboard["candidate"]) == ["smote", "none"]
    # published by the gate on a clear gain (the recall of a linear model rises far)
    assert outcome.decision["ci_low"] > 0.1 and manifest["gate"]["published_by"] == "gate"
    html = outcome.report.read_text()
    assert outcome.sentence in html.replace("&#39;", "'")
    assert html.count("data:image/png;base64,") >= 4  # counts, marginals, DCR, PR curves
    assert "http://" not in html and "https://" not in html, "opens without a network"
    # the same frame again: the same content address, nothing new
    again = _publishing(tmp_path, attrition_full)
    assert again.version == outcome.version


def test_history_lists_the_refusal_and_the_publication(weekly):
    tmp_path, _, refused, published = weekly
    args = ["history", "churn", "--store", str(tmp_path / "store"), "--runs",
            str(tmp_path / "runs")]  # fmt: skip
    result = CliRunner().invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["outcome"] for r in rows] == ["refused", "published"]
    assert rows[0]["winner"] == refused.recommendation["words"]
    assert rows[0]["uplift"] == pytest.approx(refused.decision["uplift"])
    assert rows[1]["winner"] == "smote" and rows[1]["where"] == str(published.path)
    assert rows[1]["ci_low"] == pytest.approx(published.decision["ci_low"])
    table = CliRunner().invoke(app, args)
    assert table.exit_code == 0 and "2 verdict(s)" in table.stdout and "refused" in table.stdout
    missing = CliRunner().invoke(app, ["history", "nothing", "--store", str(tmp_path)])
    assert missing.exit_code == 2 and "no runs of 'nothing'" in missing.stderr


@pytest.mark.usefixtures("prefect_server")
def test_called_inside_a_users_flow_it_is_a_subflow(tmp_path, attrition, monkeypatch):
    monkeypatch.setitem(registry.REGISTRY, "label_flip", LabelFlip)
    from prefect import flow
    from prefect.client.orchestration import get_client

    @flow(name="weekly-churn")
    def weekly(path: str) -> str:
        frame = pd.read_csv(path)
        return _refusing(tmp_path, frame).sentence

    attrition.to_csv(tmp_path / "churn.csv", index=False)
    state = weekly(str(tmp_path / "churn.csv"), return_state=True)
    assert state.is_completed() and "nothing published" in state.result()
    (folder,) = (tmp_path / "runs" / "churn").iterdir()  # named by the balance flow run
    with get_client(sync_client=True) as client:
        child = client.read_flow_run(UUID(folder.name))
        parent_task = client.read_task_run(child.parent_task_run_id)
    assert child.state.is_completed() and child.state.name == "Refused"
    assert parent_task.flow_run_id == state.state_details.flow_run_id


def test_bad_input_is_one_line_before_any_run(tmp_path):
    frame = pd.DataFrame({"x": [1.0, 2.0, 3.0], "y": ["a", "b", "a"]})
    with pytest.raises(InputError, match="needs label="):
        equipoise.balance(frame)
    with pytest.raises(InputError, match="not a list"):
        equipoise.balance([1, 2, 3])
    with pytest.raises(InputError, match="modality 'tabular' unknown"):
        equipoise.balance(frame, label="y", modality="tabular")
    with pytest.raises(InputError, match="gate"):
        equipoise.balance(frame, label="y", gate={"primary": "accuracy"}, store=tmp_path)


def test_memory_sources_are_read_only_in_the_process_that_holds_them():
    from equipoise.pipeline import memory
    from equipoise.pipeline.series.config import SeriesConfig
    from equipoise.pipeline.series.loading import read_series
    from equipoise.pipeline.tables.loading import read_source

    frame = pd.DataFrame({"x": [1.0, 2.0], "y": ["a", "b"]}, index=[10, 11])
    with memory.held(frame) as source:
        assert source == f"memory:{memory.content_hash(frame.copy())}"
        read = read_source(source)
        assert read.equals(frame.reset_index(drop=True)) and read is not frame
    with pytest.raises(InputError, match="does not hold it; pass a file path"):
        read_source(source)
    X, y = np.arange(24.0).reshape(4, 6), np.array(["a", "b", "a", "b"])
    with memory.held({"X": X, "y": y}) as source:
        raw = read_series(SeriesConfig(source=source))
    assert raw.X.shape == (4, 1, 6) and list(raw.y) == list(y)


def test_the_outcome_says_what_it_is():
    outcome = equipoise.Outcome(
        published=False, version=None, path=None, decision={"sentence": "use class weights"},
        recommendation={"words": "class weights"}, report=Path("r/report.html"),
        leaderboard=pd.DataFrame(), frame=None,
    )  # fmt: skip
    assert repr(outcome) == "Outcome(refused: use class weights)"
