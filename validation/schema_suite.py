"""The schema check: a Great Expectations suite derived from the real *training* split
(columns and order, dtypes, numeric ranges with a margin, categorical domains, null
policy, label values), run with GX 1.x (ephemeral context, pandas data source, a
ValidationDefinition) on the synthetic rows, with Data Docs written when asked.

Range and domain failures name rows that can be dropped; structural failures (columns,
dtypes, missing values where the real column has none, unknown labels) cannot be
repaired and always fail. GX is imported here, lazily.
"""

from __future__ import annotations

import html
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from equipoise.dataspec import TableSchema
from equipoise.dataspec.schema import ColumnKind
from equipoise.validation.results import jsonable

if TYPE_CHECKING:
    from equipoise.validation.tables.settings import ValidationSettings

SUITE_NAME = "equipoise_synthetic_rows"
_SITE = "equipoise"
#: unexpected indices kept per expectation in the Data Docs (all are used for dropping)
_DOCS_INDEX_LIMIT = 20


@dataclass(frozen=True)
class Expectation:
    """One expectation of the suite: GX class name, its arguments, and whether a failure
    is structural (always fails) or names droppable rows."""

    gx_class: str
    kwargs: dict[str, Any]
    structural: bool

    @property
    def column(self) -> str | None:
        return self.kwargs.get("column")


@dataclass
class SchemaResult:
    """What the suite found on the synthetic rows."""

    expectations: int
    failed: list[dict[str, Any]] = field(default_factory=list)
    drop: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    structural: list[str] = field(default_factory=list)
    data_docs: str | None = None
    seconds: float = 0.0

    def for_class(self, labels: np.ndarray, label: Any) -> dict[str, Any]:
        """Failing expectations and dropped rows of one class."""
        mine = labels == label
        failing = []
        for f in self.failed:
            count = (
                int(np.isin(f["rows"], np.flatnonzero(mine)).sum())
                if f["rows"] is not None
                else None
            )
            if count or (count is None and f["structural"]):
                failing.append(
                    {k: v for k, v in f.items() if k != "rows"} | {"unexpected_count": count}
                )
        return jsonable({"failed": failing, "rows_dropped": int((self.drop & mine).sum())})

    def to_dict(self) -> dict[str, Any]:
        return jsonable(
            {
                "suite": SUITE_NAME,
                "expectations": self.expectations,
                "failed": [{k: v for k, v in f.items() if k != "rows"} for f in self.failed],
                "rows_dropped": int(self.drop.sum()),
                "data_docs": self.data_docs,
            }
        )


def derive_expectations(
    schema: TableSchema, X_train: pd.DataFrame, y_train: pd.Series, settings: ValidationSettings
) -> list[Expectation]:
    """The suite, from the real training rows: what a synthetic row must look like."""
    out = [
        Expectation(
            "ExpectTableColumnsToMatchOrderedList",
            {"column_list": list(schema.column_order)},
            structural=True,
        )
    ]
    X_train = schema.with_datetimes(X_train)  # dates held as text: checked as datetimes
    for spec in schema.columns:
        s = X_train[spec.name]
        out.append(
            Expectation(
                "ExpectColumnValuesToBeOfType",
                {"column": spec.name, "type_": gx_type_name(s.dtype)},
                structural=True,
            )
        )
        if not s.isna().any():
            out.append(
                Expectation("ExpectColumnValuesToNotBeNull", {"column": spec.name}, structural=True)
            )
        out += _value_expectations(spec, s.dropna(), settings.range_margin)
    out.append(
        Expectation(
            "ExpectColumnValuesToBeInSet",
            {"column": schema.label, "value_set": [jsonable(v) for v in schema.classes]},
            structural=True,
        )
    )
    return out


def _value_expectations(spec: Any, values: pd.Series, range_margin: float) -> list[Expectation]:
    """The droppable expectation of one column: its range (numbers, datetimes) widened
    by `range_margin`, or its set of values (the other kinds)."""
    if spec.kind is ColumnKind.NUMERIC and len(values):
        lo, hi = float(values.min()), float(values.max())
        margin = range_margin * (hi - lo)
        bounds = {"min_value": lo - margin, "max_value": hi + margin}
    elif spec.kind is ColumnKind.DATETIME and len(values):
        lo, hi = values.min(), values.max()
        margin = range_margin * (hi - lo)
        bounds = {"min_value": (lo - margin).isoformat(), "max_value": (hi + margin).isoformat()}
    elif not spec.is_numeric:
        domain = [jsonable(v) for v in pd.unique(values)]
        return [Expectation("ExpectColumnValuesToBeInSet",
                            {"column": spec.name, "value_set": sorted(domain, key=str)},
                            structural=False)]  # fmt: skip
    else:
        return []
    return [Expectation("ExpectColumnValuesToBeBetween", {"column": spec.name, **bounds},
                        structural=False)]  # fmt: skip


def gx_type_name(dtype: Any) -> str:
    """The type name GX's pandas type check accepts for a column of this dtype."""
    return str(dtype) if isinstance(dtype, np.dtype) else dtype.type.__name__


def run_schema_suite(
    schema: TableSchema,
    expectations: list[Expectation],
    frame: pd.DataFrame,
    reports_dir: Path | None,
    seed: int,
) -> SchemaResult:
    """Run the suite on `frame` (synthetic features joined with the label, in the input's
    column order, RangeIndex) and collect per-expectation unexpected rows.

    GX writes column names into the Data Docs' HTML unescaped, so it is handed
    HTML-escaped names (a column `<b>x</b>` then reads as itself in the page)."""
    started = time.perf_counter()
    checked, expectations = _html_safe(schema.with_datetimes(frame), expectations)
    if reports_dir is not None:
        reports_dir = Path(reports_dir)
    context, validation, by_key = _validate_with_gx(checked, expectations, reports_dir, seed)
    out = _collect(schema, validation, by_key, frame, len(expectations))
    if reports_dir is not None:
        store = context.validation_results_store
        for key in store.list_keys():
            store.set(key, validation)
        context.build_data_docs(site_names=[_SITE])
        out.data_docs = str(reports_dir / "index.html")
    out.seconds = time.perf_counter() - started
    return out


def _gx_context(reports_dir: Path | None) -> Any:
    """An ephemeral GX context; its Data Docs site writes into `reports_dir` when given."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    import great_expectations as gx
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    sites = {}
    if reports_dir is not None:
        reports_dir = Path(reports_dir)
        reports_dir.mkdir(parents=True, exist_ok=True)
        sites[_SITE] = {
            "class_name": "SiteBuilder",
            "store_backend": {
                "class_name": "TupleFilesystemStoreBackend",
                "base_directory": str(reports_dir.resolve()),
            },
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        }
    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(),
        progress_bars=ProgressBarsConfig(globally=False),
        analytics_enabled=False,
        data_docs_sites=sites,
    )
    return gx.get_context(mode="ephemeral", project_config=config)


def _validate_with_gx(
    checked: pd.DataFrame, expectations: list[Expectation], reports_dir: Path | None, seed: int
) -> tuple[Any, Any, dict[tuple[str, str | None], Expectation]]:
    """The suite run on `checked` by GX: its context, the validation result, and each
    expectation by (GX type, column)."""
    import great_expectations as gx
    import great_expectations.expectations as gxe
    from great_expectations.core.run_identifier import RunIdentifier

    context = _gx_context(reports_dir)
    batch = (
        context.data_sources.add_pandas("equipoise")
        .add_dataframe_asset("synthetic_rows")
        .add_batch_definition_whole_dataframe("all_rows")
    )
    configured = [getattr(gxe, e.gx_class)(**e.kwargs) for e in expectations]
    by_key = {
        (c.expectation_type, e.column): e for c, e in zip(configured, expectations, strict=True)
    }
    suite = context.suites.add(gx.ExpectationSuite(name=SUITE_NAME, expectations=configured))
    definition = context.validation_definitions.add(
        gx.ValidationDefinition(name="synthetic_rows", data=batch, suite=suite)
    )
    result_format = {
        "result_format": "COMPLETE",
        "partial_unexpected_count": _DOCS_INDEX_LIMIT,
        "include_unexpected_rows": False,
    }
    run_id = RunIdentifier(run_name=f"equipoise-seed-{seed}")
    validation = definition.run(
        batch_parameters={"dataframe": checked}, result_format=result_format, run_id=run_id
    )
    return context, validation, by_key


def _collect(
    schema: TableSchema, validation: Any, by_key: dict, frame: pd.DataFrame, n_expectations: int
) -> SchemaResult:
    """Per failing expectation: its unexpected rows (dropped when not structural)."""
    out = SchemaResult(expectations=n_expectations, drop=np.zeros(len(frame), dtype=bool))
    typed_wrong = set()
    for res in validation.results:
        if res.success:
            continue
        spec = by_key[(res.expectation_config.type, res.expectation_config.kwargs.get("column"))]
        info = res.result or {}
        error = (res.exception_info or {}).get("exception_message") if _raised(res) else None
        rows = info.get("unexpected_index_list")
        rows = np.asarray(rows, dtype=np.int64) if rows is not None and error is None else None
        entry = {
            "expectation": res.expectation_config.type,
            "column": None if spec.column is None else html.unescape(spec.column),
            "structural": spec.structural,
            "unexpected_count": info.get("unexpected_count"),
            "observed": _observed(info),
            "error": error,
            "rows": rows,
        }
        out.failed.append(entry)
        if spec.gx_class == "ExpectColumnValuesToBeOfType":
            typed_wrong.add(entry["column"])
        if not spec.structural and rows is not None:
            out.drop[rows] = True
        # Keep the Data Docs small: the full index lists were needed only for dropping.
        for key in ("unexpected_index_list", "unexpected_list"):
            if isinstance(info.get(key), list):
                info[key] = info[key][:_DOCS_INDEX_LIMIT]
    out.structural = _structural_messages(schema, out.failed, typed_wrong, frame)
    return out


def _html_safe(
    frame: pd.DataFrame, expectations: list[Expectation]
) -> tuple[pd.DataFrame, list[Expectation]]:
    """The frame and suite with HTML-escaped column names (unchanged when none needs it)."""
    if all(html.escape(str(c)) == str(c) for c in frame.columns):
        return frame, expectations
    safe = [
        Expectation(
            e.gx_class,
            {
                k: html.escape(v)
                if k == "column"
                else [html.escape(c) for c in v]
                if k == "column_list"
                else v
                for k, v in e.kwargs.items()
            },
            e.structural,
        )
        for e in expectations
    ]
    return frame.rename(columns=lambda c: html.escape(str(c))), safe


def _raised(res: Any) -> bool:
    return bool((res.exception_info or {}).get("raised_exception"))


def _observed(info: dict[str, Any]) -> Any:
    observed = info.get("observed_value")
    if observed is None and info.get("partial_unexpected_list"):
        observed = info["partial_unexpected_list"][:5]
    return jsonable(observed)


def _structural_messages(
    schema: TableSchema, failed: list[dict[str, Any]], typed_wrong: set[str], frame: pd.DataFrame
) -> list[str]:
    """One clause per structural failure, in the user's words."""
    messages = []
    for f in failed:
        column, kind = f["column"], f["expectation"]
        if not f["structural"]:
            continue
        if kind == "expect_column_values_to_be_of_type":
            messages.append(
                f"column {column!r} has dtype {frame[column].dtype} where the real column has "
                f"{schema.column(column).dtype} ({kind})"
            )
        elif kind == "expect_column_values_to_not_be_null" and column not in typed_wrong:
            messages.append(
                f"column {column!r} has {f['unexpected_count']} missing values where the real "
                f"training rows have none ({kind})"
            )
        elif kind == "expect_column_values_to_be_in_set" and column == schema.label:
            messages.append(
                f"{f['unexpected_count']} synthetic labels are not classes of the real data "
                f"(e.g. {f['observed']}; {kind})"
            )
        elif kind == "expect_table_columns_to_match_ordered_list":
            got = f": got {f['observed']}" if f["observed"] else ""
            messages.append(f"the columns differ from the real ones{got} ({kind})")
        elif column not in typed_wrong:
            messages.append(f"{kind} failed on {column!r}: {f['error'] or f['observed']}")
    return messages
