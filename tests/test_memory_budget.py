"""Big tables and the memory budget (issue 20): `memory:` / `--memory` parsed, the row
samples generators and the gate use on big tables, high-cardinality categories capped
before one-hot, a run under a small budget sizing down or skipping with the reason in
the manifest, and a 100,000-row table with thousands of levels reaching a verdict."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from flow_settings import FAST_GATE
from typer.testing import CliRunner

from equipoise.cli import app
from equipoise.dataspec import InputError, infer_schema
from equipoise.dataspec.encoding import OTHER, MixedEncoder, ModelFrameCodec
from equipoise.pipeline import footprint
from equipoise.pipeline.config import load_job

runner = CliRunner()


def _run(tmp_path: Path, frame: pd.DataFrame, *args: str):
    data = tmp_path / "table.csv"
    frame.to_csv(data, index=False)
    store = tmp_path / "store"
    return runner.invoke(
        app,
        ["run", "--data", str(data), "--label", "y", "--out", str(store), *args]
        + [f"--set={s}" for s in FAST_GATE],
    )


def _manifest(result) -> dict:
    assert result.exit_code == 0, result.output
    path = Path(result.stdout.strip().splitlines()[-1])
    return json.loads((path / "manifest.json").read_text())


def _table(n: int, minority: float, levels: int, seed: int = 0) -> pd.DataFrame:
    """Two numerics and a category with `levels` levels (Zipf-like), label `y`."""
    rng = np.random.default_rng(seed)
    y = rng.random(n) < minority
    weights = 1.0 / np.arange(1, levels + 1)
    cat = rng.choice(levels, size=n, p=weights / weights.sum())
    return pd.DataFrame(
        {
            "a": rng.normal(size=n) + 1.5 * y,
            "b": rng.normal(size=n) - y,
            "code": [f"L{c:05d}" for c in cat],
            "y": np.where(y, "yes", "no"),
        }
    )


# ------------------------------------------------------------------- the setting


def test_memory_amounts_parse_and_a_bad_one_is_refused_with_the_form_to_write():
    assert footprint.parse_memory("8G") == 8 * 2**30
    assert footprint.parse_memory("8GB") == footprint.parse_memory("8gib") == 8 * 2**30
    assert footprint.parse_memory("512M") == 512 * 2**20
    assert footprint.parse_memory(2) == 2 * 2**30
    for bad in ("lots", "-1G", "0", "8X"):
        with pytest.raises(InputError, match="like 8G"):
            footprint.parse_memory(bad)
    job = load_job(base={"data": {"source": "t.csv", "label": "y"}, "memory": "6G"})
    assert job.memory == "6G"
    assert load_job(base={"data": {"source": "t.csv", "label": "y"}}).memory is None
    with pytest.raises(InputError, match="memory"):
        load_job(base={"data": {"source": "t.csv", "label": "y"}, "memory": "much"})


# ------------------------------------------------------------------- row samples


def test_the_gate_sample_always_leaves_synthetic_rows_to_judge():
    from equipoise.flows.sizing import gate_ask

    table = pd.Series(["no"] * 72_750 + ["yes"] * 2_250)
    sample = pd.Series(["no"] * 17_750 + ["yes"] * 2_250)
    # at ratio 1 the sample's own deficit
    assert gate_ask(table, sample, 1.0) == {"yes": 17_750 - 2_250}
    # at 0.05 the sample has none (2,250 > 5 % of 17,750): the table's 1,388, scaled by
    # the 17,750 / 72,750 of the majority the sample kept
    assert gate_ask(table, sample, 0.05) == {"yes": int(np.ceil(1_388 * 17_750 / 72_750))}


def test_a_proportional_sample_keeps_the_class_ratio():
    y = np.array(["no"] * 9_700 + ["yes"] * 300)
    rows = footprint.proportional_rows(y, 1_000, seed=3)
    assert len(rows) == 1_000 and (np.diff(rows) > 0).all()
    assert (y[rows] == "yes").sum() == 30
    assert footprint.proportional_rows(y, 10_000, seed=3) is None


def test_class_caps_keep_the_minority_whole_and_sample_the_majority():
    y = np.array(["no"] * 5000 + ["yes"] * 300)
    assert footprint.cap_classes(y, 6000, seed=1) is None
    rows = footprint.cap_classes(y, 1000, seed=1)
    kept = pd.Series(y[rows]).value_counts()
    assert kept["no"] == 1000 and kept["yes"] == 300
    assert np.all(np.diff(rows) > 0)
    assert np.array_equal(rows, footprint.cap_classes(y, 1000, seed=1))  # seeded
    assert not np.array_equal(rows, footprint.cap_classes(y, 1000, seed=2))
    gate = footprint.gate_rows(y, 2000, seed=1)
    kept = pd.Series(y[gate]).value_counts()
    assert kept["yes"] == 300 and kept["no"] == 1700
    assert footprint.gate_rows(y, 6000, seed=1) is None
    # a smaller class keeps at most a third of the rows: the gate keeps a deficit to fill
    kept = pd.Series(y[footprint.gate_rows(y, 400, seed=1)]).value_counts()
    assert kept["yes"] == 133 and kept["no"] == 267


# ------------------------------------------------------------------- many levels


def test_a_column_with_thousands_of_levels_is_one_hot_coded_as_its_top_levels_and_other():
    frame = _table(6000, 0.1, 2000)
    schema = infer_schema(frame, "y")
    X = frame.drop(columns="y")
    encoder = MixedEncoder(schema).fit(X)
    cats = encoder.categories_["code"]
    assert len(cats) == footprint.ONEHOT_LEVELS and cats[-1] == OTHER
    Z = encoder.transform(X)
    assert Z.shape == (6000, 2 + footprint.ONEHOT_LEVELS)
    back = encoder.inverse_transform(Z, np.random.default_rng(0))
    frequent = np.isin(X["code"], cats[:-1])
    assert (back["code"][frequent] == X["code"][frequent]).all()  # kept levels: exact
    rare_back = back["code"][~frequent]  # OTHER: an infrequent level that was there
    assert rare_back.isin(set(X["code"][~frequent])).all()
    assert rare_back.nunique() > 50
    # a column within the cap is coded as before, every level its own column
    small = _table(600, 0.1, 30)
    enc = MixedEncoder(infer_schema(small, "y")).fit(small.drop(columns="y"))
    assert OTHER not in enc.categories_["code"] and len(enc.categories_["code"]) == 30


def test_the_model_codec_caps_levels_and_restores_each_class_its_own_rare_levels():
    frame = _table(6000, 0.2, 2000)
    schema = infer_schema(frame, "y")
    X, y = frame.drop(columns="y"), frame["y"]
    codec = ModelFrameCodec(schema, max_levels=50).fit(X, y)
    assert codec.capped() == {"code": {"levels": X["code"].nunique(), "kept": 49}}
    coded = codec.transform(X)
    assert coded["code"].nunique() == 50 and (coded["code"] == OTHER).any()
    yes = coded[(y == "yes").to_numpy()]
    back = codec.inverse_transform(yes, "yes", np.random.default_rng(0))
    rare_yes = set(X["code"][(y == "yes").to_numpy()]) - set(codec.kept_["code"])
    drawn = back["code"][(yes["code"] == OTHER).to_numpy()]
    assert len(drawn) and drawn.isin(rare_yes).all()
    # without a cap: every level kept, a round trip is exact
    plain = ModelFrameCodec(schema).fit(X)
    pd.testing.assert_frame_equal(plain.inverse_transform(plain.transform(X)), X)


# ------------------------------------------------------------------- runs


@pytest.mark.usefixtures("prefect_server")
def test_a_run_under_a_small_memory_budget_sizes_down_and_skips_with_the_reason(
    tmp_path, monkeypatch
):
    """Estimates made deterministic (nothing resident, costs per row): the fits are
    sized down, the copula cannot fit at all and is skipped, the gate drops to one
    worker and fewer rows; every step says so in the manifest."""
    monkeypatch.setattr(footprint, "resident", lambda: 0)
    monkeypatch.setattr(footprint, "FIT_CLASS_ROWS", 3000)
    monkeypatch.setattr(footprint, "MIN_FIT_CLASS_ROWS", 500)
    monkeypatch.setattr(footprint, "GATE_TRAIN_ROWS", 3000)
    monkeypatch.setattr(footprint, "MIN_GATE_TRAIN_ROWS", 500)
    monkeypatch.setattr(footprint, "GATE_HOLDOUT_ROWS", 500)
    per_row = {"imblearn": 400_000, "gaussian_copula": 10**9, "validate": 1, "gate": 200_000}

    def estimate(step, rows, width, copies=1):
        return copies * rows * per_row[step]

    monkeypatch.setattr(footprint, "estimate", estimate)
    frame = _table(5000, 0.08, 40)
    result = _run(
        tmp_path, frame, "--memory", "1G",
        "--set=generator=[{kind: smote}, {kind: gaussian_copula}]",
    )  # fmt: skip
    manifest = _manifest(result)
    memory = manifest["memory"]
    assert memory["budget_gb"] == 1.0 and memory["source"] == "memory: 1G"
    fit = memory["fit_rows"]
    assert fit["sampled"] and fit["cap_per_class"] < 3000
    assert fit["class_counts"]["no"] == fit["cap_per_class"]
    assert fit["class_counts"]["yes"] == manifest["class_counts"]["train"]["yes"]
    copula = next(c for c in manifest["candidates"] if c["name"] == "gaussian_copula")
    assert "memory budget" in copula["skipped"] and "--memory" in copula["skipped"]
    assert manifest["generator"]["kind"] == "smote"
    gate = manifest["gate"]["train_rows"]
    assert gate["sampled"] and gate["train_rows"] < 3000 and gate["workers"] == 1
    assert gate["class_counts"]["yes"] == manifest["class_counts"]["train"]["yes"]
    # a holdout over GATE_HOLDOUT_ROWS is scored on a sample in proportion to its classes
    assert gate["holdout_sampled"] and gate["of_holdout_rows"] == manifest["rows"]["holdout"]
    assert abs(gate["holdout_rows"] - 500) <= 2
    notes = " ".join(memory["notes"])
    assert "sized down" in notes and "gaussian_copula skipped" in notes
    assert "gate sized down" in notes


@pytest.mark.usefixtures("prefect_server")
def test_a_winner_whose_every_row_would_not_fit_is_refused_before_any_is_made(
    tmp_path, monkeypatch
):
    """The gate judged SMOTE on its sample (about 6,000 rows to validate); publishing
    needs every row (about 9,000): over the budget, so exit 2 naming the settings, and
    no version."""
    monkeypatch.setattr(footprint, "resident", lambda: 0)
    monkeypatch.setattr(footprint, "GATE_TRAIN_ROWS", 1500)
    monkeypatch.setattr(footprint, "MIN_GATE_TRAIN_ROWS", 500)

    def estimate(step, rows, width, copies=1):
        return 10**15 if step == "validate" and rows > 7500 else 1

    monkeypatch.setattr(footprint, "estimate", estimate)
    result = _run(tmp_path, _table(5000, 0.08, 40), "--memory", "1G", "--generator", "smote")
    assert result.exit_code == 2, result.output
    assert "nothing published" in result.output and "--memory" in result.output
    assert not any((tmp_path / "store").glob("*/v*")), "no version"


@pytest.mark.usefixtures("prefect_server")
def test_a_budget_too_small_for_the_smallest_gate_refuses_at_the_start(tmp_path):
    result = _run(tmp_path, _table(2000, 0.1, 20), "--memory", "64M", "--generator", "smote")
    assert result.exit_code == 2, result.output
    assert "--memory" in result.output and "memory:" in result.output
    assert not (tmp_path / "store").exists() or not any((tmp_path / "store").glob("*/v*"))


@pytest.mark.usefixtures("prefect_server")
def test_a_100k_row_table_with_thousands_of_levels_reaches_a_verdict_on_samples(tmp_path):
    frame = _table(100_000, 0.03, 3000)
    assert frame["code"].nunique() > 2500
    result = _run(tmp_path, frame, "--generator", "smote", "--set=balance.target_ratio=0.1")
    manifest = _manifest(result)
    memory = manifest["memory"]
    train = manifest["class_counts"]["train"]
    fit = memory["fit_rows"]
    assert fit["sampled"] and fit["class_counts"] == {
        "no": footprint.FIT_CLASS_ROWS,
        "yes": train["yes"],
    }
    gate = manifest["gate"]["train_rows"]
    assert gate["sampled"] and gate["train_rows"] == footprint.GATE_TRAIN_ROWS
    assert gate["class_counts"]["yes"] == train["yes"]
    assert gate["holdout_rows"] == manifest["rows"]["holdout"] == 25_000
    assert memory["widths"]["mixed"] <= 2 + footprint.ONEHOT_LEVELS
    published = pd.read_parquet(Path(result.stdout.strip().splitlines()[-1]) / "train.parquet")
    assert len(published) > 100_000
    assert published["code"].isin(set(frame["code"])).all()
