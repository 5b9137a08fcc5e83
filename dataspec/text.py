"""The text schema: a table with one text column and a label, plus any other columns
that travel with a row. Generators that start from a real row copy its other columns
and name it in the `SOURCE` column (the pipeline strips it before publishing).
`embedding_smote` makes rows without text: each holds its sentence embedding in the
`EMBEDDING` column and a missing text."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from equipoise.dataspec.errors import GenerationError, InputError

#: a synthetic row's source: its position in the training split (-1: none)
SOURCE = "__source__"
#: a synthetic row's sentence embedding (a float32 vector) when it has no text
EMBEDDING = "__embedding__"


def embedding_rows(X: pd.DataFrame) -> np.ndarray:
    """True for each row that holds a vector in `EMBEDDING` (rows without text)."""
    if EMBEDDING not in X.columns:
        return np.zeros(len(X), dtype=bool)
    return np.array([isinstance(v, np.ndarray | list | tuple) for v in X[EMBEDDING]], dtype=bool)


@dataclass(frozen=True)
class TextSchema:
    """The text column, the label, the other columns (input order) and the classes."""

    #: the modality whose generators, checks and gate read this schema
    modality: ClassVar[str] = "text"

    text: str
    label: str
    columns: tuple[str, ...]  # every input column but the label, in input order
    classes: tuple[Any, ...]

    @property
    def feature_names(self) -> list[str]:
        return list(self.columns)

    def check(self, X: pd.DataFrame, y: Any, *, what: str = "rows") -> None:
        """Raise InputError (one line, with the fix) unless X, y fit this schema."""
        if not isinstance(X, pd.DataFrame):
            raise InputError(f"{what}: pass a DataFrame with the columns {list(self.columns)}")
        missing = [c for c in self.columns if c not in X.columns]
        if missing:
            raise InputError(f"{what} lack the columns {missing}; pass the same columns")
        if len(X) != len(y):
            raise InputError(f"{what}: {len(X)} rows but {len(y)} labels; pass matching rows")
        texts = X[self.text][~embedding_rows(X)]  # embedding rows have no text
        if texts.isna().any() or not texts.map(lambda t: isinstance(t, str)).all():
            raise InputError(
                f"{what}: the text column {self.text!r} holds missing or non-text values"
            )
        unknown = sorted(set(np.asarray(y).tolist()) - set(self.classes), key=str)
        if unknown:
            raise InputError(
                f"{what}: labels {unknown[:5]} are not among the known classes "
                f"{list(self.classes)}; fix the labels or the class list"
            )

    def conform(self, X: pd.DataFrame, y: Any) -> tuple[pd.DataFrame, pd.Series]:
        """Generator output checked against the schema (GenerationError if it does not fit);
        the columns in input order, then `SOURCE` and `EMBEDDING` when the generator
        gave them."""
        try:
            self.check(X, y, what="generated rows")
        except InputError as err:
            raise GenerationError(err.message) from None
        keep = [*self.columns, *(c for c in (SOURCE, EMBEDDING) if c in X.columns)]
        return X[keep].reset_index(drop=True), pd.Series(list(y), dtype=object)

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "label": self.label,
            "columns": list(self.columns),
            "classes": [c.item() if hasattr(c, "item") else c for c in self.classes],
        }


def infer_text_schema(frame: pd.DataFrame, text: str, label: str) -> TextSchema:
    """The schema of a text table (classes sorted); InputError when a column is missing."""
    for column, role in ((text, "text"), (label, "label")):
        if column not in frame.columns:
            raise InputError(
                f"{role} column {column!r} not in the data; its columns: {list(frame.columns)}"
            )
    columns = tuple(c for c in frame.columns if c != label)
    classes = tuple(sorted(set(frame[label].tolist()), key=str))
    schema = TextSchema(text=text, label=label, columns=columns, classes=classes)
    schema.check(frame[list(columns)], frame[label], what="the data")
    return schema
