"""The series gate's downstream models and the baselines they train: MiniRocket
features (sktime's `MiniRocketMultivariate`, one job) or the flattened series, each
standardised into a logistic regression; class weights, threshold tuning, a balanced
random forest and anomaly detection (an isolation forest of the majority class).

MiniRocket compiles its kernels with numba on first use (25-50 s); numba caches them in
NUMBA_CACHE_DIR, which defaults here to ~/.cache/equipoise-numba (as in the benchmarks)
so that only the first process on a machine pays for it."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin

from equipoise.dataspec.seeding import derive_seed
from equipoise.validation.gate.arena import Arena, Entry, Pair
from equipoise.validation.gate.estimators import each_model, entry, threshold_entries
from equipoise.validation.gate.settings import GateSettings, baselines_of

#: the downstream models every series candidate can be trained with
MODELS = ("minirocket", "flat")


def numba_cache_dir() -> str:
    """NUMBA_CACHE_DIR, set to ~/.cache/equipoise-numba (or under XDG_CACHE_HOME) when
    unset, and handed to numba's config when numba is already imported."""
    if not os.environ.get("NUMBA_CACHE_DIR"):
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
        os.environ["NUMBA_CACHE_DIR"] = str(base / "equipoise-numba")
    import sys

    config = sys.modules.get("numba.core.config")
    if config is not None and not getattr(config, "CACHE_DIR", ""):
        config.CACHE_DIR = os.environ["NUMBA_CACHE_DIR"]
    return os.environ["NUMBA_CACHE_DIR"]


class RocketFeatures(TransformerMixin, BaseEstimator):
    """sktime's MiniRocketMultivariate (n_jobs=1) on float arrays (N, C, T), as a
    scikit-learn transformer: it sits in a Pipeline and is cloned by cross-validation.

    `shape` (C, T): when given, X may also arrive flattened (N, C * T) and is reshaped
    (for tools that insist on 2-D input); 3-D arrays pass as they are."""

    def __init__(
        self,
        n_kernels: int = 10_000,
        max_dilations: int = 32,
        seed: int = 0,
        shape: tuple[int, int] | None = None,
    ):
        self.n_kernels = n_kernels
        self.max_dilations = max_dilations
        self.seed = seed
        self.shape = shape

    def fit(self, X, y=None) -> RocketFeatures:
        numba_cache_dir()
        from sktime.transformations.panel.rocket import MiniRocketMultivariate

        self.rocket_ = MiniRocketMultivariate(
            num_kernels=self.n_kernels, max_dilations_per_kernel=self.max_dilations,
            n_jobs=1, random_state=self.seed,
        )  # fmt: skip
        self.rocket_.fit(self._series(X))
        return self

    def transform(self, X) -> np.ndarray:
        return np.asarray(self.rocket_.transform(self._series(X)), dtype=np.float64)

    def _series(self, X) -> np.ndarray:
        X = np.asarray(X, dtype=np.float64)
        if X.ndim == 2 and self.shape is not None:
            X = X.reshape(len(X), *self.shape)
        if X.ndim != 3:
            raise ValueError(f"RocketFeatures takes series (N, C, T), got shape {X.shape}")
        return X


class Flatten(TransformerMixin, BaseEstimator):
    """Series (N, C, T) as rows (N, C * T)."""

    def fit(self, X, y=None) -> Flatten:
        return self

    def transform(self, X) -> np.ndarray:
        X = np.asarray(X, dtype=np.float64)
        return X.reshape(len(X), -1)


def features(name: str, *, seed: int, n_kernels: int = 10_000) -> list[tuple[str, Any]]:
    """The standardised feature steps of a downstream model."""
    from sklearn.preprocessing import StandardScaler

    if name == "minirocket":
        return [("rocket", RocketFeatures(n_kernels, seed=seed)), ("scale", StandardScaler())]
    if name == "flat":
        return [("flatten", Flatten()), ("scale", StandardScaler())]
    raise ValueError(f"unknown downstream model {name!r}")


def downstream_model(
    name: str, schema: Any, *, seed: int, n_kernels: int = 10_000, class_weight: str | None = None
) -> Any:
    """A fresh pipeline for one of the gate's models: features -> logistic regression."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline

    clf = LogisticRegression(max_iter=2000, class_weight=class_weight)
    return Pipeline([*features(name, seed=seed, n_kernels=n_kernels), ("model", clf)])


class AnomalyClassifier(ClassifierMixin, BaseEstimator):
    """Two classes framed as anomaly detection: an isolation forest fitted on the
    majority class's rows only; its anomaly score (-score_samples) is mapped to the
    minority's probability by a logistic fit (Platt scaling) on out-of-fold scores of
    the training rows (majority rows scored by forests that did not see them)."""

    def __init__(self, n_estimators: int = 200, folds: int = 5, seed: int = 0):
        self.n_estimators = n_estimators
        self.folds = folds
        self.seed = seed

    def fit(self, X, y) -> AnomalyClassifier:
        from sklearn.ensemble import IsolationForest
        from sklearn.linear_model import LogisticRegression
        from sklearn.model_selection import KFold

        X, y = np.asarray(X, dtype=np.float64), np.asarray(y, dtype=object)
        self.classes_, counts = np.unique(y, return_counts=True)
        if len(self.classes_) != 2:
            raise ValueError("anomaly detection frames two classes only")
        majority = self.classes_[int(np.argmax(counts))]
        normal = np.flatnonzero(y == majority)
        rare = np.flatnonzero(y != majority)

        def forest(rows: np.ndarray) -> Any:
            return IsolationForest(n_estimators=self.n_estimators, random_state=self.seed).fit(
                X[rows]
            )

        score = np.zeros(len(y))
        folds = KFold(min(self.folds, len(normal)), shuffle=True, random_state=self.seed)
        for fit_rows, held in folds.split(normal):
            model = forest(normal[fit_rows])
            score[normal[held]] = -model.score_samples(X[normal[held]])
            score[rare] += -model.score_samples(X[rare]) / folds.n_splits
        self.forest_ = forest(normal)
        self.platt_ = LogisticRegression(class_weight="balanced").fit(
            score[:, None], (y != majority).astype(int)
        )
        self.minority_ = self.classes_[self.classes_ != majority][0]
        return self

    def predict_proba(self, X) -> np.ndarray:
        score = -self.forest_.score_samples(np.asarray(X, dtype=np.float64))
        p = self.platt_.predict_proba(score[:, None])[:, 1]
        return np.where(self.classes_ == self.minority_, p[:, None], 1 - p[:, None])

    def predict(self, X) -> np.ndarray:
        return self.classes_[self.predict_proba(X).argmax(axis=1)]


# --------------------------------------------------------------------------- entries


def per_model(**options: Any):
    """Entries of each configured downstream model (`none` and `class_weight`)."""

    def entries(arena: Arena, name: str, family: str, data: Pair) -> list[Entry]:
        kernels = arena.settings.rocket_kernels
        return each_model(arena, name, family, data, downstream_model, n_kernels=kernels, **options)

    return entries


#: each model with its cut-off chosen by CV on the training split (two classes only)
threshold = threshold_entries(
    downstream_model, lambda arena: {"n_kernels": arena.settings.rocket_kernels}
)


def own_model(strategy: str, feature_model: str, *, seed: int, n_kernels: int, folds: int):
    """The strategies that bring a model of their own, on the features of the first
    configured downstream model (MiniRocket, or the flattened series)."""
    from imblearn.ensemble import BalancedRandomForestClassifier
    from sklearn.pipeline import Pipeline

    if strategy == "balanced_random_forest":
        clf = BalancedRandomForestClassifier(
            n_estimators=100, sampling_strategy="all", replacement=True, bootstrap=False,
            random_state=seed,
        )  # fmt: skip
    else:
        clf = AnomalyClassifier(folds=folds, seed=seed)
    return Pipeline([*features(feature_model, seed=seed, n_kernels=n_kernels), ("model", clf)])


def own(kind: str, *, binary_only: bool = False):
    """A strategy that is a model of its own; it runs once, on the features of the first
    configured model, named `<features>+<kind>` in the leaderboard."""

    def entries(arena: Arena, name: str, family: str, data: Pair) -> list[Entry]:
        if binary_only and not arena.binary:
            return []
        settings: Any = arena.settings
        feature_model = settings.models[0]
        build = partial(
            own_model, name, feature_model, seed=derive_seed(arena.seed, name),
            n_kernels=settings.rocket_kernels, folds=settings.cv_folds,
        )  # fmt: skip
        return entry(arena, name, family, f"{feature_model}+{kind}", build, data)

    return entries


@dataclass(frozen=True)
class SeriesGateSettings(GateSettings):
    """The shared gate's rule (primary metric, uplift, guards, bootstrap, mode) with the
    series gate's models and baselines."""

    MODALITY: ClassVar[str] = "series"
    MODELS: ClassVar[tuple[str, ...]] = MODELS
    USER_MODELS: ClassVar[bool] = False

    models: tuple[str, ...] = ("minirocket",)
    """Downstream models every candidate is trained with: `minirocket` (MiniRocket
    features, standardised, logistic regression) and `flat` (the flattened series,
    standardised, logistic regression: cheap). The first one also gives the features of
    `balanced_random_forest` and `anomaly`."""

    baselines: tuple[str, ...] = field(default_factory=baselines_of("series"))
    """Strategies on real series that a synthetic set has to beat (`none` always runs;
    `threshold` and `anomaly` need two classes); default: every registered series
    baseline."""

    dose: dict[str, Any] | None = None
    """The dose and weight search (off by default here: each grid point refits
    the model per fold); `{amounts: [...], weights: [...]}` turns it on."""

    rocket_kernels: int = 10_000
    """MiniRocket kernels (sktime's default; at least 84, rounded down to a multiple of
    84 by sktime)."""

    def _more_problems(self) -> list[str]:
        value = self.rocket_kernels
        if not isinstance(value, int) or isinstance(value, bool) or value < 84:
            return [f"rocket_kernels must be an integer of at least 84, got {value!r}"]
        return []
