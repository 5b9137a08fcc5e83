"""The files of an image version: class-per-subfolder PNGs, `labels.parquet` and
`provenance.parquet`."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from equipoise.dataspec.naming import safe_name
from equipoise.pipeline.images.loading import ImageSplit


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
    folders = class_folders(split.schema.classes)
    for origin, part, gen, X, y, sources in parts:
        tag = part or generator
        for i, (img, label, source) in enumerate(zip(X, y, sources, strict=True)):
            sub = Path("images") / folders[label]
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


def class_folders(classes: Sequence[Any]) -> dict[Any, str]:
    """One folder name per class: the label made safe; labels whose safe names collide
    (e.g. two names written in another script both become "dataset") each get a suffix
    from their label's hash, so no two classes share a folder. `labels.parquet` maps
    every file back to its label."""
    names = {c: safe_name(str(c)) for c in classes}
    taken = Counter(names.values())
    return {
        c: name if taken[name] == 1 else f"{name}-{hashlib.sha256(str(c).encode()).hexdigest()[:8]}"
        for c, name in names.items()
    }


def plain(value: Any) -> Any:
    """A numpy scalar as the Python value parquet stores."""
    return value.item() if hasattr(value, "item") else value
