"""Validation of synthetic table rows: a Great Expectations schema suite, SDMetrics
fidelity and a detection test, and leakage of training records (exact copies, DCR
share, NNDR, a per-row filter), each per generated class."""

from equipoise.validation.tables.settings import ValidationSettings
from equipoise.validation.tables.validate import validate_synthetic

__all__ = ["ValidationSettings", "validate_synthetic"]
