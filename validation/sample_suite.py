"""The schema check of the sample modalities (images, series, text): one row per sample
(for arrays: id, label, the size of each axis, the lowest and highest value, the count
of non-finite values; text builds its own table, `SampleSpec`) and a Great Expectations
suite over that table, run with the tabular suite runner on the real training samples
and on the synthetic ones.

A wrong size or an unknown label is structural (the run fails); values out of the
allowed range and non-finite values name samples that are dropped."""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pandas as pd

from equipoise.dataspec import InputError, infer_schema
from equipoise.dataspec.errors import ValidationFailed
from equipoise.validation.results import jsonable
from equipoise.validation.schema_suite import Expectation, SchemaResult, run_schema_suite


@dataclass(frozen=True)
class SampleTable:
    """How one array modality's samples (N, ...) become a one-row-per-sample table."""

    #: what the samples are called in messages ("images", "series")
    noun: str
    #: (column, axis of X) of every size column, in column order
    axes: tuple[tuple[str, int], ...]
    #: names of the lowest-value, highest-value and non-finite-count columns
    low: str
    high: str
    bad: str
    #: the range every value must lie in (a sample outside is dropped); None: any
    value_range: tuple[float, float] | None = None

    @property
    def columns(self) -> tuple[str, ...]:
        return ("id", "label", *(name for name, _ in self.axes), self.low, self.high, self.bad)

    def table(self, X: np.ndarray, y: np.ndarray, ids: Sequence[str]) -> pd.DataFrame:
        """One row per sample; min / max over the finite values (NaN when there are none)."""
        X = np.asarray(X)
        n = len(X)
        flat = X.reshape(n, -1).astype(np.float64) if n else np.zeros((0, 1))
        finite = np.isfinite(flat)
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN rows: NaN, as meant
            lo = np.nanmin(np.where(finite, flat, np.nan), axis=1) if flat.size else np.zeros(n)
            hi = np.nanmax(np.where(finite, flat, np.nan), axis=1) if flat.size else np.zeros(n)
        full = X.ndim == len(self.axes) + 1
        sizes = {
            name: np.full(n, X.shape[axis] if full else -1, dtype=np.int64)
            for name, axis in self.axes
        }
        return pd.DataFrame(
            {
                "id": pd.Series(list(ids), dtype=str),
                "label": list(np.asarray(y).tolist()),
                **sizes,
                self.low: lo,
                self.high: hi,
                self.bad: (~finite).sum(axis=1).astype(np.int64) if flat.size else np.zeros(n),
            }
        )

    def expectations(self, classes: Sequence[Any], sizes: Mapping[str, int]) -> list[Expectation]:
        """What every sample's row must satisfy: columns, unique ids, known labels and the
        schema's sizes (structural); value range and finite values (droppable)."""
        out = key_expectations(self.columns, classes)
        out += [between(name, sizes[name], sizes[name], True) for name, _ in self.axes]
        if self.value_range is not None:
            out += [between(c, *self.value_range, False) for c in (self.low, self.high)]
        return [*out, between(self.bad, 0, 0, False)]


class SampleSpec(Protocol):
    """What `run_sample_suites` needs of a modality's one-row-per-sample table
    (`SampleTable` for arrays; the text table in `validation/text/`)."""

    noun: str

    def table(self, X: Any, y: np.ndarray, ids: Sequence[str]) -> pd.DataFrame: ...

    def expectations(
        self, classes: Sequence[Any], sizes: Mapping[str, Any]
    ) -> list[Expectation]: ...


def between(column: str, lo: float, hi: float, structural: bool) -> Expectation:
    """Every value of `column` in [lo, hi]."""
    kwargs = {"column": column, "min_value": lo, "max_value": hi}
    return Expectation("ExpectColumnValuesToBeBetween", kwargs, structural)


def key_expectations(columns: Sequence[str], classes: Sequence[Any]) -> list[Expectation]:
    """The structural part every sample table shares: its columns in order, an `id`
    present and unique in every row, a `label` among the classes."""
    return [
        Expectation("ExpectTableColumnsToMatchOrderedList", {"column_list": list(columns)}, True),
        Expectation("ExpectColumnValuesToNotBeNull", {"column": "id"}, True),
        Expectation("ExpectColumnValuesToBeUnique", {"column": "id"}, True),
        Expectation(
            "ExpectColumnValuesToBeInSet",
            {"column": "label", "value_set": [jsonable(c) for c in classes]},
            True,
        ),
    ]


def run_sample_suites(
    spec: SampleSpec,
    schema: Any,
    sizes: Mapping[str, Any],
    *,
    train: tuple[np.ndarray, np.ndarray],
    synthetic: tuple[np.ndarray, np.ndarray],
    reports_dir: str | Path | None,
    seed: int,
) -> tuple[SchemaResult, SchemaResult, list[Any]]:
    """The suite on the real training samples and on the synthetic ones (GX Data Docs of
    the synthetic run into `reports_dir` when given), and the classes generated.
    `sizes`: what the spec's expectations are derived from (sizes of the axes, bounds).

    Raises InputError when the real samples break the suite, ValidationFailed when the
    synthetic ones are structurally wrong (sizes, labels, classes absent from training)."""
    X_train, y_train = train
    X_syn, y_syn = synthetic
    if len(X_syn) != len(y_syn):
        raise ValidationFailed(
            f"{len(X_syn)} synthetic {spec.noun} but {len(y_syn)} labels; fix the generator"
        )
    real = spec.table(X_train, y_train, [f"train-{i}" for i in range(len(y_train))])
    fake = spec.table(X_syn, y_syn, [f"synthetic-{i}" for i in range(len(y_syn))])
    table_schema = infer_schema(real, "label")  # names the columns in failure messages
    expectations = spec.expectations(schema.classes, sizes)
    where = Path(reports_dir) if reports_dir else None
    real_suite = run_schema_suite(table_schema, expectations, real, None, seed)
    suite = run_schema_suite(table_schema, expectations, fake, where, seed)
    if real_suite.structural or real_suite.drop.any():
        raise InputError(
            f"the real training {spec.noun} break the {spec.noun} suite; check the loader"
        )
    if suite.structural:
        raise ValidationFailed(
            f"synthetic {spec.noun} do not fit the schema: " + "; ".join(suite.structural)
            + "; fix the generator's output"
        )  # fmt: skip
    keep = ~suite.drop
    try:
        schema.check(X_syn[keep], y_syn[keep], what=f"synthetic {spec.noun}")
    except InputError as err:
        raise ValidationFailed(err.message) from None
    generated = [c for c in schema.classes if (y_syn == c).any()]
    missing = [c for c in generated if not (y_train == c).any()]
    if missing:
        raise ValidationFailed(
            f"there are synthetic {spec.noun} of classes {missing} that have no real training "
            f"{spec.noun}; a generator may only add {spec.noun} to classes it was fitted on"
        )
    return real_suite, suite, generated
