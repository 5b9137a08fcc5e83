"""Columns that would silently become useless categories or numbers: identifiers, free
text and numbers written as text. Found once at load (`column_issues`), each with the
fix in one line. A text column whose values are nearly all distinct is refused: as a
category it has thousands of one-row levels that no model can learn and every generator
would copy. The other cases are warnings: they still run, maybe not as meant."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from equipoise.dataspec.schema import ColumnKind, TableSchema

#: share of distinct values from which a column counts as (nearly) all unique
UNIQUE_SHARE = 0.95
#: distinct values below which no column is called an identifier or free text
MIN_DISTINCT = 50
#: mean length (characters) of free-text values
TEXT_LENGTH = 30
_SYMBOLS = r"[\s$€£¥%'’,]"


@dataclass(frozen=True)
class ColumnIssue:
    """One column and what is wrong with it; `refuse` ends the run with exit 2."""

    column: str
    what: str
    fix: str
    refuse: bool

    @property
    def message(self) -> str:
        return f"column {self.column!r} {self.what}; {self.fix}"


def column_issues(
    frame: pd.DataFrame, schema: TableSchema, *, declared: tuple[str, ...] | list[str] = ()
) -> list[ColumnIssue]:
    """Identifier-like, free-text and number-as-text columns of `frame` (columns named in
    `declared`, the user's `data.categorical`, are taken as meant)."""
    issues = []
    for spec in schema.columns:
        if spec.name in declared or spec.dtype == "category":
            continue
        s = frame[spec.name].dropna()
        if spec.kind is ColumnKind.CATEGORICAL and len(s):
            issue = _text_issue(spec.name, s)
        elif spec.kind is ColumnKind.NUMERIC and spec.integer and len(s):
            issue = _sequence_issue(spec.name, s)
        else:
            issue = None
        if issue is not None:
            issues.append(issue)
    return issues


def _text_issue(name: str, s: pd.Series) -> ColumnIssue | None:
    text = s.astype(str)
    distinct = text.nunique()
    unique = distinct >= MIN_DISTINCT and distinct > UNIQUE_SHARE * len(text)
    drop = f"drop it (data.drop_columns: [{name}])"
    counted = f"{distinct:,} distinct values in {len(text):,} rows"
    numbers = pd.to_numeric(text.str.replace(_SYMBOLS, "", regex=True), errors="coerce")
    example = next((v for v in text if not _plain_number(v)), None)
    if example is not None and numbers.notna().all():
        return ColumnIssue(
            name,
            f"holds numbers written as text (e.g. {example!r}, {counted}), so it is read "
            "as categories",
            f"convert it to numbers first (remove the symbols and thousands separators) or {drop}",
            refuse=unique,
        )
    long_text = text.str.len().mean() >= TEXT_LENGTH and text.str.contains(" ").mean() > 0.5
    if long_text and (unique or distinct > 0.5 * len(text)):
        return ColumnIssue(
            name,
            f"holds free text ({counted}, {text.str.len().mean():.0f} characters on "
            "average), which a table model can only treat as categories",
            f"{drop}, or balance the text itself (--text {name})",
            refuse=unique,
        )
    if unique:
        return ColumnIssue(
            name,
            f"looks like an identifier ({counted}): as a category it cannot be learned and "
            "its values would be copied into synthetic rows",
            drop,
            refuse=True,
        )
    return None


def _sequence_issue(name: str, s: pd.Series) -> ColumnIssue | None:
    values = s.to_numpy(dtype="float64")
    n = len(values)
    if n < MIN_DISTINCT or len(np.unique(values)) != n or values.max() - values.min() + 1 != n:
        return None
    return ColumnIssue(
        name,
        f"looks like a row number (all {n:,} values distinct, consecutive integers "
        f"{values.min():.0f}..{values.max():.0f}): a generator would invent new ones",
        f"drop it (data.drop_columns: [{name}])",
        refuse=False,
    )


def _plain_number(v: str) -> bool:
    try:
        float(v)
    except ValueError:
        return False
    return True
