"""The image job: an `images:` section (a class-per-subfolder folder, an `.npz` or a
bundled set, with optional rare and resize rules) with the image validation and gate
settings."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from equipoise.pipeline.config import InputSection, JobConfig, RareConfig, Section
from equipoise.pipeline.images.modality import Images
from equipoise.validation.gate.images import ImageGateSettings
from equipoise.validation.images import ImageValidationSettings


class ResizeConfig(Section):
    """The explicit rule that brings every image to one size and channel count."""

    height: int = Field(ge=1, le=4096)
    width: int = Field(ge=1, le=4096)
    channels: Literal[1, 3] | None = Field(
        default=None, description="convert to grey (1) or RGB (3); null: keep, must agree"
    )
    mode: Literal["resize", "pad"] = Field(
        default="resize", description="resize: bilinear; pad: centre on a black canvas"
    )


class ImagesConfig(InputSection):
    """Where the images come from and how they are brought to one shape."""

    BUNDLED: ClassVar[tuple[str, ...]] = ("sklearn", "mnist")

    source: str = Field(
        description="class-per-subfolder folder or .npz (relative to the config file), "
        "sklearn:digits or mnist"
    )
    classes: list[str | int] | None = Field(
        default=None, description="the known classes; any other label is refused"
    )
    rare: RareConfig | None = None
    resize: ResizeConfig | None = None


class ImageJob(JobConfig):
    """One equipoise image job."""

    MODALITY: ClassVar[str] = Images.name
    SECTION: ClassVar[str] = Images.section
    DEFAULT_GENERATOR: ClassVar[str] = Images.default_generator

    images: ImagesConfig
    validation: ImageValidationSettings = Field(default_factory=ImageValidationSettings)
    gate: ImageGateSettings = Field(default_factory=ImageGateSettings)
