"""Input checks, in one place: the real splits (bad ones are the caller's error, exit 2)
and the synthetic frame's shape (a bad one fails validation, exit 4). Dtypes, missing
values and labels of the synthetic rows are checked by the schema suite."""

from __future__ import annotations

from typing import Any

import pandas as pd

from equipoise.dataspec import InputError, TableSchema
from equipoise.dataspec.errors import ValidationFailed


def check_real(schema: TableSchema, pair: Any, name: str) -> tuple[pd.DataFrame, pd.Series]:
    """The real `name` split as (features in schema order, labels), or InputError."""
    X, y = _pair(pair, name, InputError)
    missing = [c for c in schema.feature_names if c not in X.columns]
    if missing:
        raise InputError(
            f"the {name} split lacks the schema's columns {missing}; pass the same columns"
        )
    if len(X) != len(y):
        raise InputError(
            f"the {name} split has {len(X)} rows but {len(y)} labels; pass matching rows"
        )
    if len(X) == 0:
        raise InputError(f"the {name} split has no rows; check the split settings")
    return X[schema.feature_names].reset_index(drop=True), pd.Series(y).reset_index(drop=True)


def check_synthetic(schema: TableSchema, pair: Any) -> tuple[pd.DataFrame, pd.Series]:
    """The synthetic rows as (features, labels) with exactly the schema's columns, in order."""
    X, y = _pair(pair, "synthetic", ValidationFailed)
    if len(X) == 0:
        raise ValidationFailed(
            "there are no synthetic rows to validate (the generator returned 0 rows); "
            "check the generator's output or skip validation when nothing was generated"
        )
    if len(X) != len(y):
        raise ValidationFailed(
            f"the synthetic frame has {len(X)} rows but {len(y)} labels; the generator must "
            "return one label per row"
        )
    names = [str(c) for c in X.columns]
    expected = schema.feature_names
    missing = [c for c in expected if c not in names]
    extra = [c for c in names if c not in expected]
    if missing or extra:
        parts = []
        if missing:
            parts.append(f"lacks columns {missing}")
        if extra:
            parts.append(f"has extra columns {extra}")
        raise ValidationFailed(
            f"the synthetic frame {' and '.join(parts)}; it must have exactly the real feature "
            "columns (conform it with schema.conform)"
        )
    if len(set(names)) != len(names):
        raise ValidationFailed("the synthetic frame repeats column names; give each column once")
    if names != expected:
        raise ValidationFailed(
            "the synthetic frame's columns are in another order than the real ones; "
            "reorder them with X[schema.feature_names]"
        )
    return X.reset_index(drop=True), pd.Series(y).reset_index(drop=True)


def dtype_mismatches(
    X_train: pd.DataFrame, X_synthetic: pd.DataFrame
) -> dict[str, tuple[str, str]]:
    """Columns whose synthetic dtype differs from the real one: {name: (synthetic, real)}."""
    return {
        c: (str(X_synthetic[c].dtype), str(X_train[c].dtype))
        for c in X_train.columns
        if str(X_synthetic[c].dtype) != str(X_train[c].dtype)
    }


def _pair(pair: Any, name: str, error: type[Exception]) -> tuple[pd.DataFrame, Any]:
    if not isinstance(pair, (tuple, list)) or len(pair) != 2:
        raise error(f"pass {name}=(X, y): a DataFrame of features and the labels")
    X, y = pair
    if not isinstance(X, pd.DataFrame):
        raise error(f"{name} features must be a pandas DataFrame, got {type(X).__name__}")
    if y is None:
        raise error(f"{name} labels are missing; pass {name}=(X, y)")
    return X, y
