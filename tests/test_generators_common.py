"""The common checks every registered generator and resampler must pass (in the
spirit of imbalanced-learn's estimator checks), on small real data: binary with
missing values, and multiclass."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from equipoise.dataspec import InputError, infer_schema
from equipoise.generators import Generator, Resampler, registry

# Small training budgets: the suite checks behaviour, not quality.
FAST_PARAMS = {
    "ctgan": {"epochs": 3, "batch_size": 100},
    "tvae": {"epochs": 3, "batch_size": 100},
    "forest_flow": {"n_t": 3, "duplicate_K": 2, "n_estimators": 5, "max_depth": 3},
}
KINDS = registry.known_kinds("table")  # image kinds: tests/test_image_generators_common.py
GENERATORS = [k for k in KINDS if issubclass(registry.REGISTRY[k], Generator)]
RESAMPLERS = [k for k in KINDS if issubclass(registry.REGISTRY[k], Resampler)]
# smoten takes only all-categorical tables; it gets its own data below.
DATASETS = ["credit", "hpc"]


@pytest.fixture(scope="module")
def categorical_only(attrition):
    """All-categorical view of attrition, for smoten."""
    columns = [c for c in attrition.columns if attrition[c].dtype == object]
    return attrition[columns]


def _data(request, kind, name):
    if kind == "smoten":
        frame, label = request.getfixturevalue("categorical_only"), "Attrition"
    else:
        frame = request.getfixturevalue(name)
        label = {"credit": "Status", "hpc": "class"}[name]
    schema = infer_schema(frame, label)
    X, y = schema.split_xy(frame)
    return schema, X, y


def _make(kind, schema, **extra):
    return registry.create(kind, schema, {**FAST_PARAMS.get(kind, {}), **extra})


def _asked(y: pd.Series) -> dict:
    counts = y.value_counts()
    return {c: 7 + 3 * i for i, c in enumerate(counts.index[1:])}  # every non-majority class


_fitted: dict = {}


def _fitted_generator(request, kind, name):
    key = (kind, name)
    if key not in _fitted:
        schema, X, y = _data(request, kind, name)
        gen = _make(kind, schema).fit(X, y, seed=3)
        _fitted[key] = (gen, schema, X, y)
    return _fitted[key]


@pytest.mark.parametrize("name", DATASETS)
@pytest.mark.parametrize("kind", GENERATORS)
def test_generator_honours_counts_and_preserves_columns(request, kind, name):
    gen, schema, X, y = _fitted_generator(request, kind, name)
    asked = _asked(y)
    Xs, ys = gen.sample(asked, seed=11)

    assert ys.value_counts().to_dict() == asked
    assert set(ys.unique()) <= set(schema.classes)
    assert ys.dtype == y.dtype
    assert list(Xs.columns) == list(X.columns)
    assert Xs.dtypes.to_dict() == X.dtypes.to_dict()
    for spec in schema.columns:
        if not spec.nullable:
            assert not Xs[spec.name].isna().any(), f"{kind} put NaN into {spec.name}"
        if not spec.is_numeric:
            values = set(Xs[spec.name].dropna().unique())
            assert values <= set(spec.categories), f"{kind} made new categories in {spec.name}"
        elif spec.integer:
            values = Xs[spec.name].dropna().to_numpy(dtype=float)
            assert np.all(values == np.round(values)), f"{kind} broke integers in {spec.name}"


@pytest.mark.parametrize("kind", GENERATORS)
def test_generator_same_seed_same_rows(request, kind):
    gen, schema, X, y = _fitted_generator(request, kind, "hpc")
    asked = _asked(y)
    first = gen.sample(asked, seed=5)
    again = _make(kind, schema).fit(X, y, seed=3).sample(asked, seed=5)
    pd.testing.assert_frame_equal(first[0], again[0])
    pd.testing.assert_series_equal(first[1], again[1])
    other = gen.sample(asked, seed=6)
    assert not first[0].equals(other[0]), "a different seed should give different rows"


@pytest.mark.parametrize("kind", GENERATORS)
def test_generator_refuses_too_small_minority(request, kind):
    schema, X, y = _data(request, kind, "credit")
    gen = _make(kind, schema)
    need, _ = gen.min_class_rows()
    if need <= 1:
        pytest.skip(f"{kind} works from a single row")
    minority = y.value_counts().index[-1]
    keep = np.concatenate(
        [np.flatnonzero((y != minority).to_numpy()), np.flatnonzero((y == minority).to_numpy())]
    )[: (y != minority).sum() + need - 1]
    with pytest.raises(InputError) as err:
        gen.fit(X.iloc[keep], y.iloc[keep], seed=0)
    message = str(err.value)
    assert "\n" not in message
    assert f"minority class {minority!r} has {need - 1} rows; {kind} needs at least" in message
    assert "use kind:" in message


@pytest.mark.parametrize("name", DATASETS)
@pytest.mark.parametrize("kind", RESAMPLERS)
def test_resampler_keeps_real_rows_and_targets(request, kind, name):
    schema, X, y = _data(request, kind, name)
    counts = y.value_counts()
    targets = {c: min(n, int(counts.min() * 1.5)) for c, n in counts.items()}
    resampler = _make(kind, schema)
    kept = resampler.select(X, y, targets, seed=1)
    Xr, yr = resampler.resample(X, y, targets, seed=1)

    assert np.all(np.diff(kept) > 0), "positions sorted and unique"
    pd.testing.assert_frame_equal(Xr, X.iloc[kept].reset_index(drop=True))
    assert Xr.dtypes.to_dict() == X.dtypes.to_dict()
    got = yr.value_counts()
    assert got[counts.index[-1]] == counts.iloc[-1], "the smallest class is never touched"
    if resampler.honours_targets:
        assert got.to_dict() == targets
    else:
        assert all(got[c] <= counts[c] for c in got.index)
        assert len(yr) < len(y), f"{kind} removed nothing from this noisy real data"
    again = _make(kind, schema).select(X, y, targets, seed=1)
    np.testing.assert_array_equal(kept, again)


def test_every_registered_kind_is_covered():
    assert set(GENERATORS) | set(RESAMPLERS) == set(KINDS)
    assert {"ctgan", "gaussian_copula", "tvae", "smote", "smotenc", "smoten", "adasyn",
            "borderline_smote", "svm_smote", "random_oversample", "random_undersample",
            "tomek", "nearmiss", "cluster_centroids", "enn"} <= set(KINDS)  # fmt: skip


def test_unknown_kind_lists_the_known_ones():
    schema = infer_schema(pd.DataFrame({"a": [1, 2, 3, 4], "y": [0, 0, 1, 1]}), "y")
    with pytest.raises(InputError, match=r"unknown generator kind 'smoot'; known kinds: .*ctgan"):
        registry.create("smoot", schema)
