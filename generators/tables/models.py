"""Deep and statistical table synthesizers: CTGAN (the ctgan package), and SDV's
GaussianCopula and TVAE.

All share one path: rows go through `ModelFrameCodec` (NaN-free, categories as
strings), and minority rows come either from a model fitted on that class alone
(`per_class`) or, for CTGAN, from its condition vector on the label, keeping
the rows whose label matches and topping up in bounded batches. Never from
unconditioned reject sampling.
"""

from __future__ import annotations

import warnings
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from equipoise.dataspec import GenerationError, InputError
from equipoise.dataspec.encoding import MAX_ONEHOT_LEVELS, ModelFrameCodec
from equipoise.dataspec.seeding import derive_seed, seed_everything
from equipoise.dataspec.threads import limited_threads
from equipoise.generators.base import ProgressCallback
from equipoise.generators.progress import report_epochs
from equipoise.generators.tables.base import TableGenerator

LABEL = "__equipoise_label__"


class TableModelGenerator(TableGenerator):
    """Base: subclasses build, fit and sample one model (`_fit_model`, `_sample_model`)."""

    per_class: bool = True
    #: module whose tqdm loop counts the epochs (None: no epochs to report)
    epoch_module: ClassVar[str | None] = None
    #: levels a categorical keeps for a model that one-hot codes them (the rest share
    #: OTHER, restored per class on sampling: `ModelFrameCodec`); None: every level
    max_levels: ClassVar[int | None] = None

    def _fit(
        self, X: pd.DataFrame, y: pd.Series, *, seed: int, progress: ProgressCallback | None
    ) -> None:
        self.codec_ = ModelFrameCodec(self.schema, self.max_levels).fit(X, y)
        #: the columns whose infrequent levels were merged for the model (the manifest)
        self.capped_levels_ = self.codec_.capped()
        frame = self.codec_.transform(X)
        discrete = self.codec_.discrete_columns
        budget = getattr(self, "epoch_budget_", None)
        if self.per_class:
            self.models_ = {}
            minority = int(y.isin(self.minority_classes_).sum())
            for cls in self.minority_classes_:
                rows = frame[(y == cls).to_numpy()].reset_index(drop=True)
                # each class's fit gets the share of the budget its rows are of the minorities'
                part = budget.part(len(rows) / minority) if budget is not None else None
                self.models_[cls] = self._fit_logged(
                    rows, discrete, derive_seed(seed, "fit", cls), f"{self.kind} {cls!r}",
                    progress, part,
                )  # fmt: skip
        else:
            frame[LABEL] = y.astype(str).to_numpy()
            self.model_ = self._fit_logged(
                frame, [*discrete, LABEL], derive_seed(seed, "fit"), self.kind, progress, budget
            )

    def _fit_logged(self, frame, discrete, seed, description, progress, budget):
        seed_everything(seed)
        with warnings.catch_warnings(), limited_threads():
            warnings.simplefilter("ignore")
            if self.epoch_module is None:
                return self._fit_model(frame, discrete, seed)
            # The libraries print tqdm bars; report_epochs replaces them (silently if no
            # callback) and holds the epochs to the time budget.
            with report_epochs(self.epoch_module, description, progress or _silent, budget):
                return self._fit_model(frame, discrete, seed)

    def _sample(self, counts: dict[Any, int], *, seed: int) -> tuple[pd.DataFrame, pd.Series]:
        with limited_threads():
            return self._sample_classes(counts, seed)

    def _sample_classes(self, counts: dict[Any, int], seed: int) -> tuple[pd.DataFrame, pd.Series]:
        parts, labels = [], []
        for cls, n in counts.items():
            cls_seed = derive_seed(seed, "sample", cls)
            if self.per_class:
                if cls not in self.models_:
                    raise InputError(
                        f"{self.kind} fitted per class has no model for the largest class "
                        f"{cls!r}; ask only for the smaller classes"
                    )
                frame = self._sample_model(self.models_[cls], n, cls_seed)
            else:
                frame = self._sample_matching(cls, n, cls_seed)
            rng = np.random.default_rng(derive_seed(cls_seed, "levels"))
            parts.append(self.codec_.inverse_transform(frame, cls, rng))
            labels += [cls] * n
        return pd.concat(parts, ignore_index=True), pd.Series(labels)

    def _sample_matching(self, cls: Any, n: int, seed: int) -> pd.DataFrame:
        raise NotImplementedError(f"{self.kind} samples per class only")

    def _fit_model(self, frame: pd.DataFrame, discrete: list[str], seed: int) -> Any:
        raise NotImplementedError

    def _sample_model(self, model: Any, n: int, seed: int) -> pd.DataFrame:
        raise NotImplementedError


class CTGAN(TableModelGenerator):
    """CTGAN (ctgan package). By default one model on all training rows, sampled with the
    label as its condition; `per_class: true` fits one model per minority class."""

    kind = "ctgan"
    epoch_module = "ctgan.synthesizers.ctgan"
    max_levels = MAX_ONEHOT_LEVELS

    def __init__(
        self,
        schema,
        *,
        epochs: int = 300,
        batch_size: int = 500,
        pac: int = 10,
        embedding_dim: int = 128,
        generator_dim: tuple[int, ...] = (256, 256),
        discriminator_dim: tuple[int, ...] = (256, 256),
        per_class: bool = False,
        max_batches: int = 20,
    ):
        super().__init__(schema)
        if batch_size % 2 or batch_size % pac:
            raise InputError(
                f"ctgan: batch_size ({batch_size}) must be even and a multiple of pac ({pac}); "
                f"use e.g. batch_size: {max(2, pac) * 50}"
            )
        if epochs < 1:
            raise InputError(f"ctgan: epochs must be at least 1, got {epochs}")
        self.epochs = epochs
        self.batch_size = batch_size
        self.pac = pac
        self.embedding_dim = embedding_dim
        self.generator_dim = tuple(generator_dim)
        self.discriminator_dim = tuple(discriminator_dim)
        self.per_class = per_class
        self.max_batches = max_batches

    def min_class_rows(self):
        if self.per_class:
            return 10, "10 rows to fit a model per class"
        return 2, "2 rows to learn the class"

    def _fix_hint(self) -> str:
        return "use kind: smote or random_oversample" + (
            ", or per_class: false" if self.per_class else ""
        )

    def quality_hint(self) -> str:
        if self.per_class:
            return "for ctgan, more epochs usually help"
        return "for ctgan, per_class: true often fits small classes better"

    def _fit_model(self, frame, discrete, seed):
        from ctgan import CTGAN as _CTGAN

        model = _CTGAN(
            epochs=self.epochs,
            batch_size=self.batch_size,
            pac=self.pac,
            embedding_dim=self.embedding_dim,
            generator_dim=self.generator_dim,
            discriminator_dim=self.discriminator_dim,
            enable_gpu=_gpu_available(),
            verbose=True,  # its tqdm loop is what report_epochs turns into callbacks
        )
        model.set_random_state(seed)
        model.fit(frame, discrete_columns=discrete)
        return model

    def _sample_model(self, model, n, seed):
        model.set_random_state(seed)
        return model.sample(n)

    def _sample_matching(self, cls, n, seed):
        """Sample with the label as condition, keep the matching rows, top up in batches."""
        self.model_.set_random_state(seed)
        kept: list[pd.DataFrame] = []
        have = drawn = 0
        for _ in range(self.max_batches):
            rate = max(have / drawn, 0.02) if drawn else 0.5
            size = int(min(max((n - have) / rate * 1.2, self.batch_size), 200_000))
            frame = self.model_.sample(size, condition_column=LABEL, condition_value=str(cls))
            match = frame[frame[LABEL] == str(cls)]
            kept.append(match)
            have += len(match)
            drawn += size
            if have >= n:
                break
        self.match_rates_ = {**getattr(self, "match_rates_", {}), cls: have / drawn}
        if have < n:
            raise GenerationError(
                f"ctgan produced {have} of {n} rows of class {cls!r} in {self.max_batches} "
                f"batches ({have / drawn:.1%} of sampled rows carried that label); train longer "
                "(params.epochs) or set params.per_class: true"
            )
        return pd.concat(kept, ignore_index=True).head(n).drop(columns=LABEL)


class _SDVPerClass(TableModelGenerator):
    """SDV single-table synthesizers, one per minority class."""

    def _metadata(self, frame: pd.DataFrame, discrete: list[str]) -> Any:
        from sdv.metadata import Metadata

        columns = {
            name: {"sdtype": "categorical" if name in discrete else "numerical"}
            for name in frame.columns
        }
        return Metadata.load_from_dict({"tables": {"table": {"columns": columns}}})

    def _fit_model(self, frame, discrete, seed):
        model = self._synthesizer(self._metadata(frame, discrete))
        model.fit({"table": frame})
        return model

    def _sample_model(self, model, n, seed):
        model._set_random_state(seed)  # SDV otherwise samples from one fixed seed
        return model.sample(num_rows=n)["table"]

    def _synthesizer(self, metadata: Any) -> Any:
        raise NotImplementedError


class GaussianCopula(_SDVPerClass):
    """SDV GaussianCopulaSynthesizer per minority class: fast, no training loop."""

    kind = "gaussian_copula"
    refit_cheaply = True

    def __init__(self, schema, *, default_distribution: str = "beta"):
        super().__init__(schema)
        self.default_distribution = default_distribution

    def min_class_rows(self):
        return 5, "5 rows to fit a copula per class"

    def _synthesizer(self, metadata):
        from sdv.single_table import GaussianCopulaSynthesizer

        return GaussianCopulaSynthesizer(metadata, default_distribution=self.default_distribution)


class TVAE(_SDVPerClass):
    """SDV TVAESynthesizer per minority class."""

    kind = "tvae"
    epoch_module = "ctgan.synthesizers.tvae"
    max_levels = MAX_ONEHOT_LEVELS

    def __init__(self, schema, *, epochs: int = 300, batch_size: int = 500):
        super().__init__(schema)
        self.epochs = epochs
        self.batch_size = batch_size

    def min_class_rows(self):
        return 10, "10 rows to fit a model per class"

    def _synthesizer(self, metadata):
        from sdv.single_table import TVAESynthesizer

        return TVAESynthesizer(
            metadata,
            epochs=self.epochs,
            batch_size=self.batch_size,
            enable_gpu=_gpu_available(),
            verbose=True,
        )


def _silent(description: str, completed: int, total: int) -> None:
    """A progress callback that shows nothing."""


def _gpu_available() -> bool:
    import torch

    return bool(torch.cuda.is_available())
