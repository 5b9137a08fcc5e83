"""Checks and judgement of synthetic samples, one subpackage per modality (`tables/`,
`images/`) and the gate (`gate/`) that every modality shares; `report.py`,
`results.py`, `sampling.py`, `neighbours.py` and `schema_suite.py` (the Great
Expectations runner) are shared by the modalities.

Imports no Prefect, no flows and no generators; GX and SDMetrics load inside the
functions that use them.
"""

from equipoise.validation.report import ValidationReport

__all__ = ["ValidationReport"]
