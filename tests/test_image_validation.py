"""Image validation on real digits: the default settings pass the augment generator,
catch a generator that copies training images (with noise), and refuse images of
another class; the GX image suite refuses a wrong shape."""

from __future__ import annotations

import numpy as np
import pytest

from equipoise.dataspec import InputError, ValidationFailed
from equipoise.generators import registry
from equipoise.pipeline.images.config import ImagesConfig
from equipoise.pipeline.images.loading import prepare, read_images
from equipoise.pipeline.modalities import modality
from equipoise.validation.images import ImageValidationSettings
from equipoise.validation.images.cnn import train_cnn

#: the image plug-in's validator (its list of checks through the one validator)
validate_images = modality("image").validator()

RARE = 3


@pytest.fixture(scope="module")
def digits():
    cfg = ImagesConfig(source="sklearn:digits", rare={"class": RARE, "keep": 20})
    return prepare(read_images(cfg.source), cfg, 0.25, seed=0)


@pytest.fixture(scope="module")
def judge(digits):
    settings = ImageValidationSettings()
    return train_cnn(digits.X_train, digits.y_train, digits.schema.classes, seed=0,
                     epochs=settings.judge_epochs, loss="class_weight")  # fmt: skip


def _validate(digits, judge, X, y, **kw):
    return validate_images(
        digits.schema,
        train=(digits.X_train, digits.y_train),
        holdout=(digits.X_holdout, digits.y_holdout),
        synthetic=(X, y),
        seed=0,
        judge=judge,
        **kw,
    )


def _copier(digits, n: int, noise: float, seed: int = 0):
    rng = np.random.default_rng(seed)
    pool = digits.X_train[digits.y_train == RARE]
    picked = pool[rng.integers(0, len(pool), n)].astype(float)
    noisy = np.clip(np.rint(picked + rng.normal(0, noise, picked.shape)), 0, 255)
    return noisy.astype(np.uint8), np.full(n, RARE)


def test_augment_passes(digits, judge):
    gen = registry.create("augment", digits.schema).fit(digits.X_train, digits.y_train, seed=0)
    X, y = gen.sample({RARE: 120}, seed=0)
    report = _validate(digits, judge, X, y)
    assert report.passed, report.failures
    stats = report.classes[RARE]
    assert stats["leakage"]["near_copy_share"] < 0.1
    assert stats["fidelity"]["synthetic"]["judge_agreement"] > 0.3
    assert report.keep.mean() > 0.9
    assert report.to_dict()["passed"] is True


@pytest.mark.parametrize("noise", [0.0, 3.0])
def test_copier_is_caught_and_its_copies_removed(digits, judge, noise):
    X, y = _copier(digits, 120, noise)
    report = _validate(digits, judge, X, y)
    assert not report.passed
    assert any("near_copy_share_excess" in f for f in report.failures)
    assert report.classes[RARE]["leakage"]["near_copy_share"] == 1.0
    assert not report.keep.any()
    # the closest pairs for the report are the copies and their originals
    s, t, _, ratio = report.closest_pairs[0]
    assert ratio < ImageValidationSettings().near_copy_ratio
    assert np.abs(X[s].astype(int) - digits.X_train[t].astype(int)).max() <= 4 * noise + 1


def test_images_of_another_class_fail_judge_agreement(digits, judge):
    other = digits.X_holdout[digits.y_holdout == 8][:30]
    report = _validate(digits, judge, other, np.full(len(other), RARE))
    assert any("judge_agreement" in f for f in report.failures)


def test_wrong_shape_fails_the_image_suite(digits, judge):
    X = np.zeros((12, 1, 8, 9), np.uint8)
    with pytest.raises(ValidationFailed, match="width"):
        _validate(digits, judge, X, np.full(12, RARE))


def test_settings_are_checked():
    with pytest.raises(InputError, match="min_judge_agreement must be between 0 and 1"):
        ImageValidationSettings(min_judge_agreement=2)
    with pytest.raises(InputError, match="near_copy_ratio"):
        ImageValidationSettings(near_copy_ratio=1.5)
