"""Series validation on real ItalyPowerDemand (class "2" cut to 1:10 in training): the
default settings pass augmented series, catch and remove copies of training series,
drop series of the other class passed off as the rare one, drop non-finite series,
refuse wrong shapes and labels, and check their own values."""

from __future__ import annotations

import numpy as np
import pytest

from equipoise.dataspec import InputError, ValidationFailed
from equipoise.generators.series import augment_batch
from equipoise.pipeline.modalities import modality
from equipoise.validation.series import SeriesValidationSettings

#: the series plug-in's validator (its list of checks through the one validator)
validate_series = modality("series").validator()

RARE, N = "2", 120


def _validate(italy_series, X, y, **kw):
    schema, train, holdout = italy_series
    return validate_series(schema, train=train, holdout=holdout, synthetic=(X, y), seed=0, **kw)


def _rare(italy_series, n=N, seed=0):
    _, (X, y), _ = italy_series
    pool = X[y == RARE]
    return pool[np.random.default_rng(seed).integers(0, len(pool), n)]


def test_augmented_series_pass(italy_series):
    X = augment_batch(_rare(italy_series), np.random.default_rng(1))
    report = _validate(italy_series, X, np.full(N, RARE))
    assert report.passed, report.failures
    info = report.classes[RARE]
    assert info["leakage"]["near_copy_share"] < 0.2
    assert 0.6 < report.keep.mean() < 1.0  # some augmented series lose their label
    assert info["rows"]["kept"] == int(report.keep.sum())
    assert info["label"]["holdout_share_kept"] > 0.9
    fid = info["fidelity"]
    assert fid["synthetic"]["feature_distance"] < 0.5 and fid["holdout"]["feature_distance"]
    assert 0.3 < fid["synthetic"]["detection_auc"] < 0.8
    checks = {r["check"] for r in report.summary_rows()}
    assert {"fidelity.feature_distance", "fidelity.detection_auc", "label.share_kept",
            "leakage.near_copy_share_excess", "schema.series_dropped"} <= checks  # fmt: skip
    assert report.to_dict()["passed"] is True


@pytest.mark.parametrize("noise", [0.0, 0.02])
def test_copies_are_caught_and_removed(italy_series, noise):
    X = _rare(italy_series)
    X = X + np.random.default_rng(2).normal(0, noise, X.shape)
    report = _validate(italy_series, X, np.full(N, RARE))
    assert not report.passed
    assert any("near_copy_share_excess" in f for f in report.failures)
    assert report.classes[RARE]["leakage"]["near_copy_share"] == 1.0
    assert report.classes[RARE]["rows"]["removed_by_leakage"] == N
    assert not report.keep.any()


def test_label_flipped_series_are_dropped(italy_series):
    _, _, (X_hold, y_hold) = italy_series
    flipped = X_hold[y_hold != RARE][:60]  # unseen real series of the other class
    good = augment_batch(_rare(italy_series, 60), np.random.default_rng(3))
    X = np.concatenate([good, flipped])
    report = _validate(italy_series, X, np.full(len(X), RARE))
    assert report.keep[60:].mean() < 0.15
    assert report.keep[:60].mean() > 0.6
    rows = report.classes[RARE]["rows"]
    assert rows["dropped_by_label"] >= 51 and rows["removed_by_leakage"] < 10
    # the strict setting drops more; a lenient one keeps the flipped series
    lenient = _validate(italy_series, X, np.full(len(X), RARE),
                        settings=SeriesValidationSettings(min_label_proba=0.0))  # fmt: skip
    assert lenient.keep[60:].mean() > 0.9


def test_non_finite_series_are_dropped(italy_series):
    X = augment_batch(_rare(italy_series, 40), np.random.default_rng(4))
    X[0, 0, 3], X[5, 0, 0], X[7, 0, 10] = np.nan, np.inf, -np.inf
    report = _validate(italy_series, X, np.full(40, RARE))
    assert report.classes[RARE]["rows"]["dropped_by_schema"] == 3
    assert not report.keep[[0, 5, 7]].any()
    assert report.schema["rows_dropped"] == 3


@pytest.mark.parametrize(
    ("X", "y", "match"),
    [
        (np.zeros((12, 1, 23)), np.full(12, RARE), "length"),
        (np.zeros((12, 2, 24)), np.full(12, RARE), "channels"),
        (np.zeros((12, 1, 24)), np.full(12, "3"), "labels"),
        (np.zeros((12, 1, 24)), np.full(11, RARE), "labels"),
    ],
)
def test_structural_problems_raise(italy_series, X, y, match):
    with pytest.raises(ValidationFailed, match=match):
        _validate(italy_series, X, y)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"min_label_proba": 1.5}, "min_label_proba must be between 0 and 1"),
        ({"max_near_copy_share": -0.1}, "max_near_copy_share must be between 0 and 1"),
        ({"near_copy_ratio": 1.0}, "near_copy_ratio"),
        ({"max_feature_distance": -1}, "max_feature_distance must be 0 or more"),
        ({"max_detection_auc": 2}, "max_detection_auc"),
        ({"label_points": 1}, "label_points must be an integer of at least 2"),
        ({"detection_folds": True}, "detection_folds"),
        ({"dtw_window": 2}, "dtw_window must be between 0 and 1"),
        ({"rocket_kernels": 10}, "rocket_kernels must be an integer of at least 84"),
        ({"max_rocket_distance": -1}, "max_rocket_distance must be 0 or more"),
    ],
)
def test_settings_refuse_bad_values(kwargs, message):
    with pytest.raises(InputError, match=message):
        SeriesValidationSettings(**kwargs)
    assert SeriesValidationSettings().to_dict()["min_label_proba"] == 0.2


def test_feature_threshold_gates_when_set(italy_series):
    _, _, (X_hold, y_hold) = italy_series
    X = X_hold[y_hold != RARE][:40]
    settings = SeriesValidationSettings(max_feature_distance=0.3, min_label_proba=0.0)
    report = _validate(italy_series, X, np.full(40, RARE), settings=settings)
    assert any(f.startswith("fidelity.feature_distance") for f in report.failures)


def test_dtw_leakage_is_reported_next_to_the_holdout(italy_series):
    X = augment_batch(_rare(italy_series), np.random.default_rng(1))
    report = _validate(italy_series, X, np.full(N, RARE))
    mem = report.classes[RARE]["leakage"]
    assert mem["dtw_sampled"] == 50
    assert 0.3 < mem["dtw_vs_holdout"] < 3 and mem["holdout_dtw_nn_median"] > 0
    copies = _validate(italy_series, _rare(italy_series), np.full(N, RARE),
                       settings=SeriesValidationSettings(min_dtw_vs_holdout=0.5))  # fmt: skip
    assert copies.classes[RARE]["leakage"]["dtw_nn_median"] == 0.0
    assert any(f.startswith("leakage.dtw_vs_holdout") for f in copies.failures)
    off = _validate(italy_series, X, np.full(N, RARE),
                    settings=SeriesValidationSettings(dtw_sample=0))  # fmt: skip
    assert "dtw_vs_holdout" not in off.classes[RARE]["leakage"]


def test_dtw_matches_a_plain_recursion():
    from equipoise.validation.series.distances import dtw_distances, nearest_dtw

    def plain(a, b, w):
        T = a.shape[1]
        D = np.full((T + 1, T + 1), np.inf)
        D[0, 0] = 0
        for i in range(1, T + 1):
            for j in range(max(1, i - w), min(T, i + w) + 1):
                cost = ((a[:, i - 1] - b[:, j - 1]) ** 2).sum()
                D[i, j] = cost + min(D[i - 1, j - 1], D[i - 1, j], D[i, j - 1])
        return np.sqrt(D[T, T])

    rng = np.random.default_rng(0)
    A, B = rng.normal(size=(5, 2, 13)), rng.normal(size=(5, 2, 13))
    for w in (0, 2, 13):
        assert np.allclose(
            dtw_distances(A, B, w), [plain(a, b, w) for a, b in zip(A, B, strict=True)]
        )
    assert np.allclose(dtw_distances(A, B, 0), np.sqrt(((A - B) ** 2).sum(axis=(1, 2))))
    nearest = nearest_dtw(A, np.concatenate([B, A[2:3]]), 2)
    assert nearest[2] == 0 and nearest.shape == (5,)


def test_minirocket_distance_when_asked(italy_series):
    schema, (X_tr, y_tr), (X_h, y_h) = italy_series
    train, holdout = (X_tr[::4], y_tr[::4]), (X_h[::3], y_h[::3])
    X_copy = _rare(italy_series, 40)
    other = X_h[y_h != RARE][:40]
    settings = SeriesValidationSettings(rocket_distance=True, rocket_kernels=84,
                                        rocket_components=4, max_rocket_distance=1e9)  # fmt: skip
    figures = []
    for X in (augment_batch(X_copy, np.random.default_rng(5)), other):
        synthetic = (X, np.full(40, RARE))
        report = validate_series(schema, train=train, holdout=holdout, synthetic=synthetic,
                                 settings=settings, seed=0)  # fmt: skip
        fid = report.classes[RARE]["fidelity"]
        figures.append(fid["synthetic"]["rocket_distance"])
        assert fid["holdout"]["rocket_distance"] > 0 and "rocket" in report.timings
        assert "fidelity.rocket_distance" in {r["check"] for r in report.summary_rows()}
    assert figures[0] < figures[1], figures  # the other class is further than augmented series
    plain = _validate(italy_series, X_copy, np.full(40, RARE))
    assert "rocket_distance" not in plain.classes[RARE]["fidelity"]["synthetic"]
