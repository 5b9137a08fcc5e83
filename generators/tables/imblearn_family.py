"""The imbalanced-learn family as generators and resamplers.

Each method runs on the one mixed-type encoding (`MixedEncoder`): scaled
numerics, missing indicators, one-hot categoricals (or category codes for
SMOTENC / SMOTEN). New rows are decoded back to the real columns; methods that
pick real rows (random over/under-sampling, NearMiss, Tomek, ENN, hard-voting
ClusterCentroids) return those rows exactly as they were.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

import numpy as np
import pandas as pd

from equipoise.dataspec import GenerationError, InputError
from equipoise.dataspec.encoding import MixedEncoder
from equipoise.generators.base import ProgressCallback
from equipoise.generators.tables.base import TableGenerator, TableResampler, take_exact

# --------------------------------------------------------------------------- oversamplers


class ImblearnOversampler(TableGenerator):
    """Base: `_sampler(strategy, seed)` builds the imbalanced-learn object."""

    encoding: ClassVar[Literal["onehot", "ordinal"]] = "onehot"
    refit_cheaply = True

    def _encoding(self) -> Literal["onehot", "ordinal"]:
        return self.encoding

    def _fit(
        self, X: pd.DataFrame, y: pd.Series, *, seed: int, progress: ProgressCallback | None
    ) -> None:
        self.encoder_ = MixedEncoder(self.schema, self._encoding()).fit(X)
        self.X_ = X
        self.Z_ = self.encoder_.transform(X)
        self.y_ = y.to_numpy()

    def _request(self, cls: Any, count: int) -> int:
        """New rows to ask the method for (more than `count` when its output is approximate)."""
        return count

    def _sample(self, counts: dict[Any, int], *, seed: int) -> tuple[pd.DataFrame, pd.Series]:
        strategy = {c: self.class_counts_[c] + self._request(c, n) for c, n in counts.items()}
        sampler = self._sampler(strategy, seed)
        try:
            Z_res, y_res = sampler.fit_resample(self.Z_, self.y_)
        except (ValueError, RuntimeError) as err:
            raise GenerationError(
                f"{self.kind} failed on this data ({_first_line(err)}); try kind: smote "
                "or random_oversample"
            ) from err
        n = len(self.Z_)
        y_new = pd.Series(y_res[n:])
        indices = getattr(sampler, "sample_indices_", None)
        if indices is not None and self._picks_real_rows():
            X_new = self.X_.iloc[np.asarray(indices)[n:]].reset_index(drop=True)
        else:
            # a capped column's OTHER becomes an infrequent level, drawn (MixedEncoder)
            X_new = self.encoder_.inverse_transform(Z_res[n:], np.random.default_rng(seed))
        short = {c: int((y_new == c).sum()) for c in counts if (y_new == c).sum() < counts[c]}
        if short:
            raise GenerationError(
                f"{self.kind} produced only {short} new rows of the asked {counts}; "
                f"{self._shortfall_hint()}"
            )
        return take_exact(X_new, y_new, counts, seed)

    def _picks_real_rows(self) -> bool:
        return False

    def _shortfall_hint(self) -> str:
        return f"use {self.fallback}"

    def _sampler(self, strategy: dict[Any, int], seed: int) -> Any:
        raise NotImplementedError


class RandomOversample(ImblearnOversampler):
    """Duplicates real minority rows (imblearn RandomOverSampler); `shrinkage` smooths them."""

    kind = "random_oversample"

    def __init__(self, schema, *, shrinkage: float | None = None):
        super().__init__(schema)
        self.shrinkage = shrinkage

    def _picks_real_rows(self) -> bool:
        return self.shrinkage is None

    @property
    def copies_real_rows(self) -> bool:
        return self._picks_real_rows()

    def _sampler(self, strategy, seed):
        from imblearn.over_sampling import RandomOverSampler

        return RandomOverSampler(
            sampling_strategy=strategy, shrinkage=self.shrinkage, random_state=seed
        )


class _KNeighbours(ImblearnOversampler):
    """Methods that interpolate between a row and its k nearest same-class rows."""

    fallback = "kind: random_oversample"

    def __init__(self, schema, *, k_neighbors: int = 5):
        super().__init__(schema)
        if k_neighbors < 1:
            raise InputError(f"{self.kind}: k_neighbors must be at least 1, got {k_neighbors}")
        self.k_neighbors = k_neighbors

    def min_class_rows(self) -> tuple[int, str]:
        return self.k_neighbors + 1, f"k_neighbors+1 = {self.k_neighbors + 1}"

    def _fix_hint(self) -> str:
        return f"lower k_neighbors or use {self.fallback}"


class Smote(_KNeighbours):
    """SMOTE; SMOTENC when categorical columns exist, SMOTEN when all columns are."""

    kind = "smote"

    def _method(self) -> str:
        if not self.schema.discrete:
            return "SMOTE"
        return "SMOTEN" if not self.schema.numeric else "SMOTENC"

    def _encoding(self):
        return "onehot" if self._method() == "SMOTE" else "ordinal"

    def __init__(self, schema, *, k_neighbors: int = 5):
        super().__init__(schema, k_neighbors=k_neighbors)
        self.method_ = self._method()  # raises for smotenc / smoten on the wrong columns

    def _sampler(self, strategy, seed):
        from imblearn import over_sampling

        kwargs: dict[str, Any] = {}
        if self.method_ == "SMOTENC":
            kwargs["categorical_features"] = self.encoder_.categorical_indices
        return getattr(over_sampling, self.method_)(
            sampling_strategy=strategy, k_neighbors=self.k_neighbors, random_state=seed, **kwargs
        )


class SmoteNC(Smote):
    """SMOTENC: numeric and categorical columns together."""

    kind = "smotenc"

    def _method(self) -> str:
        if not self.schema.discrete or not self.schema.numeric:
            raise InputError(
                "smotenc needs both numeric and categorical columns; "
                + ("use kind: smote" if not self.schema.discrete else "use kind: smoten")
            )
        return "SMOTENC"


class SmoteN(Smote):
    """SMOTEN: every feature categorical."""

    kind = "smoten"

    def _method(self) -> str:
        if self.schema.numeric:
            names = [c.name for c in self.schema.numeric][:5]
            raise InputError(
                f"smoten needs all-categorical features but {names} are numeric; "
                "use kind: smotenc (or smote, which picks it)"
            )
        return "SMOTEN"


class Adasyn(ImblearnOversampler):
    """ADASYN: more new rows where a class is harder to learn (its counts are approximate,
    so it is asked for a margin and trimmed to the exact count)."""

    kind = "adasyn"
    fallback = "kind: smote"

    def __init__(self, schema, *, n_neighbors: int = 5):
        super().__init__(schema)
        self.n_neighbors = n_neighbors

    def min_class_rows(self):
        return self.n_neighbors + 1, f"n_neighbors+1 = {self.n_neighbors + 1}"

    def _fix_hint(self) -> str:
        return f"lower n_neighbors or use {self.fallback}"

    def _request(self, cls, count):
        return count + self.class_counts_[cls]  # each real row may round its share down

    def _shortfall_hint(self):
        return "ADASYN samples only near other classes; use kind: smote"

    def _sampler(self, strategy, seed):
        from imblearn.over_sampling import ADASYN

        return ADASYN(sampling_strategy=strategy, n_neighbors=self.n_neighbors, random_state=seed)


class BorderlineSmote(_KNeighbours):
    """Borderline-SMOTE: interpolates only from minority rows near the class boundary."""

    kind = "borderline_smote"
    fallback = "kind: smote"

    def __init__(
        self,
        schema,
        *,
        k_neighbors: int = 5,
        m_neighbors: int = 10,
        variant: Literal["borderline-1", "borderline-2"] = "borderline-1",
    ):
        super().__init__(schema, k_neighbors=k_neighbors)
        self.m_neighbors = m_neighbors
        self.variant = variant

    def _shortfall_hint(self):
        return "it found too few minority rows on the class boundary; use kind: smote"

    def _sampler(self, strategy, seed):
        from imblearn.over_sampling import BorderlineSMOTE

        return BorderlineSMOTE(
            sampling_strategy=strategy,
            k_neighbors=self.k_neighbors,
            m_neighbors=self.m_neighbors,
            kind=self.variant,
            random_state=seed,
        )


class SvmSmote(_KNeighbours):
    """SVM-SMOTE: interpolates from the support vectors of an SVM."""

    kind = "svm_smote"
    fallback = "kind: smote"

    def __init__(self, schema, *, k_neighbors: int = 5, m_neighbors: int = 10):
        super().__init__(schema, k_neighbors=k_neighbors)
        self.m_neighbors = m_neighbors

    def _shortfall_hint(self):
        return "the SVM found too few minority support vectors; use kind: smote"

    def _sampler(self, strategy, seed):
        from imblearn.over_sampling import SVMSMOTE

        return SVMSMOTE(
            sampling_strategy=strategy,
            k_neighbors=self.k_neighbors,
            m_neighbors=self.m_neighbors,
            random_state=seed,
        )


# --------------------------------------------------------------------------- resamplers


class ImblearnResampler(TableResampler):
    """Base: fits `_sampler(targets, seed)` on the encoded rows, keeps `sample_indices_`."""

    refit_cheaply = True

    def _resample(self, X, y, targets, *, seed):
        Z = MixedEncoder(self.schema).fit_transform(X)
        sampler = self._sampler(self._strategy(y, targets), seed)
        Z_res, y_res = sampler.fit_resample(Z, y.to_numpy())
        return self._kept_indices(sampler, Z, y.to_numpy(), Z_res, y_res)

    def _strategy(self, y: pd.Series, targets: dict[Any, int]) -> Any:
        counts = y.value_counts()
        shrink = {c: n for c, n in targets.items() if n < counts[c]}
        return shrink or "auto"

    def _kept_indices(
        self, sampler: Any, Z: np.ndarray, y: np.ndarray, Z_res: np.ndarray, y_res: np.ndarray
    ) -> np.ndarray:
        return np.asarray(sampler.sample_indices_)

    def _sampler(self, strategy: Any, seed: int) -> Any:
        raise NotImplementedError


class RandomUndersample(ImblearnResampler):
    """Drops random rows of the larger classes (imblearn RandomUnderSampler)."""

    kind = "random_undersample"

    def _sampler(self, strategy, seed):
        from imblearn.under_sampling import RandomUnderSampler

        return RandomUnderSampler(sampling_strategy=strategy, random_state=seed)


class NearMiss(ImblearnResampler):
    """Keeps the larger classes' rows nearest (version 1/2) or around (3) the minority."""

    kind = "nearmiss"

    def __init__(self, schema, *, version: Literal[1, 2, 3] = 1, n_neighbors: int = 3):
        super().__init__(schema)
        self.version = version
        self.n_neighbors = n_neighbors

    def min_class_rows(self):
        return self.n_neighbors, f"n_neighbors = {self.n_neighbors}"

    def _fix_hint(self) -> str:
        return f"lower n_neighbors or use {self.fallback}"

    def _sampler(self, strategy, seed):
        from imblearn.under_sampling import NearMiss as _NearMiss

        return _NearMiss(
            sampling_strategy=strategy, version=self.version, n_neighbors=self.n_neighbors
        )


class ClusterCentroids(ImblearnResampler):
    """Replaces each larger class by k-means clusters of it, keeping the real row nearest
    each centroid (imblearn's hard voting), so every kept row is a real one."""

    kind = "cluster_centroids"

    def _sampler(self, strategy, seed):
        from imblearn.under_sampling import ClusterCentroids as _ClusterCentroids
        from sklearn.cluster import KMeans

        return _ClusterCentroids(
            sampling_strategy=strategy,
            voting="hard",
            estimator=KMeans(n_init=3, random_state=seed),
            random_state=seed,
        )

    def _kept_indices(self, sampler, Z, y, Z_res, y_res):
        # Hard voting returns real rows; find each again, within its class, by nearest
        # neighbour (distance 0 up to float error).
        from sklearn.neighbors import NearestNeighbors

        kept = []
        for cls in np.unique(y_res):
            rows = np.flatnonzero(y == cls)
            dist, idx = NearestNeighbors(n_neighbors=1).fit(Z[rows]).kneighbors(Z_res[y_res == cls])
            if np.any(dist > 1e-5):
                raise GenerationError("cluster_centroids returned rows that are not real rows")
            kept.append(rows if len(idx) == len(rows) else rows[np.unique(idx[:, 0])])
        return np.concatenate(kept)


class _Cleaning(ImblearnResampler):
    """Cleaning methods remove noisy or borderline rows; they cannot hit a target count."""

    honours_targets = False

    def _strategy(self, y, targets):
        return "auto"


class Tomek(_Cleaning):
    """Removes the larger class's row of every Tomek link."""

    kind = "tomek"

    def _sampler(self, strategy, seed):
        from imblearn.under_sampling import TomekLinks

        return TomekLinks(sampling_strategy=strategy)


class Enn(_Cleaning):
    """Edited Nearest Neighbours: removes larger-class rows their neighbours disagree with."""

    kind = "enn"

    def __init__(self, schema, *, n_neighbors: int = 3, kind_sel: Literal["all", "mode"] = "all"):
        super().__init__(schema)
        self.n_neighbors = n_neighbors
        self.kind_sel = kind_sel

    def _sampler(self, strategy, seed):
        from imblearn.under_sampling import EditedNearestNeighbours

        return EditedNearestNeighbours(
            sampling_strategy=strategy, n_neighbors=self.n_neighbors, kind_sel=self.kind_sel
        )


def _first_line(err: BaseException) -> str:
    return str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
