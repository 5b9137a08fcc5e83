"""The table label-consistency filter and the TSTR utility figures, on real data (IBM
attrition, 10 columns): a generator that labels majority rows as minority loses most
of them while SMOTE keeps nearly all; a copy of a training row is never judged by a
model that trained on it; the off switch; TSTR numbers in the report."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.model_selection import train_test_split

from equipoise.dataspec import InputError, infer_schema
from equipoise.dataspec.encoding import MixedEncoder
from equipoise.generators.tables.base import TableGenerator
from equipoise.pipeline.modalities import modality
from equipoise.validation.tables import ValidationSettings
from equipoise.validation.tables.labels import FOLDS, cross_fitted_filter

#: the table plug-in's validator (its list of checks through the one validator)
validate_synthetic = modality("table").validator()

LABEL = "Attrition"
COLUMNS = ["Age", "MonthlyIncome", "TotalWorkingYears", "YearsAtCompany", "JobLevel",
           "OverTime", "JobRole", "MaritalStatus", "BusinessTravel", "StockOptionLevel",
           LABEL]  # fmt: skip


class FlipLabels(TableGenerator):
    """A test double: draws real rows of the other classes (from the rows it is given,
    not its training rows, so that leakage does not remove them first) and labels
    them as the class asked for."""

    kind = "flip_labels_test_double"

    def __init__(self, schema, *, pool: tuple[pd.DataFrame, pd.Series]):
        super().__init__(schema)
        self.pool = pool

    def _fit(self, X, y, *, seed, **_):
        return self

    def _sample(self, counts, *, seed):
        X, y = self.pool
        rng = np.random.default_rng(seed)
        parts, labels = [], []
        for cls, n in counts.items():
            other = X[(y != cls).to_numpy()]
            parts.append(other.iloc[rng.choice(len(other), n, replace=False)])
            labels += [cls] * n
        return pd.concat(parts, ignore_index=True), pd.Series(labels, name=LABEL)


@pytest.fixture(scope="module")
def data(attrition_full):
    """Schema and stratified train (60 %), holdout (20 %) and unseen (20 %) splits."""
    df = attrition_full[COLUMNS]
    schema = infer_schema(df, LABEL)
    train, rest = train_test_split(df, test_size=0.4, stratify=df[LABEL], random_state=0)
    holdout, unseen = train_test_split(rest, test_size=0.5, stratify=rest[LABEL], random_state=0)
    return schema, *(schema.split_xy(part) for part in (train, holdout, unseen))


def _validate(data, generator, n=200, **settings):
    schema, train, holdout, _ = data
    generator.fit(*train, seed=0)
    X, y = generator.sample({"Yes": n}, seed=1)
    return validate_synthetic(
        schema, train=train, holdout=holdout, synthetic=(X, y),
        settings=ValidationSettings(**settings), seed=0,
    )  # fmt: skip


@pytest.fixture(scope="module")
def flipped(data):
    schema, _, _, unseen = data
    return _validate(data, FlipLabels(schema, pool=unseen))


@pytest.fixture(scope="module")
def smote(data):
    from equipoise.generators.registry import create

    return _validate(data, create("smote", data[0]))


def test_rows_of_the_other_class_labelled_minority_are_dropped(flipped, smote):
    bad = flipped.to_dict()["classes"]["Yes"]
    good = smote.to_dict()["classes"]["Yes"]
    # attrition's classes overlap: many real "No" rows look like leavers, so the filter
    # drops only those the classifier places clearly in the other class
    assert bad["rows"]["dropped_by_label"] >= 0.2 * bad["rows"]["synthetic"]
    assert good["rows"]["dropped_by_label"] <= 0.05 * good["rows"]["synthetic"]
    assert bad["rows"]["dropped_by_label"] >= 4 * good["rows"]["dropped_by_label"]
    assert good["label"]["share_kept"] >= 0.9
    # the real holdout's own share is the reference, and it sits near SMOTE's
    assert good["label"]["holdout_share_kept"] >= 0.8
    assert (~flipped.keep).sum() >= bad["rows"]["dropped_by_label"]
    rows = {r["check"]: r for r in flipped.summary_rows() if r["class"] == "Yes"}
    assert rows["label.rows_dropped"]["value"] == bad["rows"]["dropped_by_label"]
    assert flipped.to_dict()["rows"]["dropped_by_label"] == bad["rows"]["dropped_by_label"]


def test_a_copy_of_a_training_row_is_judged_by_a_model_that_did_not_train_on_it(data):
    schema, (X_train, y_train), (X_hold, y_hold), _ = data
    # one training row twice, so that identical rows must share a fold too
    X_train = pd.concat([X_train, X_train.iloc[:1]], ignore_index=True)
    y_train = pd.concat([y_train, y_train.iloc[:1]], ignore_index=True)
    source = np.random.default_rng(0).choice(len(X_train), 300, replace=False)
    X_syn = X_train.iloc[source].reset_index(drop=True)
    encoder = MixedEncoder(schema).fit(X_train)
    cf = cross_fitted_filter(
        schema, (X_train, y_train), (X_hold, y_hold), X_syn,
        tuple(encoder.transform(X) for X in (X_train, X_hold, X_syn)),
        model="logreg", min_proba=0.2, seed=0,
    )  # fmt: skip
    assert cf.train_folds[0] == cf.train_folds[-1]
    assert len(set(cf.train_folds)) == FOLDS
    for i, j in enumerate(source):
        fold = cf.synthetic_folds[i]
        assert j not in cf.fitted_on[fold], f"copy of training row {j} judged by its own model"
        # nor any training row equal to it
        same = (X_train == X_train.iloc[j]).all(axis=1).to_numpy()
        assert not np.isin(np.flatnonzero(same), cf.fitted_on[fold]).any()
    # every other training row did train the model
    assert all(len(rows) == (cf.train_folds != k).sum() for k, rows in enumerate(cf.fitted_on))
    assert cf.filter.p_synthetic.shape == (300, 2)
    assert np.allclose(cf.filter.p_synthetic.sum(axis=1), 1.0)


def test_the_off_switch_keeps_every_row_and_fits_no_label_model(data, flipped):
    schema, _, _, unseen = data
    report = _validate(data, FlipLabels(schema, pool=unseen), label_filter=False)
    yes = report.to_dict()["classes"]["Yes"]
    assert yes["rows"]["dropped_by_label"] == 0
    assert yes["label"] is None
    assert "label_model" not in report.timings
    assert not [r for r in report.summary_rows() if r["check"].startswith("label.")]
    assert any("label filter off" in n for n in report.notes)
    assert yes["rows"]["kept"] > flipped.to_dict()["classes"]["Yes"]["rows"]["kept"]


def test_tstr_shows_flipped_rows_carry_less_signal_than_smote(flipped, smote):
    bad = flipped.to_dict()["utility"]["models"]["logreg"]["Yes"]
    good = smote.to_dict()["utility"]["models"]["logreg"]["Yes"]
    assert bad["real"] == good["real"]  # the same real reference
    assert 0 < bad["synthetic"] < good["synthetic"] <= 1
    assert good["difference"] == pytest.approx(good["synthetic"] - good["real"])


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"min_label_proba": 1.5}, "min_label_proba must be between 0 and 1"),
        ({"label_model": "svm"}, "label_model must be logreg or hgb"),
        ({"utility_models": ["xgb"]}, "utility_models may hold logreg and hgb"),
        ({"utility_models": "logreg"}, "utility_models must be a list"),
        ({"label_filter": "no"}, "label_filter must be true or false"),
    ],
)
def test_bad_label_and_utility_settings_are_refused(settings, message):
    with pytest.raises(InputError, match=message):
        ValidationSettings(**settings)


def test_no_utility_models_skips_tstr(data):
    from equipoise.generators.registry import create

    report = _validate(data, create("smote", data[0]), n=50, utility_models=[])
    assert "utility" not in report.to_dict()
    assert report.settings.utility_models == ()


def test_integer_labels_reach_the_label_model_and_tstr_as_numbers():
    """sklearn's breast cancer target is 0/1: an object array of numbers is an 'unknown'
    target to sklearn, which made the filter and TSTR fail on such tables."""
    from sklearn.datasets import load_breast_cancer

    from equipoise.generators.registry import create

    df = load_breast_cancer(as_frame=True).frame.iloc[:, [0, 1, 2, 3, -1]]
    schema = infer_schema(df, "target")
    train, holdout = train_test_split(df, test_size=0.3, stratify=df["target"], random_state=0)
    train, holdout = schema.split_xy(train), schema.split_xy(holdout)
    generator = create("smote", schema).fit(*train, seed=0)
    report = validate_synthetic(
        schema, train=train, holdout=holdout, synthetic=generator.sample({0: 40}, seed=1),
        settings=ValidationSettings(), seed=0,
    )  # fmt: skip
    assert report.classes[0]["label"]["share_kept"] > 0.8
    assert report.utility["models"]["logreg"]["0"]["synthetic"] > 0.5
