"""`validate_series`: schema, fidelity, label and leakage checks of synthetic series,
per generated class, with the verdict and the series to keep (the shared report type)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np

from equipoise.dataspec import InputError
from equipoise.dataspec.seeding import derive_seed
from equipoise.dataspec.series import SeriesSchema
from equipoise.validation.label_filter import LabelFilter, cross_fitted_proba, deal_folds
from equipoise.validation.memorisation import (
    closest_pairs,
    median,
    near_copy_checks,
    near_copy_stats,
    nearest_with_ratio,
    relative_median,
)
from equipoise.validation.report import ValidationReport, per_class_report
from equipoise.validation.results import CheckResult, meets
from equipoise.validation.sample_suite import SampleTable, run_sample_suites
from equipoise.validation.sampling import capped, sample_note
from equipoise.validation.series.distances import RocketSpace, frechet, nearest_dtw
from equipoise.validation.series.features import (
    abs_smd,
    detection_auc,
    label_classifier,
    label_inputs,
    summary_features,
    znormalised,
)
from equipoise.validation.series.settings import SeriesValidationSettings

#: one row per series: its length and channels, lowest / highest value, non-finite values
SERIES_TABLE = SampleTable(
    noun="series", axes=(("length", 2), ("channels", 1)), low="min", high="max", bad="nonfinite"
)
#: synthetic series a class needs before its fidelity figures can fail the run
MIN_SERIES = 10
#: shortest series MiniRocket takes
ROCKET_MIN_LENGTH = 9


def validate_series(
    schema: SeriesSchema,
    *,
    train: tuple[np.ndarray, np.ndarray],
    holdout: tuple[np.ndarray, np.ndarray],
    synthetic: tuple[np.ndarray, np.ndarray],
    settings: SeriesValidationSettings | None = None,
    seed: int = 0,
    reports_dir: str | Path | None = None,
) -> ValidationReport:
    """Check synthetic series (N, C, T) against the real training split (schema, summary
    feature fidelity, label preservation, nearest-neighbour leakage) and the holdout
    (the reference of each figure).

    Raises ValidationFailed when the synthetic series do not fit the schema (shape,
    labels) and InputError for bad real series or settings; threshold failures are in
    the report (`passed` False, `failures`). `keep` is False for series with non-finite
    values, near copies of training series and series whose label the classifier does
    not recognise."""
    started = time.perf_counter()
    settings = SeriesValidationSettings() if settings is None else settings
    if not isinstance(settings, SeriesValidationSettings):
        raise InputError(f"settings must be SeriesValidationSettings, got {type(settings)}")
    X_train, y_train = np.asarray(train[0]), np.asarray(train[1], dtype=object)
    X_hold, y_hold = np.asarray(holdout[0]), np.asarray(holdout[1], dtype=object)
    X_syn, y_syn = np.asarray(synthetic[0]), np.asarray(synthetic[1], dtype=object)
    schema.check(X_train, y_train, what="training series")
    schema.check(X_hold, y_hold, what="holdout series")
    timings: dict[str, float] = {}

    # --- schema (GX over the series table) ------------------------------------------
    sizes = {"length": schema.length, "channels": schema.channels}
    real_suite, suite, generated = run_sample_suites(
        SERIES_TABLE, schema, sizes, train=(X_train, y_train), synthetic=(X_syn, y_syn),
        reports_dir=reports_dir, seed=seed,
    )  # fmt: skip
    timings["schema"] = real_suite.seconds + suite.seconds
    keep = ~suite.drop
    # dropped series are read as zeros below, so that every array keeps its positions
    X_syn = np.where(keep[:, None, None], np.asarray(X_syn, dtype=np.float64), 0.0)

    # --- features, label classifier, nearest training series ------------------------
    t = time.perf_counter()
    Z_train = znormalised(X_train)
    k = settings.near_copy_neighbours
    syn_dist, syn_index, syn_ratio = nearest_with_ratio(Z_train, znormalised(X_syn), k)
    hold_dist, hold_index, hold_ratio = nearest_with_ratio(Z_train, znormalised(X_hold), k)
    timings["nearest"] = time.perf_counter() - t
    t = time.perf_counter()
    F_train, F_hold, F_syn = (summary_features(X) for X in (X_train, X_hold, X_syn))
    labels = _label_filter(schema, (X_train, y_train), (X_hold, y_hold), X_syn,
                           (syn_index, hold_index), settings, seed)  # fmt: skip
    timings["features_and_label_model"] = time.perf_counter() - t

    checks: list[CheckResult] = []
    notes: list[str] = []
    rocket = None
    if settings.rocket_distance and schema.length < ROCKET_MIN_LENGTH:
        notes.append(f"rocket_distance: series of {schema.length} steps are too short for "
                     f"MiniRocket (at least {ROCKET_MIN_LENGTH}); not computed")  # fmt: skip
    elif settings.rocket_distance:
        t = time.perf_counter()
        space = RocketSpace(X_train, n_kernels=settings.rocket_kernels,
                            components=settings.rocket_components, seed=seed)  # fmt: skip
        rocket = (space.train, space.transform(X_hold), space.transform(X_syn))
        timings["rocket"] = time.perf_counter() - t
    dtw_rng = np.random.default_rng(derive_seed(seed, "validation", "dtw"))
    dtw_window = max(1, round(settings.dtw_window * schema.length))
    Z_series = Z_train.reshape(X_train.shape)
    timings["dtw"] = 0.0
    classes: dict[Any, dict[str, Any]] = {}
    rng = np.random.default_rng(derive_seed(seed, "validation", "fidelity"))
    t = time.perf_counter()
    for label in generated:
        mine = y_syn == label
        rows = np.flatnonzero(mine & keep)
        in_train, in_hold = y_train == label, y_hold == label
        dropped = int((mine & ~keep).sum())
        checks.append(CheckResult("schema.series_dropped", label, dropped, None, None))

        # fidelity: summary features against the class's training series
        cap = settings.sample_series
        r = np.flatnonzero(in_train)[capped(int(in_train.sum()), cap, rng)]
        s = rows[capped(len(rows), cap, rng)]
        note = sample_note(f"class {label!r} fidelity", {"training": (len(r), in_train.sum()),
                           "synthetic": (len(s), len(rows))})  # fmt: skip
        if note:
            notes.append(note)
        fid = _fidelity(F_train[r], F_syn[s], settings, seed)
        fid_hold = _fidelity(F_train[r], F_hold[in_hold], settings, seed)
        if rocket is not None:
            fid["rocket_distance"] = frechet(rocket[0][r], rocket[2][s])
            fid_hold["rocket_distance"] = frechet(rocket[0][r], rocket[1][in_hold])
        gated = len(rows) >= MIN_SERIES
        checks += _fidelity_checks(label, fid, fid_hold, settings, gated=gated)
        if not gated:
            notes.append(
                f"class {label!r}: {len(rows)} synthetic series; its fidelity figures are "
                f"reported, not gated (fewer than {MIN_SERIES})"
            )

        # leakage: near copies of training series (ratio test), removed
        mem = near_copy_stats(syn_ratio[rows], hold_ratio[in_hold], settings.near_copy_ratio)
        mem |= {
            "nn_median": median(syn_dist[rows]),
            "holdout_nn_median": median(hold_dist[in_hold]),
            "nn_vs_holdout": relative_median(syn_dist[rows], hold_dist[in_hold]),
        }
        if settings.dtw_sample:
            d = time.perf_counter()
            mem |= _dtw_leakage(Z_series[r], X_syn[rows], X_hold[in_hold], settings.dtw_sample,
                                dtw_window, dtw_rng)  # fmt: skip
            timings["dtw"] += time.perf_counter() - d
            value, limit = mem["dtw_vs_holdout"], settings.min_dtw_vs_holdout if gated else None
            checks.append(CheckResult(
                "leakage.dtw_vs_holdout", label, value, limit, meets(value, limit, ">="),
                op=">=", setting="min_dtw_vs_holdout",
                advice=f"the sampled series are closer (DTW) to training series than unseen real "
                f"ones are (median {_num(mem['dtw_nn_median'])} vs holdout "
                f"{_num(mem['holdout_dtw_nn_median'])})",
            ))  # fmt: skip
        copies = rows[syn_ratio[rows] < settings.near_copy_ratio]
        keep[copies] = False
        checks += near_copy_checks(
            label, mem, len(copies), settings.max_near_copy_share, "series",
            "use fewer or stronger augmentations, train it less, or use another kind",
        )  # fmt: skip

        # label preservation: the classifier's probability of the intended class
        label_checks, label_info, n_low = labels.apply(label, rows, keep)
        checks += label_checks
        classes[label] = {
            "rows": {
                "synthetic": int(mine.sum()),
                "dropped_by_schema": dropped,
                "removed_by_leakage": len(copies),
                "dropped_by_label": n_low,
                "kept": int(keep[mine].sum()),
                "real_train": int(in_train.sum()),
                "real_holdout": int(in_hold.sum()),
            },
            "fidelity": {"synthetic": fid, "holdout": fid_hold},
            "label": label_info,
            "leakage": mem,
        }  # fmt: skip
    timings["per_class"] = time.perf_counter() - t
    timings["total"] = time.perf_counter() - started
    return per_class_report(
        settings=settings, keep=keep, checks=checks,
        schema=suite.to_dict() | {"real_training_series": real_suite.to_dict()},
        classes=classes, notes=notes, timings=timings, unit="series",
        checks_run="the schema, leakage and label checks",
        closest_pairs=closest_pairs(syn_ratio, syn_index, syn_dist),
    )  # fmt: skip


def _fidelity(
    real: np.ndarray, other: np.ndarray, settings: SeriesValidationSettings, seed: int
) -> dict[str, float | None]:
    """Mean |SMD| of the summary features and the detection AUC of `other` (synthetic or
    holdout series of one class) against the class's real training series."""
    smd = abs_smd(real, other)
    return {
        "feature_distance": None if smd is None else float(smd.mean()),
        "detection_auc": detection_auc(
            real, other, settings.detection_folds, derive_seed(seed, "validation", "detection")
        ),
    }


def _num(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def _dtw_leakage(
    pool: np.ndarray,
    syn: np.ndarray,
    hold: np.ndarray,
    sample: int,
    window: int,
    rng: np.random.Generator,
) -> dict[str, Any]:
    """Median DTW distance (z-normalised series) from up to `sample` synthetic and
    holdout series of a class to the nearest of its training series `pool`."""
    shape = pool.shape[1:]
    syn, hold = (znormalised(X).reshape(-1, *shape) for X in (syn, hold))
    syn_d, hold_d = (nearest_dtw(X[capped(len(X), sample, rng)], pool, window)
                     for X in (syn, hold))  # fmt: skip
    return {
        "dtw_sampled": len(syn_d),
        "dtw_nn_median": median(syn_d),
        "holdout_dtw_nn_median": median(hold_d),
        "dtw_vs_holdout": relative_median(syn_d, hold_d),
    }


def _fidelity_checks(
    label: Any, fid: dict, hold: dict, settings: SeriesValidationSettings, *, gated: bool
) -> list[CheckResult]:
    """One check per figure; thresholds that are None (or `gated` False) make it
    informational. The advice names the real holdout's own figure."""
    specs = (
        ("feature_distance", settings.max_feature_distance, "max_feature_distance",
         "the series' summary features are far from the real class's"),
        ("detection_auc", settings.max_detection_auc, "max_detection_auc",
         "a classifier tells the synthetic series from the real ones"),
    )  # fmt: skip
    if "rocket_distance" in fid:
        specs += (("rocket_distance", settings.max_rocket_distance, "max_rocket_distance",
                   "the series' MiniRocket features are far from the real class's"),)  # fmt: skip
    out = []
    for name, threshold, setting, advice in specs:
        value, reference = fid[name], hold[name]
        threshold = threshold if gated else None
        ref = f" (real holdout series: {reference:.3f})" if reference is not None else ""
        out.append(
            CheckResult(
                f"fidelity.{name}", label, value, threshold, meets(value, threshold, "<="),
                setting=setting, advice=advice + ref,
            )
        )  # fmt: skip
    return out


def _label_filter(schema, train, holdout, X_syn, anchors, settings, seed) -> LabelFilter:
    """The label filter, cross-fitted (`validation/label_filter.py`): each synthetic and
    holdout series is scored by a classifier that never saw its nearest training series."""
    (X_train, y_train), (X_hold, y_hold) = train, holdout
    keys = np.array([x.tobytes() for x in np.ascontiguousarray(X_train)], dtype=object)
    folds = deal_folds(keys, y_train, np.random.default_rng(derive_seed(seed, "labels")))
    rows_of = {"synthetic": X_syn, "holdout": X_hold}

    def fit_predict(rows, need):
        model = label_classifier(X_train[rows], y_train[rows], settings.label_points)
        return model.classes_, {
            name: model.predict_proba(label_inputs(rows_of[name][idx], settings.label_points))
            for name, idx in need.items()
            if len(idx)
        }

    anchored = dict(zip(rows_of, anchors, strict=True))
    proba = cross_fitted_proba(folds, anchored, list(schema.classes), fit_predict)
    return LabelFilter(list(schema.classes), proba["synthetic"], proba["holdout"], y_hold,
                       settings.min_label_proba, "series")  # fmt: skip
