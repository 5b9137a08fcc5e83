"""The image flow end to end through the CLI on a real Prefect server: the published
version's layout, same seed -> same version id, a gate refusal (exit 3, nothing
published, the report in the runs folder) and a memorising generator (exit 4)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from equipoise.cli import app
from equipoise.generators import registry
from equipoise.generators.images.base import ImageGenerator

runner = CliRunner()
pytestmark = pytest.mark.usefixtures("prefect_server")

# Small and quick: a 3-epoch gate CNN, fewer bootstrap resamples (the judge keeps its
# default epochs: a weaker judge recognises augmented digits less often).
FAST = [
    "gate.epochs=3",
    "gate.bootstrap=200",
    "images.rare={class: 3, keep: 15}",
]


def _run(store: Path, *args: str, extra: tuple[str, ...] = ()):
    sets = [f"--set={s}" for s in (*FAST, *extra)]
    return runner.invoke(
        app, ["run", "--images", "sklearn:digits", *args, "--out", str(store), *sets]
    )


def test_publishes_class_folders_labels_manifest_and_report(tmp_path):
    store = tmp_path / "store"
    result = _run(store, "--seed", "1", extra=("gate.mode=report", "gate.cross_fit=never"))
    assert result.exit_code == 0, result.output
    path = Path(result.stdout.strip().splitlines()[-1])
    assert path.parent == store / "digits" and path.is_dir()
    assert sorted(p.name for p in (path / "images").iterdir()) == [str(i) for i in range(10)]
    labels = pd.read_parquet(path / "labels.parquet")
    assert list(labels.columns) == ["file", "label", "origin", "split", "generator"]
    assert all((path / f).is_file() for f in labels["file"])
    assert all(
        Path(f).parts[1] == str(lab) for f, lab in zip(labels["file"], labels["label"], strict=True)
    )
    synthetic = labels[labels["origin"] == "synthetic"]
    assert set(synthetic["generator"]) == {"augment"} and len(synthetic) > 100
    manifest = json.loads((path / "manifest.json").read_text())
    assert (labels["origin"] == "real").sum() == 1797 - manifest["rows"]["rare_removed"]
    assert manifest["version"] == path.name
    assert manifest["class_counts"]["train"]["3"] == 15
    assert manifest["validation"]["passed"] is True
    assert {r["candidate"] for r in manifest["gate"]["leaderboard"]} >= {"none", "augment"}
    assert set(manifest["files"]) >= {"labels.parquet", "provenance.parquet", "report.html"}
    report = (path / "report.html").read_text()
    assert manifest["gate"]["decision"]["sentence"] in report.replace("&#39;", "'")
    assert report.count("data:image/png;base64,") >= 12
    assert "http://" not in report and "https://" not in report


@pytest.mark.extended  # the recorded digits id (test_version_ids.py) runs by default
def test_same_seed_same_version(tmp_path):
    first = _run(tmp_path / "a", extra=("gate.mode=report", "gate.baselines=[none]"))
    second = _run(tmp_path / "b", extra=("gate.mode=report", "gate.baselines=[none]"))
    assert first.exit_code == 0 and second.exit_code == 0, first.output + second.output
    a = Path(first.stdout.strip().splitlines()[-1])
    b = Path(second.stdout.strip().splitlines()[-1])
    assert a.name == b.name


def test_two_generators_compete_in_the_gate_on_a_process_runner(tmp_path):
    """Images go through the same flow as tables: several generators fitted side by side
    on the configured runner (here two worker processes), each validated, both in the
    gate, the fits cached in the store."""
    store = tmp_path / "store"
    result = _run(store, extra=(
        "generator=[{kind: augment}, {kind: stylegan, params: {epochs: 2, channels: 16}}]",
        "runner={kind: process, workers: 2}",
        "validation.min_judge_agreement=0",  # two epochs of a GAN: checks run, not judged
        "validation.max_near_copy_share=1",
        "gate.mode=report",
        "gate.baselines=[none]",
        "gate.cross_fit=never",
    ))  # fmt: skip
    assert result.exit_code == 0, result.output
    path = Path(result.stdout.strip().splitlines()[-1])
    manifest = json.loads((path / "manifest.json").read_text())
    assert [c["name"] for c in manifest["candidates"]] == ["augment", "stylegan"]
    assert all(c["validation_passed"] for c in manifest["candidates"])
    board = {r["candidate"] for r in manifest["gate"]["leaderboard"]}
    assert board == {"none", "augment", "stylegan"}
    assert len(list((store / ".cache" / "fits").glob("*.pkl"))) == 2
    assert manifest["config"]["runner"] == {"kind": "process", "workers": 2, "address": None}


@pytest.mark.extended  # a planted image harm refused: tests/test_gate_decisions.py
def test_gate_refusal_exits_3_and_publishes_nothing(tmp_path):
    store, runs = tmp_path / "store", tmp_path / "runs"
    result = _run(store, extra=("gate.min_uplift=0.5", "gate.baselines=[none]",
                                f"output.runs={runs}"))  # fmt: skip
    assert result.exit_code == 3, result.output
    line = [x for x in result.stderr.splitlines() if x.startswith("error:")]
    assert len(line) == 1 and "the gate refused" in line[0]
    assert not any(store.rglob("manifest.json")) and not any(store.rglob("*.png"))
    reports = list(runs.rglob("report.html"))
    assert len(reports) == 1 and str(reports[0].parent) in line[0]


class _Copier(ImageGenerator):
    """Returns training images of the class unchanged: memorisation by construction."""

    kind = "copier"

    def _fit(self, X, y, *, seed, progress):
        self._X, self._y = X, y

    def _sample(self, counts, *, seed):
        rng = np.random.default_rng(seed)
        parts = [self._X[rng.choice(np.flatnonzero(self._y == c), n)] for c, n in counts.items()]
        labels = np.concatenate([np.full(n, c) for c, n in counts.items()])
        return np.concatenate(parts), labels


def test_memorising_generator_fails_validation_and_the_verdict_still_names_a_strategy(
    tmp_path, monkeypatch
):
    monkeypatch.setitem(registry.REGISTRY, "copier", _Copier)
    store = tmp_path / "store"
    result = _run(store, "--generator", "copier", extra=(f"output.runs={tmp_path / 'runs'}",))
    # every run ends in a verdict: the gate still ranks the real-data strategies (exit 3)
    assert result.exit_code == 3, result.output
    error = " ".join(result.stderr.split())
    assert "no synthetic set could be judged (copier: copier: validation failed" in error
    assert "no synthetic image survived the schema and leakage checks" in error
    assert (
        "is the real-data strategy to use" in error
        and "use instead: cnn" in error
        and "epochs" in error
    )
    gate = json.loads(next((tmp_path / "runs").rglob("gate.json")).read_text())["gate"]
    assert gate["decision"]["excluded"]["copier"].startswith("copier: validation failed")
    assert {r["family"] for r in gate["leaderboard"]} == {"baseline"}
    # nothing published; the fit stays cached (STORE/.cache) so a rerun need not refit
    assert [p.name for p in store.iterdir()] == [".cache"]
    assert not [p for p in store.rglob("*") if p.suffix in (".png", ".json", ".parquet")]
