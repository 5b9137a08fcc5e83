"""The schema check of images: one row per image (id, label, height, width, channels,
min / max pixel, NaN pixels) and a Great Expectations suite over that table, run with
the tabular suite runner on the real training images and on the synthetic ones."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from equipoise.dataspec import ImageSchema, infer_schema
from equipoise.validation.results import jsonable
from equipoise.validation.schema_suite import Expectation, SchemaResult, run_schema_suite

COLUMNS = ("id", "label", "height", "width", "channels", "min_pixel", "max_pixel", "nan_pixels")


def image_table(X: np.ndarray, y: np.ndarray, ids: Sequence[str]) -> pd.DataFrame:
    """One row per image of a (N, C, H, W) array."""
    X = np.asarray(X)
    flat = X.reshape(len(X), -1).astype(np.float64)
    nan = np.isnan(flat).sum(axis=1) if flat.size else np.zeros(len(X), np.int64)
    with np.errstate(all="ignore"):
        lo = np.nanmin(flat, axis=1) if flat.size else np.zeros(len(X))
        hi = np.nanmax(flat, axis=1) if flat.size else np.zeros(len(X))
    n = len(X)
    return pd.DataFrame(
        {
            "id": pd.Series(list(ids), dtype=str),
            "label": list(np.asarray(y).tolist()),
            "height": np.full(n, X.shape[2] if X.ndim == 4 else -1, dtype=np.int64),
            "width": np.full(n, X.shape[3] if X.ndim == 4 else -1, dtype=np.int64),
            "channels": np.full(n, X.shape[1] if X.ndim == 4 else -1, dtype=np.int64),
            "min_pixel": lo,
            "max_pixel": hi,
            "nan_pixels": nan.astype(np.int64),
        }
    )


def image_expectations(schema: ImageSchema) -> list[Expectation]:
    """What every image's row must satisfy; the shape and label are structural (they
    fail the run), pixel range and NaN pixels name images that are dropped."""

    def exact(column: str, value: int) -> Expectation:
        kwargs = {"column": column, "min_value": value, "max_value": value}
        return Expectation("ExpectColumnValuesToBeBetween", kwargs, structural=True)

    return [
        Expectation("ExpectTableColumnsToMatchOrderedList", {"column_list": list(COLUMNS)}, True),
        Expectation("ExpectColumnValuesToNotBeNull", {"column": "id"}, True),
        Expectation("ExpectColumnValuesToBeUnique", {"column": "id"}, True),
        Expectation(
            "ExpectColumnValuesToBeInSet",
            {"column": "label", "value_set": [jsonable(c) for c in schema.classes]},
            True,
        ),
        exact("height", schema.height),
        exact("width", schema.width),
        exact("channels", schema.channels),
        Expectation(
            "ExpectColumnValuesToBeBetween",
            {"column": "min_pixel", "min_value": 0, "max_value": 255},
            False,
        ),
        Expectation(
            "ExpectColumnValuesToBeBetween",
            {"column": "max_pixel", "min_value": 0, "max_value": 255},
            False,
        ),
        Expectation(
            "ExpectColumnValuesToBeBetween",
            {"column": "nan_pixels", "min_value": 0, "max_value": 0},
            False,
        ),
    ]


def run_image_suites(
    schema: ImageSchema,
    real: pd.DataFrame,
    synthetic: pd.DataFrame,
    reports_dir: Path | None,
    seed: int,
) -> tuple[SchemaResult, SchemaResult]:
    """The image suite on the real training table and on the synthetic one (GX Data Docs
    of the synthetic run into `reports_dir` when given)."""
    table_schema = infer_schema(real, "label")  # names the columns in failure messages
    expectations = image_expectations(schema)
    return (
        run_schema_suite(table_schema, expectations, real, None, seed),
        run_schema_suite(table_schema, expectations, synthetic, reports_dir, seed),
    )
