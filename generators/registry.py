"""One registry of every generator and resampler, keyed by the config's `kind`."""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from typing import Any

from equipoise.dataspec import InputError, TableSchema
from equipoise.generators import imblearn_family as imb
from equipoise.generators import table_models as tm
from equipoise.generators.base import Generator, Resampler

REGISTRY: dict[str, type[Generator] | type[Resampler]] = {
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
    )
}


def known_kinds() -> list[str]:
    return list(REGISTRY)


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


def create(kind: str, schema: TableSchema, params: Mapping[str, Any] | None = None):
    """A generator or resampler of `kind` for `schema`, with validated keyword params."""
    cls = generator_class(kind)
    params = dict(params or {})
    unknown = sorted(set(params) - set(parameters(kind)))
    if unknown:
        raise InputError(
            f"generator.params: {kind} has no parameter(s) {unknown}; "
            f"it accepts: {', '.join(parameters(kind)) or 'none'}"
        )
    return cls(schema, **params)
