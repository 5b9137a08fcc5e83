"""Near copies of training samples by the ratio test (Carlini et al. 2023,
`validation/memorisation.py`), for the array modalities: each synthetic sample's nearest
training sample in the modality's space, next to how near the real holdout samples
come. Near copies are removed; their share beyond the holdout's fails the run."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from equipoise.validation.check import Check, Context, Outcome, Run
from equipoise.validation.memorisation import closest_pairs, near_copy_checks, near_copy_stats


@dataclass(frozen=True)
class Neighbours:
    """Each synthetic and holdout sample's nearest training sample (distance, position,
    ratio), and the modality's further figures of a class (`figures(rows, in_hold)`)."""

    distance: np.ndarray
    index: np.ndarray
    ratio: np.ndarray
    hold_index: np.ndarray
    hold_ratio: np.ndarray
    figures: Callable[[np.ndarray, np.ndarray], dict[str, Any]]


@dataclass(frozen=True)
class NearCopies(Check, name="near_copies", modalities=("image", "series"),
                 on_failure="fail", section="leakage", reason="removed_by_leakage",
                 title="leakage"):  # fmt: skip
    """`nearest(run)`: the modality's `Neighbours` (computed once a run, through
    `Run.once`: other checks read them too); `noun` and `advice` make the failure line."""

    nearest: Callable[[Run], Neighbours]
    noun: str
    advice: str

    def run(self, context: Context) -> Outcome:
        near, rows = self.nearest(context.run), context.rows
        threshold = context.settings.near_copy_ratio
        hold = np.flatnonzero(context.in_hold)
        stats = near_copy_stats(near.ratio[rows], near.hold_ratio[hold], threshold)
        stats |= near.figures(rows, hold)
        copies = rows[near.ratio[rows] < threshold]
        results = near_copy_checks(
            context.label, stats, len(copies), context.settings.max_near_copy_share,
            self.noun, self.advice,
        )  # fmt: skip
        return Outcome(results, drop=copies, details=stats)

    def finish(self, run: Run) -> None:
        near = self.nearest(run)
        run.closest_pairs = closest_pairs(near.ratio, near.index, near.distance)
