"""Checks and judgement of synthetic rows: a Great Expectations schema suite, SDMetrics
fidelity and a detection test, and leakage of training records (exact copies, DCR
share, NNDR, a per-row filter), each per generated class.

Imports no Prefect, no flows and no generators; GX and SDMetrics load inside the
functions that use them.
"""

from equipoise.validation.errors import ValidationFailed
from equipoise.validation.report import ValidationReport
from equipoise.validation.settings import ValidationSettings
from equipoise.validation.validate import validate_synthetic

__all__ = ["ValidationFailed", "ValidationReport", "ValidationSettings", "validate_synthetic"]
