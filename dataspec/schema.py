"""The one schema object: which columns are numeric, datetime, categorical or boolean,
their dtypes, null policy and categories, and which column is the label. Inferred once,
used by every later step (encoding, generators, validation, publish).

Datetime columns (datetime64, or text in one strict ISO-8601 format) are numbers to
every model: `ColumnSpec.numbers` gives seconds since 1970 (the one conversion), and
`conform` turns numbers back into the input's dtype and format, rounded to the input's
resolution (a date-only column gives dates)."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from equipoise.dataspec.errors import GenerationError, InputError

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2})?)?")
#: ISO-8601 text formats read as datetimes (a column's every value must round-trip),
#: with the resolution its synthetic values are rounded to
ISO_FORMATS = {
    "%Y-%m-%d": "D",
    "%Y-%m-%d %H:%M:%S": "s",
    "%Y-%m-%dT%H:%M:%S": "s",
    "%Y-%m-%dT%H:%M:%SZ": "s",
    "%Y-%m-%d %H:%M:%S.%f": "us",  # six digits, as pandas and Python write them
    "%Y-%m-%dT%H:%M:%S.%f": "us",
    "%Y-%m-%d %H:%M": "min",
    "%Y-%m-%dT%H:%M": "min",
}
_EPOCH = pd.Timestamp("1970-01-01")
_SECOND = pd.Timedelta(seconds=1)


class ColumnKind(StrEnum):
    NUMERIC = "numeric"
    DATETIME = "datetime"
    CATEGORICAL = "categorical"
    BOOLEAN = "boolean"


@dataclass(frozen=True)
class ColumnSpec:
    """One feature column as the real data shows it."""

    name: str
    kind: ColumnKind
    dtype: str
    nullable: bool
    integer: bool = False
    minimum: float | None = None  # datetime columns: seconds since 1970
    maximum: float | None = None
    categories: tuple[Any, ...] = ()
    #: datetime columns held as text: their strftime format (None: a datetime64 dtype)
    datetime_format: str | None = None
    #: datetime columns: the pandas frequency the real values sit on ("D" for dates)
    resolution: str | None = None

    @property
    def is_numeric(self) -> bool:
        """Whether models see the column as a number (numeric and datetime columns)."""
        return self.kind in (ColumnKind.NUMERIC, ColumnKind.DATETIME)

    def numbers(self, s: pd.Series) -> pd.Series:
        """The column as float64, the one conversion every model and encoder uses:
        datetimes become seconds since 1970 (wall-clock time for time-zone-aware ones),
        missing values NaN. Numbers pass through, so it can be applied twice."""
        if self.kind is not ColumnKind.DATETIME or pd.api.types.is_numeric_dtype(s):
            return s.astype("float64")
        return (self.datetimes(s) - _EPOCH) / _SECOND

    def datetimes(self, s: pd.Series) -> pd.Series:
        """A datetime column (text in its format, or datetime64) as naive datetime64."""
        if self.datetime_format is not None and not pd.api.types.is_datetime64_any_dtype(s):
            return pd.to_datetime(s, format=self.datetime_format, errors="coerce")
        values = pd.to_datetime(s, errors="coerce")
        return values.dt.tz_localize(None) if values.dt.tz is not None else values

    def from_numbers(self, seconds: pd.Series) -> pd.Series:
        """Seconds since 1970 back in the column's dtype (text in its format), rounded
        to its resolution."""
        values = pd.to_datetime(pd.Series(seconds, dtype="float64") * 1e9, unit="ns")
        if self.resolution:
            values = values.dt.round(self.resolution)
        if self.datetime_format is not None:
            text = values.dt.strftime(self.datetime_format).astype(object)
            return text.where(values.notna(), np.nan).astype(self.dtype)
        tz = getattr(pd.api.types.pandas_dtype(self.dtype), "tz", None)
        if tz is not None:
            summer = np.zeros(len(values), dtype=bool)  # ambiguous wall times: standard time
            values = values.dt.tz_localize(tz, ambiguous=summer, nonexistent="shift_forward")
        return values.astype(self.dtype)


@dataclass(frozen=True)
class TableSchema:
    """Feature columns (input order), the label column and its classes."""

    #: the modality whose generators, checks and gate read this schema
    modality: ClassVar[str] = "table"

    columns: tuple[ColumnSpec, ...]
    label: str
    classes: tuple[Any, ...]
    label_dtype: str
    column_order: tuple[str, ...]
    _by_name: dict[str, ColumnSpec] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_name", {c.name: c for c in self.columns})

    # --- views -------------------------------------------------------------
    @property
    def feature_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def numeric(self) -> list[ColumnSpec]:
        """Numeric and datetime columns: the ones a model sees as numbers."""
        return [c for c in self.columns if c.is_numeric]

    @property
    def discrete(self) -> list[ColumnSpec]:
        """Categorical and boolean columns: the ones a model treats as categories."""
        return [c for c in self.columns if not c.is_numeric]

    @property
    def datetime(self) -> list[ColumnSpec]:
        return [c for c in self.columns if c.kind is ColumnKind.DATETIME]

    def column(self, name: str) -> ColumnSpec:
        return self._by_name[name]

    # --- frames ------------------------------------------------------------
    def split_xy(self, df: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
        return df[self.feature_names].reset_index(drop=True), df[self.label].reset_index(drop=True)

    def join_xy(self, X: pd.DataFrame, y: pd.Series) -> pd.DataFrame:
        df = X.reset_index(drop=True).copy()
        df[self.label] = pd.Series(y).reset_index(drop=True).to_numpy()
        return df[list(self.column_order)]

    def numbers(self, X: pd.DataFrame) -> pd.DataFrame:
        """The numeric columns (datetimes as seconds) as a float64 frame."""
        return pd.DataFrame({c.name: c.numbers(X[c.name]) for c in self.numeric}, index=X.index)

    def with_numbers(self, X: pd.DataFrame) -> pd.DataFrame:
        """`X` with its datetime columns as seconds since 1970 (for numeric statistics)."""
        return X.assign(**{c.name: c.numbers(X[c.name]) for c in self.datetime})

    def with_datetimes(self, X: pd.DataFrame) -> pd.DataFrame:
        """`X` with its datetime columns held as text parsed to datetime64."""
        return X.assign(
            **{c.name: c.datetimes(X[c.name]) for c in self.datetime if c.datetime_format}
        )

    def conform(self, X: pd.DataFrame) -> pd.DataFrame:
        """Cast model output back to the real columns' dtypes and category values.

        Whole-number columns are rounded; a NaN in an integer column that cannot
        hold one is a generator fault and raises GenerationError.
        """
        missing = [c for c in self.feature_names if c not in X.columns]
        if missing:
            raise GenerationError(f"generated frame lacks columns {missing}")
        out = {c.name: _conform_column(X[c.name].reset_index(drop=True), c) for c in self.columns}
        return pd.DataFrame(out, columns=self.feature_names)

    def conform_labels(self, y: Any) -> pd.Series:
        lookup = {str(v): v for v in self.classes}
        values = [lookup.get(str(v), v) for v in pd.Series(y).tolist()]
        dtype = pd.CategoricalDtype(self.classes) if self.label_dtype == "category" else None
        return pd.Series(values, dtype=dtype or self.label_dtype, name=self.label)

    # --- (de)serialisation ---------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "classes": [_jsonable(v) for v in self.classes],
            "label_dtype": self.label_dtype,
            "column_order": list(self.column_order),
            "columns": [
                {
                    **{k: v for k, v in asdict(c).items() if k != "categories"},
                    "kind": str(c.kind),
                    "categories": [_jsonable(v) for v in c.categories],
                }
                for c in self.columns
            ],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TableSchema:
        """The schema `to_dict` wrote, with its classes and categories as `infer_schema`
        found them (numpy scalars of a numeric or boolean dtype)."""
        columns = tuple(
            ColumnSpec(
                **{
                    **c,
                    "kind": ColumnKind(c["kind"]),
                    "categories": _scalars(c["categories"], c["dtype"])
                    if c["kind"] == ColumnKind.CATEGORICAL
                    else tuple(c["categories"]),
                }
            )
            for c in data["columns"]
        )
        return cls(
            columns=columns,
            label=data["label"],
            classes=_scalars(data["classes"], data["label_dtype"]),
            label_dtype=data["label_dtype"],
            column_order=tuple(data["column_order"]),
        )


def infer_schema(
    df: pd.DataFrame, label: str, *, categorical: tuple[str, ...] | list[str] = ()
) -> TableSchema:
    """Infer column kinds once. `categorical` forces columns (numbers, dates) to categories.

    Raises InputError for what equipoise cannot model: durations, text that looks
    like dates but is not in one ISO format, all-missing columns, a missing label
    column, fewer than two classes.
    """
    require_label(df, label)
    unknown = [c for c in categorical if c not in df.columns]
    if unknown:
        raise InputError(
            f"data.categorical names columns not in the data: {unknown}; fix the names"
        )
    y = df[label]
    if y.isna().any():
        raise InputError(
            f"label column {label!r} has {int(y.isna().sum())} missing values; "
            "drop them first (data.label_nan: drop)"
        )
    classes = tuple(sorted(pd.unique(y), key=_sort_key))
    if len(classes) < 2:
        raise InputError(
            f"label column {label!r} has only one class ({_jsonable(classes[0])!r}) "
            "after cleaning; there is nothing to balance: check the label column"
            if classes
            else f"label column {label!r} is empty; check the data"
        )
    columns = tuple(
        _infer_column(df[name], str(name), force_categorical=name in categorical)
        for name in df.columns
        if name != label
    )
    if not columns:
        raise InputError("the data has no feature columns besides the label; add features")
    return TableSchema(
        columns=columns,
        label=str(label),
        classes=classes,
        label_dtype=str(y.dtype),
        column_order=tuple(str(c) for c in df.columns),
    )


def require_label(df: pd.DataFrame, label: str) -> None:
    """The one error for a label column that is not in the data."""
    if label not in df.columns:
        raise InputError(
            f"label column {label!r} is not in the data (columns: {_preview(df.columns)}); "
            "pass the right name with --label / data.label"
        )


def _infer_column(s: pd.Series, name: str, *, force_categorical: bool) -> ColumnSpec:
    n_missing = int(s.isna().sum())
    if n_missing == len(s):
        raise InputError(
            f"column {name!r} is empty (all {len(s)} values missing); "
            f"drop it (data.drop_columns: [{name}])"
        )
    dtype = str(s.dtype)
    nullable = n_missing > 0
    non_null = s.dropna()
    if pd.api.types.is_timedelta64_dtype(s):
        raise InputError(
            f"column {name!r} holds durations, which equipoise does not model; convert it "
            f"to a number (e.g. seconds) or drop it (data.drop_columns: [{name}])"
        )
    if pd.api.types.is_datetime64_any_dtype(s):
        return _datetime_column(s, name, None, _resolution(s))
    if pd.api.types.is_bool_dtype(s):
        return ColumnSpec(name, ColumnKind.BOOLEAN, dtype, nullable, categories=(False, True))
    if pd.api.types.is_numeric_dtype(s) and not force_categorical:
        values = non_null.astype("float64").to_numpy()
        if not np.isfinite(values).all():
            raise InputError(
                f"column {name!r} holds infinite values; replace them with numbers or blanks"
            )
        integer = bool(pd.api.types.is_integer_dtype(s) or np.all(values == np.round(values)))
        return ColumnSpec(
            name,
            ColumnKind.NUMERIC,
            dtype,
            nullable,
            integer=integer,
            minimum=float(values.min()),
            maximum=float(values.max()),
        )
    if isinstance(s.dtype, pd.CategoricalDtype):
        categories = tuple(s.cat.categories.tolist())
    else:
        categories = tuple(sorted(pd.unique(non_null), key=_sort_key))
        sample = [v for v in categories[:50] if isinstance(v, str)]
        if (
            not force_categorical
            and sample
            and sum(bool(_ISO_DATE.match(v)) for v in sample) > 0.8 * len(sample)
        ):
            return _iso_text_column(s, name, categories)
    return ColumnSpec(name, ColumnKind.CATEGORICAL, dtype, nullable, categories=categories)


def _datetime_column(
    s: pd.Series, name: str, datetime_format: str | None, resolution: str | None
) -> ColumnSpec:
    spec = ColumnSpec(
        name,
        ColumnKind.DATETIME,
        str(s.dtype),
        bool(s.isna().any()),
        datetime_format=datetime_format,
        resolution=resolution,
    )
    seconds = spec.numbers(s).dropna()
    return dataclasses.replace(spec, minimum=float(seconds.min()), maximum=float(seconds.max()))


def _iso_text_column(s: pd.Series, name: str, values: tuple[Any, ...]) -> ColumnSpec:
    """Text whose every value round-trips through one ISO format: a datetime column."""
    text = pd.Series([v for v in values if isinstance(v, str)], dtype=object)
    if len(text) == len(values):
        for fmt, resolution in ISO_FORMATS.items():
            parsed = pd.to_datetime(text, format=fmt, errors="coerce")
            if parsed.notna().all() and (parsed.dt.strftime(fmt) == text).all():
                return _datetime_column(s, name, fmt, resolution)
    odd = next(
        (v for v in values if not isinstance(v, str) or not _ISO_DATE.fullmatch(v)), values[0]
    )
    raise InputError(
        f"column {name!r} looks like dates but its values are not all in one ISO-8601 "
        f"format (e.g. {odd!r}); write them all as YYYY-MM-DD or YYYY-MM-DD HH:MM:SS "
        f"(blanks for unknown), or drop it (data.drop_columns: [{name}])"
    )


def _resolution(s: pd.Series) -> str | None:
    """The coarsest of day, minute, second, millisecond that every value sits on."""
    values = pd.to_datetime(s.dropna())
    if values.dt.tz is not None:
        values = values.dt.tz_localize(None)
    for freq in ("D", "min", "s", "ms"):
        if (values.dt.floor(freq) == values).all():
            return freq
    return None


def _conform_column(s: pd.Series, spec: ColumnSpec) -> pd.Series:
    if spec.kind is ColumnKind.DATETIME:
        return spec.from_numbers(spec.numbers(s))
    if spec.kind is ColumnKind.NUMERIC:
        values = pd.to_numeric(s, errors="coerce").astype("float64")
        if spec.integer:
            values = values.round()
        if _is_numpy_integer(spec.dtype) and values.isna().any():
            raise GenerationError(
                f"generated column {spec.name!r} has missing values but the real "
                "integer column has none"
            )
        return values.astype(spec.dtype)
    lookup = {str(v): v for v in spec.categories}
    if spec.kind is ColumnKind.BOOLEAN:
        lookup.update({"True": True, "False": False, "1": True, "0": False})
    restored = [v if _is_missing(v) else lookup.get(str(v), v) for v in s.tolist()]
    if spec.dtype == "category":
        return pd.Series(pd.Categorical(restored, categories=list(spec.categories)))
    if spec.dtype == "bool" and not any(_is_missing(v) for v in restored):
        return pd.Series(restored, dtype="bool")
    try:
        return pd.Series(restored, dtype=spec.dtype)
    except (TypeError, ValueError):
        return pd.Series(restored, dtype="object")


def _is_numpy_integer(dtype: str) -> bool:
    try:
        return np.dtype(dtype).kind in "iu"
    except TypeError:  # pandas extension dtypes such as Int64 hold NaN
        return False


def _is_missing(v: Any) -> bool:
    return v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA


def _sort_key(v: Any) -> tuple[int, Any]:
    return (0, v) if isinstance(v, (int, float, np.integer, np.floating)) else (1, str(v))


def _jsonable(v: Any) -> Any:
    return v.item() if isinstance(v, np.generic) else v


def _scalars(values: Any, dtype: str) -> tuple[Any, ...]:
    """Values read back from JSON as the scalars pandas gives for `dtype`: numpy scalars
    of a numeric or boolean dtype (`Int64` too), anything else as it is."""
    try:
        kind = pd.api.types.pandas_dtype(dtype)
    except TypeError:
        return tuple(values)
    numpy = getattr(kind, "numpy_dtype", kind)
    if isinstance(kind, pd.CategoricalDtype) or not isinstance(numpy, np.dtype):
        return tuple(values)
    if numpy.kind not in "iufb":
        return tuple(values)
    return tuple(v if _is_missing(v) or isinstance(v, str) else numpy.type(v) for v in values)


def _preview(names: Any, limit: int = 8) -> str:
    names = [str(n) for n in names]
    more = f", … {len(names) - limit} more" if len(names) > limit else ""
    return ", ".join(names[:limit]) + more
