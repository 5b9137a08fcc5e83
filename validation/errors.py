"""The error a failed validation raises: one line that names the check and the fix."""

from __future__ import annotations

from equipoise.dataspec.errors import EquipoiseError


class ValidationFailed(EquipoiseError):
    """Synthetic rows failed a check that cannot be repaired by dropping rows (exit 4).

    Raised for structural problems of the synthetic frame (missing, extra or reordered
    columns, wrong dtypes, missing values where the real column has none, unknown labels,
    no rows); threshold failures are returned in the report instead (`passed` is False)."""

    exit_code = 4


class GateRefused(EquipoiseError):
    """No synthetic set beat the best baseline on the real holdout (exit 3, nothing
    published); the message is the decision in one sentence."""

    exit_code = 3
