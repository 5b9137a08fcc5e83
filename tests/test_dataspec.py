"""The schema object and the one mixed-type encoding."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from equipoise.dataspec import ColumnKind, InputError, TableSchema, infer_schema
from equipoise.dataspec.encoding import MixedEncoder, ModelFrameCodec


def test_schema_kinds_nulls_and_integers(credit):
    schema = infer_schema(credit, "Status")
    kinds = {c.name: c.kind for c in schema.columns}
    assert kinds["Home"] is ColumnKind.CATEGORICAL
    assert kinds["Income"] is ColumnKind.NUMERIC
    income = schema.column("Income")
    assert income.nullable and income.integer and income.dtype == "float64"
    assert not schema.column("Age").nullable
    assert schema.classes == ("bad", "good")
    assert schema.column_order == tuple(credit.columns)


def test_schema_round_trips_through_json(credit):
    schema = infer_schema(credit, "Status")
    again = TableSchema.from_dict(json.loads(json.dumps(schema.to_dict())))
    assert again == schema


def test_booleans_and_forced_categoricals():
    frame = pd.DataFrame(
        {"flag": [True, False] * 5, "code": [1, 2, 3, 1, 2] * 2, "y": ["a", "b"] * 5}
    )
    schema = infer_schema(frame, "y", categorical=["code"])
    assert schema.column("flag").kind is ColumnKind.BOOLEAN
    assert schema.column("code").kind is ColumnKind.CATEGORICAL
    assert schema.column("code").categories == (1, 2, 3)


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        (pd.DataFrame({"x": [1, 2], "y": [0, 0]}), "only one class"),
        (pd.DataFrame({"x": [np.nan, np.nan], "y": [0, 1]}), "column 'x' is empty"),
        (pd.DataFrame({"when": ["2020-01-01", "2021-03-04 10:00"], "y": [0, 1]}), "ISO-8601"),
        (pd.DataFrame({"x": [1.0, np.inf], "y": [0, 1]}), "infinite values"),
        (pd.DataFrame({"x": [1, 2]}), "label column 'y' is not in the data"),
    ],
)
def test_schema_refuses_what_it_cannot_model(frame, message):
    with pytest.raises(InputError, match=message):
        infer_schema(frame, "y")


@pytest.mark.parametrize("mode", ["onehot", "ordinal"])
def test_mixed_encoder_round_trips_real_rows(credit, mode):
    schema = infer_schema(credit, "Status")
    X, _ = schema.split_xy(credit)
    encoder = MixedEncoder(schema, mode).fit(X)
    Z = encoder.transform(X)
    assert np.isfinite(Z).all()
    assert Z.shape[1] == len(encoder.feature_names_out_) == len(encoder.source_columns_)
    back = encoder.inverse_transform(Z)
    pd.testing.assert_frame_equal(back, X, check_exact=False, rtol=1e-9)


def test_mixed_encoder_distances_weigh_a_category_like_one_deviation():
    frame = pd.DataFrame({"n": [0.0, 1.0, 2.0, 3.0], "c": ["a", "b", "a", "b"], "y": [0, 1] * 2})
    schema = infer_schema(frame, "y")
    Z = MixedEncoder(schema).fit_transform(frame[["n", "c"]])
    category_gap = np.linalg.norm(Z[0, 1:] - Z[1, 1:])
    assert category_gap == pytest.approx(1.0)


def test_mixed_encoder_ignores_categories_unseen_in_training():
    train = pd.DataFrame({"c": ["a", "b"], "y": [0, 1]})
    schema = infer_schema(train, "y")
    encoder = MixedEncoder(schema).fit(train[["c"]])
    Z = encoder.transform(pd.DataFrame({"c": ["zzz"]}))
    assert np.all(Z == 0)


def test_model_frame_codec_is_nan_free_and_lossless(credit):
    schema = infer_schema(credit, "Status")
    X, _ = schema.split_xy(credit)
    codec = ModelFrameCodec(schema).fit(X)
    frame = codec.transform(X)
    assert not frame.isna().any().any()
    assert "Income__missing__" in codec.discrete_columns
    pd.testing.assert_frame_equal(codec.inverse_transform(frame), X)


def test_model_frame_codec_clips_to_the_fitted_range(credit):
    schema = infer_schema(credit, "Status")
    X, _ = schema.split_xy(credit)
    codec = ModelFrameCodec(schema).fit(X)
    frame = codec.transform(X.head(3))
    frame.loc[0, "Age"] = -40
    frame.loc[1, "Age"] = 900
    back = codec.inverse_transform(frame)
    assert back["Age"].tolist()[:2] == [X["Age"].min(), X["Age"].max()]


def test_schema_round_trip_keeps_the_scalar_types(attrition):
    """Integer labels and forced integer categories come back as the numpy scalars
    `infer_schema` found (a recipe rebuilds the gate's encoder from the dict form, and
    must give the same object back)."""
    frame = attrition.assign(Attrition=(attrition["Attrition"] == "Yes").astype("int64"))
    schema = infer_schema(frame, "Attrition", categorical=["JobLevel"])
    assert type(schema.classes[0]) is np.int64
    again = TableSchema.from_dict(json.loads(json.dumps(schema.to_dict())))
    assert repr(again) == repr(schema)
    assert type(again.column("JobLevel").categories[0]) is np.int64
