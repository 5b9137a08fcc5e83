"""Bad input before Prefect starts: the CLI reads and splits the data once before the
flow (and its temporary server) start, so a bad file or label answers in a second or
two with one line; the flow's load step then takes the rows already read instead of
reading them again."""

from __future__ import annotations

import hashlib
from typing import Any

from equipoise.pipeline.config import JobConfig
from equipoise.pipeline.modality import Modality

#: job digest -> the data its load step read (at most a few jobs per process)
_LOADED: dict[str, Any] = {}


def _digest(job: JobConfig) -> str:
    return hashlib.sha256(job.model_dump_json().encode()).hexdigest()


def preload(mod: Modality, job: JobConfig) -> None:
    """Load and split now (InputError on bad input); keep what was read for the flow."""
    raw = mod.load(job)
    mod.split(raw, job)
    _LOADED[_digest(job)] = raw


def load(mod: Modality, job: JobConfig) -> Any:
    """The data `preload` read for this job, or a fresh read."""
    raw = _LOADED.pop(_digest(job), None)
    return raw if raw is not None else mod.load(job)
