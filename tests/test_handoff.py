"""Hand-offs against the real tools: DVC in a temporary git repository with a local
DVC remote, MLflow with a local sqlite tracking store."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from equipoise.cli import app

BIN = Path(sys.executable).parent


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, check=True
    ).stdout.strip()


def _mlflow_uri(folder: Path) -> str:
    return f"sqlite:///{folder / 'mlflow.db'}"


def _repo(root: Path) -> Path:
    """A git repository with DVC and a local DVC remote under `root`."""
    repo = root / "repo"
    repo.mkdir()
    _git(repo, "init", "-q")
    _git(repo, "config", "user.email", "ci@example.org")
    _git(repo, "config", "user.name", "ci")
    subprocess.run([BIN / "dvc", "init", "-q"], cwd=repo, check=True)
    subprocess.run([BIN / "dvc", "remote", "add", "local", root / "remote"], cwd=repo, check=True)
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "dvc init")
    return repo


def _handoffs(root: Path) -> list[dict]:
    return [
        {"to": "dvc"},
        {"to": "mlflow", "tracking_uri": _mlflow_uri(root), "experiment": "balanced",
         "artifact_location": str(root / "artifacts")},
    ]  # fmt: skip


@pytest.fixture(scope="module")
def handed_off(tmp_path_factory, prefect_server, attrition_narrow):
    """A real run whose config hands the version to DVC (store inside a git + DVC
    repository with a local remote) and to MLflow (sqlite)."""
    from equipoise.flows.balance import balance
    from equipoise.pipeline.config import load_job

    root = tmp_path_factory.mktemp("handoff")
    repo = _repo(root)
    attrition_narrow.to_csv(root / "table.csv", index=False)
    handoff = _handoffs(root)
    config = load_job(
        base={
            "data": {"source": str(root / "table.csv"), "label": "Attrition"},
            "generator": {"kind": "smote"},
            "gate": {
                "mode": "report",
                "models": ["logreg"],
                "baselines": ["none"],
                "bootstrap": 200,
                "cross_fit": "never",
            },
            "output": {"store": str(repo / "datasets"), "name": "attrition"},
            "handoff": handoff,
        }
    )
    version = Path(balance(config)["path"])
    return root, repo, version


@pytest.fixture(scope="module")
def image_handed_off(tmp_path_factory, prefect_server):
    """An image run (digits, digit 3 made rare) handed to DVC and MLflow by its config."""
    from equipoise.flows.balance import balance
    from equipoise.pipeline.config import load_job

    root = tmp_path_factory.mktemp("image-handoff")
    repo = _repo(root)
    config = load_job(
        base={
            "images": {"source": "sklearn:digits", "rare": {"class": 3, "keep": 15}},
            "gate": {"mode": "report", "epochs": 2, "bootstrap": 100, "cross_fit": "never"},
            "output": {"store": str(repo / "datasets"), "name": "digits"},
            "handoff": _handoffs(root),
        }
    )
    return root, repo, Path(balance(config)["path"])


def _dataset_inputs(uri: str, experiment: str):
    import mlflow

    mlflow.set_tracking_uri(uri)
    runs = mlflow.search_runs(
        [mlflow.get_experiment_by_name(experiment).experiment_id], output_format="list"
    )
    return runs


def test_run_hands_the_version_to_dvc_git_and_mlflow(handed_off):
    root, repo, version = handed_off
    name = version.name
    tag = f"equipoise/attrition/{name}"
    assert _git(repo, "tag", "--list", tag) == tag
    committed = _git(repo, "show", "--name-only", "--format=", tag).splitlines()
    assert f"datasets/attrition/{name}.dvc" in committed
    assert _git(repo, "status", "--porcelain", "--untracked-files=no") == ""
    dvc_file = (repo / "datasets" / "attrition" / f"{name}.dvc").read_text()
    assert f"path: {name}" in dvc_file
    assert json.loads((version / "manifest.json").read_text())["version"] == name

    (run,) = _dataset_inputs(_mlflow_uri(root), "balanced")
    (dataset_input,) = run.inputs.dataset_inputs
    assert dataset_input.dataset.digest == name, "equipoise's digest, not MLflow's"
    assert dataset_input.dataset.name == "attrition"
    assert run.data.tags["equipoise.version"] == name
    artifacts = {p.name for p in (root / "artifacts" / run.info.run_id / "artifacts").iterdir()}
    assert artifacts == {"manifest.json", "report.html"}


def test_publish_command_is_idempotent_and_pushes_to_the_dvc_remote(handed_off):
    root, repo, version = handed_off
    result = CliRunner().invoke(app, ["publish", str(version), "--to", "dvc", "--remote", "local"])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == f"equipoise/attrition/{version.name}"
    assert "already there" in result.stderr
    pushed = [p for p in (root / "remote").rglob("*") if p.is_file()]
    assert len(pushed) >= 3, "the version's files are in the local DVC remote"
    assert _git(repo, "tag", "--list", "equipoise/*").count("\n") == 0, "one tag, not two"


def test_publish_command_to_a_new_mlflow_store(handed_off, tmp_path):
    _, _, version = handed_off
    args = ["publish", str(version), "--to", "mlflow", "--tracking-uri", _mlflow_uri(tmp_path),
            "--experiment", "e", "--artifact-location", str(tmp_path / "a")]  # fmt: skip
    first = CliRunner().invoke(app, args)
    again = CliRunner().invoke(app, args)
    assert first.exit_code == 0 and again.exit_code == 0, first.output + again.output
    assert first.stdout.strip() == again.stdout.strip()
    assert "handed off" in first.stderr and "already there" in again.stderr
    (run,) = _dataset_inputs(_mlflow_uri(tmp_path), "e")
    assert run.inputs.dataset_inputs[0].dataset.digest == version.name


@pytest.mark.parametrize(
    ("target", "extra", "message"),
    [
        ("mlflow", [], "is not a published version (no manifest.json)"),
        ("s3", [], "use --to dvc or --to mlflow"),
    ],
)
def test_publish_refuses_what_is_not_a_version(tmp_path, target, extra, message):
    result = CliRunner().invoke(app, ["publish", str(tmp_path), "--to", target, *extra])
    assert result.exit_code == 2
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("error: ") and message in line


def test_dvc_outside_a_git_repository_is_refused(handed_off, tmp_path):
    import shutil

    _, _, version = handed_off
    copy = tmp_path / "store" / "attrition" / version.name
    shutil.copytree(version, copy)
    result = CliRunner().invoke(app, ["publish", str(copy), "--to", "dvc"])
    assert result.exit_code == 2, result.output
    assert "is not inside a git repository" in result.stderr


def test_an_image_version_goes_to_dvc_and_mlflow_like_a_table(image_handed_off, tmp_path):
    root, repo, version = image_handed_off
    tag = f"equipoise/digits/{version.name}"
    assert _git(repo, "tag", "--list", tag) == tag
    assert (
        f"datasets/digits/{version.name}.dvc"
        in _git(repo, "show", "--name-only", "--format=", tag).splitlines()
    )
    (run,) = _dataset_inputs(_mlflow_uri(root), "balanced")
    dataset = run.inputs.dataset_inputs[0].dataset
    assert dataset.digest == version.name and dataset.name == "digits"
    schema = json.loads(dataset.schema)["mlflow_colspec"]
    assert {c["name"] for c in schema} >= {"file", "label", "origin"}, "one row per image"

    again = CliRunner().invoke(app, ["publish", str(version), "--to", "dvc"])
    assert again.exit_code == 0 and "already there" in again.stderr, again.output
    args = ["publish", str(version), "--to", "mlflow", "--tracking-uri", _mlflow_uri(tmp_path),
            "--experiment", "images", "--artifact-location", str(tmp_path / "a")]  # fmt: skip
    fresh = CliRunner().invoke(app, args)
    assert fresh.exit_code == 0 and "handed off" in fresh.stderr, fresh.output
    (run,) = _dataset_inputs(_mlflow_uri(tmp_path), "images")
    assert run.inputs.dataset_inputs[0].dataset.digest == version.name
