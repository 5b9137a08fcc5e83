"""Checks of synthetic time series (N, C, T): a Great Expectations suite over a
one-row-per-series table, fidelity of summary features (standardised mean differences,
a detection classifier), label preservation (a classifier fitted on the real training
split drops series it does not recognise) and leakage (near copies of training series
by the ratio test, removed).

Imports no Prefect, no flows and no generators; GX and scikit-learn load inside the
functions that use them.
"""

from equipoise.validation.series.settings import SeriesValidationSettings

__all__ = ["SeriesValidationSettings"]
