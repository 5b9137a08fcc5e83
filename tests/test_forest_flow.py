"""forest_flow (ForestDiffusion's flow matching with XGBoost), on small real data with
tiny training budgets: the tests check behaviour, not quality."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest

from equipoise.dataspec import InputError, infer_schema
from equipoise.generators import registry

TINY = {"n_t": 3, "duplicate_K": 2, "n_estimators": 5, "max_depth": 3}
COLUMNS = ["Age", "MonthlyIncome", "TotalWorkingYears", "OverTime", "JobRole", "Attrition"]


@pytest.fixture(scope="module")
def small(attrition):
    """400 attrition rows, 5 features (3 integer numerics, 2 categoricals); 'Yes' ~64 rows."""
    frame = attrition[COLUMNS]
    schema = infer_schema(frame, "Attrition")
    X, y = schema.split_xy(frame)
    return schema, X, y


@pytest.fixture(scope="module")
def fitted(small):
    schema, X, y = small
    steps = []
    gen = registry.create("forest_flow", schema, TINY)
    gen.fit(X, y, seed=7, progress=lambda what, done, total: steps.append((what, done, total)))
    return gen, steps


def test_exact_counts_dtypes_and_real_categories(small, fitted):
    _, X, y = small
    gen, _ = fitted
    Xs, ys = gen.sample({"Yes": 37}, seed=1)
    assert ys.tolist() == ["Yes"] * 37
    assert list(Xs.columns) == list(X.columns)
    assert Xs.dtypes.to_dict() == X.dtypes.to_dict()
    assert not Xs.isna().any().any()
    real_yes = X[(y == "Yes").to_numpy()]
    for name in ["OverTime", "JobRole"]:
        assert set(Xs[name]) <= set(real_yes[name]), f"{name} left the class's categories"
    for name in ["Age", "MonthlyIncome", "TotalWorkingYears"]:
        values = Xs[name].to_numpy(dtype=float)
        assert np.all(values == np.round(values))
        assert values.min() >= real_yes[name].min() and values.max() <= real_yes[name].max()
    assert len(Xs.drop_duplicates()) > 1, "rows should vary"


def test_same_seed_same_rows_other_seed_other_rows(small, fitted):
    schema, X, y = small
    gen, _ = fitted
    first = gen.sample({"Yes": 20}, seed=5)
    again = (
        registry.create("forest_flow", schema, TINY).fit(X, y, seed=7).sample({"Yes": 20}, seed=5)
    )
    pd.testing.assert_frame_equal(first[0], again[0])
    pd.testing.assert_series_equal(first[1], again[1])
    assert not first[0].equals(gen.sample({"Yes": 20}, seed=6)[0])


def test_progress_per_noise_level_and_picklable(fitted):
    gen, steps = fitted
    assert steps[0] == ("forest_flow 'Yes'", 0, TINY["n_t"])
    assert steps[-1] == ("forest_flow 'Yes'", TINY["n_t"], TINY["n_t"])
    clone = pickle.loads(pickle.dumps(gen))  # the flow's fit cache pickles fitted generators
    pd.testing.assert_frame_equal(
        clone.sample({"Yes": 5}, seed=2)[0], gen.sample({"Yes": 5}, seed=2)[0]
    )
    assert gen.params() == {**TINY, "diffusion_type": "flow", "n_jobs": 1}


def test_missing_values_in_numeric_and_categorical_columns(credit):
    schema = infer_schema(credit, "Status")
    X, y = schema.split_xy(credit)
    assert X.isna().any().sum() >= 3, "the fixture has NaN in several columns"
    gen = registry.create("forest_flow", schema, TINY).fit(X, y, seed=0)
    Xs, ys = gen.sample({"bad": 50}, seed=0)
    assert (ys == "bad").sum() == 50
    assert Xs.dtypes.to_dict() == X.dtypes.to_dict()
    for spec in schema.columns:
        if not spec.nullable:
            assert not Xs[spec.name].isna().any(), spec.name
        if not spec.is_numeric:
            assert set(Xs[spec.name].dropna()) <= set(spec.categories), spec.name


def test_single_valued_category_in_class_and_vp(small):
    """A category constant within the minority (forestdiffusion's own dummy coding fails
    on it) and the VP-diffusion variant."""
    schema, X, y = small
    X = X.copy()
    X.loc[(y == "Yes").to_numpy(), "OverTime"] = "Yes"
    gen = registry.create("forest_flow", schema, {**TINY, "diffusion_type": "vp"})
    Xs, _ = gen.fit(X, y, seed=1).sample({"Yes": 15}, seed=1)
    assert set(Xs["OverTime"]) == {"Yes"}
    assert len(Xs) == 15


def test_bad_params_and_small_class(small):
    schema, X, y = small
    with pytest.raises(InputError, match="diffusion_type must be 'flow' or 'vp'"):
        registry.create("forest_flow", schema, {"diffusion_type": "ddpm"})
    with pytest.raises(InputError, match="n_t must be at least 2"):
        registry.create("forest_flow", schema, {"n_t": 1})
    keep = np.concatenate([np.flatnonzero(y == "No"), np.flatnonzero(y == "Yes")[:9]])
    with pytest.raises(InputError, match="forest_flow needs at least 10 rows"):
        registry.create("forest_flow", schema, TINY).fit(X.iloc[keep], y.iloc[keep], seed=0)
