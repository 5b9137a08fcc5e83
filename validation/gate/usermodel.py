"""The user's own downstream model, named by import path in `gate.models`:

    models: [logreg, {import: sklearn.ensemble.RandomForestClassifier,
                      params: {n_estimators: 200}, encode: ordinal, name: rf}]

Any scikit-learn-compatible classifier (`fit`, `predict_proba`, `get_params`) works: it
gets the gate's table encoder, class weights (its own `class_weight` when it has one,
balanced `sample_weight` otherwise), threshold tuning around it, and its `name`
(default: the class name) in the leaderboard."""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any

from sklearn.base import BaseEstimator, ClassifierMixin

#: the table encodings a user model can ask for (`dataspec.encoding.MixedEncoder` modes)
ENCODINGS = ("onehot", "ordinal")
#: the keys of a model entry
KEYS = ("import", "params", "encode", "name")


@dataclass(frozen=True)
class UserModel:
    """A classifier by import path, checked: the class imports and takes `params`."""

    path: str
    params: dict[str, Any] = field(default_factory=dict)
    encode: str = "onehot"
    name: str = ""

    def __str__(self) -> str:  # the leaderboard's model column, and its seed name
        return self.name

    @property
    def cls(self) -> type:
        module, _, attr = self.path.rpartition(".")
        return getattr(importlib.import_module(module), attr)

    def build(self, *, seed: int) -> Any:
        """A fresh, unfitted estimator (its `random_state` set when it has one and the
        params leave it open)."""
        estimator = self.cls(**self.params)
        if "random_state" in estimator.get_params() and "random_state" not in self.params:
            estimator.set_params(random_state=seed)
        return estimator

    @property
    def has_class_weight(self) -> bool:
        return "class_weight" in self.cls(**self.params).get_params()

    @property
    def has_sample_weight(self) -> bool:
        from sklearn.utils.validation import has_fit_parameter

        return has_fit_parameter(self.cls(**self.params), "sample_weight")

    def settings(self) -> dict[str, Any]:
        """How the manifest records it."""
        return {"import": self.path, "params": self.params, "encode": self.encode}


def parse(entry: dict[str, Any]) -> tuple[UserModel | None, str | None]:
    """A `gate.models` entry as a `UserModel`, or the one-line problem with it."""
    unknown = sorted(set(entry) - set(KEYS))
    path, params = entry.get("import"), entry.get("params") or {}
    encode = entry.get("encode", "onehot")
    if unknown:
        return None, f"models: unknown keys {unknown} in {entry!r}; use {', '.join(KEYS)}"
    if not isinstance(path, str) or "." not in path:
        return None, f"models: {entry!r} needs import: package.module.ClassName"
    if not isinstance(params, dict):
        return None, f"models: params of {path} must be a mapping, got {params!r}"
    if encode not in ENCODINGS:
        return None, f"models: encode of {path} must be one of {', '.join(ENCODINGS)}"
    module, _, attr = path.rpartition(".")
    try:
        cls = getattr(importlib.import_module(module), attr)
    except (ImportError, AttributeError) as error:
        return None, f"models: cannot import {path} ({error}); install it or fix the path"
    try:
        estimator = cls(**params)
    except Exception as error:  # any constructor error is the user's input
        return None, f"models: {path}({params}) fails: {error}; fix its params"
    missing = [m for m in ("fit", "predict_proba", "get_params") if not hasattr(estimator, m)]
    if missing:
        return None, f"models: {path} is not a scikit-learn classifier (no {', '.join(missing)})"
    name = entry.get("name") or attr
    return UserModel(path, dict(params), encode, str(name)), None


class UserClassifier(ClassifierMixin, BaseEstimator):
    """The user's estimator as the gate trains it: labels encoded as 0..k-1 (XGBoost
    wants them so), and with `balance` the classes weighted through `sample_weight`
    (`compute_sample_weight("balanced", y)`, times any weights given) for estimators
    without a `class_weight` of their own."""

    def __init__(self, estimator: Any = None, balance: bool = False):
        self.estimator = estimator
        self.balance = balance

    @property
    def weighs_rows(self) -> bool:
        """Whether the user's estimator takes `sample_weight` (the dose grid's weights
        below 1 need it; without it, rows are added at weight 1 only)."""
        from sklearn.utils.validation import has_fit_parameter

        return has_fit_parameter(self.estimator, "sample_weight")

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> UserClassifier:
        import numpy as np
        from sklearn.base import clone
        from sklearn.utils.class_weight import compute_sample_weight

        self.classes_, codes = np.unique(np.asarray(y, dtype=object), return_inverse=True)
        weights = None if sample_weight is None else np.asarray(sample_weight, dtype=float)
        if self.balance:
            balanced = compute_sample_weight("balanced", codes)
            weights = balanced if weights is None else balanced * weights
        self.estimator_ = clone(self.estimator)
        if weights is not None and not self.weighs_rows:
            name = type(self.estimator).__name__
            raise ValueError(f"{name} takes no sample_weight, so rows cannot be weighted")
        if weights is None:
            self.estimator_.fit(X, codes)
        else:
            self.estimator_.fit(X, codes, sample_weight=weights)
        return self

    def predict_proba(self, X: Any) -> Any:
        return self.estimator_.predict_proba(X)

    def predict(self, X: Any) -> Any:
        return self.classes_[self.predict_proba(X).argmax(axis=1)]

    def describe(self) -> str:
        text = " ".join(repr(self.estimator).split())
        if self.balance:
            text += ' with sample_weight=compute_sample_weight("balanced", y)'
        return text
