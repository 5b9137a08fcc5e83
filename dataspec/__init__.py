"""Foundation shared by every layer: the schema of each modality, the one mixed-type
encoding, seeding and every exit-code error. Imports nothing else
of equipoise."""

from equipoise.dataspec.errors import (
    EquipoiseError,
    GateRefused,
    GenerationError,
    HandoffError,
    InputError,
    ValidationFailed,
)
from equipoise.dataspec.images import ImageSchema, infer_image_schema
from equipoise.dataspec.schema import ColumnKind, ColumnSpec, TableSchema, infer_schema

__all__ = [
    "ColumnKind",
    "ColumnSpec",
    "EquipoiseError",
    "GateRefused",
    "GenerationError",
    "HandoffError",
    "ImageSchema",
    "InputError",
    "TableSchema",
    "ValidationFailed",
    "infer_image_schema",
    "infer_schema",
]
