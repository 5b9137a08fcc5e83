"""The one renderer of `report.html`, for a version or a run the gate refused: the base
template (decision, what was done, counts, validation, gate, config) with the
modality's block (`pipeline.modality.ReportBlock`); self-contained, no network needed."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

TEMPLATES = Path(__file__).parent / "templates"


def render_report(
    manifest: Mapping[str, Any],
    version: str | None,
    *,
    unit: str,
    block_template: str,
    block: Mapping[str, Any],
    figures: Mapping[str, Any],
    validation_rows: list[dict[str, Any]],
    docs: list[str],
) -> str:
    """HTML for a manifest; `version` None means nothing was published."""
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    from equipoise.validation.gate.baselines import BASELINES
    from equipoise.validation.gate.metrics import LABELS

    env = Environment(
        loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(default=True)
    )
    return env.get_template(block_template).render(
        m=manifest,
        version=version,
        unit=unit,
        classes=list(manifest["class_counts"]["input"]),
        validation_rows=validation_rows,
        docs=docs,
        figures=figures,
        block=block,
        gate=manifest["gate"],
        metric_label=LABELS,
        baseline_words={name: b.words for name, b in BASELINES.items()},
        shown_metrics=["pr_auc", "roc_auc", "recall", "f1", "mcc", "gmean", "accuracy"],
        config_yaml=yaml.safe_dump(manifest["config"], sort_keys=False),
    )
