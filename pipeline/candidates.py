"""A candidate: one configured generator's outcome in a run — its samples, their
validation, what it would publish and what the gate trains on."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np
import pandas as pd

from equipoise.dataspec.errors import GenerationError, InputError, ValidationFailed
from equipoise.dataspec.seeding import derive_seed
from equipoise.generators import Generator, Resampler, registry
from equipoise.pipeline import balance
from equipoise.pipeline.config import JobConfig
from equipoise.validation.gate.arena import Refit, SyntheticSet, take
from equipoise.validation.report import ValidationReport


@dataclass
class Candidate:
    """What a generator would publish (`synthetic`: accepted samples, or `kept_real`:
    the real rows a resampler keeps) and what the gate trains on (`gate_set`: the real
    training split and the accepted rows apart, for the dose search; a resampler's
    kept rows)."""

    name: str
    generator: Generator | Resampler
    gate_set: SyntheticSet | tuple[Any, Any] | None = None
    #: everything sampled (before validation dropped any), for the report's nearest pairs
    samples: tuple[Any, Any] | None = None
    synthetic: tuple[Any, Any] | None = None
    kept_real: np.ndarray | None = None
    sampled: int = 0
    validation: ValidationReport | None = None
    failure: str | None = None
    #: the dose the gate chose for the published rows ({amount, weight, rows, grid, ...})
    dose: dict[str, Any] | None = None
    #: why it was left out before sampling (the portfolio's rules, the time budget)
    skipped: str | None = None
    #: a big table's winner: the accepted rows the gate judged (on its sample of the
    #: training split) before every row to publish was made (None: the gate judged these)
    judged_rows: int | None = None

    def apply_dose(self, dose: Mapping[str, Any] | None) -> None:
        """Keep the share of each class's accepted rows that the gate's dose search chose
        for the winning (candidate, model): what the gate judged. No dose, or a share of
        1, keeps them all."""
        if dose is None or self.synthetic is None or not 0 < dose["amount"] < 1:
            return
        labels = pd.Series(self.synthetic[1])
        share = {c: round(dose["amount"] * n) for c, n in labels.value_counts().items()}
        self.synthetic = balance.head_per_class(*self.synthetic, share)
        self.dose = dict(dose)

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
        for attr, key in (("method_", "method"), ("match_rates_", "label_match_rate"),
                          ("embedding_model_", "embedding_model"),
                          ("capped_levels_", "capped_levels")):  # fmt: skip
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
            **({"synthetic_judged_by_gate": self.judged_rows} if self.judged_rows else {}),
            "validation_passed": None if self.validation is None else self.validation.passed,
            "dose": self.dose,
            "failure": self.failure,
            **self._utility(),
            "skipped": self.skipped,
            "epochs": self.epochs(),
        }

    def _utility(self) -> dict[str, Any]:
        """The candidate's train-on-synthetic / test-on-real figures, where computed."""
        utility = getattr(self.validation, "utility", None)
        return {"utility": utility} if utility else {}


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
    c are accepted, the gate trains on the real training split plus (at most: the dose
    search may take fewer) the first `gate_counts[c]` of them. Returns the shortfall
    per class (empty when none)."""
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
    cand.synthetic = (take(X_syn, keep), take(y_syn, keep))
    extra = balance.head_per_class(*cand.synthetic, gate_counts)
    cand.gate_set = SyntheticSet(train, extra)
    return balance.shortfall(pd.Series(cand.synthetic[1]), asked)


def refitter(cand: Candidate, job: JobConfig, mod: Any, schema: Any) -> Refit | None:
    """The cross-fitted gate's hook for one candidate whose generator is cheap to refit:
    `refit(train, test, seed)` fits a fresh generator of its kind and parameters on a
    fold's training rows only, samples that fold's deficits, validates them against the
    fold with the checks that decide which rows are kept (`Modality.fold_validator`: the
    fold's `test` rows as the holdout, leakage and copies removed) and returns
    the gate's training set (a resampler: the rows it keeps); ValueError when that
    fold's fit, sampling or validation fails. None when its generator is costly to refit
    (`refit_cheaply` False). A plain function of picklable values, so that the gate can
    run it in a worker process."""
    generator = cand.generator
    if not generator.refit_cheaply:
        return None
    return partial(_refit, cand.name, generator.kind, generator.params(), job, mod, schema)


def _refit(
    name: str, kind: str, params: dict, job: JobConfig, mod: Any, schema: Any,
    train: tuple[Any, Any], test: tuple[Any, Any], seed: int,
) -> Any:  # fmt: skip
    try:
        return _fold_set(name, kind, params, job, mod, schema, train, test, seed)
    except (InputError, GenerationError, ValidationFailed) as error:
        raise ValueError(str(error)) from error  # this candidate leaves the gate


def _fold_set(name, kind, params, job, mod, schema, train, test, seed) -> Any:
    ratio = job.balance.target_ratio
    fresh = registry.create(kind, schema, params)
    counts = balance.class_counts(pd.Series(np.asarray(train[1], dtype=object)))
    if isinstance(fresh, Resampler):
        targets = balance.undersample_targets(counts, ratio)
        return fresh.resample(*train, targets, seed=derive_seed(seed, "resample"))
    fresh.fit(*train, seed=derive_seed(seed, "fit"))
    asked = balance.synthetic_counts(counts, ratio)
    samples = fresh.sample(balance.with_spare(asked), seed=derive_seed(seed, "sample"))
    validation = mod.fold_validator()(
        schema, train=train, holdout=test, synthetic=samples,
        settings=mod.validation_settings(job, fresh), seed=derive_seed(seed, "validate"),
        reports_dir=None,
    )  # fmt: skip
    fold = Candidate(name, fresh)
    accept(fold, samples, validation, asked, train, asked)
    if fold.failure:
        raise ValueError(fold.failure)
    return fold.gate_set
