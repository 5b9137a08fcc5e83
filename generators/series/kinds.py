"""The series generator kinds: augmentation (a random composition of jitter, scaling,
magnitude and time warping, window slicing and warping of a class's own series) and
SMOTE / Borderline-SMOTE on the flattened series, or weighted DTW barycentres (DBA, with
the optional tslearn)."""

from __future__ import annotations

from typing import Any, Literal

import numpy as np

from equipoise.dataspec.seeding import derive_seed
from equipoise.generators.base import ProgressCallback
from equipoise.generators.series.augment import TRANSFORMS, augment_batch
from equipoise.generators.series.base import SeriesGenerator
from equipoise.generators.series.smote import dba_series, smote_series, tslearn_available


class SeriesAugment(SeriesGenerator):
    """Transformed copies of a class's own series: each new series starts from a real one
    drawn at random and gets a random composition of the transforms (Um et al. 2017;
    Le Guennec et al. 2016); none is an unchanged copy by construction."""

    kind = "series_augment"
    refit_cheaply = True  # no training loop: fitted again on each cross-fitting fold

    def __init__(
        self,
        schema,
        *,
        transforms: dict[str, dict[str, Any]] | None = None,
        p: float = 0.5,
    ):
        super().__init__(schema)
        self.transforms = transforms
        self.p = p

    def min_class_rows(self) -> tuple[int, str]:
        return 1, "one series"

    def _fit(self, X, y, *, seed: int, progress: ProgressCallback | None) -> None:
        unknown = sorted(set(self.transforms or {}) - set(TRANSFORMS))
        if unknown:
            from equipoise.dataspec import InputError

            raise InputError(
                f"series_augment: unknown transforms {unknown}; choose from {list(TRANSFORMS)}"
            )
        self.series_ = {c: X[y == c] for c in self.class_counts_}

    def _sample(self, counts: dict[Any, int], *, seed: int) -> tuple[np.ndarray, np.ndarray]:
        parts, labels = [], []
        for cls, n in counts.items():
            rng = np.random.default_rng(derive_seed(seed, "augment", cls))
            real = self.series_[cls]
            start = real[rng.integers(0, len(real), size=n)]
            parts.append(augment_batch(start, rng, self.transforms, p=self.p))
            labels += [cls] * n
        return np.concatenate(parts), np.array(labels, dtype=object)


class SeriesSmote(SeriesGenerator):
    """SMOTE or Borderline-SMOTE (imbalanced-learn) between a class's series, flattened
    to (n, channels x length) and reshaped back; `variant: dba`: weighted DTW barycentres
    of a random series and its nearest neighbours (needs the `series-dba` extra)."""

    kind = "series_smote"
    fallback = "kind: series_augment"
    refit_cheaply = True  # no training loop: fitted again on each cross-fitting fold

    def __init__(
        self,
        schema,
        *,
        variant: Literal["smote", "borderline-1", "borderline-2", "dba"] = "smote",
        k_neighbors: int = 5,
    ):
        super().__init__(schema)
        self.variant = variant
        self.k_neighbors = k_neighbors
        if variant == "dba" and not tslearn_available():
            from equipoise.dataspec import InputError

            raise InputError(
                "series_smote: variant dba needs tslearn: pip install 'equipoise[series-dba]'"
            )

    def min_class_rows(self) -> tuple[int, str]:
        return 2, "2 series (one neighbour to interpolate towards)"

    def _fit(self, X, y, *, seed: int, progress: ProgressCallback | None) -> None:
        self.X_, self.y_ = X, np.asarray(y).astype(str)
        self.labels_ = {str(c): c for c in self.class_counts_}

    def _sample(self, counts: dict[Any, int], *, seed: int) -> tuple[np.ndarray, np.ndarray]:
        if self.variant == "dba":
            asked = {str(c): n for c, n in counts.items()}
            made = dba_series(self.X_, self.y_, asked, seed, k_neighbors=self.k_neighbors)
            return made.X, np.array([self.labels_[v] for v in made.y], dtype=object)
        made = smote_series(
            self.X_, self.y_, {str(c): n for c, n in counts.items()}, seed,
            kind=self.variant, k_neighbors=self.k_neighbors,
        )  # fmt: skip
        return made.X, np.array([self.labels_[v] for v in made.y], dtype=object)
