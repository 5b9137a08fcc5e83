"""series_diffusion (a class-conditional 1-D diffusion model), on real series:
ItalyPowerDemand's training split (67 series of length 24, two classes) and a
two-channel series of odd length. There is no common suite for the series kinds, so
the checks the others' modalities run on every kind (exact counts, shape and dtype,
same seed same series, too-small classes refused in one line, sample before fit,
unknown classes, a table schema refused, pickling for the fit cache) are here,
parametrised over every series kind where they apply. Budgets are tiny."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest

from equipoise.dataspec import InputError, infer_schema
from equipoise.dataspec.series import infer_series_schema
from equipoise.generators import registry
from equipoise.generators.series import SeriesDiffusion
from equipoise.pipeline.series.bundled import load_series

KINDS = registry.known_kinds("series")
TINY = {"epochs": 2, "channels": 16, "levels": 2, "sample_steps": 4}
FAST_PARAMS: dict[str, dict] = {"series_augment": {}, "series_smote": {}, "series_diffusion": TINY}
#: only minority classes may be asked for ("1" is the largest of the training split)
ASKED = {"2": 13}


@pytest.fixture(scope="module")
def italy():
    return load_series("italy_power_demand").train()


_fitted: dict = {}


def _fitted_generator(kind, X, y):
    if kind not in _fitted:
        schema = infer_series_schema(X, y)
        _fitted[kind] = registry.create(kind, schema, FAST_PARAMS[kind]).fit(X, y, seed=3)
    return _fitted[kind]


def test_series_diffusion_is_registered():
    assert "series_diffusion" in KINDS
    assert registry.generator_class("series_diffusion") is SeriesDiffusion
    assert set(FAST_PARAMS) == set(KINDS), "give every series kind its budget here"


@pytest.mark.parametrize("kind", KINDS)
def test_counts_shape_dtype_and_only_asked_classes(kind, italy):
    X, y = italy
    Xs, ys = _fitted_generator(kind, X, y).sample(ASKED, seed=11)
    assert Xs.dtype == np.float64 and Xs.shape == (13, 1, 24)
    assert pd.Series(ys).value_counts().to_dict() == ASKED  # exactly, and no other class
    assert ys.dtype == object and np.isfinite(Xs).all()
    assert Xs.std() > 0


@pytest.mark.parametrize("kind", KINDS)
def test_same_seed_same_series_other_seed_other_series(kind, italy):
    X, y = italy
    gen = _fitted_generator(kind, X, y)
    first = gen.sample(ASKED, seed=5)
    again = registry.create(kind, gen.schema, FAST_PARAMS[kind]).fit(X, y, seed=3)
    second = again.sample(ASKED, seed=5)
    np.testing.assert_array_equal(first[0], second[0])
    np.testing.assert_array_equal(first[1], second[1])
    assert not np.array_equal(first[0], gen.sample(ASKED, seed=6)[0])


@pytest.mark.parametrize("kind", KINDS)
def test_refuses_too_small_class_in_one_line(kind, italy):
    X, y = italy
    gen = registry.create(kind, infer_series_schema(X, y), FAST_PARAMS[kind])
    need, _ = gen.min_class_rows()
    if need < 2:
        pytest.skip(f"{kind} works from a single series")
    keep = np.concatenate([np.flatnonzero(y != "2"), np.flatnonzero(y == "2")[: need - 1]])
    with pytest.raises(InputError) as err:
        gen.fit(X[keep], y[keep], seed=0)
    message = str(err.value)
    assert "\n" not in message
    assert f"minority class '2' has {need - 1} series; {kind} needs at least" in message
    assert "use kind:" in message


@pytest.mark.parametrize("kind", KINDS)
def test_sample_before_fit_unknown_class_and_table_schema(kind, italy):
    X, y = italy
    fresh = registry.create(kind, infer_series_schema(X, y), FAST_PARAMS[kind])
    with pytest.raises(RuntimeError, match="call fit"):
        fresh.sample({"2": 2}, seed=0)
    with pytest.raises(InputError, match=r"asked for classes \['7'\]"):
        _fitted_generator(kind, X, y).sample({"7": 2}, seed=0)
    table = infer_schema(pd.DataFrame({"a": [1.0, 2.0, 3.0, 4.0], "y": [0, 0, 1, 1]}), "y")
    with pytest.raises(InputError, match=f"kind {kind} makes series data; for table data"):
        registry.create(kind, table)


@pytest.mark.parametrize("kind", KINDS)
def test_pickles_for_the_fit_cache(kind, italy):
    X, y = italy
    gen = _fitted_generator(kind, X, y)
    loaded = pickle.loads(pickle.dumps(gen))
    assert loaded.params() == gen.params()
    for a, b in zip(gen.sample(ASKED, seed=4), loaded.sample(ASKED, seed=4), strict=True):
        np.testing.assert_array_equal(a, b)


# -- series_diffusion specifics -----------------------------------------------------------


def test_any_length_and_channels_in_the_data_units():
    """Odd length (37, not a multiple of the down-sampling factor 4), two channels on
    very different scales: standardised per channel, padded, cropped back, inverted."""
    rng = np.random.default_rng(0)
    t = np.linspace(0, 2 * np.pi, 37)
    y = np.array(["a"] * 30 + ["b"] * 8, dtype=object)
    phase = np.where(y == "a", 0.0, np.pi)[:, None]
    X = np.stack([1000 + 50 * np.sin(t + phase), 0.01 * np.cos(t + phase)], axis=1) + rng.normal(
        0, np.array([2.0, 0.0005])[None, :, None], size=(38, 2, 37)
    )
    schema = infer_series_schema(X, y)
    gen = registry.create("series_diffusion", schema, {**TINY, "levels": 3}).fit(X, y, seed=0)
    Xs, ys = gen.sample({"b": 6}, seed=1)
    assert Xs.shape == (6, 2, 37) and list(ys) == ["b"] * 6
    np.testing.assert_allclose(gen.mean_, X.mean(axis=(0, 2)))
    np.testing.assert_allclose(gen.std_, X.std(axis=(0, 2)))
    for c in range(2):  # each channel lands within a few of its own standard deviations
        z = np.abs(Xs[:, c] - gen.mean_[c]) / gen.std_[c]
        assert z.max() <= gen.clip_ + 1e-6


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"epochs": 0}, "epochs, batch_size, sample_steps and sample_batch must be >= 1"),
        ({"sampler": "euler"}, "sampler 'euler' is not one of ddim, dpm"),
        ({"precision": "fp16"}, "precision 'fp16' is not one of bf16, fp32"),
        ({"device": "tpu"}, "device 'tpu' is not one of auto, cpu, cuda"),
        ({"channels": 12}, r"channels \(12\) must be a multiple of 8"),
        ({"guidance": 2.0, "label_dropout": 0.0}, "guidance != 1 needs label_dropout > 0"),
        ({"sample_steps": 60, "timesteps": 50}, r"sample_steps \(60\) exceeds timesteps \(50\)"),
    ],
)
def test_refuses_bad_parameters(italy, params, message):
    with pytest.raises(InputError, match=f"series_diffusion: {message}"):
        registry.create("series_diffusion", infer_series_schema(*italy), params)


def test_progress_is_reported_per_epoch(italy):
    calls = []
    registry.create("series_diffusion", infer_series_schema(*italy), TINY).fit(
        *italy, seed=0, progress=lambda *a: calls.append(a)
    )
    assert calls == [("series_diffusion", e, 2) for e in range(3)]


def _nearest_mean_agreement(Xs, ys, X, y) -> float:
    """Share of series nearer (Euclidean) to their own class's mean curve than to others'."""
    classes = np.unique(y)
    means = np.stack([X[y == c].reshape((y == c).sum(), -1).mean(0) for c in classes])
    dist = ((Xs.reshape(len(Xs), -1)[:, None] - means[None]) ** 2).sum(-1)
    return float((classes[dist.argmin(1)] == ys).mean())


def _mean_curve_error(Xs, ys, X, y) -> float:
    """Worst class's RMS gap between the samples' mean curve and the real one."""
    return max(
        float(np.sqrt(((Xs[ys == c].mean(0) - X[y == c].mean(0)) ** 2).mean()))
        for c in np.unique(y)
    )


@pytest.mark.slow
def test_training_makes_class_like_series(italy):
    """On ItalyPowerDemand, 200 epochs give series whose class mean curves sit near the
    real ones and that sit with their own class (real series: 0.96); a one-epoch model's
    do neither. With guidance and DPM-Solver++ too (set at sample time)."""
    X, y = italy
    schema = infer_series_schema(X, y)
    asked = {"1": 100, "2": 100}

    def trained(epochs):
        params = {"epochs": epochs, "channels": 16, "levels": 2, "sample_steps": 20}
        return registry.create("series_diffusion", schema, params).fit(X, y, seed=0)

    untrained = trained(1).sample(asked, seed=1)
    gen = trained(200)
    Xs, ys = gen.sample(asked, seed=1)
    assert _nearest_mean_agreement(*untrained, X, y) < 0.7
    assert _nearest_mean_agreement(Xs, ys, X, y) >= 0.8
    assert _mean_curve_error(Xs, ys, X, y) < 0.4 * _mean_curve_error(*untrained, X, y)
    assert 0.7 < Xs.std() / X.std() < 1.4, "the samples' spread is near the real data's"
    assert gen.losses_[-1] < gen.losses_[0]
    gen.sampler, gen.guidance = "dpm++", 2.0  # sampling settings apply at sample time
    assert _nearest_mean_agreement(*gen.sample(asked, seed=1), X, y) >= 0.8
