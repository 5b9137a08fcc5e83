"""`ImageValidationSettings`: the thresholds of the image checks; the `validation:`
section of an image job config."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, ClassVar

from equipoise.dataspec.errors import InputError
from equipoise.validation.results import in_unit_interval, integer_problems, is_number


@dataclass(frozen=True)
class ImageValidationSettings:
    """Thresholds of the checks run on synthetic images, per generated class.

    Calibrated on sklearn digits (8x8) so that the `augment` generator passes and a
    generator that returns training images with a little noise is caught (figures per
    field; tests/test_image_validation.py asserts the decisive ones). A plain dataclass,
    so validation needs no pydantic; the job config embeds it with unknown keys refused.
    """

    __pydantic_config__: ClassVar[dict[str, Any]] = {"extra": "forbid"}

    judge_epochs: int = 12
    """Epochs of the judge CNN on the real training split (its features are the space
    of every fidelity metric; no ImageNet weights can be downloaded here)."""

    judge_batch_size: int = 64
    """Batch size of the judge CNN."""

    min_judge_agreement: float = 0.2
    """Lowest share of a class's synthetic images that the judge assigns to the intended
    class (default 0.2; digits with digit 3 cut to 15 training images, seeds 0-2:
    augment 0.38-0.69, real holdout images 0.72-0.91, unseen images of digit 8 passed
    off as digit 3: 0.00-0.02; benchmarks/image_validation.py). The judge learns the
    rare class from few images, so agreement is well below 1 even for good images.
    Gated for classes with at least 10 synthetic images."""

    max_fd: float | None = None
    """Highest per-class Fréchet distance in judge features. Default None: reported
    next to the holdout's own distance (small classes make it noisy), not a gate."""

    max_kid: float | None = None
    """Highest per-class kernel inception distance in judge features (None: reported)."""

    min_precision: float | None = None
    """Lowest k-NN precision (share of synthetic images inside the real manifold;
    Kynkäänniemi et al. 2019). None: reported."""

    pr_neighbours: int = 3
    """k of the k-NN manifolds of precision / recall (the paper uses 3)."""

    near_copy_ratio: float = 1 / 3
    """Ratio test for near copies (Carlini et al. 2023), in pixel space: a synthetic image
    is a near copy when the distance to its nearest training image is below this share of
    its mean distance to the next `near_copy_neighbours` training images (default 1/3;
    on digits holdout images fall below it 0 %, augment 0-1 %, copies of training images
    with pixel noise of std 0-3: 100 %)."""

    near_copy_neighbours: int = 20
    """Training images after the nearest whose mean distance is the ratio's denominator."""

    max_near_copy_share: float = 0.25
    """Highest share of a class's synthetic images that may be near copies, above the
    holdout's own share (default 0.25); near copies are removed either way."""

    sample_images: int = 5000
    """Image cap per side and class for the sampled statistics (FD, KID, precision /
    recall); the per-image checks always see every image."""

    def __post_init__(self) -> None:
        problems = []
        for name in ("min_judge_agreement", "max_near_copy_share"):
            value = getattr(self, name)
            if not in_unit_interval(value):
                problems.append(f"{name} must be between 0 and 1, got {value!r}")
        if self.min_precision is not None and not in_unit_interval(self.min_precision):
            problems.append(f"min_precision must be between 0 and 1, got {self.min_precision!r}")
        for name in ("max_fd", "max_kid"):
            value = getattr(self, name)
            if value is not None and (not is_number(value) or value < 0):
                problems.append(f"{name} must be 0 or more (or null), got {value!r}")
        if not is_number(self.near_copy_ratio) or not 0 <= self.near_copy_ratio < 1:
            problems.append(f"near_copy_ratio must be at least 0 and below 1, got "
                            f"{self.near_copy_ratio!r}")  # fmt: skip
        problems += integer_problems(self, (("judge_epochs", 1), ("judge_batch_size", 1),
                                            ("pr_neighbours", 1), ("near_copy_neighbours", 1),
                                            ("sample_images", 100)))  # fmt: skip
        if problems:
            raise InputError("validation: " + "; ".join(problems))

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}
