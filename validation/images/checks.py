"""The image checks the image plug-in lists besides the shared ones: fidelity in the
feature space of a judge CNN trained on the real training split, and the pixel-space
neighbours the shared near-copy check reads. The judge is trained once a run (or given:
`judge=`) and only where a check needs its features: a rows-only validation does not."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from equipoise.dataspec.seeding import derive_seed
from equipoise.validation.check import Check, Context, Outcome, Run
from equipoise.validation.checks.figures import Figure, class_samples, figure_results, ungated_note
from equipoise.validation.checks.near_copies import Neighbours
from equipoise.validation.images.fidelity import class_fidelity
from equipoise.validation.images.memorisation import flatten, nearest_training
from equipoise.validation.images.settings import ImageValidationSettings
from equipoise.validation.memorisation import median, relative_median
from equipoise.validation.validator import Inputs

#: synthetic images a class needs before its fidelity figures can fail the run (below,
#: they are reported: judge agreement over 3 images says little)
MIN_IMAGES = 10


def _prepare(schema: Any, train: Any, holdout: Any, synthetic: Any) -> tuple:
    pairs = tuple((np.asarray(X), np.asarray(y)) for X, y in (train, holdout, synthetic))
    schema.check(*pairs[0], what="training images")
    schema.check(*pairs[1], what="holdout images")
    return pairs


INPUTS = Inputs(ImageValidationSettings, "image", "images", _prepare)


@dataclass(frozen=True)
class Judged:
    """The judge's features of the three splits (one scale: unit mean square on the
    training images, as KID's cubic kernel assumes) and its predictions."""

    features: tuple[np.ndarray, np.ndarray, np.ndarray]
    pred_hold: np.ndarray
    pred_syn: np.ndarray


def judged(run: Run) -> Judged:
    def make() -> Judged:
        from equipoise.validation.images.cnn import train_cnn

        (X_train, y_train), (X_hold, _), (X_syn, _) = run.train, run.holdout, run.synthetic
        judge = run.memo.get("judge")
        if judge is None:
            judge = train_cnn(
                X_train, y_train, run.schema.classes,
                seed=derive_seed(run.seed, "validation", "judge"),
                epochs=run.settings.judge_epochs, batch_size=run.settings.judge_batch_size,
                loss="class_weight",
            )  # fmt: skip
        F = [judge.features(X) for X in (X_train, X_hold, X_syn)]
        scale = float(np.sqrt(np.mean(F[0] ** 2))) or 1.0
        return Judged((F[0] / scale, F[1] / scale, F[2] / scale), judge.predict(X_hold),
                      judge.predict(X_syn))  # fmt: skip

    return run.once("judged", make, "judge")


def image_neighbours(run: Run) -> Neighbours:
    """Nearest training image of each synthetic and holdout image in pixel space (the
    ratio test), and in the judge's feature space where it was trained (full runs)."""
    return run.once("neighbours", lambda: _neighbours(run), "nearest")


def _neighbours(run: Run) -> Neighbours:
    F = (None, None, None) if run.rows_only else judged(run).features
    P_train, k = flatten(run.train[0]), run.settings.near_copy_neighbours
    syn = nearest_training(P_train, F[0], flatten(run.synthetic[0]), F[2], k)
    hold = nearest_training(P_train, F[0], flatten(run.holdout[0]), F[1], k)

    def figures(rows: np.ndarray, held: np.ndarray) -> dict[str, Any]:
        d, hd = syn.pixel_distance[rows], hold.pixel_distance[held]
        fd, hfd = syn.feature_distance[rows], hold.feature_distance[held]
        return {"pixel_nn_median": median(d), "holdout_pixel_nn_median": median(hd),
                "pixel_nn_vs_holdout": relative_median(d, hd),
                "feature_nn_vs_holdout": relative_median(fd, hfd)}  # fmt: skip

    return Neighbours(syn.pixel_distance, syn.pixel_index, syn.ratio, hold.pixel_index,
                      hold.ratio, figures)  # fmt: skip


FIGURES = (
    Figure("judge_agreement", "min_judge_agreement", ">=",
           "the judge CNN does not recognise the class in the synthetic images"),
    Figure("fd", "max_fd", "<=", "the images are far from the real class"),
    Figure("kid", "max_kid", "<=", "the images are far from the real class"),
    Figure("precision", "min_precision", ">=",
           "few synthetic images fall inside the real class's manifold"),
    Figure("recall", None, ">="),
)  # fmt: skip


@dataclass(frozen=True)
class ImageFidelity(Check, name="fidelity", modalities=("image",), on_failure="fail",
                    section="fidelity"):  # fmt: skip
    """Fréchet distance, KID, k-NN precision / recall and judge agreement of the class's
    synthetic images, each next to the real holdout images' own figure."""

    def run(self, context: Context) -> Outcome:
        run, label, rows, settings = context.run, context.label, context.rows, context.settings
        rng = run.once("fidelity_rng", lambda: np.random.default_rng(
            derive_seed(run.seed, "validation", "fidelity")))  # fmt: skip
        r, s, h, note = class_samples(context, settings.sample_images, rng, holdout=True)
        j = judged(run)
        F_train, F_hold, F_syn = j.features
        agree = float((j.pred_syn[rows] == label).mean()) if len(rows) else None
        in_hold = context.in_hold
        agree_hold = float((j.pred_hold[in_hold] == label).mean()) if in_hold.any() else None
        fid = class_fidelity(F_train[r], F_syn[s], agree, settings.pr_neighbours, rng)
        held = class_fidelity(F_train[r], F_hold[h], agree_hold, settings.pr_neighbours, rng)
        gated = len(rows) >= MIN_IMAGES
        results = figure_results(context, fid, held, FIGURES, gated=gated, noun="images")
        notes = [n for n in (note, ungated_note(label, len(rows), "images", MIN_IMAGES)) if n]
        return Outcome(results, details={"synthetic": fid, "holdout": held}, notes=notes)
