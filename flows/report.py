"""The human-readable `report.html` of a version (or of a run the gate refused),
rendered from its manifest and figures; self-contained, no network needed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from equipoise.validation.gate.decision import BASELINE_WORDS
from equipoise.validation.gate.metrics import LABELS

TEMPLATE = Path(__file__).parent / "templates" / "report.html"


def render_report(
    manifest: dict[str, Any],
    version: str | None,
    winner: Any,
    docs: list[str],
    figures: dict[str, Any],
) -> str:
    """HTML for a manifest; `version` None means nothing was published."""
    from jinja2 import Environment, select_autoescape

    env = Environment(autoescape=select_autoescape(default=True))
    template = env.from_string(TEMPLATE.read_text())
    validation = winner.validation
    return template.render(
        m=manifest,
        version=version,
        classes=list(manifest["class_counts"]["input"]),
        validation_rows=validation.summary_rows() if validation else [],
        docs=docs,
        figures=figures,
        gate=manifest["gate"],
        metric_label=LABELS,
        baseline_words=BASELINE_WORDS,
        shown_metrics=["pr_auc", "roc_auc", "recall", "f1", "mcc", "gmean", "accuracy"],
        config_yaml=yaml.safe_dump(manifest["config"], sort_keys=False),
    )
