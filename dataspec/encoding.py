"""The one place where mixed-type rows (numbers, categories, missing values) are
encoded for models, and decoded back to the real columns' dtypes.

* `MixedEncoder`: a numeric matrix for distance-based work (the imbalanced-learn
  family, leakage distances, detection). Numerics are median-imputed and
  standardised, each nullable numeric gets a missing-indicator column, and
  categoricals are one-hot (missing is a category of its own) scaled by 1/sqrt(2)
  so that a category mismatch weighs 1 in squared distance, like one standard
  deviation of a numeric. `mode="ordinal"` gives category codes instead, for
  SMOTENC / SMOTEN.
* `ModelFrameCodec`: a NaN-free frame for CTGAN / SDV, with categories as strings
  and a discrete missing-indicator per nullable numeric.

Both are fitted on the training split only. Datetime columns are numbers to both
(seconds since 1970, through `ColumnSpec.numbers`); decoding gives them back in the
input's dtype (`TableSchema.conform`).
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from equipoise.dataspec.schema import TableSchema

MISSING = "__missing__"
_ONEHOT_WEIGHT = 1.0 / np.sqrt(2.0)


def model_labels(y: object) -> np.ndarray:
    """Class labels as a model is fitted on them: numbers as numbers. An object array of
    numbers (what joining real and synthetic labels gives) is an 'unknown' target to
    scikit-learn; strings and mixed labels stay objects."""
    return pd.Series(np.asarray(y, dtype=object)).infer_objects().to_numpy()


def _category_strings(s: pd.Series) -> np.ndarray:
    """Categories as strings, missing values as their own category."""
    out = s.astype("object").where(s.notna(), MISSING)
    return out.map(str).to_numpy(dtype=object)


class MixedEncoder:
    """Scaled numerics + missing indicators + one-hot (or ordinal) categoricals."""

    def __init__(self, schema: TableSchema, mode: Literal["onehot", "ordinal"] = "onehot"):
        self.schema = schema
        self.mode = mode

    # --- fit / transform -------------------------------------------------------
    def fit(self, X: pd.DataFrame) -> MixedEncoder:
        numeric = [c.name for c in self.schema.numeric]
        self.numeric_ = numeric
        values = self.schema.numbers(X).to_numpy() if numeric else np.zeros((len(X), 0))
        with np.errstate(all="ignore"):
            self.median_ = np.nan_to_num(np.nanmedian(values, axis=0)) if numeric else values[0]
            filled = np.where(np.isnan(values), self.median_, values)
            self.mean_ = filled.mean(axis=0)
            std = filled.std(axis=0)
        self.scale_ = np.where(std > 0, std, 1.0)
        self.indicated_ = [c.name for c in self.schema.numeric if c.nullable]
        self.discrete_ = [c.name for c in self.schema.discrete]
        self.categories_ = {name: np.unique(_category_strings(X[name])) for name in self.discrete_}
        names, sources = list(numeric), list(numeric)
        names += [f"{n}{MISSING}" for n in self.indicated_]
        sources += self.indicated_
        if self.mode == "onehot":
            for name in self.discrete_:
                names += [f"{name}={v}" for v in self.categories_[name]]
                sources += [name] * len(self.categories_[name])
        else:
            names += self.discrete_
            sources += self.discrete_
        self.feature_names_out_ = names
        self.source_columns_ = sources
        return self

    @property
    def categorical_indices(self) -> list[int]:
        """Columns that hold categories (indicators and codes), for SMOTENC/SMOTEN."""
        start = len(self.numeric_)
        if self.mode == "onehot":
            return list(range(start, start + len(self.indicated_)))
        return list(range(start, len(self.feature_names_out_)))

    def transform(self, X: pd.DataFrame) -> np.ndarray:
        n = len(X)
        blocks = []
        if self.numeric_:
            values = self.schema.numbers(X).to_numpy()
            filled = np.where(np.isnan(values), self.median_, values)
            blocks.append((filled - self.mean_) / self.scale_)
        if self.indicated_:
            blocks.append(X[self.indicated_].isna().to_numpy(dtype="float64"))
        for name in self.discrete_:
            cats = self.categories_[name]
            codes = pd.Categorical(_category_strings(X[name]), categories=cats).codes  # -1: unseen
            if self.mode == "onehot":
                block = np.zeros((n, len(cats)))
                rows = np.flatnonzero(codes >= 0)
                block[rows, codes[rows]] = _ONEHOT_WEIGHT
                blocks.append(block)
            else:
                blocks.append(codes.astype("float64").reshape(-1, 1))
        return np.hstack(blocks) if blocks else np.zeros((n, 0))

    def fit_transform(self, X: pd.DataFrame) -> np.ndarray:
        return self.fit(X).transform(X)

    def inverse_transform(self, Z: np.ndarray) -> pd.DataFrame:
        """Decode a matrix (possibly interpolated) back to conformed real columns."""
        Z = np.asarray(Z, dtype="float64")
        out: dict[str, object] = {}
        k = len(self.numeric_)
        numeric = Z[:, :k] * self.scale_ + self.mean_
        for j, name in enumerate(self.numeric_):
            out[name] = numeric[:, j]
        for name in self.indicated_:
            col = out[name]
            out[name] = np.where(Z[:, k] >= 0.5, np.nan, col)
            k += 1
        for name in self.discrete_:
            cats = self.categories_[name]
            if self.mode == "onehot":
                codes = Z[:, k : k + len(cats)].argmax(axis=1)
                k += len(cats)
            else:
                codes = np.clip(np.rint(Z[:, k]), 0, len(cats) - 1).astype(int)
                k += 1
            values = cats[codes].astype(object)
            values[values == MISSING] = np.nan
            out[name] = values
        frame = pd.DataFrame(out)[self.schema.feature_names]
        return self.schema.conform(frame)


class ModelFrameCodec:
    """NaN-free frames for CTGAN / SDV: categories as strings, missing numerics as
    a discrete indicator plus a median fill. `discrete_columns` lists the columns
    a model must treat as categories. Decoded numerics are clipped to the range the
    fitted rows show (as SDV's `enforce_min_max_values` does): these models spill
    past the real minimum and maximum, e.g. negative ages."""

    def __init__(self, schema: TableSchema):
        self.schema = schema

    def fit(self, X: pd.DataFrame) -> ModelFrameCodec:
        self.indicated_ = [c.name for c in self.schema.numeric if c.nullable]
        numeric = self.schema.numbers(X)
        self.median_ = {
            name: float(np.nan_to_num(numeric[name].median())) for name in self.indicated_
        }
        self.range_ = {name: (numeric[name].min(), numeric[name].max()) for name in numeric}
        return self

    @staticmethod
    def indicator(name: str) -> str:
        return f"{name}{MISSING}"

    @property
    def discrete_columns(self) -> list[str]:
        return [c.name for c in self.schema.discrete] + [self.indicator(n) for n in self.indicated_]

    def transform(self, X: pd.DataFrame) -> pd.DataFrame:
        out = pd.DataFrame(index=range(len(X)))
        for spec in self.schema.columns:
            s = X[spec.name].reset_index(drop=True)
            if spec.is_numeric:
                out[spec.name] = spec.numbers(s).fillna(self.median_.get(spec.name, 0.0))
            else:
                out[spec.name] = _category_strings(s)
        for name in self.indicated_:
            out[self.indicator(name)] = np.where(X[name].isna().to_numpy(), "1", "0")
        return out

    def inverse_transform(self, frame: pd.DataFrame) -> pd.DataFrame:
        out = pd.DataFrame(index=range(len(frame)))
        for spec in self.schema.columns:
            s = frame[spec.name].reset_index(drop=True)
            if spec.is_numeric:
                s = (
                    pd.to_numeric(s, errors="coerce")
                    .astype("float64")
                    .clip(*self.range_[spec.name])
                )
                if spec.name in self.median_:
                    missing = frame[self.indicator(spec.name)].astype(str).to_numpy() == "1"
                    s = s.mask(missing)
                out[spec.name] = s
            else:
                out[spec.name] = s.astype("object").where(s.astype(str) != MISSING, np.nan)
        return self.schema.conform(out)
