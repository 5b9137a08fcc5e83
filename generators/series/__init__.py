"""Series generators: equal-length series as float arrays X of shape (n, channels,
length). Plain functions on numpy arrays (seeded by a `numpy.random.Generator`) and the
generator kinds built on them, listed in KINDS.

- `augment`: jitter, scaling, magnitude / time warp, window slicing / warping and a
  random composition of them (`augment_batch`).
- `smote`: SMOTE / Borderline-SMOTE on flattened series, and a DTW-barycentre
  variant when tslearn is installed.
- `diffusion`: a class-conditional 1-D diffusion model (torch; `diffusion_net`).
"""

from equipoise.generators.series.augment import (
    TRANSFORMS,
    augment_batch,
    jitter,
    magnitude_warp,
    scaling,
    time_warp,
    window_slice,
    window_warp,
)
from equipoise.generators.series.diffusion import SeriesDiffusion
from equipoise.generators.series.kinds import SeriesAugment, SeriesSmote
from equipoise.generators.series.smote import SeriesOversample, dba_series, smote_series

#: every series kind, in the order `equipoise kinds` lists them
KINDS = (SeriesAugment, SeriesSmote, SeriesDiffusion)

__all__ = [
    "KINDS",
    "TRANSFORMS",
    "SeriesAugment",
    "SeriesDiffusion",
    "SeriesOversample",
    "SeriesSmote",
    "augment_batch",
    "dba_series",
    "jitter",
    "magnitude_warp",
    "scaling",
    "smote_series",
    "time_warp",
    "window_slice",
    "window_warp",
]
