"""Calibration of the series checks on sktime's bundled ItalyPowerDemand (1,096 series
of length 24): 300 series held out, class "2" cut to 1:10 in the rest (40 training
series against about 400), 120 synthetic series of class "2" per candidate, seeds 0-2:

- `augment` (all six augmentations, p=0.5, of training series of the class) and
  `smote` (SMOTE on the flattened series): what a good generator produces;
- `copy` / `copy+noise`: training series of the class, unchanged or with N(0, 0.05)
  noise: memorisation by construction;
- `flipped`: holdout series of class "1" passed off as class "2";
- the real holdout series of class "2" (the reference every figure is read against).

For each: the label classifier's probability of class "2" (quantiles and the share
kept at several thresholds), the Carlini ratio (share below several cut-offs), the
mean |SMD| of the summary features and the detection AUC.

Run: .venv/bin/python benchmarks/series_validation.py [--seeds 0 1 2]
"""

from __future__ import annotations

import argparse
import os

os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")

import numpy as np

from equipoise.generators.series import augment_batch, load_series, smote_series
from equipoise.validation.memorisation import nearest_with_ratio
from equipoise.validation.series.features import (
    abs_smd,
    detection_auc,
    label_classifier,
    label_inputs,
    summary_features,
    znormalised,
)

RARE, N, POINTS = "2", 120, 64
THRESHOLDS = (0.05, 0.1, 0.2, 0.3, 0.5)
RATIOS = (0.2, 1 / 3, 0.5)


def italy_split(seed: int, holdout: int = 300, ratio: int = 10):
    """Holdout first (natural class shares), then class "2" cut to 1:`ratio` in the rest."""
    data = load_series("italy_power_demand")
    order = np.random.default_rng(seed).permutation(len(data.y))
    hold, rest = order[:holdout], order[holdout:]
    y_rest = data.y[rest]
    common = rest[y_rest != RARE]
    rare = rest[y_rest == RARE][: len(common) // ratio]
    train = np.sort(np.concatenate([common, rare]))
    return (data.X[train], data.y[train]), (data.X[hold], data.y[hold])


def candidates(train, hold, seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    X, y = train
    pool = X[y == RARE]
    picked = pool[rng.integers(0, len(pool), N)]
    return {
        "augment": augment_batch(picked, rng),
        "smote": smote_series(X, y, {RARE: N}, rng).X,
        "copy": picked.copy(),
        "copy+noise": picked + rng.normal(0, 0.05, picked.shape),
        "flipped": hold[0][hold[1] != RARE][:N],
        "holdout": hold[0][hold[1] == RARE],
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    args = parser.parse_args()
    for seed in args.seeds:
        train, hold = italy_split(seed)
        counts = [np.unique(y, return_counts=True) for y in (train[1], hold[1])]
        print(f"seed {seed}: train {counts[0]}, holdout {counts[1]}")
        model = label_classifier(*train, POINTS)
        column = list(model.classes_).index(RARE)
        Z_train = znormalised(train[0])
        F_rare = summary_features(train[0][train[1] == RARE])
        for name, X in candidates(train, hold, seed).items():
            p = model.predict_proba(label_inputs(X, POINTS))[:, column]
            _, _, ratio = nearest_with_ratio(Z_train, znormalised(X), 20)
            F = summary_features(X)
            smd = abs_smd(F_rare, F)
            auc = detection_auc(F_rare, F, 5, seed)
            kept = " ".join(f"{(p >= t).mean():.2f}" for t in THRESHOLDS)
            near = " ".join(f"{(ratio < r).mean():.2f}" for r in RATIOS)
            q = np.quantile(p, [0.05, 0.5])
            print(f"  {name:11s} proba q05 {q[0]:.3f} median {q[1]:.3f} | kept at "
                  f"{THRESHOLDS}: {kept} | ratio med {np.median(ratio):.2f}, below {RATIOS[0]:.2f}/"
                  f"{RATIOS[1]:.2f}/{RATIOS[2]:.2f}: {near} | mean|SMD| {smd.mean():.3f} "
                  f"| detection AUC {auc:.3f}")  # fmt: skip


if __name__ == "__main__":
    main()
