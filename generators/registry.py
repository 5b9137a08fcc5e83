"""One registry of every generator and resampler, keyed by the config's `kind`."""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from typing import Any

from equipoise.dataspec import ImageSchema, InputError, TableSchema
from equipoise.generators import imblearn_family as imb
from equipoise.generators import table_models as tm
from equipoise.generators.base import Generator, Resampler
from equipoise.generators.image_augment import Augment
from equipoise.generators.image_base import ImageGenerator
from equipoise.generators.image_diffusion import Diffusion
from equipoise.generators.image_stylegan import StyleGAN

REGISTRY: dict[str, type[Generator] | type[Resampler] | type[ImageGenerator]] = {
    cls.kind: cls
    for cls in (
        tm.CTGAN,
        tm.GaussianCopula,
        tm.TVAE,
        imb.RandomOversample,
        imb.Smote,
        imb.SmoteNC,
        imb.SmoteN,
        imb.Adasyn,
        imb.BorderlineSmote,
        imb.SvmSmote,
        imb.RandomUndersample,
        imb.Tomek,
        imb.NearMiss,
        imb.ClusterCentroids,
        imb.Enn,
        Augment,
        Diffusion,
        StyleGAN,
    )
}


def known_kinds(modality: str | None = None) -> list[str]:
    """Every kind, or those that make `modality` ("table" or "image")."""
    return [k for k, cls in REGISTRY.items() if modality in (None, cls.modality)]


def modality_of(schema: TableSchema | ImageSchema) -> str:
    """ "image" for an ImageSchema, "table" otherwise."""
    return "image" if isinstance(schema, ImageSchema) else "table"


def generator_class(kind: str) -> type[Generator] | type[Resampler]:
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


def create(kind: str, schema: TableSchema | ImageSchema, params: Mapping[str, Any] | None = None):
    """A generator or resampler of `kind` for `schema`, with validated keyword params."""
    cls = generator_class(kind)
    wanted = modality_of(schema)
    if cls.modality != wanted:
        raise InputError(
            f"kind {kind} makes {cls.modality}s; for {wanted}s use one of: "
            f"{', '.join(known_kinds(wanted))}"
        )
    params = dict(params or {})
    unknown = sorted(set(params) - set(parameters(kind)))
    if unknown:
        raise InputError(
            f"generator.params: {kind} has no parameter(s) {unknown}; "
            f"it accepts: {', '.join(parameters(kind)) or 'none'}"
        )
    return cls(schema, **params)
