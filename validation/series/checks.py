"""The series checks the series plug-in lists besides the shared ones: fidelity of
summary features (and of MiniRocket features where the series are long enough), DTW
distance to the training series next to the holdout's, and what the shared near-copy
and label checks read (nearest training series of z-normalised series; a cross-fitted
classifier anchored on them)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from equipoise.dataspec.seeding import derive_seed
from equipoise.validation.check import Check, Context, Outcome, Run
from equipoise.validation.checks.figures import Figure, class_samples, figure_results, ungated_note
from equipoise.validation.checks.near_copies import Neighbours
from equipoise.validation.label_filter import LabelFilter, cross_fitted_proba, deal_folds
from equipoise.validation.memorisation import median, nearest_with_ratio, relative_median
from equipoise.validation.results import CheckResult, meets
from equipoise.validation.sample_suite import SampleTable
from equipoise.validation.sampling import capped
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
from equipoise.validation.validator import Inputs

#: one row per series: its length and channels, lowest / highest value, non-finite values
SERIES_TABLE = SampleTable(
    noun="series", axes=(("length", 2), ("channels", 1)), low="min", high="max", bad="nonfinite"
)
#: synthetic series a class needs before its fidelity figures can fail the run
MIN_SERIES = 10
#: shortest series MiniRocket takes
ROCKET_MIN_LENGTH = 9


def _prepare(schema: Any, train: Any, holdout: Any, synthetic: Any) -> tuple:
    pairs = tuple((np.asarray(X), np.asarray(y, dtype=object))
                  for X, y in (train, holdout, synthetic))  # fmt: skip
    schema.check(*pairs[0], what="training series")
    schema.check(*pairs[1], what="holdout series")
    return pairs


INPUTS = Inputs(SeriesValidationSettings, "series", "series", _prepare)


def series_sizes(schema: Any) -> dict[str, int]:
    return {"length": schema.length, "channels": schema.channels}


def series_neighbours(run: Run) -> Neighbours:
    """Nearest training series of each synthetic and holdout series (z-normalised)."""

    def make() -> Neighbours:
        Z_train, k = znormalised(run.train[0]), run.settings.near_copy_neighbours
        dist, index, ratio = nearest_with_ratio(Z_train, znormalised(run.synthetic[0]), k)
        h_dist, h_index, h_ratio = nearest_with_ratio(Z_train, znormalised(run.holdout[0]), k)

        def figures(rows: np.ndarray, held: np.ndarray) -> dict[str, Any]:
            return {"nn_median": median(dist[rows]), "holdout_nn_median": median(h_dist[held]),
                    "nn_vs_holdout": relative_median(dist[rows], h_dist[held])}  # fmt: skip

        return Neighbours(dist, index, ratio, h_index, h_ratio, figures)

    return run.once("neighbours", make, "nearest")


def series_filter(run: Run) -> LabelFilter:
    """The label filter, cross-fitted (`validation/label_filter.py`): each synthetic and
    holdout series is scored by a classifier that never saw its nearest training series."""
    (X_train, y_train), (X_hold, y_hold), settings = run.train, run.holdout, run.settings
    near = series_neighbours(run)
    keys = np.array([x.tobytes() for x in np.ascontiguousarray(X_train)], dtype=object)
    folds = deal_folds(keys, y_train, np.random.default_rng(derive_seed(run.seed, "labels")))
    rows_of = {"synthetic": run.synthetic[0], "holdout": X_hold}

    def fit_predict(rows, need):
        model = label_classifier(X_train[rows], y_train[rows], settings.label_points)
        return model.classes_, {
            name: model.predict_proba(label_inputs(rows_of[name][idx], settings.label_points))
            for name, idx in need.items()
            if len(idx)
        }

    anchored = {"synthetic": near.index, "holdout": near.hold_index}
    proba = cross_fitted_proba(folds, anchored, list(run.schema.classes), fit_predict)
    return LabelFilter(list(run.schema.classes), proba["synthetic"], proba["holdout"], y_hold,
                       settings.min_label_proba, "series")  # fmt: skip


FIGURES = (
    Figure("feature_distance", "max_feature_distance", "<=",
           "the series' summary features are far from the real class's"),
    Figure("detection_auc", "max_detection_auc", "<=",
           "a classifier tells the synthetic series from the real ones"),
)  # fmt: skip
ROCKET = Figure("rocket_distance", "max_rocket_distance", "<=",
                "the series' MiniRocket features are far from the real class's")  # fmt: skip


@dataclass(frozen=True)
class SeriesFidelity(Check, name="fidelity", modalities=("series",), on_failure="fail",
                     section="fidelity"):  # fmt: skip
    """Summary-feature distance (mean |SMD|), the detection AUC and, where computed, the
    Fréchet distance of MiniRocket features, each next to the real holdout's figure."""

    def start(self, run: Run) -> None:
        settings, length = run.settings, run.schema.length
        if settings.rocket_distance and length < ROCKET_MIN_LENGTH:
            run.notes.append(
                f"rocket_distance: series of {length} steps are too short for MiniRocket "
                f"(at least {ROCKET_MIN_LENGTH}); not computed"
            )
        elif settings.rocket_distance:
            started, (X_train, _) = time.perf_counter(), run.train
            space = RocketSpace(X_train, n_kernels=settings.rocket_kernels,
                                components=settings.rocket_components, seed=run.seed)  # fmt: skip
            run.memo["rocket"] = (space.train, space.transform(run.holdout[0]),
                                  space.transform(run.synthetic[0]))  # fmt: skip
            run.timings["rocket"] = time.perf_counter() - started

    def run(self, context: Context) -> Outcome:
        run, rows = context.run, context.rows
        F_train, F_hold, F_syn = run.once("features", lambda: tuple(
            summary_features(X) for X in (run.train[0], run.holdout[0], run.synthetic[0])
        ), "features")  # fmt: skip
        rng = run.once("fidelity_rng", lambda: np.random.default_rng(
            derive_seed(run.seed, "validation", "fidelity")))  # fmt: skip
        r, s, h, note = class_samples(context, context.settings.sample_series, rng, holdout=False)
        context.memo["training_sample"] = r
        fid = _fidelity(F_train[r], F_syn[s], context.settings, run.seed)
        held = _fidelity(F_train[r], F_hold[h], context.settings, run.seed)
        figures = FIGURES
        if "rocket" in run.memo:
            R_train, R_hold, R_syn = run.memo["rocket"]
            fid["rocket_distance"] = frechet(R_train[r], R_syn[s])
            held["rocket_distance"] = frechet(R_train[r], R_hold[h])
            figures += (ROCKET,)
        gated = len(rows) >= MIN_SERIES
        results = figure_results(context, fid, held, figures, gated=gated, noun="series")
        notes = [n for n in (note, ungated_note(context.label, len(rows), "series", MIN_SERIES))
                 if n]  # fmt: skip
        return Outcome(results, details={"synthetic": fid, "holdout": held}, notes=notes)


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


@dataclass(frozen=True)
class SeriesDtw(Check, name="dtw", modalities=("series",), on_failure="fail", section="leakage"):
    """Median DTW distance (z-normalised) from up to `validation.dtw_sample` synthetic
    and holdout series of the class to its sampled training series: synthetic series
    much closer than unseen real ones are memorised. Reads the fidelity check's sample."""

    def run(self, context: Context) -> Outcome:
        run, settings = context.run, context.settings
        if not settings.dtw_sample:
            return Outcome()
        started = time.perf_counter()
        rng = run.once("dtw_rng", lambda: np.random.default_rng(
            derive_seed(run.seed, "validation", "dtw")))  # fmt: skip
        X_train = run.train[0]
        pool = znormalised(X_train).reshape(X_train.shape)[context.memo["training_sample"]]
        window = max(1, round(settings.dtw_window * run.schema.length))
        mem = _dtw_leakage(pool, run.synthetic[0][context.rows], run.holdout[0][context.in_hold],
                           settings.dtw_sample, window, rng)  # fmt: skip
        run.timings["dtw"] = run.timings.get("dtw", 0.0) + time.perf_counter() - started
        value, limit = mem["dtw_vs_holdout"], settings.min_dtw_vs_holdout
        limit = limit if len(context.rows) >= MIN_SERIES else None
        result = CheckResult(
            "leakage.dtw_vs_holdout", context.label, value, limit, meets(value, limit, ">="),
            op=">=", setting="min_dtw_vs_holdout",
            advice=f"the sampled series are closer (DTW) to training series than unseen real "
            f"ones are (median {_num(mem['dtw_nn_median'])} vs holdout "
            f"{_num(mem['holdout_dtw_nn_median'])})",
        )  # fmt: skip
        return Outcome([result], details=mem)


def _num(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def _dtw_leakage(
    pool: np.ndarray, syn: np.ndarray, hold: np.ndarray, sample: int, window: int,
    rng: np.random.Generator,
) -> dict[str, Any]:  # fmt: skip
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
