"""The series gate on real ItalyPowerDemand (class "2" cut to 1:10 in training): every
registered series baseline runs with the cheap `flat` model and is scored, anomaly
detection ranks the rare class well, MiniRocket sits in sklearn pipelines and threshold
tuning (slow: numba compiles MiniRocket once, then reads its cache), and the settings
refuse what the series gate cannot run."""

from __future__ import annotations

import os
import time

import numpy as np
import pytest

from equipoise.dataspec import InputError
from equipoise.generators.series import augment_batch
from equipoise.validation.gate import Arena, decide, run_gate
from equipoise.validation.gate.baselines import names_for
from equipoise.validation.gate.images import joined
from equipoise.validation.gate.series import (
    RocketFeatures,
    SeriesGateSettings,
    numba_cache_dir,
)

RARE = "2"


def _arena(italy_series, settings):
    schema, train, holdout = italy_series
    return Arena("series", schema, train, holdout, settings, seed=0)


def _augmented(italy_series, n=300):
    _, (X, y), _ = italy_series
    pool = X[y == RARE]
    rng = np.random.default_rng(0)
    return augment_batch(pool[rng.integers(0, len(pool), n)], rng), np.full(n, RARE)


def test_every_series_baseline_runs_with_the_flat_model(italy_series):
    settings = SeriesGateSettings(models=("flat",), bootstrap=200)
    assert set(settings.baselines) == set(names_for("series"))
    assert {"none", "class_weight", "threshold", "balanced_random_forest", "anomaly"} <= set(
        settings.baselines
    )
    arena = _arena(italy_series, settings)
    board = run_gate(arena, {"augment": joined(arena.train, _augmented(italy_series))})
    assert board.skipped == []
    records = {r["candidate"]: r for r in board.to_records() if r["metric"] == "pr_auc"}
    assert sorted(records) == sorted([*settings.baselines, "augment"])
    assert board.minority == RARE
    models = {row.candidate.name: row.candidate.model for row in board.rows}
    assert models["anomaly"] == "flat+iforest" and models["none"] == "flat"
    tuned = next(r.candidate for r in board.rows if r.candidate.name == "threshold")
    assert tuned.threshold is not None and 0 < tuned.threshold < 1
    # the rare class is half the holdout: a random ranking scores PR-AUC about 0.5
    prevalence = float(np.mean(arena.holdout[1] == RARE))
    anomaly = next(r for r in board.rows if r.candidate.name == "anomaly")
    assert anomaly.point["pr_auc"] > prevalence + 0.2, anomaly.point
    assert 0 < anomaly.point["recall"] < 1  # Platt scaling puts the cut-off inside
    assert decide(board, settings).sentence


@pytest.mark.slow
def test_minirocket_in_pipelines_and_threshold_tuning(italy_series):
    from sklearn.base import clone

    _, (X, _), (X_hold, _) = italy_series
    started = time.perf_counter()
    a = RocketFeatures(n_kernels=840, seed=3).fit(X[:50]).transform(X_hold[:20])
    first = time.perf_counter() - started
    b = clone(RocketFeatures(n_kernels=840, seed=3, shape=(1, 24))).fit(X[:50].reshape(50, -1))
    np.testing.assert_allclose(a, b.transform(X_hold[:20].reshape(20, -1)))
    assert a.shape[0] == 20 and a.shape[1] >= 800
    settings = SeriesGateSettings(
        rocket_kernels=840, bootstrap=200, baselines=("none", "threshold", "anomaly")
    )
    board = run_gate(_arena(italy_series, settings), {})
    assert board.skipped == []
    points = {r.candidate.key: r.point["pr_auc"] for r in board.rows}
    assert set(points) == {"none · minirocket", "threshold · minirocket",
                           "anomaly · minirocket+iforest"}  # fmt: skip
    assert points["none · minirocket"] > 0.85, points
    print(f"MiniRocket first fit+transform in this process: {first:.1f} s")


def test_numba_cache_dir_is_honoured(monkeypatch, tmp_path):
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path / "mine"))
    assert numba_cache_dir() == str(tmp_path / "mine")
    monkeypatch.delenv("NUMBA_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert numba_cache_dir() == str(tmp_path / "equipoise-numba")
    assert os.environ["NUMBA_CACHE_DIR"] == str(tmp_path / "equipoise-numba")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"models": ("cnn",)}, "models must be some of minirocket, flat"),
        ({"baselines": ("none", "smote")}, "unknown baselines ['smote']"),
        ({"rocket_kernels": 10}, "rocket_kernels must be an integer of at least 84"),
        ({"primary": "accuracy"}, "accuracy is never a gate metric"),
    ],
)
def test_settings_refuse_what_the_series_gate_cannot_run(kwargs, message):
    with pytest.raises(InputError, match=message.replace("[", r"\[").replace("]", r"\]")):
        SeriesGateSettings(**kwargs)
    assert SeriesGateSettings().models == ("minirocket",)


def test_the_cheap_series_generators_are_refitted_on_each_fold():
    """series_augment and series_smote have no training loop: a cross-fitted gate fits
    them again on each fold and scores them on every real series, as it does SMOTE for
    tables (`pipeline.candidates.refitter`); the diffusion model stays on the holdout."""
    from equipoise.generators import registry

    cheap = {k for k in registry.known_kinds("series") if registry.generator_class(k).refit_cheaply}
    assert {"series_augment", "series_smote"} <= cheap
    assert "series_diffusion" not in cheap
