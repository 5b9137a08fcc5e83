"""The series job: a `series:` section (a long table with one row per series and time
step, an `.npz` of arrays, or a set bundled with sktime), with the series validation and
gate settings."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from equipoise.pipeline.config import InputSection, JobConfig, RareConfig
from equipoise.pipeline.series.modality import Series
from equipoise.validation.gate.series import SeriesGateSettings
from equipoise.validation.series import SeriesValidationSettings


class SeriesConfig(InputSection):
    """Where the series come from, how a long table is read, and how lengths are made
    equal."""

    BUNDLED: ClassVar[tuple[str, ...]] = ("sktime",)

    source: str = Field(
        description="long table (CSV/Parquet: one row per series and time step) or .npz "
        "(arrays X (n, T) or (n, C, T) and y), relative to the config file; or "
        "sktime:NAME (italy_power_demand, gunpoint, basic_motions, ...)"
    )
    label: str | None = Field(default=None, description="long table: the class column")
    id: str | None = Field(default=None, description="long table: the series id column")
    time: str | None = Field(
        default=None,
        description="long table: the column that orders the steps (default: row order)",
    )
    values: list[str] | None = Field(
        default=None,
        description="long table: the value columns, one channel each (default: every "
        "numeric column but id, time and label)",
    )
    length: int | Literal["min", "max"] | None = Field(
        default=None,
        description="series of different lengths: resample each linearly to this length "
        "(or the shortest / longest); null refuses them",
    )
    classes: list[str | int] | None = Field(
        default=None, description="the known classes; any other label is refused"
    )
    rare: RareConfig | None = None


class SeriesJob(JobConfig):
    """One equipoise time-series job."""

    MODALITY: ClassVar[str] = Series.name
    SECTION: ClassVar[str] = Series.section
    DEFAULT_GENERATOR: ClassVar[str] = Series.default_generator

    series: SeriesConfig
    validation: SeriesValidationSettings = Field(default_factory=SeriesValidationSettings)
    gate: SeriesGateSettings = Field(default_factory=SeriesGateSettings)
