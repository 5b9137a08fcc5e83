"""The image schema: every image of a dataset has one size, one channel count and
uint8 pixels in [0, 255], stored as an array (N, C, H, W). Anything else is
resized or padded by an explicit config rule before it gets here, never silently."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, ClassVar

import numpy as np

from equipoise.dataspec.errors import GenerationError, InputError


@dataclass(frozen=True)
class ImageSchema:
    """Size, channels and classes of an image dataset (pixels: uint8, 0..255)."""

    #: the modality whose generators, checks and gate read this schema
    modality: ClassVar[str] = "image"

    height: int
    width: int
    channels: int
    classes: tuple[Any, ...]

    @property
    def shape(self) -> tuple[int, int, int]:
        """(C, H, W) of one image."""
        return (self.channels, self.height, self.width)

    def check(self, X: np.ndarray, y: np.ndarray, *, what: str = "images") -> None:
        """Raise InputError (one line, with the fix) unless X, y fit this schema."""
        X = np.asarray(X)
        if X.ndim != 4 or tuple(X.shape[1:]) != self.shape:
            raise InputError(
                f"{what} have shape {tuple(X.shape[1:]) if X.ndim == 4 else X.shape}, the schema "
                f"says (C, H, W) = {self.shape}; resize or pad them by config first"
            )
        if X.dtype != np.uint8:
            raise InputError(f"{what} are {X.dtype}; equipoise takes uint8 pixels in 0..255")
        if len(X) != len(np.asarray(y)):
            raise InputError(f"{what}: {len(X)} images but {len(y)} labels; pass matching arrays")
        unknown = sorted(set(np.asarray(y).tolist()) - set(self.classes), key=str)
        if unknown:
            raise InputError(
                f"{what}: labels {unknown[:5]} are not among the known classes "
                f"{list(self.classes)}; fix the labels or the class list"
            )

    def conform(self, X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Generator output checked against the schema (GenerationError if it does not fit)."""
        try:
            self.check(X, y, what="generated images")
        except InputError as err:
            raise GenerationError(err.message) from None
        return np.ascontiguousarray(X), np.asarray(y)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["classes"] = [c.item() if hasattr(c, "item") else c for c in self.classes]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ImageSchema:
        return cls(
            height=int(data["height"]),
            width=int(data["width"]),
            channels=int(data["channels"]),
            classes=tuple(data["classes"]),
        )


def infer_image_schema(X: np.ndarray, y: np.ndarray) -> ImageSchema:
    """The schema of a uint8 (N, C, H, W) array and its labels (classes sorted)."""
    X = np.asarray(X)
    if X.ndim != 4:
        raise InputError(f"images must be an array (N, C, H, W); got shape {X.shape}")
    classes = tuple(sorted(set(np.asarray(y).tolist()), key=str))
    schema = ImageSchema(height=X.shape[2], width=X.shape[3], channels=X.shape[1], classes=classes)
    schema.check(X, y)
    return schema
