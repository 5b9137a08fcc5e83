"""The optional MiniRocket distance and the DTW leakage figure of series validation on
sktime's ItalyPowerDemand (300 series held out, class "2" cut to 1:10 in the rest, 120
synthetic series of class "2" per candidate, seeds 0-2): augmented series, copies of
training series and holdout series of the other class; then the time of the numpy DTW
(50 query series, band 10 % of the length) against pools of random series.

Run: .venv/bin/python benchmarks/series_distances.py
"""

from __future__ import annotations

import os
import time

os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")

import numpy as np

from equipoise.dataspec.series import infer_series_schema
from equipoise.generators.series import augment_batch, load_series
from equipoise.pipeline.modalities import modality
from equipoise.validation.series import SeriesValidationSettings
from equipoise.validation.series.distances import nearest_dtw

#: the series plug-in's validator (its list of checks through the one validator)
validate_series = modality("series").validator()


def main() -> None:
    data = load_series("italy_power_demand")
    order = np.random.default_rng(0).permutation(len(data.y))
    hold, rest = order[:300], order[300:]
    common = rest[data.y[rest] != "2"]
    train = np.sort(np.concatenate([common, rest[data.y[rest] == "2"][: len(common) // 10]]))
    schema = infer_series_schema(data.X, data.y)
    Xt, yt, Xh, yh = data.X[train], data.y[train], data.X[hold], data.y[hold]
    pool = Xt[yt == "2"]
    settings = SeriesValidationSettings(rocket_distance=True)
    for seed in (0, 1, 2):
        rng = np.random.default_rng(seed)
        candidates = {
            "augment": augment_batch(pool[rng.integers(0, len(pool), 120)], rng),
            "copies": pool[rng.integers(0, len(pool), 120)],
            "other class": Xh[yh != "2"][:120],
        }
        for name, X in candidates.items():
            report = validate_series(schema, train=(Xt, yt), holdout=(Xh, yh),
                                     synthetic=(X, np.full(len(X), "2")), settings=settings,
                                     seed=seed)  # fmt: skip
            fid, mem, t = (
                report.classes["2"]["fidelity"],
                report.classes["2"]["leakage"],
                report.timings,
            )
            print(f"seed {seed} {name}: rocket FD {fid['synthetic']['rocket_distance']:.2f} "
                  f"(holdout {fid['holdout']['rocket_distance']:.2f}); nearest DTW median "
                  f"{mem['dtw_nn_median']:.3f} (holdout {mem['holdout_dtw_nn_median']:.3f}), "
                  f"ratio {mem['dtw_vs_holdout']:.2f}; rocket {t['rocket']:.2f} s, "
                  f"dtw {t['dtw']:.3f} s", flush=True)  # fmt: skip
    rng = np.random.default_rng(0)
    for T, m in ((24, 40), (24, 400), (140, 40), (500, 40)):
        queries, pool = rng.normal(size=(50, 1, T)), rng.normal(size=(m, 1, T))
        start = time.perf_counter()
        nearest_dtw(queries, pool, max(1, round(0.1 * T)))
        print(f"DTW length {T}, pool {m}: 50 queries in {time.perf_counter() - start:.2f} s")


if __name__ == "__main__":
    main()
