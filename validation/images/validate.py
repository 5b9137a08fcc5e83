"""`validate_images`: schema, fidelity and memorisation checks of synthetic images, per
generated class, with the verdict and the images to keep (the tabular report type)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np

from equipoise.dataspec import ImageSchema, InputError
from equipoise.dataspec.seeding import derive_seed
from equipoise.validation.images.cnn import TrainedCNN, train_cnn
from equipoise.validation.images.fidelity import class_fidelity
from equipoise.validation.images.memorisation import (
    Nearest,
    flatten,
    memorisation_stats,
    nearest_training,
)
from equipoise.validation.images.settings import ImageValidationSettings
from equipoise.validation.images.table_suite import IMAGE_TABLE, image_sizes
from equipoise.validation.memorisation import closest_pairs, near_copy_checks
from equipoise.validation.report import ValidationReport, per_class_report
from equipoise.validation.results import CheckResult, meets
from equipoise.validation.sample_suite import run_sample_suites
from equipoise.validation.sampling import capped, sample_note
from equipoise.validation.schema_suite import SchemaResult

#: synthetic images a class needs before its fidelity figures can fail the run (below,
#: they are reported: judge agreement over 3 images says little)
MIN_IMAGES = 10


def validate_images(
    schema: ImageSchema,
    *,
    train: tuple[np.ndarray, np.ndarray],
    holdout: tuple[np.ndarray, np.ndarray],
    synthetic: tuple[np.ndarray, np.ndarray],
    settings: ImageValidationSettings | None = None,
    seed: int = 0,
    reports_dir: str | Path | None = None,
    judge: TrainedCNN | None = None,
    rows_only: bool = False,
) -> ValidationReport:
    """Check synthetic images against the real training split (schema, fidelity in a
    judge CNN's features, memorisation) and the holdout (the baseline of each figure).
    `rows_only`: only the near-copy check that removes images (a cross-fitted gate's
    per-fold refit, whose generator passed the full validation): no GX suite, no
    fidelity figures.

    Raises ValidationFailed when the synthetic images do not fit the schema (shape,
    labels) and InputError for bad real images or settings; threshold failures are in
    the report (`passed` False, `failures`)."""
    started = time.perf_counter()
    settings = ImageValidationSettings() if settings is None else settings
    if not isinstance(settings, ImageValidationSettings):
        raise InputError(f"settings must be ImageValidationSettings, got {type(settings)}")
    X_train, y_train = np.asarray(train[0]), np.asarray(train[1])
    X_hold, y_hold = np.asarray(holdout[0]), np.asarray(holdout[1])
    X_syn, y_syn = np.asarray(synthetic[0]), np.asarray(synthetic[1])
    schema.check(X_train, y_train, what="training images")
    schema.check(X_hold, y_hold, what="holdout images")
    timings: dict[str, float] = {}

    # --- schema (GX over the image table) -------------------------------------------
    if rows_only:
        real_suite = suite = SchemaResult(0, drop=np.zeros(len(y_syn), dtype=bool))
        generated = [c for c in schema.classes if (y_syn == c).any()]
    else:
        real_suite, suite, generated = run_sample_suites(
            IMAGE_TABLE, schema, image_sizes(schema), train=(X_train, y_train),
            synthetic=(X_syn, y_syn), reports_dir=reports_dir, seed=seed,
        )  # fmt: skip
    timings["schema"] = real_suite.seconds + suite.seconds

    # --- judge CNN and features ------------------------------------------------------
    t = time.perf_counter()
    if judge is None:
        judge = train_cnn(
            X_train, y_train, schema.classes, seed=derive_seed(seed, "validation", "judge"),
            epochs=settings.judge_epochs, batch_size=settings.judge_batch_size,
            loss="class_weight",
        )  # fmt: skip
    F_train, F_hold, F_syn = (judge.features(X) for X in (X_train, X_hold, X_syn))
    # one scale for every feature-space statistic: unit mean square on the training images
    # (KID's cubic kernel assumes features of order 1)
    scale = float(np.sqrt(np.mean(F_train**2))) or 1.0
    F_train, F_hold, F_syn = F_train / scale, F_hold / scale, F_syn / scale
    pred_hold, pred_syn = judge.predict(X_hold), judge.predict(X_syn)
    timings["judge"] = time.perf_counter() - t

    t = time.perf_counter()
    P_train = flatten(X_train)
    k = settings.near_copy_neighbours
    near_syn = nearest_training(P_train, F_train, flatten(X_syn), F_syn, k)
    near_hold = nearest_training(P_train, F_train, flatten(X_hold), F_hold, k)
    timings["nearest"] = time.perf_counter() - t

    keep = ~suite.drop
    checks: list[CheckResult] = []
    notes: list[str] = []
    classes: dict[Any, dict[str, Any]] = {}
    rng = np.random.default_rng(derive_seed(seed, "validation", "fidelity"))
    t = time.perf_counter()
    for label in generated:
        mine = y_syn == label
        rows = np.flatnonzero(mine & ~suite.drop)
        in_train, in_hold = y_train == label, y_hold == label
        dropped = int((mine & suite.drop).sum())
        checks.append(CheckResult("schema.images_dropped", label, dropped, None, None))
        cap = settings.sample_images
        r = np.flatnonzero(in_train)[capped(int(in_train.sum()), cap, rng)]
        s = rows[capped(len(rows), cap, rng)]
        h = np.flatnonzero(in_hold)[capped(int(in_hold.sum()), cap, rng)]
        note = sample_note(f"class {label!r} fidelity", {"training": (len(r), in_train.sum()),
                           "synthetic": (len(s), len(rows))})  # fmt: skip
        if note:
            notes.append(note)
        agree = float((pred_syn[rows] == label).mean()) if len(rows) else None
        agree_hold = float((pred_hold[in_hold] == label).mean()) if in_hold.any() else None
        fid = fid_hold = None
        if not rows_only:
            fid = class_fidelity(F_train[r], F_syn[s], agree, settings.pr_neighbours, rng)
            fid_hold = class_fidelity(F_train[r], F_hold[h], agree_hold, settings.pr_neighbours,
                                      rng)  # fmt: skip
            checks += _fidelity_checks(label, fid, fid_hold, settings,
                                       gated=len(rows) >= MIN_IMAGES)  # fmt: skip
        if len(rows) < MIN_IMAGES and not rows_only:
            notes.append(
                f"class {label!r}: {len(rows)} synthetic images; its fidelity figures are "
                f"reported, not gated (fewer than {MIN_IMAGES})"
            )

        syn_near = _subset(near_syn, rows)
        hold_near = _subset(near_hold, np.flatnonzero(in_hold))
        mem = memorisation_stats(syn_near, hold_near, settings.near_copy_ratio)
        copies = rows[syn_near.ratio < settings.near_copy_ratio]
        keep[copies] = False
        checks += near_copy_checks(
            label, mem, len(copies), settings.max_near_copy_share, "images",
            "train it less, on more images, or use another kind",
        )  # fmt: skip
        kept = int(keep[mine].sum())
        classes[label] = {
            "rows": {
                "synthetic": int(mine.sum()),
                "dropped_by_schema": dropped,
                "removed_by_leakage": len(copies),
                "kept": kept,
                "real_train": int(in_train.sum()),
                "real_holdout": int(in_hold.sum()),
            },
            "fidelity": {"synthetic": fid, "holdout": fid_hold},
            "leakage": mem,
        }
    timings["per_class"] = time.perf_counter() - t
    pairs = closest_pairs(near_syn.ratio, near_syn.pixel_index, near_syn.pixel_distance)
    timings["total"] = time.perf_counter() - started
    return per_class_report(
        settings=settings, keep=keep, checks=checks,
        schema=suite.to_dict() | {"real_training_images": real_suite.to_dict()},
        classes=classes, notes=notes, timings=timings, unit="image",
        checks_run="the schema and leakage checks", closest_pairs=pairs,
    )  # fmt: skip


def _subset(near: Nearest, rows: np.ndarray) -> Nearest:
    return Nearest(
        near.pixel_distance[rows], near.pixel_index[rows], near.ratio[rows],
        near.feature_distance[rows],
    )  # fmt: skip


def _fidelity_checks(
    label: Any, fid: dict, hold: dict, settings: ImageValidationSettings, *, gated: bool
) -> list[CheckResult]:
    """One check per statistic; thresholds that are None (or `gated` False) make it
    informational."""
    specs = (
        ("judge_agreement", settings.min_judge_agreement, ">=", "min_judge_agreement",
         "the judge CNN does not recognise the class in the synthetic images"),
        ("fd", settings.max_fd, "<=", "max_fd", "the images are far from the real class"),
        ("kid", settings.max_kid, "<=", "max_kid", "the images are far from the real class"),
        ("precision", settings.min_precision, ">=", "min_precision",
         "few synthetic images fall inside the real class's manifold"),
        ("recall", None, ">=", None, ""),
    )  # fmt: skip
    out = []
    for name, threshold, op, setting, advice in specs:
        value = fid[name]
        reference = hold[name]
        threshold = threshold if gated else None
        ref = f" (real holdout images: {reference:.3f})" if reference is not None else ""
        out.append(
            CheckResult(
                f"fidelity.{name}", label, value, threshold, meets(value, threshold, op),
                op=op, setting=setting, advice=advice + ref,
            )
        )  # fmt: skip
    return out
