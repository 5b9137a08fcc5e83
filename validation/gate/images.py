"""The image gate's downstream model and the baselines it trains: the fixed CNN of
`validation.images.cnn` (plain, class-weighted or focal loss), and random oversampling
with augmentation (the `augment` generator's images, made through the pipeline's
`synthesize` hook so that validation never imports a generator)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from equipoise.dataspec.seeding import derive_seed
from equipoise.validation.gate.arena import Arena, Entry, Pair
from equipoise.validation.gate.scoring import CandidateScores
from equipoise.validation.gate.settings import GateSettings, baselines_of

#: the downstream model of the image gate
MODELS = ("cnn",)
#: the generator kind whose images make the `oversample_augment` baseline
AUGMENT = "augment"


def with_loss(loss: str):
    """The CNN trained on the candidate's images with `loss` (plain, class_weight, focal)."""

    def entries(arena: Arena, name: str, family: str, data: Pair) -> list[Entry]:
        return [_entry(arena, name, family, data, loss)]

    return entries


def oversample_augment(arena: Arena, name: str, family: str, data: Pair) -> list[Entry]:
    """The CNN on the real images plus the augment generator's images up to balance."""
    if arena.synthesize is None:
        return []
    y = np.asarray(data[1], dtype=object)
    counts = {c: int((y == c).sum()) for c in arena.classes}
    largest = max(counts.values())
    asked = {c: largest - n for c, n in counts.items() if n < largest}
    images = arena.synthesize(AUGMENT, data, asked, derive_seed(arena.seed, "baseline"))
    return [_entry(arena, name, family, joined(data, images), "plain")]


def _entry(arena: Arena, name: str, family: str, data: Pair, loss: str) -> Entry:
    def run() -> CandidateScores:
        from equipoise.validation.images.cnn import train_cnn

        settings: Any = arena.settings
        model = train_cnn(
            data[0], data[1], tuple(arena.classes), seed=derive_seed(arena.seed, "gate", "cnn"),
            epochs=settings.epochs, batch_size=settings.batch_size, loss=loss,
            focal_gamma=settings.focal_gamma,
        )  # fmt: skip
        words = {
            "plain": "cnn",
            "class_weight": "cnn with class-weighted cross-entropy",
            "focal": f"cnn with focal loss (gamma {settings.focal_gamma:g})",
        }[loss]
        recipe = {"estimator": f"{words}, {settings.epochs} epochs (equipoise's fixed CNN)"}
        return CandidateScores(
            name,
            family,
            "cnn",
            model.proba(arena.holdout[0]),
            recipe=recipe,  # type: ignore[arg-type]
        )

    return Entry(name, family, "cnn", run)


def joined(real: Pair, extra: Pair) -> tuple[np.ndarray, np.ndarray]:
    """Real images followed by extra ones, labels as objects."""
    X = np.concatenate([real[0], extra[0]])
    y = np.concatenate([np.asarray(real[1], dtype=object), np.asarray(extra[1], dtype=object)])
    return X, y


@dataclass(frozen=True)
class ImageGateSettings(GateSettings):
    """The shared gate's rule (primary metric, uplift, guards, bootstrap, mode) with the
    image gate's model and baselines, and how the CNN is trained for every candidate."""

    MODALITY: ClassVar[str] = "image"
    MODELS: ClassVar[tuple[str, ...]] = MODELS
    USER_MODELS: ClassVar[bool] = False
    DOSE: ClassVar[bool] = False

    models: tuple[str, ...] = MODELS
    """The downstream model: the fixed small CNN (`cnn`)."""

    baselines: tuple[str, ...] = field(default_factory=baselines_of("image"))
    """Strategies on real images that a generator's set has to beat (`none` always runs;
    `oversample_augment` runs when the generator under test is not `augment` itself)."""

    dose: dict[str, Any] | None = None
    """No dose search: the CNN takes no sample weights."""

    cross_fit_folds: int = 4
    """Images keep 4 folds: at 3, each fold's CNN trains on two thirds of the images and
    a planted gain of real digit-3 images no longer cleared the lower bound (-0.003;
    `tests/test_gate_decisions.py`). The tables' 3 is a measured cost (BENCHMARKS.md)."""

    epochs: int = 12
    """Epochs of the CNN per candidate (the same for every candidate)."""

    batch_size: int = 64
    """Batch size of the CNN."""

    def _more_problems(self) -> list[str]:
        return [
            f"{name} must be a positive integer, got {value!r}"
            for name in ("epochs", "batch_size")
            if not isinstance(value := getattr(self, name), int)
            or isinstance(value, bool)
            or value < 1
        ]
