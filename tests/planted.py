"""A planted harm shared by tests: a generator whose rows are majority rows labelled as
the minority (training on them hurts), and the validation settings that let its rows
reach the gate, so that the gate itself must refuse them."""

from __future__ import annotations

import numpy as np
import pandas as pd

from equipoise.generators.tables.base import TableGenerator


class LabelFlip(TableGenerator):
    """Passes majority-class rows off as the minority class: training on them hurts."""

    kind = "label_flip"

    def _fit(self, X, y, *, seed, progress):
        self.X_, self.y_ = X, y
        self.majority_ = y.value_counts().index[0]

    def _sample(self, counts, *, seed):
        rng = np.random.default_rng(seed)
        pool = np.flatnonzero((self.y_ == self.majority_).to_numpy())
        n = sum(counts.values())
        X = self.X_.iloc[rng.choice(pool, size=n, replace=True)].reset_index(drop=True)
        return X, pd.Series(np.repeat(list(counts), list(counts.values())))


#: validation would catch the flipped rows (copies, column shapes): let them reach the gate
LET_IT_THROUGH = {"min_column_shapes": 0, "min_column_pair_trends": 0, "allow_exact_copies": True}
