"""The command line: the run contract, exit codes and one-line errors."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from flow_settings import FAST_GATE
from typer.testing import CliRunner

from equipoise.cli import app

runner = CliRunner()
# Runs that get past the config reach a flow: one real Prefect server for them all.
pytestmark = pytest.mark.usefixtures("prefect_server")
EQUIPOISE = str(Path(sys.executable).parent / "equipoise")


def _csv(tmp_path: Path, frame: pd.DataFrame, name: str = "table.csv") -> str:
    path = tmp_path / name
    frame.to_csv(path, index=False)
    return str(path)


def _invoke(*args: str):
    return runner.invoke(app, ["run", *args, *(f"--set={s}" for s in FAST_GATE)])


def _assert_refused(result, store: Path, message: str, code: int = 2):
    assert result.exit_code == code, result.output
    lines = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 1 and message in lines[0], result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout.strip() == ""
    versions = [p for p in store.rglob("manifest.json")] if store.exists() else []
    assert versions == [], "nothing may be published"


# --- bad input: one line naming the fix, exit 2, nothing written -------------------------


def test_missing_file(tmp_path):
    store = tmp_path / "store"
    result = _invoke("--data", str(tmp_path / "no.csv"), "--label", "y", "--out", str(store))
    _assert_refused(result, store, "not found; check the path")
    assert not store.exists()


def test_empty_file(tmp_path):
    (tmp_path / "e.csv").write_text("")
    store = tmp_path / "store"
    result = _invoke("--data", str(tmp_path / "e.csv"), "--label", "y", "--out", str(store))
    _assert_refused(result, store, "is empty")


def test_unknown_config_key(tmp_path):
    config = tmp_path / "job.yaml"
    config.write_text("data:\n  source: x.csv\n  label: y\n  lable: z\n")
    store = tmp_path / "store"
    result = _invoke(str(config), "--out", str(store))
    _assert_refused(result, store, "data.lable: unknown key")


def test_unknown_generator_lists_known(tmp_path, credit):
    store = tmp_path / "store"
    data = _csv(tmp_path, credit)
    result = _invoke("--data", data, "--label", "Status", "--generator", "gan", "--out", str(store))
    _assert_refused(result, store, "unknown generator kind 'gan'; known kinds: ctgan, ")


def test_out_not_writable(tmp_path, credit):
    blocker = tmp_path / "blocker"
    blocker.write_text("")
    result = _invoke("--data", _csv(tmp_path, credit), "--label", "Status", "--out", str(blocker))
    _assert_refused(result, tmp_path / "none", "pass a writable --out")


def test_both_config_and_data(tmp_path):
    result = _invoke(str(tmp_path / "a.yaml"), "--data", "x.csv", "--label", "y")
    _assert_refused(result, tmp_path / "none", "not both")


class TestRefusedInsideTheFlow:
    """Data-dependent refusals happen after loading, still with nothing published."""

    def test_label_missing(self, tmp_path, credit):
        store = tmp_path / "store"
        result = _invoke("--data", _csv(tmp_path, credit), "--label", "Sttus", "--out", str(store))
        _assert_refused(result, store, "label column 'Sttus' is not in the data")

    def test_only_one_class(self, tmp_path, credit):
        store = tmp_path / "store"
        data = _csv(tmp_path, credit.assign(Status="good"))
        result = _invoke("--data", data, "--label", "Status", "--out", str(store))
        _assert_refused(result, store, "has only one class ('good')")

    def test_all_missing_column(self, tmp_path, credit):
        store = tmp_path / "store"
        data = _csv(tmp_path, credit.assign(Empty=np.nan))
        result = _invoke("--data", data, "--label", "Status", "--out", str(store))
        _assert_refused(result, store, "column 'Empty' is empty (all 500 values missing)")

    def test_label_nan_refused_by_config(self, tmp_path, credit):
        store = tmp_path / "store"
        frame = credit.copy()
        frame.loc[:4, "Status"] = np.nan
        args = ["--data", _csv(tmp_path, frame), "--label", "Status", "--out", str(store)]
        result = _invoke(*args, "--set", "data.label_nan=refuse")
        _assert_refused(result, store, "missing in 5 rows")

    def test_class_too_small_for_the_method(self, tmp_path, credit):
        store = tmp_path / "store"
        frame = pd.concat(
            [credit, credit.head(4).assign(Status="rare")], ignore_index=True
        )  # 3 training rows of 'rare' after the split
        args = ["--data", _csv(tmp_path, frame), "--label", "Status", "--out", str(store)]
        result = _invoke(*args, "--generator", "smote")
        _assert_refused(result, store, "smote needs at least k_neighbors+1 = 6; lower k_neighbors")
        assert not store.exists() or not any(store.iterdir()), "no staging left behind"


def test_run_prints_the_version_folder_last(tmp_path, hpc):
    """Also the default suite's multi-class table run (four classes, three made)."""
    store = tmp_path / "store"
    result = _invoke(
        "--data", _csv(tmp_path, hpc), "--label", "class", "--generator", "smote",
        "--seed", "3", "--out", str(store),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    last = result.stdout.strip().splitlines()[-1]
    assert Path(last).parent.parent == store
    assert (Path(last) / "manifest.json").is_file()
    assert "synthetic" in result.stderr, "summary table on stderr"


def test_help_is_light():
    """`equipoise --help` must not import the heavy libraries."""
    code = (
        "import sys; from typer.testing import CliRunner; from equipoise.cli import app;"
        "r = CliRunner().invoke(app, ['--help']); assert r.exit_code == 0;"
        "heavy = {'torch', 'prefect', 'pandas', 'sklearn', 'great_expectations', 'sdv'};"
        "print(sorted(heavy & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_end_to_end_in_a_fresh_process(tmp_path, attrition_narrow):
    """The installed command, its own ephemeral Prefect server, a CSV in, a version out."""
    store = tmp_path / "store"
    env = {**os.environ, "PREFECT_HOME": str(tmp_path / "prefect")}
    env.pop("PREFECT_API_URL", None)
    out = subprocess.run(
        [EQUIPOISE, "run", "--data", _csv(tmp_path, attrition_narrow), "--label", "Attrition",
         "--generator", "smote", "--out", str(store), *(f"--set={s}" for s in FAST_GATE)],
        capture_output=True, text=True, env=env, timeout=300,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr[-3000:]
    last = out.stdout.strip().splitlines()[-1]
    assert Path(last).is_dir() and Path(last).parent.name == "table"
