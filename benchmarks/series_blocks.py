"""Speed of the series building blocks on sktime's bundled ItalyPowerDemand (1,096
series of length 24) and GunPoint (200 series of length 150):

- each augmentation and `augment_batch` (all six, p=0.5): series per second;
- SMOTE / Borderline-SMOTE on the flattened series;
- sktime's MiniRocket (univariate and multivariate): fit and transform seconds, the
  first call in the process (numba compiles, or reads its cache in NUMBA_CACHE_DIR)
  and a second one.

Run: .venv/bin/python benchmarks/series_blocks.py [--repeats 5] [--no-rocket]
"""

from __future__ import annotations

import argparse
import os
import platform
import time
import warnings
from pathlib import Path

# numba (MiniRocket) caches its compiled kernels here; it must be writable.
os.environ.setdefault("NUMBA_CACHE_DIR", str(Path.home() / ".cache" / "equipoise-numba"))

import numpy as np

from equipoise.generators.series import TRANSFORMS, augment_batch, smote_series
from equipoise.pipeline.series.bundled import load_series

SETS = ("italy_power_demand", "gunpoint")


def _best(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def bench_augment(X: np.ndarray, repeats: int) -> dict[str, float]:
    rates = {}
    for name, fn in TRANSFORMS.items():
        rng = np.random.default_rng(0)
        rates[name] = len(X) / _best(lambda fn=fn, rng=rng: fn(X, rng), repeats)
    rng = np.random.default_rng(0)
    rates["augment_batch"] = len(X) / _best(lambda: augment_batch(X, rng), repeats)
    return rates


def bench_smote(X: np.ndarray, y: np.ndarray, repeats: int) -> dict[str, float]:
    labels, sizes = np.unique(y, return_counts=True)
    rare = labels[np.argmin(sizes)]
    keep = np.concatenate([np.flatnonzero(y != rare), np.flatnonzero(y == rare)[::4]])
    Xi, yi = X[keep], y[keep]
    need = {rare: int((yi != rare).sum() - (yi == rare).sum())}
    out = {"new_series": float(need[rare])}
    for kind in ("smote", "borderline-1"):
        try:
            out[kind] = _best(lambda kind=kind: smote_series(Xi, yi, need, 0, kind=kind), repeats)
        except ValueError as err:
            print(f"  {kind}: {err}")
    return out


def bench_rocket(X: np.ndarray) -> dict[str, float]:
    from sktime.transformations.panel.rocket import MiniRocket, MiniRocketMultivariate

    out = {}
    for cls in (MiniRocket, MiniRocketMultivariate):
        for attempt in ("first", "second"):
            model = cls(random_state=0)
            t = time.perf_counter()
            model.fit(X)
            fit = time.perf_counter() - t
            t = time.perf_counter()
            features = model.transform(X)
            out[f"{cls.__name__} {attempt} fit"] = fit
            out[f"{cls.__name__} {attempt} transform"] = time.perf_counter() - t
        out[f"{cls.__name__} features"] = float(features.shape[1])
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--no-rocket", action="store_true")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} cpus")
    print(f"NUMBA_CACHE_DIR={os.environ['NUMBA_CACHE_DIR']}")
    for name in SETS:
        t = time.perf_counter()
        data = load_series(name)
        print(f"\n{name}: X {data.X.shape}, loaded in {time.perf_counter() - t:.2f} s")
        for key, rate in bench_augment(data.X, args.repeats).items():
            print(f"  {key:<16} {rate:>12,.0f} series/s")
        for key, value in bench_smote(data.X, data.y, args.repeats).items():
            print(f"  {key:<16} {value:>12.4f}" + ("" if key == "new_series" else " s"))
        if not args.no_rocket:
            for key, value in bench_rocket(data.X).items():
                print(f"  {key:<40} {value:>10.3f}" + ("" if "features" in key else " s"))


if __name__ == "__main__":
    main()
