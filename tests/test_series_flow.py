"""The series modality end to end through the CLI on a real Prefect server: a bundled
set (arrays in, `train.npz` out), a long table (its rows in, the same columns out), the
same seed giving the same version, and bad input refused in one line before anything is
written."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from equipoise.cli import app
from equipoise.pipeline.series.bundled import load_series

runner = CliRunner()
pytestmark = pytest.mark.usefixtures("prefect_server")

#: the cheap downstream model (flattened series) and a small bootstrap
FAST = ["gate.models=[flat]", "gate.bootstrap=200", "gate.cross_fit=never"]


def _run(store: Path, *args: str, extra: tuple[str, ...] = ()):
    sets = [f"--set={s}" for s in (*FAST, *extra)]
    return runner.invoke(app, ["run", *args, "--out", str(store), *sets])


@pytest.fixture(scope="module")
def italy_long(tmp_path_factory) -> Path:
    """120 ItalyPowerDemand series (class 2 cut to 12) as a long CSV: id, hour, demand,
    a constant extra column, season."""
    data = load_series("italy_power_demand")
    rng = np.random.default_rng(0)
    ones = rng.choice(np.flatnonzero(data.y == "1"), 108, replace=False)
    twos = rng.choice(np.flatnonzero(data.y == "2"), 12, replace=False)
    rows = []
    for i in np.concatenate([ones, twos]):
        for hour, value in enumerate(data.X[i, 0]):
            rows.append({"day": int(i), "hour": hour, "demand": value, "site": "IT",
                         "season": "winter" if data.y[i] == "1" else "summer"})  # fmt: skip
    path = tmp_path_factory.mktemp("italy") / "italy.csv"
    pd.DataFrame(rows).sample(frac=1.0, random_state=0).to_csv(path, index=False)
    return path


def test_bundled_set_publishes_arrays_with_provenance(tmp_path):
    store = tmp_path / "store"
    args = ("--series", "sktime:italy_power_demand", "--seed", "1")
    extra = ('series.rare={class: "2", keep: 41}', "gate.mode=report")
    first = _run(store, *args, extra=extra)
    assert first.exit_code == 0, first.output
    path = Path(first.stdout.strip().splitlines()[-1])
    assert path.parent == store / "italy_power_demand"
    manifest = json.loads((path / "manifest.json").read_text())
    assert manifest["modality"] == "series" and manifest["class_counts"]["train"]["2"] == 41
    with np.load(path / "train.npz", allow_pickle=False) as arrays:
        X, y, ids = arrays["X"], arrays["y"], arrays["id"]
    provenance = pd.read_parquet(path / "provenance.parquet")
    assert X.shape[1:] == (1, 24) and len(X) == len(y) == len(ids) == len(provenance)
    synthetic = provenance[provenance["origin"] == "synthetic"]
    assert len(synthetic) == manifest["rows"]["synthetic_published"] > 300
    assert set(synthetic["label"]) == {"2"} and set(synthetic["generator"]) == {"series_augment"}
    assert (provenance["origin"] == "real").sum() == 1096 - manifest["rows"]["rare_removed"]
    assert {r["candidate"] for r in manifest["gate"]["leaderboard"]} >= {
        "none", "class_weight", "anomaly", "series_augment"
    }  # fmt: skip
    report = (path / "report.html").read_text()
    assert "Real and synthetic series per class" in report and "https://" not in report
    assert 'alt="closest pairs"' in report, "the nearest synthetic / training pairs are drawn"
    assert 'alt="summary features of class 2"' in report
    again = _run(tmp_path / "again", *args, extra=extra)
    assert Path(again.stdout.strip().splitlines()[-1]).name == path.name, "same seed, same id"


def test_long_table_keeps_its_columns_and_rows(tmp_path, italy_long):
    store = tmp_path / "store"
    result = _run(
        store, "--series", str(italy_long), "--label", "season", "--id", "day", "--time", "hour",
        "--generator", "series_smote",
        # SMOTE between 9 series sits near its parents: the ratio test calls most of them
        # near copies (BENCHMARKS.md); this test is about the files, so that check is off
        extra=("gate.mode=report", "gate.baselines=[none]", "validation.max_near_copy_share=1"),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    path = Path(result.stdout.strip().splitlines()[-1])
    table = pd.read_parquet(path / "train.parquet")
    source = pd.read_csv(italy_long)
    assert list(table.columns) == list(source.columns)
    real = table[~table["day"].astype(str).str.startswith("synthetic")]
    assert len(real) == len(source), "every real row, as it was"
    synthetic = table[table["day"].astype(str).str.startswith("synthetic")]
    assert len(synthetic) % 24 == 0 and set(synthetic["season"]) == {"summer"}
    assert sorted(synthetic["hour"].unique().tolist()) == list(range(24))
    assert synthetic["site"].isna().all(), "columns the series do not carry stay empty"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--series", "sktime:no_such_set"], "unknown; bundled series sets:"),
        (["--series", "{long}"], "name its columns with series.label and series.id"),
        (["--series", "{long}", "--label", "season", "--id", "nope"], "has no column(s) ['nope']"),
        (["--series", "{ragged}", "--label", "season", "--id", "day"],
         "series lengths vary from 20 to 24; set series.length"),
        (["--series", "{long}", "--label", "season", "--id", "day", "--generator", "smote"],
         "generator kind 'smote' makes table data, not series data"),
    ],
)  # fmt: skip
def test_bad_series_input_exits_2_in_one_line(tmp_path, italy_long, args, message):
    ragged = pd.read_csv(italy_long)
    ragged = ragged[~((ragged["day"] == ragged["day"].iloc[0]) & (ragged["hour"] >= 20))]
    ragged.to_csv(tmp_path / "ragged.csv", index=False)
    store = tmp_path / "store"
    filled = [a.format(long=italy_long, ragged=tmp_path / "ragged.csv") for a in args]
    result = _run(store, *filled)
    assert result.exit_code == 2, result.output
    (line,) = [x for x in result.stderr.splitlines() if x.startswith("error:")]
    assert message in line
    assert not store.exists() or not any(store.iterdir())


def test_summary_feature_figures_per_generated_class(italy_series):
    import base64

    from equipoise.reports.series import feature_distributions

    schema, (X, y), _ = italy_series
    synthetic = (X[y == "2"][:30] + 0.1, np.full(30, "2", dtype=object))
    figures = feature_distributions(schema, (X, y), synthetic)
    assert [f["label"] for f in figures] == ["2"]
    assert base64.b64decode(figures[0]["figure"])[:4] == b"\x89PNG"
    assert feature_distributions(schema, (X, y), None) == []
