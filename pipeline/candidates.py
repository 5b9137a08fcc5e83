"""A candidate: one configured generator's outcome in a run — its samples, their
validation, what it would publish and what the gate trains on."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from equipoise.dataspec.seeding import derive_seed
from equipoise.generators import Generator, Resampler
from equipoise.pipeline import balance
from equipoise.pipeline.config import JobConfig
from equipoise.validation.report import ValidationReport


@dataclass
class Candidate:
    """What a generator would publish (`synthetic`: accepted samples, or `kept_real`:
    the real rows a resampler keeps) and what the gate trains on (`gate_set`)."""

    name: str
    generator: Generator | Resampler
    gate_set: tuple[Any, Any] | None = None
    #: everything sampled (before validation dropped any), for the report's nearest pairs
    samples: tuple[Any, Any] | None = None
    synthetic: tuple[Any, Any] | None = None
    kept_real: np.ndarray | None = None
    sampled: int = 0
    validation: ValidationReport | None = None
    failure: str | None = None
    #: why it was left out before sampling (the portfolio's rules, the time budget)
    skipped: str | None = None

    @property
    def usable(self) -> bool:
        """Ran and passed validation: it competes in the gate."""
        return self.failure is None and self.skipped is None

    def epochs(self) -> list[dict[str, Any]]:
        """What the time budget did to its epoch loops (empty: no epochs)."""
        budget = getattr(self.generator, "epoch_budget_", None)
        return list(budget.loops) if budget is not None else []

    def info(self) -> dict[str, Any]:
        """The generator as the manifest records it."""
        generator = self.generator
        out: dict[str, Any] = {
            "kind": generator.kind,
            "role": "resampler" if isinstance(generator, Resampler) else "generator",
            "params": generator.params(),
        }
        for attr, key in (("method_", "method"), ("match_rates_", "label_match_rate")):
            if hasattr(generator, attr):
                value = getattr(generator, attr)
                out[key] = (
                    {str(k): v for k, v in value.items()} if isinstance(value, dict) else value
                )
        return out

    def record(self) -> dict[str, Any]:
        """The candidate's line in the manifest's `candidates`."""
        return {
            "name": self.name,
            **self.info(),
            "synthetic_sampled": self.sampled,
            "synthetic_accepted": 0 if self.synthetic is None else len(self.synthetic[1]),
            "validation_passed": None if self.validation is None else self.validation.passed,
            "failure": self.failure,
            "skipped": self.skipped,
            "epochs": self.epochs(),
        }


def candidate_seed(job: JobConfig, name: str) -> int:
    """A candidate's seed: the run seed for the first (a one-generator run is unchanged)."""
    return job.seed if name == job.generator_names[0] else derive_seed(job.seed, name)


def first_lines(lines: list[str], n: int = 3) -> str:
    """The first `n` lines joined, with how many more there are."""
    more = f" (+{len(lines) - n} more)" if len(lines) > n else ""
    return "; ".join(lines[:n]) + more


def accept(
    cand: Candidate,
    samples: tuple[Any, Any],
    validation: ValidationReport,
    asked: Mapping[Any, int],
    train: tuple[Any, Any],
    gate_counts: Mapping[Any, int],
) -> dict[Any, int]:
    """Record the validated samples on `cand`: the first `asked[c]` kept of each class
    c are accepted, the gate trains on the real training split plus the first
    `gate_counts[c]` of them. Returns the shortfall per class (empty when none)."""
    X_syn, y_syn = samples
    cand.samples = samples
    cand.validation = validation
    if not validation.passed:
        hint = cand.generator.quality_hint()
        cand.failure = f"{cand.name}: validation failed: {first_lines(validation.failures)}" + (
            f" ({hint})" if hint else ""
        )
        return {}
    keep = balance.accept(validation.keep, pd.Series(y_syn), asked)
    cand.synthetic = (_rows(X_syn, keep), _rows(y_syn, keep))
    extra = balance.head_per_class(*cand.synthetic, gate_counts)
    cand.gate_set = (_concat(train[0], extra[0]), _concat(train[1], extra[1]))
    return balance.shortfall(pd.Series(cand.synthetic[1]), asked)


def _rows(values: Any, mask: np.ndarray) -> Any:
    if isinstance(values, pd.DataFrame | pd.Series):
        return values[mask].reset_index(drop=True)
    return np.asarray(values)[mask]


def _concat(first: Any, second: Any) -> Any:
    if isinstance(first, pd.DataFrame | pd.Series):
        return pd.concat([first, second], ignore_index=True)
    if np.asarray(first).ndim == 1:  # labels: objects, so that mixed label types compare
        return np.concatenate([np.asarray(first, dtype=object), np.asarray(second, dtype=object)])
    return np.concatenate([first, second])
