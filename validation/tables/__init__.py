"""Validation of synthetic table rows: a Great Expectations schema suite, SDMetrics
fidelity and a detection test, leakage of training records (exact copies, DCR share,
NNDR, a per-row filter) and a cross-fitted label-consistency filter, each per generated
class; and the rows' utility, train-on-synthetic / test-on-real."""

from equipoise.validation.tables.settings import ValidationSettings

__all__ = ["ValidationSettings"]
