"""Bad input before Prefect starts: the CLI reads and splits the data once before the
flow (and its temporary server) start, so a bad file or label answers in a second or
two with one line; the flow's load step then takes the rows already read instead of
reading them again."""

from __future__ import annotations

import hashlib
from typing import Any

import pandas as pd

from equipoise.dataspec import InputError
from equipoise.pipeline.config import JobConfig
from equipoise.pipeline.modality import Modality, Prepared

#: job digest -> the data its load step read (at most a few jobs per process)
_LOADED: dict[str, Any] = {}


def _digest(job: JobConfig) -> str:
    return hashlib.sha256(job.model_dump_json().encode()).hexdigest()


def preload(mod: Modality, job: JobConfig) -> None:
    """Load and split now (InputError on bad input); keep what was read for the flow."""
    raw = mod.load(job)
    split(mod, raw, job)
    _LOADED[_digest(job)] = raw


def split(mod: Modality, raw: Any, job: JobConfig) -> Prepared:
    """The modality's split, refused (exit 2) when a class has no holdout row: the gate
    scores every class on the holdout, so this is found before anything is fitted."""
    data = mod.split(raw, job)
    held = set(pd.Series(data.y_holdout, dtype=object).tolist())
    missing = [c for c in data.input_counts if c not in held]
    if missing:
        rows = ", ".join(f"{c!r} ({data.input_counts[c]} rows)" for c in missing[:5])
        raise InputError(
            f"class(es) {rows} have no row in the holdout (split.holdout "
            f"{job.split.holdout}); add rows of that class, raise split.holdout, or drop it"
        )
    return data


def load(mod: Modality, job: JobConfig) -> Any:
    """The data `preload` read for this job, or a fresh read."""
    raw = _LOADED.pop(_digest(job), None)
    return raw if raw is not None else mod.load(job)
