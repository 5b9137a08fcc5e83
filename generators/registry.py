"""One registry of every generator and resampler, keyed by the config's `kind`: the
kinds each modality subpackage (`tables/`, `images/`, ...) lists in its `KINDS`."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from equipoise.dataspec import InputError
from equipoise.generators.base import Sampler


def _collect() -> dict[str, type[Sampler]]:
    """The kinds of every modality subpackage of `equipoise.generators`."""
    found: dict[str, type[Sampler]] = {}
    for info in pkgutil.iter_modules([str(Path(__file__).parent)]):
        if not info.ispkg:
            continue
        package = importlib.import_module(f"{__package__}.{info.name}")
        for cls in getattr(package, "KINDS", ()):
            if cls.kind in found:
                raise RuntimeError(f"generator kind {cls.kind!r} is registered twice")
            found[cls.kind] = cls
    return found


REGISTRY: dict[str, type[Sampler]] = _collect()


def known_kinds(modality: str | None = None) -> list[str]:
    """Every kind, or those of `modality` ("table", "image", ...)."""
    return [k for k, cls in REGISTRY.items() if modality in (None, cls.modality)]


def generator_class(kind: str) -> type[Sampler]:
    try:
        return REGISTRY[kind]
    except KeyError:
        raise InputError(
            f"unknown generator kind {kind!r}; known kinds: {', '.join(known_kinds())}"
        ) from None


def parameters(kind: str) -> dict[str, inspect.Parameter]:
    """The keyword parameters a kind accepts (the config's `generator.params`)."""
    signature = inspect.signature(generator_class(kind).__init__)
    return {name: p for name, p in signature.parameters.items() if p.kind is p.KEYWORD_ONLY}


def create(kind: str, schema: Any, params: Mapping[str, Any] | None = None):
    """A generator or resampler of `kind` for data of `schema` (whose `modality` must be
    the kind's), with validated keyword params."""
    cls = generator_class(kind)
    modality = schema.modality
    if cls.modality != modality:
        raise InputError(
            f"kind {kind} makes {cls.modality} data; for {modality} data use one of: "
            f"{', '.join(known_kinds(modality))}"
        )
    params = dict(params or {})
    unknown = sorted(set(params) - set(parameters(kind)))
    if unknown:
        raise InputError(
            f"generator.params: {kind} has no parameter(s) {unknown}; "
            f"it accepts: {', '.join(parameters(kind)) or 'none'}"
        )
    return cls(schema, **params)
