"""The tournament of every modality: the registered baselines that apply to it and every
synthetic candidate set, each trained with the same downstream models, scored on the
same real holdout with shared bootstrap resamples.

An `Arena` holds what all candidates of one gate share; an `Entry` is one candidate
× downstream model, ready to train. Which entries a baseline makes comes from the
baseline registry (`baselines.py`); a synthetic set is trained like the `none`
baseline, on the real training split plus its accepted rows: a `SyntheticSet`, so that
the dose search (`dose.py`) knows which rows are synthetic.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
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
#: rows of a generator kind for a baseline: synthesize(kind, real training rows, counts
#: per class, seed), the kind fitted on those rows only
Synthesize = Callable[[str, Pair, Mapping[Any, int], int], Pair]
#: a candidate's training set for one cross-fitting fold: refit(train, test, seed), its
#: generator fitted on `train` only (`test`: the fold's scored rows, for validation's
#: leakage checks); raises ValueError when it cannot be made
Refit = Callable[[Pair, Pair, int], "SyntheticSet | Pair"]


@dataclass(frozen=True)
class SyntheticSet:
    """A synthetic candidate's training data: the real training split and the accepted
    synthetic rows, kept apart so that a share of them can be added at a weight."""

    real: Pair
    synthetic: Pair

    def dosed(self, amount: float = 1.0, weight: float = 1.0) -> tuple[Pair, np.ndarray]:
        """The real rows plus the first `amount` share of each class's synthetic rows,
        and the sample weights (1 for real rows, `weight` for synthetic ones)."""
        labels = np.asarray(self.synthetic[1], dtype=object)
        keep = np.zeros(len(labels), dtype=bool)
        for cls in pd.unique(labels):
            rows = np.flatnonzero(labels == cls)
            keep[rows[: round(amount * len(rows))]] = True
        extra = (take(self.synthetic[0], keep), take(self.synthetic[1], keep))
        pair = (concat(self.real[0], extra[0]), concat(self.real[1], extra[1]))
        weights = np.r_[np.ones(len(self.real[1])), np.full(int(keep.sum()), float(weight))]
        return pair, weights

    def joined(self) -> Pair:
        """The real rows plus every synthetic row."""
        return self.dosed()[0]


def take(values: Any, rows: np.ndarray) -> Any:
    """Rows of a DataFrame / Series (index reset) or an array, by mask or positions."""
    if isinstance(values, pd.DataFrame | pd.Series):
        return (
            values.reset_index(drop=True)
            .iloc[np.flatnonzero(rows) if rows.dtype == bool else rows]
            .reset_index(drop=True)
        )
    return np.asarray(values)[rows]


def concat(first: Any, second: Any) -> Any:
    """Rows of `first` followed by those of `second` (labels as objects, so that mixed
    label types compare)."""
    if isinstance(first, pd.DataFrame | pd.Series):
        return pd.concat([first, second], ignore_index=True)
    if np.asarray(first).ndim == 1:
        return np.concatenate([np.asarray(first, dtype=object), np.asarray(second, dtype=object)])
    return np.concatenate([first, second])


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
    #: what candidates can share within one gate: the dose search's out-of-fold
    #: predictions of a model on the real rows alone (amount 0 is the same for all);
    #: not an argument, so a copy for a cross-fitting fold (`dataclasses.replace`)
    #: starts with its own
    shared: dict[Any, Any] = field(default_factory=dict, init=False, compare=False, repr=False)

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
    synthetic_sets: Mapping[str, SyntheticSet | Pair],
    *,
    progress: Progress | None = None,
    refit: Mapping[str, Refit] | None = None,
) -> Leaderboard:
    """Train every applicable baseline and every synthetic set, score all on the holdout.

    `synthetic_sets` maps a candidate's name to its training set: a `SyntheticSet`
    (the real training split and its accepted rows; dosed when `settings.dose` is set)
    or a plain pair (the rows a resampler kept, or real + synthetic already joined:
    used as it is). A candidate that
    cannot be trained (e.g. AdaBoost "worse than random" on a tiny class) is left out
    and listed in `board.skipped`. With `refit` (the pipeline's per-fold refit of the
    cheap candidates) and a holdout too small to judge (`gate.cross_fit`), the gate
    cross-fits on every real row instead (`crossfit.py`); `board.method` says which."""
    from equipoise.validation.gate import crossfit

    why = crossfit.reason(arena)
    if why and refit:
        return crossfit.run(arena, synthetic_sets, refit, why, progress=progress)
    candidates, skipped = train_entries(arena, synthetic_sets, progress)
    board = score_candidates(
        arena.holdout[1],
        candidates,
        classes=arena.classes,
        settings=arena.settings,
        seed=derive_seed(arena.seed, "bootstrap"),
        minority=arena.minority,
    )
    board.skipped = skipped
    board.method = crossfit.holdout_method(arena, why)
    return board


def train_entries(
    arena: Arena, synthetic_sets: Mapping[str, SyntheticSet | Pair], progress: Progress | None
) -> tuple[list[CandidateScores], list[dict[str, str]]]:
    """Every applicable baseline and synthetic set trained on `arena.train`, predicting
    `arena.holdout`; and the candidates that could not be trained."""
    from equipoise.validation.gate.baselines import BASELINES, applicable

    entries: list[Entry] = []
    for name in applicable(arena):
        entries += BASELINES[name].entries(arena, name, "baseline", arena.train)
    for name, data in synthetic_sets.items():
        if isinstance(data, SyntheticSet) and not arena.settings.dose_grid:
            data = data.joined()
        entries += BASELINES["none"].entries(arena, name, "synthetic", data)
    candidates, skipped = [], []
    for done, entry in enumerate(entries, start=1):
        try:
            with limited_threads():  # pinned: a busy machine must not slow every fit 10x
                candidates.append(entry.run())
        except ValueError as error:
            what = {"candidate": entry.name, "family": entry.family, "model": entry.model}
            skipped.append({**what, "error": str(error)})
        if progress:
            progress("gate: training candidates", done, len(entries))
    return candidates, skipped


def proba_in_class_order(
    raw: np.ndarray, model_classes: Any, classes: list[Any], rows: int
) -> np.ndarray:
    """Predicted probabilities with one column per class of `classes`, in that order."""
    proba = np.zeros((rows, len(classes)))
    index = {c: i for i, c in enumerate(classes)}
    for j, cls in enumerate(model_classes):
        proba[:, index[cls]] = raw[:, j]
    return proba
