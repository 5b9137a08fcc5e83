"""The verdicts of past runs of one dataset: published versions (the store's manifests)
and refusals (the run folders' gate.json), oldest first, so that a change of verdict
over weeks of scheduled runs shows at a glance (`equipoise history NAME`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from equipoise.dataspec import InputError
from equipoise.dataspec.naming import safe_name

#: the columns of a verdict row, in order
COLUMNS = ("date", "outcome", "winner", "model", "metric", "value", "uplift", "ci_low",
           "ci_high", "where")  # fmt: skip


def verdicts(name: str, store: Path, runs: Path) -> list[dict[str, Any]]:
    """Every verdict recorded for dataset `name` under the store and the runs folder,
    oldest first. InputError when neither holds anything of that name."""
    folders = [store / safe_name(name), runs / safe_name(name)]
    if not any(f.is_dir() for f in folders):
        raise InputError(
            f"no runs of {name!r} in {store} or {runs}; pass the dataset name (output.name) "
            "and --store / --runs where its runs were written"
        )
    published = [p for p in sorted(folders[0].glob("*/manifest.json")) if not p.parent.is_symlink()]
    found = [_row(path, "published") for path in published]  # not `latest`, a link
    found += [_row(path, "refused") for path in sorted(folders[1].glob("*/gate.json"))]
    return sorted((r for r in found if r), key=lambda r: r["date"])


def _row(path: Path, outcome: str) -> dict[str, Any] | None:
    try:
        record = json.loads(path.read_text())
    except (OSError, ValueError):
        return None  # a run folder being written, or a damaged file: not a verdict
    gate = record.get("gate") or {}
    decision = gate.get("decision") or {}
    advice = decision.get("recommendation") or {}
    published = outcome == "published"
    return {
        "date": record.get("created_at", ""),
        "outcome": outcome if published or decision else "no verdict",
        "winner": decision.get("winner") if published else advice.get("words"),
        "model": decision.get("winner_model") if published else advice.get("model"),
        "metric": decision.get("primary"),
        "value": decision.get("winner_value") if published else decision.get("baseline_value"),
        "uplift": decision.get("uplift"),
        "ci_low": decision.get("ci_low"),
        "ci_high": decision.get("ci_high"),
        "where": str(path.parent),
        "sentence": decision.get("sentence", ""),
        "published_by": gate.get("published_by"),
    }
