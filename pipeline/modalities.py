"""Every modality, registered once. Adding a modality is its files plus one line here."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from equipoise.dataspec.errors import InputError
from equipoise.pipeline.images.modality import Images
from equipoise.pipeline.modality import Modality
from equipoise.pipeline.series.modality import Series
from equipoise.pipeline.tables.modality import Tables
from equipoise.pipeline.text.modality import Text

#: the first is the default when a config names no input section
MODALITIES: dict[str, Modality] = {m.name: m for m in (Tables(), Images(), Series(), Text())}


def modality(name: str) -> Modality:
    try:
        return MODALITIES[name]
    except KeyError:
        raise InputError(f"unknown modality {name!r}; known: {', '.join(MODALITIES)}") from None


def modality_of_config(raw: Mapping[str, Any]) -> Modality:
    """The modality whose input section a raw config has (the first registered when none
    has one, so that its validation names the missing section)."""
    for mod in MODALITIES.values():
        if mod.section in raw:
            return mod
    return next(iter(MODALITIES.values()))


def modality_of_data(data: Any, source: str, text: str | None) -> Modality:
    """The modality of data given from Python: the first that claims it, else the
    first registered (tables)."""
    claimed = [m for m in MODALITIES.values() if m.claims(data, source, text)]
    return claimed[0] if claimed else next(iter(MODALITIES.values()))


def modality_of_cli(given: set[str]) -> Modality | None:
    """The modality whose marker flags were all given, the most specific first."""
    matches = [m for m in MODALITIES.values() if m.cli_marker and m.cli_marker <= given]
    return max(matches, key=lambda m: len(m.cli_marker)) if matches else None


def modality_of_manifest(manifest: Mapping[str, Any]) -> Modality:
    """The modality of a published version (versions before 0.2 name none: tables,
    or `kind: images`)."""
    name = manifest.get("modality") or ("image" if manifest.get("kind") == "images" else "table")
    return modality(name)
