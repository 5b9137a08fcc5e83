"""Every way to make or remove minority rows, behind one interface (`Generator`,
`Resampler`) and one registry (`registry.create(kind, schema, params)`)."""

from equipoise.generators.base import Generator, ProgressCallback, Resampler

__all__ = ["Generator", "ProgressCallback", "Resampler"]
