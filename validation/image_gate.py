"""The image gate's downstream model: the fixed CNN trained on each candidate training
set (real only; class-weighted loss; focal loss; real + generated images; oversampling
with augmentation), its holdout probabilities scored and decided by the shared gate."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, ClassVar

from equipoise.dataspec.errors import InputError


@dataclass(frozen=True)
class ImageGateSettings:
    """Training of the gate's CNN (the same for every candidate)."""

    __pydantic_config__: ClassVar[dict[str, Any]] = {"extra": "forbid"}

    epochs: int = 12
    """Epochs of the CNN per candidate."""

    batch_size: int = 64
    """Batch size of the CNN."""

    def __post_init__(self) -> None:
        for name in ("epochs", "batch_size"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise InputError(f"gate: {name} must be a positive integer, got {value!r}")

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}
