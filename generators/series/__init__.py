"""Building blocks for the series modality: equal-length series as float arrays X of
shape (n, channels, length) with string labels y.

Plain functions on numpy arrays, seeded by a `numpy.random.Generator`; no
`Generator` subclasses here (a wrapper adds those later).

- `loading`: sktime's bundled classification sets as (X, y), split and lengths;
  `resample_length` for variable-length sets.
- `augment`: jitter, scaling, magnitude / time warp, window slicing / warping and a
  random composition of them (`augment_batch`).
- `smote`: SMOTE / Borderline-SMOTE on flattened series, and a DTW-barycentre
  variant when tslearn is installed.
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
from equipoise.generators.series.loading import (
    BUNDLED,
    SeriesList,
    SeriesSet,
    VariableLengthError,
    load_series,
    load_series_list,
    resample_length,
    to_set,
)
from equipoise.generators.series.smote import SeriesOversample, dba_series, smote_series

__all__ = [
    "BUNDLED",
    "TRANSFORMS",
    "SeriesList",
    "SeriesOversample",
    "SeriesSet",
    "VariableLengthError",
    "augment_batch",
    "dba_series",
    "jitter",
    "load_series",
    "load_series_list",
    "magnitude_warp",
    "resample_length",
    "scaling",
    "smote_series",
    "time_warp",
    "to_set",
    "window_slice",
    "window_warp",
]
