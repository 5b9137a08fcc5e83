"""The generator interface: `Generator` (fit, then sample per-class counts of new
rows) and `Resampler` (remove or select real rows). Shared input checks live
here, once; subclasses implement `_fit` / `_sample` / `_resample` only."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from equipoise.dataspec import GenerationError, InputError, TableSchema

#: progress(description, completed, total), called after each training epoch.
ProgressCallback = Callable[[str, int, int], None]


class _Base(ABC):
    kind: ClassVar[str]
    #: what it makes: "table" rows or "image"s; the registry matches it to the schema
    modality: ClassVar[str] = "table"
    #: what the user can pick instead when a class is too small for this method
    fallback: ClassVar[str] = "kind: random_oversample"

    def __init__(self, schema: TableSchema):
        self.schema = schema

    @property
    def name(self) -> str:
        return self.kind

    def params(self) -> dict[str, Any]:
        """The constructor parameters, as the manifest records them."""
        return {k: v for k, v in vars(self).items() if k != "schema" and not k.endswith("_")}

    # -- shared input validation -------------------------------------------------
    def min_class_rows(self) -> tuple[int, str]:
        """Rows a class needs for this method, and the reason as the user sees it."""
        return 1, "one row"

    def _check_xy(self, X: pd.DataFrame, y: pd.Series) -> tuple[pd.DataFrame, pd.Series]:
        if len(X) != len(y):
            raise InputError(f"X has {len(X)} rows but y has {len(y)}; pass matching rows")
        missing = [c for c in self.schema.feature_names if c not in X.columns]
        if missing:
            raise InputError(f"X lacks the schema's columns {missing}; pass the same columns")
        return X[self.schema.feature_names].reset_index(drop=True), pd.Series(y).reset_index(
            drop=True
        )

    def _check_class_sizes(self, y: pd.Series, classes: list[Any]) -> None:
        need, why = self.min_class_rows()
        counts = y.value_counts()
        for cls in classes:
            have = int(counts.get(cls, 0))
            if have < need:
                raise InputError(
                    f"minority class {cls!r} has {have} rows; {self.kind} needs at least "
                    f"{why}; {self._fix_hint()}"
                )

    def _fix_hint(self) -> str:
        return f"lower its parameters or use {self.fallback}"

    def quality_hint(self) -> str:
        """What to try when its rows fail validation (appended to the failure line)."""
        return ""

    # -- shared checks of sample() (tables and images) ---------------------------
    def _asked(self, counts: Mapping[Any, int]) -> dict[Any, int]:
        """The positive counts asked for, after checking fit() ran and the classes exist."""
        if not hasattr(self, "class_counts_"):
            raise RuntimeError(f"{self.kind}: call fit() before sample()")
        asked = {c: int(n) for c, n in counts.items() if int(n) > 0}
        unknown = [c for c in asked if c not in self.class_counts_]
        if unknown:
            raise InputError(f"{self.kind}: asked for classes {unknown} it was not fitted on")
        return asked

    def _check_returned(self, y: Any, asked: Mapping[Any, int], unit: str) -> None:
        """GenerationError unless exactly `asked[c]` of each class came back."""
        got = pd.Series(y).value_counts()
        short = {c: (int(got.get(c, 0)), n) for c, n in asked.items() if got.get(c, 0) != n}
        if short:
            raise GenerationError(f"{self.kind} returned {short} (got, asked) {unit} per class")


class Generator(_Base):
    """Learns from real rows and creates new rows for the classes asked for."""

    @property
    def copies_real_rows(self) -> bool:
        """True when the rows it returns are copies of real rows by design."""
        return False

    def fit(
        self,
        X: pd.DataFrame,
        y: pd.Series,
        *,
        seed: int,
        progress: ProgressCallback | None = None,
    ) -> Generator:
        X, y = self._check_xy(X, y)
        counts = y.value_counts()
        if len(counts) < 2:
            raise InputError("the training data has a single class; there is nothing to balance")
        # Every class but the largest may be asked for; each must be large enough.
        self.minority_classes_ = [c for c in counts.index[1:]]
        self._check_class_sizes(y, self.minority_classes_)
        self.class_counts_ = {k: int(v) for k, v in counts.items()}
        self._fit(X, y, seed=seed, progress=progress)
        return self

    def sample(self, counts: Mapping[Any, int], *, seed: int) -> tuple[pd.DataFrame, pd.Series]:
        """Exactly `counts[c]` new rows of each class c, in the real columns' dtypes."""
        asked = self._asked(counts)
        if not asked:
            return self.schema.conform(pd.DataFrame(columns=self.schema.feature_names)), (
                self.schema.conform_labels([])
            )
        X, y = self._sample(asked, seed=seed)
        X = self.schema.conform(X.reset_index(drop=True))
        y = self.schema.conform_labels(y)
        self._check_returned(y, asked, "rows")
        return X, y

    @abstractmethod
    def _fit(
        self, X: pd.DataFrame, y: pd.Series, *, seed: int, progress: ProgressCallback | None
    ) -> None: ...

    @abstractmethod
    def _sample(self, counts: dict[Any, int], *, seed: int) -> tuple[pd.DataFrame, pd.Series]: ...


class Resampler(_Base):
    """Keeps a subset of the real rows (undersampling and cleaning)."""

    #: True when the method can hit per-class target counts (False: cleaning only)
    honours_targets: ClassVar[bool] = True
    fallback: ClassVar[str] = "kind: random_undersample"

    def resample(
        self,
        X: pd.DataFrame,
        y: pd.Series,
        targets: Mapping[Any, int] | None = None,
        *,
        seed: int,
    ) -> tuple[pd.DataFrame, pd.Series]:
        """The kept rows, in their original order and dtypes. `targets[c]` caps class c."""
        kept = self.select(X, y, targets, seed=seed)
        return X.iloc[kept].reset_index(drop=True), pd.Series(y).iloc[kept].reset_index(drop=True)

    def select(
        self,
        X: pd.DataFrame,
        y: pd.Series,
        targets: Mapping[Any, int] | None = None,
        *,
        seed: int,
    ) -> np.ndarray:
        """Sorted positions of the rows `resample` keeps."""
        X, y = self._check_xy(X, y)
        counts = y.value_counts()
        if len(counts) < 2:
            raise InputError("the data has a single class; there is nothing to balance")
        self._check_class_sizes(y, [counts.index[-1]])
        targets = {c: min(int(n), int(counts[c])) for c, n in (targets or {}).items()}
        return np.sort(np.asarray(self._resample(X, y, targets, seed=seed), dtype=int))

    @abstractmethod
    def _resample(
        self, X: pd.DataFrame, y: pd.Series, targets: dict[Any, int], *, seed: int
    ) -> np.ndarray:
        """Indices of the rows to keep."""


def take_exact(
    frame: pd.DataFrame, labels: pd.Series, counts: Mapping[Any, int], seed: int
) -> tuple[pd.DataFrame, pd.Series]:
    """A seeded subset with exactly counts[c] rows of each class c (fewer raises)."""
    rng = np.random.default_rng(seed)
    labels = pd.Series(labels).reset_index(drop=True)
    parts = []
    for cls, n in counts.items():
        idx = np.flatnonzero((labels == cls).to_numpy())
        if len(idx) < n:
            raise GenerationError(f"produced {len(idx)} rows of class {cls!r}, {n} were asked")
        parts.append(np.sort(rng.choice(idx, size=n, replace=False)))
    keep = np.concatenate(parts) if parts else np.array([], dtype=int)
    return frame.iloc[keep].reset_index(drop=True), labels.iloc[keep].reset_index(drop=True)
