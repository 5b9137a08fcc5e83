"""series_diffusion: fit time per epoch and sampling throughput, on ItalyPowerDemand
(67 training series of length 24) and GunPoint (50 of length 150), and how class-like
the samples are (share nearest their own class's mean curve; the real training series'
share is the reference).

CPU (always): the default network (channels 32, levels 3), fp32, 1 thread
(`limited_threads`, as the generator pins itself), `--epochs` epochs, then DDIM with
`--steps` steps for `--samples` series of the rarest class.
GPU (only when torch sees CUDA; prepared, not run here): the same fits in bf16 eager
and bf16 + torch.compile, with more epochs, and sampling at batch 1024 (DDIM-50 in fp32
eager, bf16 eager, bf16 compiled; DPM-Solver++ 20 compiled).

    nice -n 10 .venv/bin/python benchmarks/series_diffusion.py            # CPU
    python benchmarks/series_diffusion.py --out $OUT/series_diffusion.json   # + GPU
Prints one JSON summary (also written to --out).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch

from equipoise.dataspec.series import infer_series_schema
from equipoise.generators import registry
from equipoise.pipeline.series.bundled import load_series

SETS = ("italy_power_demand", "gunpoint")


def agreement(Xs: np.ndarray, ys: np.ndarray, X: np.ndarray, y: np.ndarray) -> float:
    """Share of series nearer (Euclidean) to their own class's mean curve than to others'."""
    classes = np.unique(y)
    means = np.stack([X[y == c].reshape((y == c).sum(), -1).mean(0) for c in classes])
    dist = ((Xs.reshape(len(Xs), -1)[:, None] - means[None]) ** 2).sum(-1)
    return float((classes[dist.argmin(1)] == ys).mean())


def run(name: str, params: dict, *, samples: int, sample_runs: list[dict]) -> dict:
    X, y = load_series(name).train()
    schema = infer_series_schema(X, y)
    rare = min(schema.classes, key=lambda c: (y == c).sum())
    gen = registry.create("series_diffusion", schema, params)
    start = time.perf_counter()
    gen.fit(X, y, seed=0)
    fit_s = time.perf_counter() - start
    out = {
        "set": name,
        "train_series": len(X),
        "length": schema.length,
        "params": {k: v for k, v in gen.params().items() if k in params},
        "fit_s": round(fit_s, 2),
        "fit_s_per_epoch": round(fit_s / gen.epochs, 4),
        "real_agreement": round(agreement(X, y, X, y), 3),
        "sampling": [],
    }
    every = {c: samples // len(schema.classes) for c in schema.classes}
    for extra in sample_runs:
        for key, value in extra.items():
            setattr(gen, key, value)
        gen.sample({rare: 8}, seed=0)  # warm-up (compilation on the GPU)
        start = time.perf_counter()
        gen.sample({rare: samples}, seed=1)
        took = time.perf_counter() - start
        Xs, ys = gen.sample(every, seed=2)
        out["sampling"].append({
            **extra,
            "series_per_s": round(samples / took, 1),
            "agreement": round(agreement(Xs, ys, X, y), 3),
        })  # fmt: skip
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=30, help="CPU epochs per set")
    parser.add_argument("--gpu-epochs", type=int, default=300)
    parser.add_argument("--steps", type=int, default=50)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    results = {"torch": torch.__version__, "cpu": [], "gpu": []}
    for name in SETS:
        params = {"epochs": args.epochs, "device": "cpu", "precision": "fp32",
                  "sample_steps": args.steps, "sample_batch": 256}  # fmt: skip
        results["cpu"].append(run(name, params, samples=args.samples, sample_runs=[{}]))
        print(json.dumps(results["cpu"][-1]), flush=True)
    if torch.cuda.is_available():
        results["device"] = torch.cuda.get_device_name()
        for name in SETS:
            for compiled in (False, True):
                params = {"epochs": args.gpu_epochs, "device": "cuda", "precision": "bf16",
                          "compile": compiled, "sample_steps": 50}  # fmt: skip
                runs = [{"precision": "fp32", "compile": False},
                        {"precision": "bf16", "compile": False},
                        {"precision": "bf16", "compile": True},
                        {"precision": "bf16", "compile": True, "sampler": "dpm++",
                         "sample_steps": 20}] if compiled else [{}]  # fmt: skip
                results["gpu"].append(run(name, params, samples=1024, sample_runs=runs))
                print(json.dumps(results["gpu"][-1]), flush=True)
    text = json.dumps(results, indent=2)
    if args.out:
        args.out.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
