"""The table gate's downstream models and the baselines they train: logistic
regression and HistGradientBoosting on the project's one mixed-type encoder
(`MixedEncoder`, fitted on each candidate's training rows: one-hot + scaled for the
logistic regression and the imbalanced-learn ensembles, category codes for
HistGradientBoosting's native categorical support; a user model by import path picks
one with `encode`), class weights, threshold tuning, SMOTE and random oversampling in
the pipeline, and the strategies that bring a model of their own."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

from equipoise.dataspec.encoding import MixedEncoder
from equipoise.dataspec.schema import TableSchema
from equipoise.dataspec.seeding import derive_seed
from equipoise.validation.gate.arena import Arena, Entry, Pair
from equipoise.validation.gate.estimators import (
    each_model,
    entry,
    oversampled,
    threshold_entries,
)
from equipoise.validation.gate.usermodel import UserClassifier, UserModel

#: the downstream models every table candidate is trained with
MODELS = ("logreg", "hgb")

#: HistGradientBoosting bins categories; more levels than this are left as codes
MAX_NATIVE_CATEGORIES = 250


class SchemaEncoder(TransformerMixin, BaseEstimator):
    """`MixedEncoder` as an sklearn transformer (so it can sit in a pipeline and be
    cloned by cross-validation); unseen category codes become NaN in ordinal mode."""

    def __init__(self, schema: TableSchema, mode: str = "onehot"):
        self.schema = schema
        self.mode = mode

    def fit(self, X, y=None) -> SchemaEncoder:
        self.encoder_ = MixedEncoder(self.schema, self.mode).fit(X)
        return self

    def transform(self, X) -> np.ndarray:
        Z = self.encoder_.transform(X)
        if self.mode == "ordinal":
            codes = Z[:, self.encoder_.categorical_indices]
            codes[codes < 0] = np.nan
            Z[:, self.encoder_.categorical_indices] = codes
        return Z


def native_categorical_mask(schema: TableSchema) -> np.ndarray:
    """Which ordinal-encoded columns HistGradientBoosting treats as categories."""
    mask = [False] * len(schema.numeric)
    mask += [False] * sum(c.nullable for c in schema.numeric)
    mask += [len(c.categories) + 1 <= MAX_NATIVE_CATEGORIES for c in schema.discrete]
    return np.array(mask, dtype=bool)


def encoding(model: str | UserModel) -> str:
    """The encoder mode a downstream model is trained on."""
    if isinstance(model, UserModel):
        return model.encode
    return "ordinal" if model == "hgb" else "onehot"


def downstream_model(
    name: str | UserModel, schema: TableSchema, *, seed: int, class_weight: str | None = None
) -> Any:
    """A fresh pipeline (encoder + classifier) for one of the gate's downstream models
    (a `UserModel`: the user's classifier, class weights its own way or by weight)."""
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline

    if isinstance(name, UserModel):
        clf = name.build(seed=seed)
        balance = class_weight is not None and not name.has_class_weight
        if balance and not name.has_sample_weight:
            raise ValueError(
                f"{type(clf).__name__} takes neither class_weight nor sample_weight, so class "
                "weights cannot apply to it (random oversampling repeats rows instead)"
            )
        if class_weight is not None and not balance:
            clf.set_params(class_weight=class_weight)
        model = UserClassifier(clf, balance=balance)
        return Pipeline([("encode", SchemaEncoder(schema, name.encode)), ("model", model)])
    if name == "logreg":
        clf = LogisticRegression(max_iter=2000, class_weight=class_weight)
        return Pipeline([("encode", SchemaEncoder(schema, "onehot")), ("model", clf)])
    if name == "hgb":
        mask = native_categorical_mask(schema)
        clf = HistGradientBoostingClassifier(
            categorical_features=mask if mask.any() else None,
            class_weight=class_weight,
            random_state=seed,
        )
        return Pipeline([("encode", SchemaEncoder(schema, "ordinal")), ("model", clf)])
    raise ValueError(f"unknown downstream model {name!r}")


def smote_model(name: str, schema: TableSchema, *, seed: int, minority_rows: int) -> Any:
    """SMOTE (SMOTENC on category codes for `hgb`) inside the pipeline, fitted on the
    training split only: the classic data-level reference."""
    from imblearn.over_sampling import SMOTE, SMOTENC
    from imblearn.pipeline import Pipeline

    k = max(1, min(5, minority_rows - 1))
    base = downstream_model(name, schema, seed=seed)
    encode, clf = base.steps[0][1], base.steps[1][1]
    mask = native_categorical_mask(schema) if encoding(name) == "ordinal" else None
    if mask is not None and mask.any():
        columns = np.flatnonzero(mask).tolist()  # SMOTENC wants indices, not a mask
        sampler = SMOTENC(categorical_features=columns, k_neighbors=k, random_state=seed)
    else:
        sampler = SMOTE(k_neighbors=k, random_state=seed)
    return Pipeline([("encode", encode), ("smote", sampler), ("model", clf)])


#: real rows of the smaller classes repeated up to the largest class's count, then the model
oversample_model = oversampled(downstream_model)


def own_model(strategy: str, schema: TableSchema, *, seed: int, gamma: float) -> Any:
    """The strategies that are models of their own, on one-hot + scaled features."""
    from sklearn.pipeline import Pipeline

    from equipoise.validation.gate.focal import FocalLossMLP

    builders: dict[str, Callable[[], Any]] = {
        "focal_loss": lambda: FocalLossMLP(gamma=gamma, seed=seed),
        "balanced_bagging": lambda: _imblearn("BalancedBaggingClassifier", seed, n_estimators=20),
        "easy_ensemble": lambda: _imblearn("EasyEnsembleClassifier", seed, n_estimators=10),
        "rusboost": lambda: _imblearn("RUSBoostClassifier", seed, n_estimators=50),
        "balanced_random_forest": lambda: _imblearn(
            "BalancedRandomForestClassifier",
            seed,
            n_estimators=100,
            sampling_strategy="all",
            replacement=True,
            bootstrap=False,
        ),
    }
    return Pipeline([("encode", SchemaEncoder(schema, "onehot")), ("model", builders[strategy]())])


def _imblearn(cls_name: str, seed: int, **params: Any) -> Any:
    import imblearn.ensemble

    return getattr(imblearn.ensemble, cls_name)(random_state=seed, **params)


# --------------------------------------------------------------------------- entries


def per_model(make=downstream_model, **options: Any):
    """Entries of each configured downstream model built by `make` (`none`,
    `class_weight`, `random_oversample`)."""

    def entries(arena: Arena, name: str, family: str, data: Pair) -> list[Entry]:
        return each_model(arena, name, family, data, make, **options)

    return entries


#: each model with its cut-off chosen by CV on the training split (two classes only)
threshold = threshold_entries(downstream_model)


def smote(arena: Arena, name: str, family: str, data: Pair) -> list[Entry]:
    """Each model with SMOTE in its pipeline, fitted on the training split only."""
    return each_model(arena, name, family, data, smote_model, minority_rows=arena.minority_rows)


def own(model: str):
    """A strategy that is a model of its own (`model` names it in the leaderboard); it
    runs once, not per downstream model."""

    def entries(arena: Arena, name: str, family: str, data: Pair) -> list[Entry]:
        build = partial(
            own_model, name, arena.schema, seed=derive_seed(arena.seed, name),
            gamma=arena.settings.focal_gamma,
        )  # fmt: skip
        return entry(arena, name, family, model, build, data)

    return entries
