"""The tournament of every modality: the registered baselines that apply to it and every
synthetic candidate set, each trained with the same downstream models, scored on the
same real holdout with shared bootstrap resamples.

An `Arena` holds what all candidates of one gate share; an `Entry` is one candidate
× downstream model, ready to train. Which entries a baseline makes comes from the
baseline registry (`baselines.py`); a synthetic set is trained like the `none`
baseline, on the real training split plus its accepted rows.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from equipoise.dataspec.seeding import derive_seed
from equipoise.dataspec.threads import limited_threads
from equipoise.validation.gate.scoring import CandidateScores, Leaderboard, score_candidates
from equipoise.validation.gate.settings import GateSettings

#: (X, y) of any modality: a DataFrame and a Series, or arrays
Pair = tuple[Any, Any]
#: progress(description, completed, total), after each trained candidate
Progress = Callable[[str, int, int], None]
#: rows of a generator kind for a baseline: synthesize(kind, counts per class, seed)
Synthesize = Callable[[str, Mapping[Any, int], int], Pair]


@dataclass(frozen=True)
class Arena:
    """What every candidate of one gate shares."""

    modality: str
    schema: Any
    train: Pair
    holdout: Pair
    settings: GateSettings
    seed: int
    #: generator kinds already competing (a baseline made by one of them is skipped)
    competing: tuple[str, ...] = ()
    #: the pipeline's hook for baselines that need generated rows (images: augment)
    synthesize: Synthesize | None = None

    @property
    def classes(self) -> list[Any]:
        return list(self.schema.classes)

    @property
    def minority(self) -> Any:
        """The rarest class of the training split (ties: the later in count order)."""
        return pd.Series(np.asarray(self.train[1], dtype=object)).value_counts().index[-1]

    @property
    def minority_rows(self) -> int:
        return int(pd.Series(np.asarray(self.train[1], dtype=object)).value_counts().iloc[-1])

    @property
    def binary(self) -> bool:
        return len(self.classes) == 2


@dataclass(frozen=True)
class Entry:
    """One candidate × downstream model; `run()` trains it and predicts the holdout."""

    name: str
    family: str  # "baseline" | "synthetic"
    model: str
    run: Callable[[], CandidateScores]


def run_gate(
    arena: Arena,
    synthetic_sets: Mapping[str, Pair],
    *,
    progress: Progress | None = None,
) -> Leaderboard:
    """Train every applicable baseline and every synthetic set, score all on the holdout.

    `synthetic_sets` maps a candidate's name to its training set (the real training
    split plus its accepted rows, or the rows a resampler kept). A candidate that
    cannot be trained (e.g. AdaBoost "worse than random" on a tiny class) is left out
    and listed in `board.skipped`."""
    from equipoise.validation.gate.baselines import BASELINES, applicable

    entries: list[Entry] = []
    for name in applicable(arena):
        entries += BASELINES[name].entries(arena, name, "baseline", arena.train)
    for name, pair in synthetic_sets.items():
        entries += BASELINES["none"].entries(arena, name, "synthetic", pair)
    candidates, skipped = [], []
    for done, entry in enumerate(entries, start=1):
        try:
            with limited_threads():  # pinned: a busy machine must not slow every fit 10x
                candidates.append(entry.run())
        except ValueError as error:
            skipped.append({"candidate": entry.name, "model": entry.model, "error": str(error)})
        if progress:
            progress("gate: training candidates", done, len(entries))
    board = score_candidates(
        arena.holdout[1],
        candidates,
        classes=arena.classes,
        settings=arena.settings,
        seed=derive_seed(arena.seed, "bootstrap"),
        minority=arena.minority,
    )
    board.skipped = skipped
    return board


def proba_in_class_order(
    raw: np.ndarray, model_classes: Any, classes: list[Any], rows: int
) -> np.ndarray:
    """Predicted probabilities with one column per class of `classes`, in that order."""
    proba = np.zeros((rows, len(classes)))
    index = {c: i for i, c in enumerate(classes)}
    for j, cls in enumerate(model_classes):
        proba[:, index[cls]] = raw[:, j]
    return proba
