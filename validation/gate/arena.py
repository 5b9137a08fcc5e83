"""The tournament of every modality: the registered baselines that apply to it and every
synthetic candidate set, each trained with the same downstream models and scored on
the same real rows with shared bootstrap resamples.

An `Arena` holds what all candidates of one gate share; an `Entry` is one candidate
× downstream model (× dose, for a synthetic set), ready to train. Which entries a
baseline makes comes from the baseline registry (`baselines.py`); a synthetic set is
trained like the `none` baseline, on the real training rows plus its accepted rows: a
`SyntheticSet`, so that its dose grid (`dose.py`) knows which rows are synthetic.
`judging.py` decides where the candidates are trained and scored (the holdout, or
cross-fitting on every real row) and runs the entries, in parallel.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from equipoise.validation.gate.scoring import CandidateScores, Leaderboard
from equipoise.validation.gate.settings import GateSettings

#: (X, y) of any modality: a DataFrame and a Series, or arrays
Pair = tuple[Any, Any]
#: progress(description, completed, total), after each unit of the gate's work
Progress = Callable[[str, int, int], None]
#: rows of a generator kind for a baseline: synthesize(kind, real training rows, counts
#: per class, seed), the kind fitted on those rows only
Synthesize = Callable[[str, Pair, Mapping[Any, int], int], Pair]
#: a candidate's training set for one cross-fitting fold: refit(train, test, seed), its
#: generator fitted on `train` only (`test`: the fold's scored rows, for validation's
#: leakage checks); raises ValueError when it cannot be made
Refit = Callable[[Pair, Pair, int], "SyntheticSet | Pair"]
#: mapper(fn, items): fn applied to every item, results in the items' order (an
#: iterator, so progress can be shown as they come); None runs them in this process
Mapper = Callable[[Callable[[Any], Any], list[Any]], Any]


@dataclass(frozen=True)
class SyntheticSet:
    """A synthetic candidate's training data: the real training rows and the accepted
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

    def on(self, real: Pair) -> SyntheticSet:
        """The same synthetic rows beside other real rows (a cross-fitting fold's)."""
        return SyntheticSet(real, self.synthetic)


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
    """What every candidate of one gate shares: the real rows a candidate trains on
    (`train`) and those that score it (`holdout`; a cross-fitting fold's own rows)."""

    modality: str
    schema: Any
    train: Pair
    holdout: Pair
    settings: GateSettings
    seed: int
    #: the pipeline's hook for baselines that need generated rows (images: augment)
    synthesize: Synthesize | None = None
    #: classes whose holdout rows are scored but never trained on when the gate
    #: cross-fits: a `rare` rule's class (the holdout keeps all its rows, which the
    #: user's training data would not have)
    scored_only: tuple[Any, ...] = ()

    @property
    def classes(self) -> list[Any]:
        return list(self.schema.classes)

    @property
    def minority(self) -> Any:
        """The rarest class of the training rows (ties: the later in count order)."""
        return pd.Series(np.asarray(self.train[1], dtype=object)).value_counts().index[-1]

    @property
    def minority_rows(self) -> int:
        return int(pd.Series(np.asarray(self.train[1], dtype=object)).value_counts().iloc[-1])

    @property
    def binary(self) -> bool:
        return len(self.classes) == 2


@dataclass(frozen=True)
class Entry:
    """One candidate × downstream model (× dose); `run()` trains it and predicts the
    arena's holdout."""

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
    mapper: Mapper | None = None,
    excluded: Mapping[str, str] | None = None,
) -> Leaderboard:
    """Train every applicable baseline and every synthetic set, score all.

    `synthetic_sets` maps a candidate's name to its training set: a `SyntheticSet`
    (the real training split and its accepted rows; each dose of the grid is an entry)
    or a plain pair (the rows a resampler kept, or real + synthetic already joined:
    used as it is). A candidate that cannot be trained is left out and listed in
    `board.skipped`. When the holdout holds too few rows of a class (`gate.cross_fit`),
    the gate cross-fits on every real row; `refit` (the pipeline's per-fold refit of
    the cheap candidates) then makes each fold's synthetic rows, and the others are
    judged on the holdout rows alone (`judging.py`; `board.method` says which). The
    units of work run through `mapper` (default: this machine's cores, `gate.jobs`).
    `excluded`: candidates that never reached the gate, and why (for the verdict)."""
    from equipoise.validation.gate import judging

    board = judging.judge(arena, synthetic_sets, refit or {}, progress=progress, mapper=mapper)
    board.excluded = dict(excluded or {})
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
