"""equipoise.samplers: every table generator as an imbalanced-learn sampler, inside an
imbalanced-learn pipeline under cross_validate (each fold's test rows never reach the
sampler), and through imbalanced-learn's and scikit-learn's estimator checks."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from imblearn.pipeline import make_pipeline
from sklearn.base import clone
from sklearn.compose import make_column_transformer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_validate
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from equipoise import samplers
from equipoise.generators import registry
from equipoise.generators.base import Generator

FOLDS = StratifiedKFold(3, shuffle=True, random_state=0)


def test_every_table_generator_that_makes_rows_is_a_sampler():
    makers = {
        k for k in registry.known_kinds("table")
        if issubclass(registry.generator_class(k), Generator)
    }  # fmt: skip
    assert set(samplers.SAMPLERS) == makers
    names = ("CTGANSampler", "GaussianCopulaSampler", "ForestFlowSampler", "SMOTESampler",
             "SMOTENCSampler", "RandomOversampleSampler", "BorderlineSMOTESampler")  # fmt: skip
    for name in names:
        cls = getattr(samplers, name)
        assert cls.__module__ == "equipoise.samplers" and cls is samplers.SAMPLERS[cls.kind]
    # undersamplers are imbalanced-learn's own: nothing synthetic to validate
    assert "random_undersample" not in samplers.SAMPLERS


def _rows(frame: pd.DataFrame) -> set:
    return set(pd.util.hash_pandas_object(frame.reset_index(drop=True), index=False))


def _model(frame: pd.DataFrame):
    cats = frame.select_dtypes(exclude="number").columns.tolist()
    nums = frame.select_dtypes(include="number").columns.tolist()
    return make_column_transformer(
        (OneHotEncoder(handle_unknown="ignore"), cats), (StandardScaler(), nums)
    ), LogisticRegression(max_iter=500)


@pytest.mark.parametrize(
    "sampler",
    [
        samplers.CTGANSampler(random_state=0, params={"epochs": 2, "batch_size": 50}),
        samplers.GaussianCopulaSampler(random_state=0),
        samplers.ForestFlowSampler(
            random_state=0, params={"n_t": 3, "duplicate_K": 2, "n_estimators": 5, "max_depth": 3}
        ),
        samplers.SMOTENCSampler(random_state=0),
        samplers.RandomOversampleSampler(random_state=0),
    ],
    ids=lambda s: type(s).__name__,
)
def test_sampler_in_a_pipeline_under_cross_validate_sees_training_rows_only(
    sampler, attrition_narrow, monkeypatch
):
    X = attrition_narrow.drop(columns="Attrition")
    y = (attrition_narrow["Attrition"] == "Yes").astype(int)  # labels as numbers here
    seen: list[tuple[set, pd.DataFrame]] = []
    original = samplers.EquipoiseSampler._synthesize

    def spy(self, frame, labels, asked, seed):
        out = original(self, frame, labels, asked, seed)
        seen.append((_rows(frame), out[0]))
        return out

    monkeypatch.setattr(samplers.EquipoiseSampler, "_synthesize", spy)
    pipe = make_pipeline(sampler, *_model(X))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # a shortfall after validation
        scores = cross_validate(
            pipe, X, y, cv=FOLDS, scoring="average_precision", error_score="raise"
        )
    assert len(seen) == FOLDS.get_n_splits()
    for (given, synthetic), (train, test) in zip(seen, FOLDS.split(X, y), strict=True):
        assert given == _rows(X.iloc[train]), "the sampler saw exactly the fold's training rows"
        assert not given & _rows(X.iloc[test]), "no test row reached the sampler"
        assert len(synthetic) > 0 and list(synthetic.columns) == list(X.columns)
    assert np.all(np.isfinite(scores["test_score"]))


def test_fit_resample_keeps_the_rows_given_and_adds_validated_rows(attrition_narrow):
    X = attrition_narrow.drop(columns="Attrition")
    y = attrition_narrow["Attrition"]
    sampler = samplers.SMOTENCSampler(random_state=3, sampling_strategy=0.5)
    X_res, y_res = sampler.fit_resample(X, y)
    counts = y.value_counts()
    assert X_res.iloc[: len(X)].equals(X.reset_index(drop=True)), "the real rows come first"
    added = y_res.iloc[len(X):].value_counts()  # fmt: skip
    assert set(added.index) == {"Yes"} and added["Yes"] <= round(0.5 * counts["No"]) - counts["Yes"]
    report = sampler.report_
    assert report.passed and report.keep.sum() >= added["Yes"]
    assert {r["check"] for r in report.summary_rows()} >= {"leakage.exact_copies",
                                                           "leakage.near_copies"}  # fmt: skip
    # the same random_state gives the same rows; a clone is a fresh, equal sampler
    again = clone(sampler).fit_resample(X, y)
    assert again[0].equals(X_res)


def test_a_class_of_one_row_is_refused_with_the_reason(attrition_narrow):
    frame = pd.concat([attrition_narrow[attrition_narrow.Attrition == "No"].head(60),
                       attrition_narrow[attrition_narrow.Attrition == "Yes"].head(1)])  # fmt: skip
    with pytest.raises(ValueError, match="needs 2 or more rows of each class"):
        samplers.SMOTESampler().fit_resample(frame.drop(columns="Attrition"), frame.Attrition)


#: checks that do not apply to a sampler that validates its rows and reads tables
IMBLEARN_EXPECTED = {
    "check_samplers_fit_resample": "validation may remove near copies: fewer rows than "
    "asked, with a warning (asserts every class reaches the majority's count)",
}
SKLEARN_EXPECTED = {
    "check_dtype_object": "tables hold text categories: object columns are data, not an error",
    "check_estimators_nan_inf": "missing values are data the generators model",
    "check_array_api_input": "needs SCIPY_ARRAY_API",
}


def _checks(generator, sampler, expected):
    return [
        pytest.param(est, check, id=getattr(check, "func", check).__name__)
        for est, check in generator(sampler, expected_failed_checks=expected, mark="skip")
    ]


def _imblearn_checks():
    from imblearn.utils.estimator_checks import estimator_checks_generator

    return _checks(estimator_checks_generator, samplers.SMOTESampler(random_state=0),
                   IMBLEARN_EXPECTED)  # fmt: skip


def _sklearn_checks():
    from sklearn.utils.estimator_checks import estimator_checks_generator

    return _checks(estimator_checks_generator, samplers.RandomOversampleSampler(random_state=0),
                   SKLEARN_EXPECTED)  # fmt: skip


@pytest.mark.parametrize(("estimator", "check"), _imblearn_checks())
def test_imbalanced_learn_sampler_checks(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        check(estimator)


@pytest.mark.parametrize(("estimator", "check"), _sklearn_checks())
def test_scikit_learn_estimator_checks(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        check(estimator)
