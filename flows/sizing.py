"""What one run does to fit its memory budget: the flow's side of `pipeline/footprint.py`.

A modality whose plug-in estimates memory (`Modality.estimates_memory`: tables) gets,
before each costly step, an estimate from rows x encoded width, and big inputs are
sampled: generators fit on every row of the small classes and a sample of the large
one, the gate trains on a capped stratified sample and scores at most
`footprint.GATE_HOLDOUT_ROWS` holdout rows (a sample in proportion to the classes), and
each candidate samples the synthetic rows that balance the gate's sample; the winner
then makes every row it publishes. Other modalities keep every row and only record the
budget and the peak."""

from __future__ import annotations

import dataclasses
import math
from typing import Any

from prefect import get_run_logger

from equipoise.dataspec.seeding import derive_seed
from equipoise.flows import fitting
from equipoise.generators import Resampler
from equipoise.pipeline import balance as counts
from equipoise.pipeline import footprint
from equipoise.pipeline.candidates import Candidate
from equipoise.pipeline.config import JobConfig
from equipoise.pipeline.modality import Modality, Prepared


@dataclasses.dataclass
class GateRows:
    """The real rows the gate trains on, its settings (fewer workers when the budget
    asks), and what each candidate samples for it (`asked`: None when the gate uses the
    whole training split)."""

    train: tuple[Any, Any]
    holdout: tuple[Any, Any]
    settings: Any
    asked: dict[Any, int] | None = None

    def sets(self, usable: list[Candidate]) -> dict[str, Any]:
        """Each candidate's gate set on these rows (the synthetic rows that balance them)."""
        from equipoise.validation.gate.arena import SyntheticSet

        out = {c.name: c.gate_set for c in usable}
        if self.asked is None:
            return out
        for name, gate_set in out.items():
            if isinstance(gate_set, SyntheticSet):
                synthetic = counts.head_per_class(*gate_set.synthetic, self.asked)
                out[name] = SyntheticSet(self.train, synthetic)
        return out


def gate_ask(y_train: Any, y_gate: Any, ratio: float) -> dict[Any, int]:
    """The synthetic rows per class a candidate makes for the gate's sample: those that
    bring the sample to `ratio`, as the published set brings the table. When the sample
    has no deficit at that ratio (its largest class was cut more than the others, so a
    low ratio is already met), the table's deficit scaled by the share of the largest
    class the sample kept, so that the gate still judges synthetic rows."""
    need = counts.synthetic_counts(counts.class_counts(y_gate), ratio)
    if any(need.values()):
        return need
    table, sample = counts.class_counts(y_train), counts.class_counts(y_gate)
    largest = max(table, key=table.get)
    share = sample.get(largest, 0) / table[largest]
    full = counts.synthetic_counts(table, ratio)
    return {c: math.ceil(n * share) for c, n in full.items() if n}


@dataclasses.dataclass
class Sizing:
    """The run's memory plan and the rows each step uses (`fit_rows`: what generators
    fit on and validation compares with; `gate`: set once the fits are done)."""

    memory: footprint.MemoryPlan
    sized: bool
    fit_rows: tuple[Any, Any]
    gate: GateRows | None = None

    @classmethod
    def start(
        cls, job: JobConfig, mod: Modality, data: Prepared, names: list[str], skips: dict
    ) -> Sizing:
        """Refuse at the start (InputError) when not even the smallest gate fits; size the
        generators' fits (adds to `skips` the ones that cannot fit at all)."""
        memory = footprint.MemoryPlan.for_job(job)
        rows = (data.X_train, data.y_train)
        if not mod.estimates_memory:
            return cls(memory, False, rows)
        memory.check_start(data.schema, *rows)  # InputError: refuse at the start
        positions, over = memory.fit_sample(
            [g.kind for g in job.generators], [n not in skips for n in names], data.y_train,
            parallel=not fitting.shares_this_process(),
        )  # fmt: skip
        skips.update({names[i]: reason for i, reason in over.items()})
        if positions is not None:
            get_run_logger().info(
                "generators fit on %d of %d training rows (%s per class at most): %s",
                len(positions), len(data.y_train), memory.fit_rows["cap_per_class"],
                memory.fit_rows["class_counts"],
            )  # fmt: skip
        return cls(memory, True, footprint.take_rows(*rows, positions))

    def plan_gate(self, job: JobConfig, data: Prepared) -> GateRows:
        """The gate's real training rows: a big table's are every row of the smaller
        classes and a sample of the largest, `footprint.GATE_TRAIN_ROWS` at most (fewer,
        and one worker, when the budget asks)."""
        from equipoise.validation.gate.parallel import workers

        settings = job.gate  # type: ignore[attr-defined]
        holdout = (data.X_holdout, data.y_holdout)
        self.gate = GateRows((data.X_train, data.y_train), holdout, settings)
        if not self.sized:
            return self.gate
        scored = footprint.proportional_rows(
            data.y_holdout, footprint.GATE_HOLDOUT_ROWS, derive_seed(job.seed, "gate-holdout")
        )
        self.gate.holdout = footprint.take_rows(*holdout, scored)
        full = counts.synthetic_counts(counts.class_counts(data.y_train), job.balance.target_ratio)
        cap, jobs = self.memory.gate_plan(data.y_train, sum(full.values()), workers(settings.jobs))
        if jobs != workers(settings.jobs):
            self.gate.settings = dataclasses.replace(settings, jobs=jobs)
        positions = footprint.gate_rows(data.y_train, cap, derive_seed(job.seed, "gate-rows"))
        self.memory.gate = {
            "train_rows": len(data.y_train) if positions is None else len(positions),
            "of_train_rows": len(data.y_train), "sampled": positions is not None,
            "holdout_rows": len(self.gate.holdout[1]), "of_holdout_rows": len(data.y_holdout),
            "holdout_sampled": scored is not None, "workers": jobs,
        }  # fmt: skip
        if positions is None:
            return self.gate
        self.gate.train = footprint.take_rows(data.X_train, data.y_train, positions)
        need = gate_ask(data.y_train, self.gate.train[1], job.balance.target_ratio)
        self.gate.asked = need
        self.memory.gate.update(
            class_counts=footprint.counts_of(self.gate.train[1]),
            synthetic_rows_per_candidate={str(k): v for k, v in need.items()},
        )
        get_run_logger().info(
            "gate trains on %d of %d training rows (every row of the smaller classes, a "
            "sample of the largest), %d worker(s), scored on %d of %d holdout rows; each "
            "candidate samples the %s synthetic rows that balance them, the winner all it "
            "publishes", len(positions), len(data.y_train), jobs, len(self.gate.holdout[1]),
            len(data.y_holdout), need,
        )  # fmt: skip
        return self.gate

    def too_big(
        self, name: str, generator: Any, job: JobConfig, mod: Modality, data: Prepared,
        asked: dict[Any, int] | None = None,
    ) -> str | None:  # fmt: skip
        """Why sampling and validating a candidate's rows (`asked`, default: what the
        gate needs) is left out for the memory budget (None: it fits, or nothing to
        estimate)."""
        if not self.sized or isinstance(generator, Resampler):
            return None
        asked = self.asked if asked is None else asked
        if asked is None:
            asked = counts.synthetic_counts(mod.balance_counts(data), job.balance.target_ratio)
        spare = sum(counts.with_spare(asked).values())
        real = len(self.fit_rows[1]) + len(data.y_holdout)
        return self.memory.check_candidate(name, spare, real)

    @property
    def asked(self) -> dict[Any, int] | None:
        """The synthetic rows per class a candidate makes for the gate (None: what
        balances the whole input)."""
        return self.gate.asked if self.gate is not None else None

    def record(self) -> dict[str, Any]:
        return self.memory.record()
