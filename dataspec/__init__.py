"""Foundation shared by generators, validation and flows: the table schema,
the one mixed-type encoding, seeding and the error types. Imports nothing else
of equipoise."""

from equipoise.dataspec.errors import EquipoiseError, GenerationError, InputError
from equipoise.dataspec.images import ImageSchema, infer_image_schema
from equipoise.dataspec.schema import ColumnKind, ColumnSpec, TableSchema, infer_schema

__all__ = [
    "ColumnKind",
    "ColumnSpec",
    "EquipoiseError",
    "GenerationError",
    "ImageSchema",
    "InputError",
    "TableSchema",
    "infer_image_schema",
    "infer_schema",
]
