"""What a version (or a run the gate refused) records in `manifest.json` / `gate.json`:
the same keys for every modality, plus the modality's extras."""

from __future__ import annotations

import hashlib
import json
import platform
import subprocess
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd

import equipoise
from equipoise.dataspec.naming import safe_name
from equipoise.pipeline import balance, budget
from equipoise.pipeline.candidates import Candidate
from equipoise.pipeline.config import JobConfig
from equipoise.pipeline.modality import Modality, Prepared, Written
from equipoise.validation.gate import GateDecision, Leaderboard

#: category values a column lists in the manifest (the rest: a count and a hash)
MAX_LEVELS = 20


def _gate_record(
    job: JobConfig, board: Leaderboard, decision: GateDecision, published: bool, holdout: int
) -> dict[str, Any]:
    """The manifest's `gate`: the decision, the leaderboard and how it was judged."""
    return {
        "decision": decision.to_dict(),
        "mode": job.gate.mode,  # type: ignore[attr-defined]
        "published_by": (
            "gate" if decision.publish else "report mode (the gate would have refused)"
        )
        if published
        else None,
        "leaderboard": board.to_records(),
        "skipped": board.skipped,
        "holdout_rows": holdout,
        "method": board.method,
        "positive_class": str(board.positive),
        "deployment_prior": board.settings.deployment_prior,
        "doses": [
            {"candidate": r.candidate.name, "model": r.candidate.model, **r.candidate.dose}
            for r in board.family("synthetic")
            if r.candidate.dose is not None
        ],
    }


def build_manifest(
    job: JobConfig,
    modality: Modality,
    data: Prepared,
    winner: Candidate,
    candidates: list[Candidate],
    written: Written | None,
    board: Leaderboard,
    decision: GateDecision,
    timings: dict[str, float],
    flow_run_id: str | None,
    memory: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Everything a version records; `written` is None when nothing is published;
    `memory`: the memory budget's record (`footprint.MemoryPlan.record`)."""
    synthetic = winner.synthetic if written is not None else None
    syn_counts = balance.class_counts(pd.Series(synthetic[1])) if synthetic else {}
    published = written.class_counts if written is not None else {}
    return {
        "equipoise_version": equipoise.__version__,
        "name": safe_name(job.dataset_name),
        "modality": modality.name,
        **modality.manifest_extras(job, data),
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "seed": job.seed,
        "config": job.model_dump(mode="json", by_alias=True),
        "schema": capped_levels(data.schema.to_dict()),
        "rows": {
            "real_input": sum(data.input_counts.values()),
            **modality.rows_extras(data),
            "train": len(data.y_train),
            "holdout": len(data.y_holdout),
            "synthetic_sampled": winner.sampled,
            "synthetic_published": sum(syn_counts.values()),
            "real_published": 0 if written is None else written.real_rows,
            "published": sum(published.values()),
        },
        "class_counts": {
            "input": keyed(data.input_counts),
            "train": keyed(balance.class_counts(pd.Series(data.y_train))),
            "holdout": keyed(balance.class_counts(pd.Series(data.y_holdout))),
            "synthetic": keyed(syn_counts),
            "published": keyed(published),
        },
        "generator": winner.info(),
        "candidates": [c.record() for c in candidates],
        "budget": budget.record(job, budget.rarest_minority(data.y_train), candidates),
        "validation": winner.validation.to_dict() if winner.validation else None,
        "gate": {
            **_gate_record(job, board, decision, written is not None, len(data.y_holdout)),
            # a big table's gate trains on a sample of the training split (footprint.py)
            "train_rows": (memory or {}).get("gate"),
        },
        "memory": memory,
        "timings_s": timings,
        "packages": {p: package_version(p) for p in modality.packages},
        "python": platform.python_version(),
        "git_commit": git_commit(),
        "prefect_flow_run_id": flow_run_id,
    }


def capped_levels(schema: dict[str, Any], limit: int = MAX_LEVELS) -> dict[str, Any]:
    """The schema with each column's category list cut to its first `limit` values, plus
    the count and a SHA-256 of the whole list (as JSON), so a 5,000-level column does not
    fill the manifest yet a changed list still shows."""
    columns = []
    for column in schema.get("columns", []):
        levels = column.get("categories") if isinstance(column, dict) else None
        if isinstance(levels, list) and len(levels) > limit:
            digest = hashlib.sha256(json.dumps(levels, default=str).encode()).hexdigest()
            column = {
                **column,
                "categories": levels[:limit],
                "categories_count": len(levels),
                "categories_sha256": digest,
            }
        columns.append(column)
    return {**schema, "columns": columns} if "columns" in schema else schema


def keyed(counts: dict[Any, int]) -> dict[str, int]:
    """Counts keyed by the class as text (JSON keys)."""
    return {str(k): v for k, v in counts.items()}


def package_version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def git_commit() -> str | None:
    """The commit of the equipoise checkout that ran, with '+dirty' for local changes."""
    root = Path(equipoise.__file__).resolve().parent.parent
    try:
        commit = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "HEAD"],
            capture_output=True, text=True, timeout=5, check=True,
        ).stdout.strip()  # fmt: skip
        dirty = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True, text=True, timeout=5, check=True,
        ).stdout.strip()  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return None
    return commit + ("+dirty" if dirty else "")
