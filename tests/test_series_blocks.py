"""The series building blocks (generators/series): loading sktime's bundled sets,
the augmentations, SMOTE on flattened series. Small and fast: ItalyPowerDemand
(series of length 24) and synthetic arrays."""

from __future__ import annotations

import numpy as np
import pytest

from equipoise.generators.series import (
    TRANSFORMS,
    augment_batch,
    jitter,
    smote_series,
    time_warp,
    window_slice,
    window_warp,
)
from equipoise.generators.series.smote import dba_series, tslearn_available
from equipoise.pipeline.series.bundled import (
    VariableLengthError,
    load_series,
    load_series_list,
    resample_length,
    to_set,
)


@pytest.fixture(scope="module")
def italy():
    return load_series("italy_power_demand")


@pytest.fixture(scope="module")
def batch(italy):
    return italy.X[:64]


# --------------------------------------------------------------------------- loading


def test_italy_power_demand_loads_as_arrays(italy):
    assert italy.X.shape == (1096, 1, 24)
    assert italy.X.dtype == np.float64
    assert np.isfinite(italy.X).all()
    assert italy.y.shape == (1096,)
    assert italy.y.dtype.kind == "U"
    assert set(np.unique(italy.y)) == {"1", "2"}
    assert italy.came_split and italy.n_train == 67
    assert italy.equal_length and not italy.resampled
    assert (italy.lengths == 24).all()
    X_tr, y_tr = italy.train()
    X_te, y_te = italy.test()
    assert X_tr.shape == (67, 1, 24) and len(y_tr) == 67
    assert X_te.shape == (1029, 1, 24) and len(y_te) == 1029


def test_variable_length_set_is_reported_and_resampled():
    listed = load_series_list("japanese_vowels")  # read once; to_set is load_series on it
    with pytest.raises(VariableLengthError) as info:
        to_set(listed)
    lengths = info.value.lengths
    assert lengths.shape == (640,) and lengths.min() < lengths.max()
    assert [x.shape[1] for x in listed.X] == lengths.tolist()
    s = to_set(listed, length=20)
    assert s.X.shape == (640, 12, 20) and s.resampled and not s.equal_length
    first = listed.X[0]
    np.testing.assert_allclose(s.X[0][:, 0], first[:, 0])
    np.testing.assert_allclose(s.X[0][:, -1], first[:, -1])


def test_unknown_set_is_refused():
    with pytest.raises(ValueError, match="unknown series set"):
        load_series("no_such_set")


def test_resample_length_is_linear_interpolation():
    ramp = np.arange(5, dtype=float)[None, :]  # (1 channel, 5)
    two = np.stack([ramp[0], 2 * ramp[0]])  # (2 channels, 5)
    out = resample_length([np.vstack([ramp, ramp]), two, np.array([[3.0], [4.0]])], 9)
    assert out.shape == (3, 2, 9) and out.dtype == np.float64
    np.testing.assert_allclose(out[0, 0], np.linspace(0, 4, 9))
    np.testing.assert_allclose(out[1, 1], np.linspace(0, 8, 9))
    np.testing.assert_allclose(out[2], [[3.0] * 9, [4.0] * 9])
    with pytest.raises(ValueError):
        resample_length([np.zeros((1, 4)), np.zeros((2, 4))], 4)


# --------------------------------------------------------------------------- augment


@pytest.mark.parametrize("name", list(TRANSFORMS))
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_transform_keeps_shape_dtype_and_is_deterministic(batch, name, dtype):
    X = batch.astype(dtype)
    fn = TRANSFORMS[name]
    out = fn(X, np.random.default_rng(7))
    assert out.shape == X.shape and out.dtype == X.dtype
    assert np.isfinite(out).all()
    np.testing.assert_array_equal(out, fn(X, np.random.default_rng(7)))
    assert not np.array_equal(out, fn(X, np.random.default_rng(8)))
    assert not np.array_equal(out, X)
    np.testing.assert_array_equal(X, batch.astype(dtype))  # input untouched


def test_jitter_sigma_zero_is_identity(batch):
    out = jitter(batch, np.random.default_rng(0), sigma=0.0)
    np.testing.assert_array_equal(out, batch)
    assert out is not batch


def test_window_slice_of_constant_series_is_constant():
    X = np.full((5, 3, 40), 2.5)
    out = window_slice(X, np.random.default_rng(0), ratio=0.7)
    np.testing.assert_allclose(out, 2.5)


def test_time_warps_are_monotone_and_keep_the_ends():
    ramp = np.broadcast_to(np.linspace(-1, 1, 50), (20, 2, 50)).copy()
    for out in (
        time_warp(ramp, np.random.default_rng(1), sigma=0.5),
        window_warp(ramp, np.random.default_rng(1), window_ratio=0.3),
    ):
        assert (np.diff(out, axis=2) >= -1e-12).all()
        np.testing.assert_allclose(out[..., 0], -1)
        np.testing.assert_allclose(out[..., -1], 1)
        np.testing.assert_array_equal(out[:, 0], out[:, 1])  # channels share the time map


def test_augment_batch_composes_deterministically(batch):
    out = augment_batch(batch, np.random.default_rng(3))
    assert out.shape == batch.shape and out.dtype == batch.dtype and np.isfinite(out).all()
    np.testing.assert_array_equal(out, augment_batch(batch, np.random.default_rng(3)))
    assert not np.array_equal(out, augment_batch(batch, np.random.default_rng(4)))
    # every series gets at least one transform, even with p=0
    only = augment_batch(batch, 0, {"scaling": {"sigma": 0.2}}, p=0.0)
    assert not np.isclose(only, batch).all(axis=(1, 2)).any()
    with pytest.raises(ValueError, match="unknown transforms"):
        augment_batch(batch, 0, {"rotate": {}})
    with pytest.raises(TypeError):
        augment_batch(batch.astype(int), 0)


# --------------------------------------------------------------------------- SMOTE


def _imbalanced(italy):
    X, y = italy.train()
    keep = np.concatenate([np.flatnonzero(y == "1"), np.flatnonzero(y == "2")[:8]])
    return X[keep], y[keep]


def _on_a_segment(z: np.ndarray, members: np.ndarray) -> bool:
    """Whether z = a + t (b - a), t in [0, 1], for some pair of rows a, b of members."""
    i, j = np.triu_indices(len(members), k=1)
    a, d = members[i], members[j] - members[i]
    t = np.clip(((z - a) * d).sum(1) / np.maximum((d * d).sum(1), 1e-300), 0, 1)
    resid = np.linalg.norm(a + t[:, None] * d - z, axis=1)
    return bool(resid.min() < 1e-9 * (1 + np.abs(z).max()))


@pytest.mark.parametrize("kind", ["smote", "borderline-1"])
def test_smote_exact_counts_between_same_class_neighbours(italy, kind):
    X, y = _imbalanced(italy)
    # Borderline-SMOTE only grows classes with borderline series: here the minority
    counts = {"2": 23, "1": 4} if kind == "smote" else {"2": 23}
    res = smote_series(X, y, counts, np.random.default_rng(0), kind=kind)
    assert res.X.shape == (sum(counts.values()), 1, 24) and res.X.dtype == X.dtype
    assert {c: int((res.y == c).sum()) for c in counts} == counts
    flat = X.reshape(len(X), -1)
    for z, cls, src in zip(res.X.reshape(len(res.X), -1), res.y, res.source, strict=True):
        members = flat[y == cls]
        assert y[src] == cls
        dist = np.linalg.norm(members - z, axis=1)
        assert np.isclose(np.linalg.norm(flat[src] - z), dist.min())
        assert _on_a_segment(z, members)
    again = smote_series(X, y, counts, np.random.default_rng(0), kind=kind)
    np.testing.assert_array_equal(res.X, again.X)


def test_smote_refuses_single_series_class(italy):
    X, y = _imbalanced(italy)
    odd = y.copy()
    odd[0] = "3"
    with pytest.raises(ValueError, match="at least 2"):
        smote_series(X, odd, {"3": 5}, 0)
    assert len(smote_series(X, y, {"2": 0}, 0).X) == 0
    with pytest.raises(ValueError, match="produced"):  # no borderline series of class 1
        smote_series(X, y, {"1": 4}, 0, kind="borderline-1")


@pytest.mark.skipif(not tslearn_available(), reason="optional tslearn not installed")
def test_dba_series_counts_and_sources(italy):
    X, y = _imbalanced(italy)
    res = dba_series(X, y, {"2": 3}, np.random.default_rng(0), k_neighbors=3, max_iter=3)
    assert res.X.shape == (3, 1, 24) and (res.y == "2").all()
    assert np.isfinite(res.X).all() and (y[res.source] == "2").all()


def test_dba_variant_names_the_extra_when_tslearn_is_missing(italy, monkeypatch):
    import sys

    from equipoise.dataspec import InputError
    from equipoise.dataspec.series import infer_series_schema
    from equipoise.generators.series import SeriesSmote

    for name in [m for m in sys.modules if m == "tslearn" or m.startswith("tslearn.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "tslearn", None)  # `import tslearn` now fails
    assert not tslearn_available()
    X, y = _imbalanced(italy)
    with pytest.raises(InputError, match=r"pip install 'equipoise\[series-dba\]'"):
        SeriesSmote(infer_series_schema(X, y), variant="dba")


@pytest.mark.slow
@pytest.mark.skipif(not tslearn_available(), reason="optional tslearn not installed")
def test_dba_variant_samples_through_the_kind(italy):
    from equipoise.dataspec.series import infer_series_schema
    from equipoise.generators.series import SeriesSmote

    X, y = _imbalanced(italy)
    gen = SeriesSmote(infer_series_schema(X, y), variant="dba", k_neighbors=3).fit(X, y, seed=0)
    Xs, ys = gen.sample({"2": 4}, seed=1)
    assert Xs.shape == (4, 1, 24) and list(ys) == ["2"] * 4 and np.isfinite(Xs).all()
