"""The table generators as imbalanced-learn samplers, validated before they return.

Every table generator that makes rows (CTGAN, the Gaussian copula, TVAE, ForestFlow and
the imbalanced-learn oversamplers) is a class here, built from the generator registry:
`CTGANSampler`, `GaussianCopulaSampler`, `TVAESampler`, `ForestFlowSampler`,
`SMOTESampler`, `RandomOversampleSampler`, ... (`SAMPLERS` maps kinds to classes). Each
is an imbalanced-learn over-sampler: `fit_resample(X, y)`, `sampling_strategy`,
`random_state`, `get_params` / `set_params`, clonable, usable as a step of an
`imblearn.pipeline.Pipeline` (so inside `cross_validate` it sees each fold's training
rows only).

`fit_resample` holds out a stratified share of the rows it is given (`holdout`, default
0.2) that the generator never sees, fits the generator on the rest, samples what
`sampling_strategy` asks (plus a spare), and runs the row-level validation of the flow:
exact and near copies of the rows the generator saw, distance to closest record against
the held-out rows, and the cross-fitted label filter. It returns every row it was given
plus the synthetic rows that passed; what was dropped and why is in `report_`, and a
warning says when fewer rows passed than were asked.

The gate does not belong inside a sampler: whether synthetic rows beat the real-data
strategies (class weights, a tuned cut-off, plain SMOTE...) is judged on rows no sampler
may see, by `equipoise run` or `equipoise.balance`. A sampler only guarantees that the
rows it adds are not copies of, or too close to, real rows and carry their label.
"""

from __future__ import annotations

import re
import warnings
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from imblearn.over_sampling.base import BaseOverSampler
from imblearn.utils._validation import _check_X  # the check imbalanced-learn's
from scipy import sparse
from sklearn.model_selection import train_test_split  # RandomOverSampler uses for frames
from sklearn.utils import check_random_state
from sklearn.utils.validation import validate_data

from equipoise.generators import registry
from equipoise.generators.base import Generator

#: the label column's name inside a sampler (the caller's y has none, or any)
LABEL = "__label__"


class EquipoiseSampler(BaseOverSampler):
    """Fit one equipoise table generator on the rows given, sample, validate, return the
    rows given plus the synthetic rows that passed (see the module docstring).

    `params`: the generator's parameters (`equipoise kinds`), e.g. `{"epochs": 50}`;
    `holdout`: the share held out of the fit for the leakage check; `validation`: a
    `ValidationSettings` (thresholds of the flow's validation; default its defaults)."""

    kind: ClassVar[str] = ""

    _parameter_constraints: ClassVar[dict] = {
        **BaseOverSampler._parameter_constraints,
        "random_state": ["random_state"],
        "params": [dict, None],
        "holdout": [float],
        "validation": "no_validation",
    }

    def __init__(
        self, *, sampling_strategy="auto", random_state=None, params=None, holdout=0.2,
        validation=None,
    ):  # fmt: skip
        super().__init__(sampling_strategy=sampling_strategy)
        self.random_state = random_state
        self.params = params
        self.holdout = holdout
        self.validation = validation

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = False  # the generators read tables
        return tags

    def _check_X_y(self, X, y):
        from imblearn.utils import check_target_type

        y, binarize_y = check_target_type(y, indicate_one_vs_all=True)
        if sparse.issparse(X):
            raise TypeError(
                f"{type(self).__name__}: sparse input is not supported (the generators "
                "read tables); pass a DataFrame or a dense array (X.toarray())"
            )
        X = _check_X(X)
        validate_data(self, X=X, y=y, reset=True, skip_check_array=True)
        return X, y, binarize_y

    def _fit_resample(self, X, y):
        frame, was_array = _as_frame(X)
        labels = pd.Series(np.asarray(y), name=LABEL)
        seed = int(check_random_state(self.random_state).randint(2**31 - 1))
        asked = {c: int(n) for c, n in self.sampling_strategy_.items() if n > 0}
        if not asked:
            self.report_ = None
            return X, y
        X_new, y_new = self._synthesize(frame, labels, asked, seed)
        X_out = pd.concat([frame, X_new], ignore_index=True)
        y_out = np.concatenate([np.asarray(y), np.asarray(y_new, dtype=np.asarray(y).dtype)])
        return (X_out.to_numpy() if was_array else X_out), y_out

    def _synthesize(self, frame, labels, asked, seed):
        from equipoise.dataspec import infer_schema
        from equipoise.pipeline.balance import accept, shortfall, with_spare
        from equipoise.pipeline.tables.modality import Tables, settings_for
        from equipoise.validation.tables import ValidationSettings

        schema = infer_schema(frame.assign(**{LABEL: labels.to_numpy()}), LABEL)
        fit_X, hold_X, fit_y, hold_y = _inner_split(frame, labels, self.holdout, seed)
        generator = registry.create(self.kind, schema, self.params or {})
        generator.fit(fit_X, fit_y, seed=seed)
        X_syn, y_syn = generator.sample(with_spare(asked), seed=seed + 1)
        settings = self.validation or ValidationSettings()
        report = Tables().fold_validator()(
            schema, train=(fit_X, fit_y), holdout=(hold_X, hold_y), synthetic=(X_syn, y_syn),
            settings=settings_for(settings, generator), seed=seed,
            reports_dir=None,
        )  # fmt: skip
        self.report_ = report
        if not report.passed:
            raise ValueError(f"{self.kind}: validation failed: {'; '.join(report.failures)}")
        keep = accept(report.keep, pd.Series(y_syn), asked)
        X_new = X_syn[keep].reset_index(drop=True)
        y_new = pd.Series(y_syn)[keep].to_numpy()
        short = {_plain(c): n for c, n in shortfall(pd.Series(y_new), asked).items()}
        if short:
            warnings.warn(
                f"{self.kind}: validation removed more rows than the spare; short of the "
                f"target by {short} (report_ says why)",
                stacklevel=4,
            )
        return X_new, y_new


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def _as_frame(X) -> tuple[pd.DataFrame, bool]:
    if isinstance(X, pd.DataFrame):
        if any(isinstance(t, pd.SparseDtype) for t in X.dtypes):
            X = X.sparse.to_dense()
        return X.reset_index(drop=True).rename(columns=str), False
    array = np.asarray(X)
    return pd.DataFrame(array, columns=[f"x{i}" for i in range(array.shape[1])]), True


def _inner_split(frame, labels, share, seed):
    """The rows the generator fits on and the held-out rows of the leakage check."""
    counts = labels.value_counts()
    if counts.min() < 2:
        raise ValueError(
            f"class {counts.idxmin()!r} has {counts.min()} row: a sampler needs 2 or more "
            "rows of each class (one to fit on, one held out for the leakage check)"
        )
    n_hold = max(round(share * len(labels)), len(counts))
    fit_X, hold_X, fit_y, hold_y = train_test_split(
        frame, labels, test_size=n_hold, stratify=labels, random_state=seed
    )
    return (fit_X.reset_index(drop=True), hold_X.reset_index(drop=True),
            fit_y.reset_index(drop=True), hold_y.reset_index(drop=True))  # fmt: skip


#: acronyms kept in upper case in class names
_ACRONYMS = {"ctgan": "CTGAN", "tvae": "TVAE", "smote": "SMOTE", "smotenc": "SMOTENC",
             "smoten": "SMOTEN", "adasyn": "ADASYN", "svm": "SVM"}  # fmt: skip


def class_name(kind: str) -> str:
    """`gaussian_copula` -> `GaussianCopulaSampler`, `svm_smote` -> `SVMSMOTESampler`."""
    words = re.split(r"_", kind)
    return "".join(_ACRONYMS.get(w, w.capitalize()) for w in words) + "Sampler"


def _sampler_class(kind: str) -> type[EquipoiseSampler]:
    cls = registry.generator_class(kind)
    doc = (cls.__doc__ or "").strip().splitlines()[0] if cls.__doc__ else kind
    return type(
        class_name(kind),
        (EquipoiseSampler,),
        {"kind": kind, "__module__": __name__,
         "__doc__": f"{doc}\n\n{EquipoiseSampler.__doc__}"},
    )  # fmt: skip


#: kind -> sampler class, for every table generator that makes rows
SAMPLERS: dict[str, type[EquipoiseSampler]] = {
    kind: _sampler_class(kind)
    for kind in registry.known_kinds("table")
    if issubclass(registry.generator_class(kind), Generator)
}
globals().update({cls.__name__: cls for cls in SAMPLERS.values()})
__all__ = ["SAMPLERS", "EquipoiseSampler", *(cls.__name__ for cls in SAMPLERS.values())]
