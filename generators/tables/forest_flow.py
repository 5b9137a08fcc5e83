"""ForestFlow / ForestDiffusion (the `forestdiffusion` package, Jolicoeur-Martineau et al.,
AISTATS 2024): flow matching (or VP diffusion) whose vector field is a set of XGBoost
models, one per noise level. No neural network, no torch; CPU only.

It shares the table models' path (`TableModelGenerator`, `per_class`): rows go through
`ModelFrameCodec` (median fill plus a discrete missing-indicator for nullable numerics, so
the model never sees NaN and trains one multi-output booster per noise level instead of one
per column), and one model is fitted on each minority class's own rows. The package's
`label_y` is not used: its `generate` draws labels in the training ratio.

Categorical columns (and the codec's missing indicators) are one-hot coded here and decoded
by argmax, which is what the package's own `cat_indexes` does, but its decoding is not used:
in forestdiffusion 1.0.6 it raises KeyError when a categorical column has a single value
within the class (common in a small minority class), and it matches a column's dummies by
substring, so with 11+ columns the dummies of column 11 are folded into column 1's argmax.
Integer numerics are declared (`int_indexes`) and rounded by the package.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from equipoise.dataspec import InputError
from equipoise.dataspec.encoding import MAX_ONEHOT_LEVELS
from equipoise.dataspec.seeding import seed_everything
from equipoise.generators.tables.models import TableModelGenerator


@dataclass
class _ClassModel:
    """One fitted ForestDiffusionModel and the layout of its numeric matrix."""

    model: Any
    columns: list[str]  # the codec frame's columns, in order
    numeric: list[str]  # first block of the matrix
    categories: dict[str, np.ndarray]  # then one one-hot block per discrete column

    def encode(self, frame: pd.DataFrame) -> np.ndarray:
        blocks = [frame[self.numeric].to_numpy(dtype="float64")]
        for name, cats in self.categories.items():
            codes = pd.Categorical(frame[name].astype(str), categories=cats).codes
            blocks.append((codes[:, None] == np.arange(len(cats))[None, :]).astype("float64"))
        return np.hstack(blocks)

    def decode(self, Z: np.ndarray) -> pd.DataFrame:
        out: dict[str, Any] = {name: Z[:, j] for j, name in enumerate(self.numeric)}
        k = len(self.numeric)
        for name, cats in self.categories.items():
            out[name] = cats[Z[:, k : k + len(cats)].argmax(axis=1)]
            k += len(cats)
        return pd.DataFrame(out)[self.columns]


class ForestFlow(TableModelGenerator):
    """ForestFlow (forestdiffusion's ForestDiffusionModel), one per minority class.

    Defaults: n_t 10 noise levels and duplicate_K 10 noisy copies, against the package's
    50 and 100, which take hours per class on one core (BENCHMARKS.md, "forest_flow");
    the boosters keep the package's n_estimators 100 and max_depth 7. Each noise level
    fits one XGBoost tree per encoded column per round, so the width after one-hot
    coding and n_t * n_estimators set the cost; duplicate_K matters less.
    """

    kind = "forest_flow"
    per_class = True
    max_levels = MAX_ONEHOT_LEVELS
    #: the package's data iterator: no duplicate_K-fold copy of the rows in memory
    _N_BATCH: ClassVar[int] = 1

    def __init__(
        self,
        schema,
        *,
        n_t: int = 10,
        duplicate_K: int = 10,
        diffusion_type: str = "flow",
        n_estimators: int = 100,
        max_depth: int = 7,
        n_jobs: int = 1,
    ):
        super().__init__(schema)
        if diffusion_type not in ("flow", "vp"):
            raise InputError(
                f"forest_flow: diffusion_type must be 'flow' or 'vp', got {diffusion_type!r}"
            )
        for name, value, least in (
            ("n_t", n_t, 2),
            ("duplicate_K", duplicate_K, 1),
            ("n_estimators", n_estimators, 1),
            ("max_depth", max_depth, 1),
            ("n_jobs", n_jobs, 1),
        ):
            if int(value) < least:
                raise InputError(f"forest_flow: {name} must be at least {least}, got {value}")
        self.n_t = int(n_t)
        self.duplicate_K = int(duplicate_K)
        self.diffusion_type = diffusion_type
        self.n_estimators = int(n_estimators)
        self.max_depth = int(max_depth)
        self.n_jobs = int(n_jobs)

    def min_class_rows(self):
        return 10, "10 rows to fit a model per class"

    def _fix_hint(self) -> str:
        return "use kind: smote or random_oversample"

    def quality_hint(self) -> str:
        return "for forest_flow, a larger n_t and duplicate_K usually help"

    def _fit_logged(self, frame, discrete, seed, description, progress, budget):
        seed_everything(seed)
        # One step per noise level; the package trains them in a loop when n_jobs is 1
        # (in joblib workers otherwise, where a callback cannot report back).
        on_step = None
        if progress is not None and self.n_jobs == 1:
            done = [0]
            progress(description, 0, self.n_t)

            def on_step() -> None:
                done[0] += 1
                progress(description, done[0], self.n_t)

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return self._fit_class(frame, discrete, seed, on_step)

    def _fit_class(
        self, frame: pd.DataFrame, discrete: list[str], seed: int, on_step: Callable | None
    ) -> _ClassModel:
        try:
            from ForestDiffusion import ForestDiffusionModel
        except ImportError:
            raise InputError(
                "forest_flow needs its extra: pip install 'equipoise[forest]' "
                "(forestdiffusion with XGBoost, LightGBM and CatBoost, about 1 GB)"
            ) from None

        numeric = [c for c in frame.columns if c not in discrete]
        layout = _ClassModel(
            model=None,
            columns=list(frame.columns),
            numeric=numeric,
            categories={name: np.unique(frame[name].astype(str)) for name in discrete},
        )
        integer = {c.name for c in self.schema.numeric if c.integer}
        model = ForestDiffusionModel.__new__(ForestDiffusionModel)
        if on_step is not None:  # count the per-noise-level fits, for the caller's progress
            train = model.train_iterator

            def counted(*args, **kwargs):
                out = train(*args, **kwargs)
                on_step()
                return out

            model.train_iterator = counted
        try:
            model.__init__(
                layout.encode(frame),
                n_t=self.n_t,
                duplicate_K=self.duplicate_K,
                diffusion_type=self.diffusion_type,
                model="xgboost",
                n_estimators=self.n_estimators,
                max_depth=self.max_depth,
                int_indexes=[j for j, name in enumerate(numeric) if name in integer],
                n_jobs=self.n_jobs,
                n_batch=self._N_BATCH,
                seed=seed,
                nthread=1,  # xgboost threads per model; n_jobs sets how many models at once
            )
        finally:
            model.__dict__.pop("train_iterator", None)  # keep the model picklable
        layout.model = model
        return layout

    def _sample_model(self, model: _ClassModel, n: int, seed: int) -> pd.DataFrame:
        # forestdiffusion draws its noise from numpy's global generator.
        seed_everything(seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            Z = model.model.generate(batch_size=n)
        return model.decode(np.asarray(Z, dtype="float64"))
