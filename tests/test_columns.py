"""Real-world columns and odd files: dates and datetimes modelled (ISO text or
datetime64, published in the input's dtype and format, range-checked), identifier /
free-text / number-as-text columns named at load, duplicate headers, `;`-separated and
Latin-1 CSVs, `category` labels, capped category lists in the manifest, HTML-safe
column names in the Data Docs."""

from __future__ import annotations

import json
import logging
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from equipoise.dataspec import ColumnKind, InputError, infer_schema
from equipoise.dataspec.columns import column_issues
from equipoise.dataspec.encoding import MixedEncoder, ModelFrameCodec
from equipoise.pipeline.manifest import capped_levels
from equipoise.pipeline.tables.config import DataConfig
from equipoise.pipeline.tables.loading import prepare, read_source

START = pd.Timestamp("2015-01-01")


def _dated(frame: pd.DataFrame, years: str = "YearsAtCompany") -> pd.DataFrame:
    """`frame` with a hire date tied to its years at the company (ISO text, date only),
    a last-review datetime (whole seconds) and nothing else changed."""
    rng = np.random.default_rng(0)
    hired = START - pd.to_timedelta(frame[years] * 365 + rng.integers(0, 300, len(frame)), "D")
    review = START + pd.to_timedelta(rng.integers(0, 86_400 * 700, len(frame)), "s")
    return frame.assign(Hired=hired.dt.strftime("%Y-%m-%d"), Review=review)


# --------------------------------------------------------------------------- schema


def test_datetime_columns_are_a_kind_with_format_resolution_and_range():
    frame = pd.DataFrame(
        {
            "day": ["2020-01-05", "2020-03-01", None, "2021-12-31"],
            "stamp": ["2020-01-05T10:00:00", "2020-01-05T11:30:15", "2020-02-01T00:00:00", None],
            "dt": pd.to_datetime(
                ["2020-01-01 10:00", "2020-01-02 11:00", "2020-01-03 00:00", None]
            ),
            "us": ["2020-01-01 10:00:00.123456", "2020-01-01 10:00:00.000001", None, None],
            "tz": pd.date_range("2021-03-27", periods=4, freq="D", tz="Europe/Paris"),
            "y": [0, 1, 0, 1],
        }
    )
    schema = infer_schema(frame, "y")
    day, stamp, dt, tz = (schema.column(c) for c in ("day", "stamp", "dt", "tz"))
    assert all(c.kind is ColumnKind.DATETIME for c in (day, stamp, dt, tz))
    assert (day.datetime_format, day.resolution, day.dtype) == ("%Y-%m-%d", "D", "object")
    assert (stamp.datetime_format, stamp.resolution) == ("%Y-%m-%dT%H:%M:%S", "s")
    assert (dt.datetime_format, dt.resolution, dt.dtype) == (None, "min", "datetime64[ns]")
    us = schema.column("us")
    assert (us.datetime_format, us.resolution) == ("%Y-%m-%d %H:%M:%S.%f", "us")
    assert tz.resolution == "D" and tz.dtype == "datetime64[ns, Europe/Paris]"
    assert day.minimum == pd.Timestamp("2020-01-05").timestamp()
    assert day.maximum == pd.Timestamp("2021-12-31").timestamp()
    assert schema.numeric == [day, stamp, dt, us, tz] and schema.discrete == []
    again = type(schema).from_dict(json.loads(json.dumps(schema.to_dict())))
    assert again == schema


def test_numbers_come_back_in_the_input_dtype_format_and_resolution():
    frame = pd.DataFrame(
        {
            "day": ["2020-01-05", "2020-03-01", "2021-12-31", "2020-06-30"],
            "dt": pd.to_datetime(["2020-01-01 10:00:05", "2020-01-02 11:00:00"] * 2),
            "tz": pd.date_range("2021-03-27", periods=4, freq="D", tz="Europe/Paris"),
            "y": [0, 1, 0, 1],
        }
    )
    schema = infer_schema(frame, "y")
    X, _ = schema.split_xy(frame)
    # A model's output: seconds since 1970, off the grid by a few hours.
    seconds = schema.numbers(X) + 5 * 3600.0
    back = schema.conform(seconds)
    assert back.dtypes.astype(str).tolist() == [
        "object",
        "datetime64[ns]",
        "datetime64[ns, Europe/Paris]",
    ]
    assert back["day"].tolist() == ["2020-01-05", "2020-03-01", "2021-12-31", "2020-06-30"]
    assert back["dt"].iloc[0] == pd.Timestamp("2020-01-01 15:00:05")
    assert (back["tz"].dt.hour == 0).all(), "a date-only column gives dates, in its own zone"
    for mode in ("onehot", "ordinal"):
        encoder = MixedEncoder(schema, mode).fit(X)
        pd.testing.assert_frame_equal(encoder.inverse_transform(encoder.transform(X)), X)
    codec = ModelFrameCodec(schema).fit(X)
    pd.testing.assert_frame_equal(codec.inverse_transform(codec.transform(X)), X)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ([*(f"2020-01-0{d}" for d in range(1, 10)), "soon"], r"ISO-8601 format \(e.g. 'soon'\)"),
        (["2020-01-01", "2020-01-02 10:00:00", "2020-01-03"] * 3 + ["2020-01-04"], "ISO-8601"),
        (pd.to_timedelta(range(10), "D"), "holds durations"),
    ],
)
def test_dates_it_cannot_read_are_refused_with_the_fix(values, message):
    frame = pd.DataFrame({"when": values, "y": [0, 1] * 5})
    with pytest.raises(InputError, match=message):
        infer_schema(frame, "y")


def test_a_date_column_forced_categorical_stays_categories():
    frame = pd.DataFrame({"when": ["2020-01-01", "2020-01-02"] * 2, "y": [0, 1] * 2})
    schema = infer_schema(frame, "y", categorical=["when"])
    assert schema.column("when").kind is ColumnKind.CATEGORICAL


# --------------------------------------------------------------------------- column issues


def _prepare(frame: pd.DataFrame, **config) -> object:
    return prepare(frame, DataConfig(source="x.csv", label="y", **config))


def _frame(n: int = 200, **columns) -> pd.DataFrame:
    rng = np.random.default_rng(1)
    return pd.DataFrame({"x": rng.normal(size=n), **columns, "y": ["a", "b", "b", "b"] * (n // 4)})


@pytest.mark.parametrize(
    ("column", "message"),
    [
        ([f"C{i:05d}" for i in range(200)], "looks like an identifier (200 distinct values in "),
        ([f"${i},{i % 1000:03d}.50" for i in range(200)], "holds numbers written as text"),
        ([f"note number {i} about this customer's visit" for i in range(200)], "holds free text"),
    ],
)
def test_nearly_unique_text_columns_are_refused(column, message):
    with pytest.raises(InputError, match=re.escape("drop it (data.drop_columns: [c])")) as err:
        _prepare(_frame(c=column))
    assert message in str(err.value)
    _prepare(_frame(c=column), drop_columns=["c"])  # the fix it names works


def test_odd_columns_that_still_run_are_warned_about_once(caplog):
    n = 200
    frame = _frame(
        n,
        id=np.arange(1, n + 1),
        share=[f"{i % 7 * 10} %" for i in range(n)],
        comment=[f"the customer called about order {i % 120}" for i in range(n)],
        city=["Oslo", "Lyon"] * (n // 2),
    )
    with caplog.at_level(logging.WARNING):
        real = _prepare(frame)
    warned = {r.getMessage().split("'")[1]: r.getMessage() for r in caplog.records}
    assert set(warned) == {"id", "share", "comment"}, warned
    assert "looks like a row number" in warned["id"]
    assert "numbers written as text (e.g. '0 %'" in warned["share"]
    assert "free text" in warned["comment"] and "--text comment" in warned["comment"]
    assert all("data.drop_columns" in m for m in warned.values())
    assert real.schema.column("share").kind is ColumnKind.CATEGORICAL
    assert column_issues(frame, real.schema, declared=["share", "comment", "id"]) == []


def test_small_plain_tables_raise_no_issue(credit):
    assert column_issues(credit, infer_schema(credit, "Status")) == []


# --------------------------------------------------------------------------- files


def test_semicolon_and_decimal_comma_are_read_as_meant(tmp_path, caplog):
    path = tmp_path / "eu.csv"
    path.write_text("Alter;Gewicht;Status\n31;72,5;gut\n45;80,25;schlecht\n")
    with caplog.at_level(logging.WARNING):
        frame = read_source(str(path))
    assert list(frame.columns) == ["Alter", "Gewicht", "Status"]
    assert frame["Gewicht"].tolist() == [72.5, 80.25]
    assert "read with ';' as the delimiter and ',' as the decimal mark" in caplog.text


def test_latin1_is_read_with_a_note(tmp_path, caplog):
    path = tmp_path / "latin.csv"
    path.write_bytes("ville,n,Status\nGen\xe8ve,1,oui\nZ\xfcrich,2,non\n".encode("latin-1"))
    with caplog.at_level(logging.WARNING):
        frame = read_source(str(path), labels=["Status"])
    assert frame["ville"].tolist() == ["Genève", "Zürich"]
    assert "is not UTF-8: read it as Windows-1252" in caplog.text


def test_duplicate_headers_are_refused(tmp_path):
    path = tmp_path / "dup.csv"
    path.write_text("Age,Income,Age,Status\n1,2,3,x\n")
    with pytest.raises(InputError, match=r"repeats the column names \['Age'\].*Age\.1"):
        read_source(str(path))


def test_manifest_lists_at_most_20_levels_with_count_and_hash():
    schema = {
        "columns": [
            {"name": "c", "categories": list(range(500))},
            {"name": "d", "categories": [1, 2]},
        ]
    }
    capped = capped_levels(schema)
    c, d = capped["columns"]
    assert c["categories"] == list(range(20)) and c["categories_count"] == 500
    assert len(c["categories_sha256"]) == 64
    other = capped_levels({"columns": [{"name": "c", "categories": [*range(499), -1]}]})
    assert other["columns"][0]["categories_sha256"] != c["categories_sha256"]
    assert d == {"name": "d", "categories": [1, 2]}


def test_data_docs_escape_column_names(tmp_path):
    from equipoise.validation.schema_suite import derive_expectations, run_schema_suite
    from equipoise.validation.tables.settings import ValidationSettings

    frame = pd.DataFrame({"<b>x</b>": [1.0, 2.0, 3.0, 4.0], "a&b": ["p", "q"] * 2, "y": [0, 1] * 2})
    schema = infer_schema(frame, "y")
    X, y = schema.split_xy(frame)
    expectations = derive_expectations(schema, X, y, ValidationSettings())
    synthetic = frame.assign(**{"<b>x</b>": [1.0, 2.0, 3.0, 99.0]})
    result = run_schema_suite(schema, expectations, synthetic, tmp_path / "docs", 0)
    assert [f["column"] for f in result.failed] == ["<b>x</b>"]  # the user's name
    assert result.drop.tolist() == [False, False, False, True]
    pages = "".join(p.read_text() for p in (tmp_path / "docs").rglob("*.html"))
    assert "&lt;b&gt;x&lt;/b&gt;" in pages and "a&amp;b" in pages
    assert "<b>x</b>" not in pages and "a&b" not in pages.replace("a&amp;b", "")


def test_the_suite_checks_the_range_of_dates_held_as_text():
    from equipoise.validation.schema_suite import derive_expectations, run_schema_suite
    from equipoise.validation.tables.settings import ValidationSettings

    frame = pd.DataFrame(
        {"day": ["2020-01-01", "2020-06-01", "2020-12-31", "2020-03-03"], "y": [0, 1] * 2}
    )
    schema = infer_schema(frame, "y")
    X, y = schema.split_xy(frame)
    expectations = derive_expectations(schema, X, y, ValidationSettings(range_margin=0.0))
    between = [e for e in expectations if e.gx_class == "ExpectColumnValuesToBeBetween"]
    assert between[0].kwargs["min_value"].startswith("2020-01-01")
    synthetic = frame.assign(day=["2020-02-02", "2019-12-31", "2021-01-01", "2020-12-31"])
    result = run_schema_suite(schema, expectations, synthetic, None, 0)
    assert result.drop.tolist() == [False, True, True, False]
    assert not result.structural


# --------------------------------------------------------------------------- end to end


def _run(tmp_path: Path, frame: pd.DataFrame, name: str, *overrides: str) -> Path:
    from equipoise.flows.balance import balance
    from equipoise.pipeline.config import load_job

    data = tmp_path / name
    frame.to_parquet(data, index=False) if name.endswith(".parquet") else frame.to_csv(
        data, index=False
    )
    base = {
        "data": {"source": str(data), "label": "Attrition"},
        "output": {"store": str(tmp_path / "store")},
    }
    gate = [
        "gate.mode=report",
        "gate.models=[logreg]",
        "gate.baselines=[none]",
        "gate.bootstrap=200",
        "gate.cross_fit=never",
    ]
    return Path(balance(load_job(base=base, overrides=[*gate, *overrides]))["path"])


@pytest.mark.usefixtures("prefect_server")
@pytest.mark.parametrize("kind", ["gaussian_copula", "smote"])
def test_dates_go_through_a_real_run_and_come_back_in_their_dtype(tmp_path, attrition, kind):
    frame = _dated(attrition[["Age", "YearsAtCompany", "MonthlyIncome", "OverTime", "Attrition"]])
    version = _run(tmp_path, frame, "dated.csv", f"generator.kind={kind}")
    table = pd.read_parquet(version / "train.parquet")
    origin = pd.read_parquet(version / "provenance.parquet")
    manifest = json.loads((version / "manifest.json").read_text())
    synthetic = table[(origin["origin"] == "synthetic").to_numpy()]
    assert len(synthetic) > 100
    # CSV text in, the same text format out: dates stay YYYY-MM-DD, datetimes keep seconds.
    assert table["Hired"].dtype == object and table["Review"].dtype == object
    assert synthetic["Hired"].str.fullmatch(r"\d{4}-\d{2}-\d{2}").all()
    assert synthetic["Review"].str.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}").all()
    train = frame.iloc[origin.loc[origin["split"] == "train", "source_row"].to_numpy()]
    for column in ("Hired", "Review"):
        got, real = pd.to_datetime(synthetic[column]), pd.to_datetime(train[column])
        assert got.min() >= real.min() and got.max() <= real.max(), column
        assert got.nunique() > 20, "new dates, not a handful of copies"
    spec = {c["name"]: c for c in manifest["schema"]["columns"]}
    assert spec["Hired"]["kind"] == "datetime" and spec["Hired"]["datetime_format"] == "%Y-%m-%d"
    # The years and the hire date stay related in the synthetic rows.
    years = (START - pd.to_datetime(synthetic["Hired"])).dt.days / 365
    assert np.corrcoef(years, synthetic["YearsAtCompany"])[0, 1] > 0.5


@pytest.mark.usefixtures("prefect_server")
def test_datetime64_and_category_label_from_parquet_come_back_as_given(tmp_path, attrition):
    frame = _dated(attrition[["Age", "YearsAtCompany", "MonthlyIncome", "Attrition"]])
    frame = frame.assign(Attrition=frame["Attrition"].astype("category"))
    version = _run(tmp_path, frame, "dated.parquet", "generator.kind=smote")
    table = pd.read_parquet(version / "train.parquet")
    assert table.dtypes.astype(str).to_dict() == frame.dtypes.astype(str).to_dict()
    assert list(table["Attrition"].cat.categories) == list(frame["Attrition"].cat.categories)
    assert table["Review"].dt.microsecond.eq(0).all(), "whole seconds, like the input"
    assert table["Attrition"].value_counts().nunique() == 1


# --------------------------------------------------------------------------- CLI


def test_a_warning_is_printed_once_before_prefect_starts(tmp_path):
    """Through the installed CLI: the row-number warning, then the split's refusal, in
    about a second: nothing reached Prefect."""
    n = 200
    frame = _frame(n, id=np.arange(n)).rename(columns={"y": "Status"})
    frame.loc[0, "Status"] = "single"
    frame.to_csv(tmp_path / "t.csv", index=False)
    result = subprocess.run(
        [sys.executable, "-m", "equipoise.cli", "run", "--data", str(tmp_path / "t.csv"),
         "--label", "Status", "--out", str(tmp_path / "store")],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 2, result.stderr
    assert result.stderr.count("column 'id' looks like a row number") == 1, result.stderr
    assert "a stratified holdout needs at least 2 rows per class" in result.stderr
    assert "prefect" not in result.stderr.lower()
    assert not (tmp_path / "store").exists()
