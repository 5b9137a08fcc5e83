"""equipoise: balanced training sets from validated, gated synthetic data.

From Python: `equipoise.balance(frame, label=...)` returns an `Outcome` (equipoise/api.py);
`equipoise.samplers` holds the table generators as imbalanced-learn samplers."""

from typing import Any

__version__ = "0.1.0"

__all__ = ["Outcome", "balance"]


def __getattr__(name: str) -> Any:  # lazy: `import equipoise` stays cheap (no Prefect)
    if name in __all__:
        from equipoise import api

        return getattr(api, name)
    raise AttributeError(f"module 'equipoise' has no attribute {name!r}")
