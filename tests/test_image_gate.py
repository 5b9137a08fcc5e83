"""The image gate: the CNN is deterministic for a seed on the CPU, every configured
candidate is trained and scored by the shared gate, and its settings are checked."""

from __future__ import annotations

import numpy as np
import pytest

from equipoise.dataspec import InputError
from equipoise.pipeline.images.config import ImagesConfig
from equipoise.pipeline.images.loading import prepare, read_images
from equipoise.validation.gate import Arena, SyntheticSet, decide, run_gate
from equipoise.validation.gate.images import ImageGateSettings
from equipoise.validation.images.cnn import train_cnn


@pytest.fixture(scope="module")
def digits():
    cfg = ImagesConfig(source="sklearn:digits", rare={"class": 3, "keep": 10})
    return prepare(read_images(cfg.source), cfg, 0.25, seed=0)


def test_cnn_is_deterministic_for_a_seed(digits):
    args = (digits.X_train, digits.y_train, digits.schema.classes)
    a = train_cnn(*args, seed=5, epochs=2).proba(digits.X_holdout)
    b = train_cnn(*args, seed=5, epochs=2).proba(digits.X_holdout)
    c = train_cnn(*args, seed=6, epochs=2).proba(digits.X_holdout)
    assert np.array_equal(a, b) and not np.array_equal(a, c)
    assert np.allclose(a.sum(axis=1), 1.0)


def _arena(digits, settings, synthesize=None):
    return Arena(
        "image", digits.schema, (digits.X_train, digits.y_train),
        (digits.X_holdout, digits.y_holdout), settings, seed=0, synthesize=synthesize,
    )  # fmt: skip


def test_every_candidate_is_scored_and_decided(digits):
    rng = np.random.default_rng(0)
    threes = digits.X_train[digits.y_train == 3]
    extra = (threes[rng.integers(0, len(threes), 40)], np.full(40, 3))
    settings = ImageGateSettings(epochs=3, bootstrap=200)
    asked = []

    def synthesize(kind, train, counts, seed):
        asked.append((kind, counts))
        return extra

    arena = _arena(digits, settings, synthesize)
    board = run_gate(arena, {"copies": SyntheticSet(arena.train, extra)})
    assert board.method["method"] == "cross_fit"  # 43-45 holdout images per digit
    decision = decide(board, settings)
    names = [r["candidate"] for r in board.to_records()]
    assert sorted(names) == sorted([*settings.baselines, "copies"])
    assert asked and asked[0][0] == "augment" and asked[0][1][3] > 0  # the rare class
    assert board.minority == 3  # the rarest *training* class, not the holdout's
    assert decision.sentence and all(0 <= r["value"] <= 1 for r in board.to_records())


def test_augment_baseline_is_skipped_without_images(digits):
    settings = ImageGateSettings(epochs=1, bootstrap=100, baselines=("none", "oversample_augment"))
    board = run_gate(_arena(digits, settings), {})
    assert [r["candidate"] for r in board.to_records()] == ["none"]
    assert decide(board, settings).publish is False


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"baselines": ("none", "smote")}, "unknown baselines ['smote']"),
        ({"models": ("logreg",)}, "models must be some of cnn"),
        ({"epochs": 0}, "epochs must be a positive integer"),
        ({"primary": "accuracy"}, "accuracy is never a gate metric"),
    ],
)
def test_settings_are_checked(kwargs, message):
    with pytest.raises(InputError, match=message.replace("[", r"\[").replace("]", r"\]")):
        ImageGateSettings(**kwargs)
