"""The human-readable `report.html` of a version, rendered from its manifest."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

TEMPLATE = Path(__file__).parent / "templates" / "report.html"


def render_report(
    manifest: dict[str, Any], version: str, validation_rows: list[dict], docs: list[str]
) -> str:
    from jinja2 import Environment, select_autoescape

    env = Environment(autoescape=select_autoescape(default=True))
    template = env.from_string(TEMPLATE.read_text())
    return template.render(
        m=manifest,
        version=version,
        classes=list(manifest["class_counts"]["input"]),
        validation_rows=validation_rows,
        docs=docs,
        config_yaml=yaml.safe_dump(manifest["config"], sort_keys=False),
    )
