"""The series schema: every series of a dataset has one channel count and one length,
float values (finite), stored as an array (N, C, T). Series of other lengths are
resampled by an explicit config rule before they get here, never silently."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from equipoise.dataspec.errors import GenerationError, InputError


@dataclass(frozen=True)
class SeriesSchema:
    """Channels, length and classes of a time-series dataset (values: finite floats)."""

    #: the modality whose generators, checks and gate read this schema
    modality: ClassVar[str] = "series"

    channels: int
    length: int
    classes: tuple[Any, ...]
    #: the value columns (long tables) or channel names; "0", "1", ... otherwise
    channel_names: tuple[str, ...] = ()

    @property
    def shape(self) -> tuple[int, int]:
        """(C, T) of one series."""
        return (self.channels, self.length)

    def check(self, X: np.ndarray, y: Any, *, what: str = "series") -> None:
        """Raise InputError (one line, with the fix) unless X, y fit this schema."""
        X = np.asarray(X)
        if X.ndim != 3 or tuple(X.shape[1:]) != self.shape:
            raise InputError(
                f"{what} have shape {tuple(X.shape[1:]) if X.ndim == 3 else X.shape}, the "
                f"schema says (C, T) = {self.shape}; resample them by config first "
                "(series.length)"
            )
        if not np.issubdtype(X.dtype, np.floating) and not np.issubdtype(X.dtype, np.integer):
            raise InputError(f"{what} are {X.dtype}; equipoise takes numeric series")
        if len(X) != len(np.asarray(y)):
            raise InputError(f"{what}: {len(X)} series but {len(y)} labels; pass matching arrays")
        if X.size and not np.isfinite(X).all():
            bad = int((~np.isfinite(X.reshape(len(X), -1))).any(axis=1).sum())
            raise InputError(
                f"{what}: {bad} series hold NaN or infinite values; fill or drop them first"
            )
        unknown = sorted(set(np.asarray(y).tolist()) - set(self.classes), key=str)
        if unknown:
            raise InputError(
                f"{what}: labels {unknown[:5]} are not among the known classes "
                f"{list(self.classes)}; fix the labels or the class list"
            )

    def conform(self, X: np.ndarray, y: Any) -> tuple[np.ndarray, np.ndarray]:
        """Generator output checked against the schema (GenerationError if it does not fit)."""
        try:
            self.check(X, y, what="generated series")
        except InputError as err:
            raise GenerationError(err.message) from None
        return np.ascontiguousarray(X, dtype=np.float64), np.asarray(y, dtype=object)

    def to_dict(self) -> dict[str, Any]:
        return {
            "channels": self.channels,
            "length": self.length,
            "classes": [c.item() if hasattr(c, "item") else c for c in self.classes],
            "channel_names": list(self.channel_names),
        }


def infer_series_schema(X: np.ndarray, y: Any, channel_names: tuple[str, ...] = ()) -> SeriesSchema:
    """The schema of a float (N, C, T) array and its labels (classes sorted)."""
    X = np.asarray(X)
    if X.ndim != 3:
        raise InputError(f"series must be an array (N, C, T); got shape {X.shape}")
    classes = tuple(sorted(set(np.asarray(y).tolist()), key=str))
    names = tuple(channel_names) or tuple(str(i) for i in range(X.shape[1]))
    schema = SeriesSchema(channels=X.shape[1], length=X.shape[2], classes=classes,
                          channel_names=names)  # fmt: skip
    schema.check(X, y)
    return schema
