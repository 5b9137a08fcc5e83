"""The one place where mixed-type rows (numbers, categories, missing values) are
encoded for models, and decoded back to the real columns' dtypes.

* `MixedEncoder`: a numeric matrix for distance-based work (the imbalanced-learn
  family, leakage distances, detection). Numerics are median-imputed and
  standardised, each nullable numeric gets a missing-indicator column, and
  categoricals are one-hot (missing is a category of its own) scaled by 1/sqrt(2)
  so that a category mismatch weighs 1 in squared distance, like one standard
  deviation of a numeric. A column with more than `MAX_ONEHOT_LEVELS` levels keeps
  its most frequent ones and one shared column for the rest (as scikit-learn's
  `OneHotEncoder(max_categories=...)`): a 4,037-level column would otherwise make every
  encoded matrix 4,037 columns wide (dense: 8 GB for 245,000 rows). `mode="ordinal"`
  gives category codes instead (every level its own), for SMOTENC / SMOTEN.
* `ModelFrameCodec`: a NaN-free frame for CTGAN / SDV, with categories as strings
  and a discrete missing-indicator per nullable numeric.

Both are fitted on the training split only. Datetime columns are numbers to both
(seconds since 1970, through `ColumnSpec.numbers`); decoding gives them back in the
input's dtype (`TableSchema.conform`).
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import pandas as pd

from equipoise.dataspec.schema import TableSchema

MISSING = "__missing__"
#: the one-hot column shared by the infrequent levels of a column that has too many
OTHER = "__other__"
#: one-hot columns a categorical gets at most (its most frequent levels, the last one
#: shared by all the others); BENCHMARKS.md, "Big tables"
MAX_ONEHOT_LEVELS = 100
_ONEHOT_WEIGHT = 1.0 / np.sqrt(2.0)


def frequent_levels(values: np.ndarray, limit: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(kept, other, other_counts): the `limit - 1` most frequent distinct values of
    `values` (ties: in sort order), sorted, and the others with their counts; all kept
    (none other) when there are at most `limit`."""
    levels, counts = np.unique(values, return_counts=True)
    if len(levels) <= limit:
        return levels, levels[:0], counts[:0]
    order = np.lexsort((np.arange(len(levels)), -counts))  # by count, then by value
    kept, rest = np.sort(order[: limit - 1]), np.sort(order[limit - 1 :])
    return levels[kept], levels[rest], counts[rest]


def draw_levels(levels: np.ndarray, counts: np.ndarray, n: int, rng: np.random.Generator):
    """`n` values drawn from `levels` in proportion to `counts`."""
    if n == 0 or len(levels) == 0:
        return np.empty(n, dtype=object)
    return levels[rng.choice(len(levels), size=n, p=counts / counts.sum())]


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
        #: per categorical: its one-hot columns' levels (ordinal: its codes' levels),
        #: OTHER last where infrequent levels share one; `other_`: those levels, counts
        self.categories_, self.other_ = {}, {}
        for name in self.discrete_:
            strings = _category_strings(X[name])
            if self.mode == "onehot":
                kept, other, counts = frequent_levels(strings, MAX_ONEHOT_LEVELS)
            else:
                kept, other, counts = np.unique(strings), strings[:0], np.zeros(0, dtype=int)
            self.categories_[name] = np.append(kept, OTHER) if len(other) else kept
            if len(other):
                self.other_[name] = (other, counts)
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
        """The encoded rows, filled into one matrix (no intermediate blocks: its memory is
        rows x `len(feature_names_out_)` x 8 bytes)."""
        n = len(X)
        Z = np.zeros((n, len(self.feature_names_out_)))
        k = len(self.numeric_)
        if self.numeric_:
            values = self.schema.numbers(X).to_numpy()
            filled = np.where(np.isnan(values), self.median_, values)
            Z[:, :k] = (filled - self.mean_) / self.scale_
        if self.indicated_:
            Z[:, k : k + len(self.indicated_)] = X[self.indicated_].isna().to_numpy(dtype="float64")
            k += len(self.indicated_)
        for name in self.discrete_:
            cats = self.categories_[name]
            strings = _category_strings(X[name])
            codes = pd.Categorical(strings, categories=cats).codes.astype(np.int64)  # -1: unseen
            if name in self.other_:  # the infrequent levels seen in training share OTHER
                rare = pd.Index(self.other_[name][0]).get_indexer(strings) >= 0
                codes = np.where(rare, len(cats) - 1, codes)
            if self.mode == "onehot":
                rows = np.flatnonzero(codes >= 0)
                Z[rows, k + codes[rows]] = _ONEHOT_WEIGHT
                k += len(cats)
            else:
                Z[:, k] = codes
                k += 1
        return Z

    def fit_transform(self, X: pd.DataFrame) -> np.ndarray:
        return self.fit(X).transform(X)

    def inverse_transform(
        self, Z: np.ndarray, rng: np.random.Generator | None = None
    ) -> pd.DataFrame:
        """Decode a matrix (possibly interpolated) back to conformed real columns; a row
        on a column's OTHER gets one of its infrequent levels, drawn (with `rng`) in their
        training frequencies."""
        Z = np.asarray(Z, dtype="float64")
        rng = rng if rng is not None else np.random.default_rng(0)
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
            if name in self.other_:
                rows = np.flatnonzero(codes == len(cats) - 1)
                values[rows] = draw_levels(*self.other_[name], len(rows), rng)
            values[values == MISSING] = np.nan
            out[name] = values
        frame = pd.DataFrame(out)[self.schema.feature_names]
        return self.schema.conform(frame)


class ModelFrameCodec:
    """NaN-free frames for CTGAN / SDV: categories as strings, missing numerics as
    a discrete indicator plus a median fill. `discrete_columns` lists the columns
    a model must treat as categories. Decoded numerics are clipped to the range the
    fitted rows show (as SDV's `enforce_min_max_values` does): these models spill
    past the real minimum and maximum, e.g. negative ages.

    `max_levels` (for models that one-hot code categories: CTGAN, TVAE, ForestFlow): a
    column with more levels keeps its `max_levels - 1` most frequent ones and OTHER for
    the rest; decoding gives each OTHER row one of the infrequent levels of its own class,
    drawn in their training frequencies. That keeps each class's share of every level;
    what it loses is the link between an infrequent level and the other columns (a tail
    number and its carrier), which a model could not learn from a few rows per level."""

    def __init__(self, schema: TableSchema, max_levels: int | None = None):
        self.schema = schema
        self.max_levels = max_levels

    def fit(self, X: pd.DataFrame, y: pd.Series | None = None) -> ModelFrameCodec:
        """Medians, ranges and (with `max_levels`) each capped column's kept levels and
        its infrequent levels per class of `y` (None: one group)."""
        self.kept_: dict[str, np.ndarray] = {}
        #: column -> {class: (infrequent levels, counts)}; key None: all classes together
        self.other_: dict[str, dict[Any, tuple[np.ndarray, np.ndarray]]] = {}
        labels = np.zeros(len(X)) if y is None else np.asarray(y, dtype=object)
        for spec in self.schema.discrete if self.max_levels else ():
            strings = _category_strings(X[spec.name])
            kept, other, counts = frequent_levels(strings, self.max_levels)
            if not len(other):
                continue
            self.kept_[spec.name] = kept
            rare = pd.Index(kept).get_indexer(strings) < 0
            groups = {None: (other, counts)}
            for cls in pd.unique(labels[rare]) if y is not None else ():
                groups[cls] = tuple(np.unique(strings[rare & (labels == cls)], return_counts=True))
            self.other_[spec.name] = groups
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
                strings = _category_strings(s)
                if spec.name in self.kept_:
                    rare = pd.Index(self.kept_[spec.name]).get_indexer(strings) < 0
                    strings = np.where(rare, OTHER, strings).astype(object)
                out[spec.name] = strings
        for name in self.indicated_:
            out[self.indicator(name)] = np.where(X[name].isna().to_numpy(), "1", "0")
        return out

    def capped(self) -> dict[str, dict[str, int]]:
        """Per capped column: its levels in the fitted rows and the levels kept."""
        return {
            name: {"levels": len(kept) + len(self.other_[name][None][0]), "kept": len(kept)}
            for name, kept in self.kept_.items()
        }

    def inverse_transform(
        self, frame: pd.DataFrame, label: Any = None, rng: np.random.Generator | None = None
    ) -> pd.DataFrame:
        """Rows in the real columns' dtypes; a capped column's OTHER becomes one of the
        infrequent levels of class `label` (all classes' where it has none), drawn with
        `rng`."""
        frame = frame.reset_index(drop=True)
        if self.kept_:
            rng = rng if rng is not None else np.random.default_rng(0)
            frame = frame.copy()
            for name, groups in self.other_.items():
                rows = np.flatnonzero(frame[name].astype(str).to_numpy() == OTHER)
                levels, counts = groups.get(label, groups[None])
                values = frame[name].to_numpy(dtype=object)
                values[rows] = draw_levels(levels, counts, len(rows), rng)
                frame[name] = values
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
