"""The generator interface of every modality: `Generator` (fit, then sample per-class
counts of new samples) and `Resampler` (keep a subset of the real rows). Shared checks
live here, once; a modality's base (`tables/base.py`, `images/base.py`) says how its
inputs are checked and its outputs conformed, and each generator implements `_fit` /
`_sample` (or `_resample`) only."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import pandas as pd

from equipoise.dataspec import GenerationError, InputError

if TYPE_CHECKING:
    from equipoise.generators.progress import EpochBudget

#: progress(description, completed, total), called after each training epoch.
ProgressCallback = Callable[[str, int, int], None]


class Sampler(ABC):
    """What generators and resamplers share: a kind, a modality, a schema, parameters,
    and the checks of class sizes and returned counts."""

    kind: ClassVar[str]
    #: the modality it serves ("table", "image", ...); the registry matches it to the job
    modality: ClassVar[str]
    #: what one sample is called in messages ("rows", "images")
    unit: ClassVar[str] = "rows"
    #: what the user can pick instead when a class is too small for this method
    fallback: ClassVar[str] = "kind: random_oversample"
    #: cheap enough to fit again on each fold of a cross-fitted gate (seconds, no
    #: training loop); False: a costly fit, left out of that gate
    refit_cheaply: ClassVar[bool] = False

    def __init__(self, schema: Any):
        self.schema = schema

    @property
    def name(self) -> str:
        return self.kind

    def params(self) -> dict[str, Any]:
        """The constructor parameters, as the manifest records them."""
        return {k: v for k, v in vars(self).items() if k != "schema" and not k.endswith("_")}

    # -- the modality's hooks ----------------------------------------------------
    @abstractmethod
    def _check_inputs(self, X: Any, y: Any) -> tuple[Any, Any]:
        """X and y as the generator reads them (tables: a DataFrame and a Series; images:
        arrays); InputError when they do not fit the schema."""

    # -- shared checks -----------------------------------------------------------
    def min_class_rows(self) -> tuple[int, str]:
        """Samples a class needs for this method, and the reason as the user sees it."""
        return 1, "one row"

    def _check_class_sizes(self, y: pd.Series, classes: list[Any]) -> None:
        need, why = self.min_class_rows()
        counts = y.value_counts()
        for cls in classes:
            have = int(counts.get(cls, 0))
            if have < need:
                raise InputError(
                    f"minority class {cls!r} has {have} {self.unit}; {self.kind} needs at "
                    f"least {why}; {self._fix_hint()}"
                )

    def _fix_hint(self) -> str:
        return f"lower its parameters or use {self.fallback}"

    def quality_hint(self) -> str:
        """What to try when its samples fail validation (appended to the failure line)."""
        return ""


class Generator(Sampler):
    """Learns from real samples and creates new ones for the classes asked for."""

    @property
    def trains_epochs(self) -> bool:
        """True when it trains in epochs (an `epochs` parameter): the time budget sets them."""
        return "epochs" in self.params()

    @property
    def copies_real_rows(self) -> bool:
        """True when the samples it returns are copies of real ones by design."""
        return False

    def fit(
        self,
        X: Any,
        y: Any,
        *,
        seed: int,
        progress: ProgressCallback | None = None,
        budget: EpochBudget | None = None,
    ) -> Generator:
        """Learn from (X, y). Generators with epochs (`trains_epochs`) follow `budget`:
        fewer epochs, an early stop, or BudgetExceeded when not even a few fit."""
        X, y = self._check_inputs(X, y)
        counts = pd.Series(y).value_counts()
        if len(counts) < 2:
            raise InputError(
                f"the training {self.unit} have a single class; there is nothing to balance"
            )
        # Every class but the largest may be asked for; each must be large enough.
        self.minority_classes_ = list(counts.index[1:])
        self._check_class_sizes(pd.Series(y), self.minority_classes_)
        self.class_counts_ = {k: int(v) for k, v in counts.items()}
        self.epoch_budget_ = budget.start() if budget is not None else None
        self._fit(X, y, seed=seed, progress=progress)
        return self

    def sample(self, counts: Mapping[Any, int], *, seed: int) -> tuple[Any, Any]:
        """Exactly `counts[c]` new samples of each class c, conformed to the schema."""
        if not hasattr(self, "class_counts_"):
            raise RuntimeError(f"{self.kind}: call fit() before sample()")
        asked = {c: int(n) for c, n in counts.items() if int(n) > 0}
        unknown = [c for c in asked if c not in self.class_counts_]
        if unknown:
            raise InputError(f"{self.kind}: asked for classes {unknown} it was not fitted on")
        if not asked:
            return self._empty()
        X, y = self._conform(*self._sample(asked, seed=seed))
        got = pd.Series(y).value_counts()
        short = {c: (int(got.get(c, 0)), n) for c, n in asked.items() if got.get(c, 0) != n}
        if short:
            raise GenerationError(
                f"{self.kind} returned {short} (got, asked) {self.unit} per class"
            )
        return X, y

    @abstractmethod
    def _conform(self, X: Any, y: Any) -> tuple[Any, Any]:
        """Samples in the real data's types (the modality's hook)."""

    @abstractmethod
    def _empty(self) -> tuple[Any, Any]:
        """No samples, in the real data's types (the modality's hook)."""

    @abstractmethod
    def _fit(self, X: Any, y: Any, *, seed: int, progress: ProgressCallback | None) -> None: ...

    @abstractmethod
    def _sample(self, counts: dict[Any, int], *, seed: int) -> tuple[Any, Any]: ...


class Resampler(Sampler):
    """Keeps a subset of the real rows (undersampling and cleaning)."""

    #: True when the method can hit per-class target counts (False: cleaning only)
    honours_targets: ClassVar[bool] = True
    fallback: ClassVar[str] = "kind: random_undersample"

    def resample(
        self, X: Any, y: Any, targets: Mapping[Any, int] | None = None, *, seed: int
    ) -> tuple[Any, pd.Series]:
        """The kept rows, in their original order and dtypes. `targets[c]` caps class c."""
        kept = self.select(X, y, targets, seed=seed)
        return X.iloc[kept].reset_index(drop=True), pd.Series(y).iloc[kept].reset_index(drop=True)

    def select(
        self, X: Any, y: Any, targets: Mapping[Any, int] | None = None, *, seed: int
    ) -> np.ndarray:
        """Sorted positions of the rows `resample` keeps."""
        X, y = self._check_inputs(X, y)
        counts = y.value_counts()
        if len(counts) < 2:
            raise InputError("the data has a single class; there is nothing to balance")
        self._check_class_sizes(y, [counts.index[-1]])
        targets = {c: min(int(n), int(counts[c])) for c, n in (targets or {}).items()}
        return np.sort(np.asarray(self._resample(X, y, targets, seed=seed), dtype=int))

    @abstractmethod
    def _resample(self, X: Any, y: pd.Series, targets: dict[Any, int], *, seed: int) -> np.ndarray:
        """Indices of the rows to keep."""
