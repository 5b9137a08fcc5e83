"""The image job config: an `images:` section instead of `data:`, validated like the
table job (unknown keys refused with their path, one-line errors), reusing the table
job's sections, override syntax and YAML reading."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import ConfigDict, Field, ValidationError, model_validator

from equipoise.dataspec import InputError
from equipoise.flows.config import (
    BalanceConfig,
    GeneratorConfig,
    OutputConfig,
    SplitConfig,
    _apply_override,
    _one_line,
    _read_yaml,
    _Section,
)
from equipoise.validation.image_gate import ImageGateSettings
from equipoise.validation.images.settings import ImageValidationSettings

#: what `equipoise run --images PATH` uses when no generator is given
DEFAULT_IMAGE_GENERATOR = "augment"


class RareConfig(_Section):
    """Make one class rare: keep `keep` of its training images (the holdout is untouched)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    class_: str | int = Field(alias="class", description="the class to make rare")
    keep: int = Field(ge=1, description="training images of that class to keep")


class ResizeConfig(_Section):
    """The explicit rule that brings every image to one size and channel count."""

    height: int = Field(ge=1, le=4096)
    width: int = Field(ge=1, le=4096)
    channels: Literal[1, 3] | None = Field(
        default=None, description="convert to grey (1) or RGB (3); null: keep, must agree"
    )
    mode: Literal["resize", "pad"] = Field(
        default="resize", description="resize: bilinear; pad: centre on a black canvas"
    )


class ImagesConfig(_Section):
    """Where the images come from and how they are brought to one shape."""

    source: str = Field(
        description="class-per-subfolder folder or .npz (relative to the config file), "
        "sklearn:digits or mnist"
    )
    classes: list[str | int] | None = Field(
        default=None, description="the known classes; any other label is refused"
    )
    rare: RareConfig | None = None
    resize: ResizeConfig | None = None


class ImageGeneratorConfig(GeneratorConfig):
    """An image generator kind and its parameters."""

    kind: str = Field(default=DEFAULT_IMAGE_GENERATOR)

    @model_validator(mode="after")
    def _check_image_kind(self) -> ImageGeneratorConfig:
        from equipoise.generators import registry

        if registry.generator_class(self.kind).modality != "image":
            raise InputError(
                f"generator kind {self.kind!r} makes table rows, not images; image kinds: "
                f"{', '.join(registry.known_kinds('image'))}"
            )
        return self


class ImageJobConfig(_Section):
    """One equipoise image job."""

    seed: int = Field(default=0, ge=0)
    images: ImagesConfig
    split: SplitConfig = Field(default_factory=SplitConfig)
    generator: ImageGeneratorConfig = Field(default_factory=ImageGeneratorConfig)
    balance: BalanceConfig = Field(default_factory=BalanceConfig)
    validation: ImageValidationSettings = Field(default_factory=ImageValidationSettings)
    gate: ImageGateSettings = Field(default_factory=ImageGateSettings)
    output: OutputConfig = Field(default_factory=OutputConfig)

    @property
    def dataset_name(self) -> str:
        if self.output.name:
            return self.output.name
        source = self.images.source
        if source.startswith("sklearn:"):
            return source.split(":", 1)[1]
        return Path(source).stem or "images"


def is_image_job(path: Path) -> bool:
    """Whether a config file describes an image job (an `images:` section, no `data:`)."""
    raw = _read_yaml(path)
    return "images" in raw and "data" not in raw


def load_job(path: Path, *, overrides: list[str] = ()):
    """A table job or an image job (an `images:` section), read from `path`."""
    from equipoise.flows.config import load_config

    if path.is_file() and is_image_job(path):
        return load_image_config(path, overrides=overrides)
    return load_config(path, overrides=overrides)


def load_image_config(
    path: Path | None = None,
    *,
    overrides: list[str] = (),
    base: dict[str, Any] | None = None,
) -> ImageJobConfig:
    """Read YAML (or start from `base`), apply overrides, validate; a relative image
    source in a config file is resolved against the file's folder."""
    raw: dict[str, Any] = dict(base or {})
    if path is not None:
        raw = _read_yaml(path)
        images = raw.get("images")
        source = images.get("source") if isinstance(images, dict) else None
        if isinstance(source, str) and not _bundled(source) and not Path(source).is_absolute():
            raw["images"]["source"] = str((path.parent / source).resolve())
    for item in overrides:
        _apply_override(raw, item)
    try:
        return ImageJobConfig.model_validate(raw)
    except ValidationError as err:
        origin = f"config {path}" if path else "config"
        raise InputError(_one_line(err, prefix=origin)) from None


def _bundled(source: str) -> bool:
    return source == "mnist" or source.startswith("sklearn:")
