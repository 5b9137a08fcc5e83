"""Bad input gives one clear line (never a stack trace), settings are validated at the
edge, and the large-table neighbour search agrees with brute force."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.model_selection import train_test_split

from equipoise.dataspec import InputError, ValidationFailed, infer_schema
from equipoise.dataspec.encoding import MixedEncoder
from equipoise.pipeline.modalities import modality
from equipoise.validation.neighbours import (
    SEPARATION,
    discrete_signature,
    knn,
    knn_within_groups,
)
from equipoise.validation.tables import ValidationSettings
from equipoise.validation.tables import leakage as leakage_module

#: the table plug-in's validator (its list of checks through the one validator)
validate_synthetic = modality("table").validator()

LABEL = "Attrition"


@pytest.fixture(scope="module")
def data(attrition_full):
    df = attrition_full
    schema = infer_schema(df, LABEL)
    train, holdout = train_test_split(df, test_size=0.25, stratify=df[LABEL], random_state=0)
    X_train, y_train = schema.split_xy(train)
    X_hold, y_hold = schema.split_xy(holdout)
    mine = (y_hold == "Yes").to_numpy()
    synthetic = X_hold[mine].reset_index(drop=True), y_hold[mine].reset_index(drop=True)
    return schema, (X_train, y_train), (X_hold, y_hold), synthetic


def _fails(data, X, y, error=ValidationFailed, **kwargs) -> str:
    schema, train, holdout, _ = data
    with pytest.raises(error) as caught:
        validate_synthetic(schema, train=train, holdout=holdout, synthetic=(X, y), **kwargs)
    message = str(caught.value)
    assert "\n" not in message and "Traceback" not in message
    assert caught.value.exit_code == (4 if error is ValidationFailed else 2)
    return message


def test_missing_column(data):
    X, y = data[3]
    message = _fails(data, X.drop(columns=["Age"]), y)
    assert "lacks columns ['Age']" in message


def test_extra_column(data):
    X, y = data[3]
    message = _fails(data, X.assign(Bonus=1), y)
    assert "has extra columns ['Bonus']" in message


def test_columns_in_another_order(data):
    X, y = data[3]
    message = _fails(data, X[list(reversed(X.columns))], y)
    assert "another order" in message and "X[schema.feature_names]" in message


def test_wrong_dtype_is_named_by_the_suite(data):
    X, y = data[3]
    message = _fails(data, X.assign(Age=X["Age"].astype(str)), y)
    assert "column 'Age' has dtype object where the real column has int64" in message
    assert "expect_column_values_to_be_of_type" in message


def test_extension_dtype_mismatch_is_caught_too(data):
    X, y = data[3]
    message = _fails(data, X.assign(Age=X["Age"].astype("Int64")), y)
    assert "column 'Age' has dtype Int64 where the real column has int64" in message


def test_missing_values_where_the_real_column_has_none(data):
    X, y = data[3]
    X = X.copy()
    X.loc[[0, 3], "Department"] = np.nan
    message = _fails(data, X, y)
    assert "column 'Department' has 2 missing values where the real training rows have none" in (
        message
    )


def test_zero_synthetic_rows(data):
    X, y = data[3]
    message = _fails(data, X.head(0), y.head(0))
    assert "no synthetic rows" in message


def test_labels_that_are_not_classes(data):
    X, y = data[3]
    message = _fails(data, X, y.replace({"Yes": "Maybe"}))
    assert "synthetic labels are not classes of the real data" in message


def test_labels_and_rows_differ_in_number(data):
    X, y = data[3]
    message = _fails(data, X, y.head(3))
    assert f"{len(X)} rows but 3 labels" in message


def test_real_split_without_a_column_is_an_input_error(data):
    schema, (X_train, y_train), holdout, synthetic = data
    with pytest.raises(InputError) as caught:
        validate_synthetic(
            schema,
            train=(X_train.drop(columns=["Gender"]), y_train),
            holdout=holdout,
            synthetic=synthetic,
        )
    assert "train split lacks the schema's columns ['Gender']" in str(caught.value)
    assert caught.value.exit_code == 2


def test_too_few_rows_skip_statistics_with_a_note(data):
    schema, train, (X_hold, y_hold), (X, y) = data
    few_yes = np.flatnonzero((y_hold == "Yes").to_numpy())[:4]
    keep = np.r_[np.flatnonzero((y_hold == "No").to_numpy()), few_yes]
    holdout = X_hold.iloc[keep].reset_index(drop=True), y_hold.iloc[keep].reset_index(drop=True)
    report = validate_synthetic(schema, train=train, holdout=holdout, synthetic=(X[:6], y[:6]))
    rows = {r["check"]: r for r in report.summary_rows()}
    assert rows["leakage.dcr_share"]["passed"] is None
    assert rows["fidelity.column_shapes"]["passed"] is None
    assert any("4 distinct holdout rows (need 10)" in n for n in report.notes)
    assert any(
        "fidelity skipped for class 'Yes'" in n and "6 synthetic rows" in n for n in report.notes
    )
    # The per-row checks still ran: near copies are compared with a holdout share of 0.
    assert rows["leakage.near_copies"]["passed"] is True
    assert report.passed


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("on_schema_failure", "ignore", "on_schema_failure must be drop or fail"),
        ("min_column_shapes", 1.5, "min_column_shapes must be between 0 and 1"),
        ("max_detection_auc", 0.3, "max_detection_auc must be between 0.5 and 1"),
        ("near_copy_ratio", 1.0, "near_copy_ratio must be at least 0 and below 1"),
        ("sample_rows", 10, "sample_rows must be an integer of at least 100"),
        ("allow_exact_copies", "yes", "allow_exact_copies must be true or false"),
    ],
)
def test_bad_settings_are_input_errors(field, value, words):
    with pytest.raises(InputError) as caught:
        ValidationSettings(**{field: value})
    assert words in str(caught.value) and caught.value.exit_code == 2


def test_settings_embed_in_a_pydantic_model_that_rejects_unknown_keys():
    from pydantic import BaseModel, ValidationError

    class Job(BaseModel):
        validation: ValidationSettings = ValidationSettings()

    job = Job.model_validate({"validation": {"near_copy_ratio": 0.2, "max_dcr_share": 0.7}})
    assert job.validation == ValidationSettings(near_copy_ratio=0.2, max_dcr_share=0.7)
    with pytest.raises(ValidationError, match="near_copy_ration"):
        Job.model_validate({"validation": {"near_copy_ration": 0.2}})
    with pytest.raises(InputError, match="max_near_copy_share"):
        Job.model_validate({"validation": {"max_near_copy_share": 2}})
    with pytest.raises(AttributeError):
        job.validation.near_copy_ratio = 0.5  # frozen


def test_every_setting_is_documented():
    import ast
    import inspect

    import equipoise.validation.tables.settings as module

    tree = ast.parse(inspect.getsource(module))
    cls = next(n for n in tree.body if isinstance(n, ast.ClassDef))
    body = cls.body
    for i, node in enumerate(body):
        if isinstance(node, ast.AnnAssign) and not node.target.id.startswith("__"):
            doc = body[i + 1]
            assert isinstance(doc, ast.Expr) and "default" in doc.value.value.lower(), (
                node.target.id
            )


# --- the large-table search -------------------------------------------------------------


def test_search_within_signatures_matches_brute_force_below_the_separation():
    rng = np.random.default_rng(0)
    n = 3000
    frame = pd.DataFrame(
        {
            "a": rng.normal(size=n),
            "b": np.where(rng.random(n) < 0.1, np.nan, rng.normal(size=n)),
            "c": rng.choice(["x", "y", "z"], n),
            "d": rng.choice([True, False], n),
            LABEL: rng.choice(["No", "Yes"], n),
        }
    )
    schema = infer_schema(frame, LABEL)
    X = frame.drop(columns=LABEL)
    encoder = MixedEncoder(schema).fit(X[:2000])
    R, Q = encoder.transform(X[:2000]), encoder.transform(X[2000:])
    Q[:50] = R[:50] + rng.normal(0, 0.01, (50, R.shape[1])) * (np.arange(R.shape[1]) < 2)
    g_r, g_q = discrete_signature(encoder, R, Q)
    k = len(encoder.numeric_)
    d_in, i_in = knn_within_groups(R[:, :k], g_r, Q[:, :k], g_q, 2)
    d_bf, i_bf = knn(R, Q, 2)
    close = d_bf[:, 1] < SEPARATION
    assert close.sum() > 500
    np.testing.assert_allclose(d_in[close], d_bf[close], atol=1e-6)
    assert (i_in[close, 0] == i_bf[close, 0]).mean() > 0.99  # ties aside
    assert (d_in[:, 0] >= d_bf[:, 0] - 1e-9).all()  # never nearer than the truth


def test_large_path_gives_the_same_leakage_verdict(data, monkeypatch):
    """Forcing the signature search (as for a million rows) changes no near-copy flag."""
    schema, train, holdout, _ = data
    X_train, y_train = train
    rng = np.random.default_rng(1)
    src = X_train[(y_train == "Yes").to_numpy()].reset_index(drop=True)
    leaky = src.iloc[rng.integers(0, len(src), 150)].reset_index(drop=True)
    leaky["MonthlyIncome"] = leaky["MonthlyIncome"] + rng.integers(-30, 30, 150)
    honest = data[3][0].head(40)
    X = pd.concat([leaky, honest], ignore_index=True)
    y = pd.Series(["Yes"] * len(X), name=LABEL)
    kwargs = dict(train=train, holdout=holdout, synthetic=(X, y), seed=3)
    brute = validate_synthetic(schema, **kwargs)
    monkeypatch.setattr(leakage_module, "BRUTE_PAIRS", 0)
    large = validate_synthetic(schema, **kwargs)
    b = brute.to_dict()["classes"]["Yes"]["leakage"]
    g = large.to_dict()["classes"]["Yes"]["leakage"]
    assert b["near_copies"]["search"] == "brute force"
    assert g["near_copies"]["search"] == "within discrete signatures"
    assert np.array_equal(brute.keep, large.keep)
    assert b["near_copies"]["count"] == g["near_copies"]["count"] >= 140
    assert b["dcr"] == g["dcr"]  # nothing is sampled below sample_rows
