"""Foundation shared by every layer: the schema of each modality, the one mixed-type
encoding, naming, seeding and every exit-code error. Imports nothing else of equipoise.

The names below load on first use (PEP 562), so that importing the errors does not
import pandas (`equipoise --help` stays light)."""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "BudgetExceeded": "errors",
    "EquipoiseError": "errors",
    "GateRefused": "errors",
    "GenerationError": "errors",
    "HandoffError": "errors",
    "InputError": "errors",
    "Interrupted": "errors",
    "ValidationFailed": "errors",
    "WriteError": "errors",
    "ImageSchema": "images",
    "infer_image_schema": "images",
    "SeriesSchema": "series",
    "TextSchema": "text",
    "infer_text_schema": "text",
    "infer_series_schema": "series",
    "ColumnKind": "schema",
    "ColumnSpec": "schema",
    "TableSchema": "schema",
    "infer_schema": "schema",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_EXPORTS[name]}"), name)
