"""Time series as a modality: a long table (one row per series and time step), an
`.npz` of arrays or a set bundled with sktime; float series (N, C, T) of one length.
Versions keep the input's form: `train.parquet` (long tables) or `train.npz`, with
`provenance.parquet` (one row per series)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from equipoise.pipeline.modality import (
    CliOption,
    ReportBlock,
    SplitBalanced,
    Written,
    label_counts,
)

if TYPE_CHECKING:
    import pandas as pd

    from equipoise.pipeline.candidates import Candidate
    from equipoise.pipeline.series.config import SeriesJob
    from equipoise.pipeline.series.loading import RawSeries, SeriesSplit


class Series(SplitBalanced):
    name: ClassVar[str] = "series"
    unit: ClassVar[str] = "series"
    section: ClassVar[str] = "series"
    default_generator: ClassVar[str] = "series_augment"
    cli_options = (
        CliOption(
            "series", "series.source",
            "time series: long table (with --label and --id), .npz, or sktime:NAME", "PATH",
        ),
        CliOption("label", "series.label", "the class column", "COLUMN", required=False),
        CliOption("id", "series.id", "long table: the series id column", "COLUMN",
                  required=False),
        CliOption("time", "series.time", "long table: the column that orders the steps",
                  "COLUMN", required=False),
    )  # fmt: skip
    cli_marker = frozenset({"series"})
    packages = (
        "sktime", "numba", "numpy", "pandas", "pyarrow", "scikit-learn", "imbalanced-learn",
        "prefect", "great-expectations",
    )  # fmt: skip

    def claims(self, data: Any, source: str, text: str | None) -> bool:
        return isinstance(data, tuple) or source.startswith("sktime:")

    @property
    def job_model(self) -> type[SeriesJob]:
        from equipoise.pipeline.series.config import SeriesJob

        return SeriesJob

    def load(self, job: SeriesJob) -> RawSeries:
        from equipoise.pipeline.series.loading import read_series

        return read_series(job.series)

    def split(self, raw: RawSeries, job: SeriesJob) -> SeriesSplit:
        from equipoise.pipeline.series.loading import prepare

        return prepare(raw, job.series, job.split.holdout, job.seed)

    def describe(self, data: SeriesSplit) -> str:
        s = data.schema
        return (
            f"{len(data.y_train)} training series ({s.channels} channel(s) x {s.length} "
            f"steps), {len(data.y_holdout)} holdout; training classes {label_counts(data.y_train)}"
        )

    def checks(self):
        from equipoise.validation.checks.labels import LabelCheck
        from equipoise.validation.checks.near_copies import NearCopies
        from equipoise.validation.checks.sample_schema import SampleSchema
        from equipoise.validation.series import checks as s

        return s.INPUTS, [
            SampleSchema(s.SERIES_TABLE, s.series_sizes, blank=True),
            s.SeriesFidelity(),
            NearCopies(s.series_neighbours, "series",
                       "use fewer or stronger augmentations, train it less, or use another kind"),
            s.SeriesDtw(),
            LabelCheck(s.series_filter),
        ]  # fmt: skip

    def write_version(self, folder: Path, data: SeriesSplit, winner: Candidate) -> Written:
        from equipoise.pipeline.series.files import write_series_files

        synthetic = winner.synthetic
        assert synthetic is not None  # series have no resamplers
        files = write_series_files(folder, data, synthetic, winner.generator.kind, data.config)
        return self.written(files, data, synthetic)

    def read_version(self, folder: Path, manifest: Mapping[str, Any]) -> tuple[pd.DataFrame, str]:
        import pandas as pd

        if (folder / "train.parquet").is_file():
            return pd.read_parquet(folder / "train.parquet"), manifest["series"]["label"]
        # arrays: one row per series (id, label, origin, split, generator)
        return pd.read_parquet(folder / "provenance.parquet"), "label"

    def manifest_extras(self, job: SeriesJob, data: SeriesSplit) -> dict[str, Any]:
        raw = data.raw
        return {
            "series": job.series.model_dump(mode="json", by_alias=True),
            "series_input": {
                "form": raw.form,
                "lengths_read": {"min": int(raw.lengths.min()), "max": int(raw.lengths.max())},
                "resampled_to": data.schema.length
                if (raw.lengths != data.schema.length).any()
                else None,
            },
        }

    def rows_extras(self, data: SeriesSplit) -> dict[str, int]:
        return {"rare_removed": data.rare_removed}

    def report_block(
        self, data: SeriesSplit, winner: Candidate, manifest: Mapping[str, Any]
    ) -> ReportBlock:
        from equipoise.reports.series import class_overlays, feature_distributions, pair_plot

        real = (data.X_train, data.y_train)
        overlays = class_overlays(data.schema, real, winner.synthetic)
        features = feature_distributions(data.schema, real, winner.synthetic)
        pairs = None
        if winner.validation is not None and winner.samples is not None:
            closest = getattr(winner.validation, "closest_pairs", [])
            pairs = pair_plot(closest, winner.samples[0], data.X_train)
        return ReportBlock(
            "series.html", {"overlays": overlays, "features": features, "pairs": pairs}
        )
