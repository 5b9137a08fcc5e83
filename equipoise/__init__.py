"""equipoise: balanced training sets from validated, gated synthetic data."""

__version__ = "0.1.0"
