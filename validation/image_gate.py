"""The image gate: the fixed CNN of `validation.images.cnn` trained on each candidate
training set (real only; class-weighted loss; focal loss; oversampling with
augmentation; real + each generator's images), its holdout probabilities scored and
decided by the shared gate (`score_candidates` / `decide`), so images and tables follow
one rule."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

import numpy as np

from equipoise.dataspec.errors import InputError
from equipoise.dataspec.seeding import derive_seed
from equipoise.validation.gate import (
    CandidateScores,
    GateDecision,
    GateSettings,
    Leaderboard,
    decide,
    score_candidates,
)
from equipoise.validation.images.cnn import train_cnn

#: the downstream model of the image gate
IMAGE_MODELS = ("cnn",)
#: strategies on real images a generator's set has to beat: loss reweighting, focal
#: loss, and random oversampling of the minority with augmentation (the `augment`
#: generator's images, supplied by the flow)
IMAGE_BASELINES = ("none", "class_weight", "focal_loss", "oversample_augment")
#: baseline -> the CNN's loss
_LOSS = {"none": "plain", "class_weight": "class_weight", "focal_loss": "focal"}


@dataclass(frozen=True)
class ImageGateSettings(GateSettings):
    """The shared gate's rule (primary metric, uplift, guards, bootstrap, mode) with the
    image gate's model and baselines, and how the CNN is trained for every candidate."""

    models: tuple[str, ...] = IMAGE_MODELS
    """The downstream model: the fixed small CNN (`cnn`)."""

    baselines: tuple[str, ...] = IMAGE_BASELINES
    """Strategies on real images that a generator's set has to beat (`none` always runs;
    `oversample_augment` runs when the generator under test is not `augment` itself)."""

    epochs: int = 12
    """Epochs of the CNN per candidate (the same for every candidate)."""

    batch_size: int = 64
    """Batch size of the CNN."""

    def __post_init__(self) -> None:
        shared = {f.name: getattr(self, f.name) for f in fields(GateSettings)}
        GateSettings(**{**shared, "models": GateSettings.models, "baselines": ("none",)})
        object.__setattr__(self, "models", tuple(self.models))
        object.__setattr__(self, "baselines", tuple(self.baselines))
        problems = []
        if not self.models or any(m not in IMAGE_MODELS for m in self.models):
            problems.append(f"models must be {', '.join(IMAGE_MODELS)} for images")
        unknown = [b for b in self.baselines if b not in IMAGE_BASELINES]
        if unknown:
            problems.append(
                f"unknown image baselines {unknown}; choose from {', '.join(IMAGE_BASELINES)}"
            )
        for name in ("epochs", "batch_size"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                problems.append(f"{name} must be a positive integer, got {value!r}")
        if problems:
            raise InputError("gate: " + "; ".join(problems))


@dataclass(frozen=True)
class ImageGateResult:
    board: Leaderboard
    decision: GateDecision

    def to_dict(self) -> dict[str, Any]:
        from equipoise.validation.results import jsonable

        return jsonable(
            {"leaderboard": self.board.to_records(), "decision": self.decision.to_dict()}
        )


def run_image_gate(
    classes: tuple[Any, ...],
    *,
    train: tuple[np.ndarray, np.ndarray],
    holdout: tuple[np.ndarray, np.ndarray],
    generated: Mapping[str, tuple[np.ndarray, np.ndarray]],
    augmented: tuple[np.ndarray, np.ndarray] | None,
    settings: ImageGateSettings,
    seed: int,
) -> ImageGateResult:
    """Train the CNN on every candidate, score all on the real holdout with shared
    bootstrap resamples, and decide. `generated` maps a generator's name to its accepted
    images (added to the real training images); `augmented` are the augment generator's
    images for the `oversample_augment` baseline (None: that baseline is skipped)."""
    X_train, y_train = train
    X_hold, y_hold = holdout
    counts = {c: int((y_train == c).sum()) for c in classes}
    minority = min(counts, key=lambda c: counts[c])  # the rarest class in *training*
    sets: list[tuple[str, str, np.ndarray, np.ndarray, str]] = []
    for name in settings.baseline_set:
        if name in _LOSS:
            sets.append((name, "baseline", X_train, y_train, _LOSS[name]))
        elif name == "oversample_augment" and augmented is not None:
            sets.append((name, "baseline", *_joined(train, augmented), "plain"))
    for name, images in generated.items():
        sets.append((name, "synthetic", *_joined(train, images), "plain"))
    candidates = []
    for name, family, X, y, loss in sets:
        model = train_cnn(
            X, y, classes, seed=derive_seed(seed, "gate", "cnn"), epochs=settings.epochs,
            batch_size=settings.batch_size, loss=loss, focal_gamma=settings.focal_gamma,
        )  # fmt: skip
        candidates.append(CandidateScores(name, family, "cnn", model.proba(X_hold)))
    board = score_candidates(
        y_hold, candidates, classes=list(classes), settings=settings,
        seed=derive_seed(seed, "gate", "bootstrap"), minority=minority,
    )  # fmt: skip
    return ImageGateResult(board, decide(board, settings))


def _joined(
    real: tuple[np.ndarray, np.ndarray], extra: tuple[np.ndarray, np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    X = np.concatenate([real[0], extra[0]])
    y = np.concatenate([np.asarray(real[1], dtype=object), np.asarray(extra[1], dtype=object)])
    return X, y
