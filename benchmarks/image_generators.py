"""CPU speed of the image generators on scikit-learn's digits (1,797 images, 8x8, 10
classes): training seconds per epoch with the default networks, and sampling images/s
(diffusion with DDIM at 10/25/50 steps and DPM-Solver++ at 10/20; stylegan; augment).
After training it also reports how many samples sit nearest their own class's mean
image (pixel space), a rough sign of whether the short training learned the classes.

Run: .venv/bin/python benchmarks/image_generators.py [--threads 2] [--epochs 3]
"""

from __future__ import annotations

import argparse
import json
import platform
import time

import numpy as np
import torch
from sklearn.datasets import load_digits

from equipoise.dataspec import infer_image_schema
from equipoise.generators import registry

#: (sampler, steps) settings timed for diffusion
SAMPLERS = [("ddim", 10), ("ddim", 25), ("ddim", 50), ("dpm++", 10), ("dpm++", 20)]


def digits() -> tuple[np.ndarray, np.ndarray]:
    data = load_digits()
    return (data.images * (255 / 16)).round().astype(np.uint8)[:, None], data.target


def nearest_mean_agreement(Xs, ys, X, y) -> float:
    """Share of images nearer (pixel space) to their own class's mean image than to others'."""
    classes = np.unique(y)
    means = np.stack([X[y == c].reshape((y == c).sum(), -1).mean(0) for c in classes])
    flat = Xs.reshape(len(Xs), -1).astype(float)
    nearest = classes[((flat[:, None] - means[None]) ** 2).sum(-1).argmin(1)]
    return float((nearest == ys).mean())


def fit_timed(kind: str, params: dict, X, y) -> tuple[object, list[float]]:
    """Fit and return the generator with the wall seconds of each epoch."""
    stamps: list[float] = []
    gen = registry.create(kind, infer_image_schema(X, y), params)
    gen.fit(X, y, seed=0, progress=lambda _d, _done, _total: stamps.append(time.perf_counter()))
    return gen, list(np.diff(stamps))


def sample_rate(gen, n_per_class: int, X, y, **settings) -> dict:
    """Images/s for n_per_class images of every class (sampling settings applied first)."""
    for name, value in settings.items():
        setattr(gen, name, value)
    asked = {int(c): n_per_class for c in np.unique(y)}
    gen.sample({0: 2}, seed=99)  # warm-up
    start = time.perf_counter()
    Xs, ys = gen.sample(asked, seed=1)
    seconds = time.perf_counter() - start
    return {
        **settings,
        "images": len(Xs),
        "images_per_s": round(len(Xs) / seconds, 1),
        "nearest_mean_agreement": round(nearest_mean_agreement(Xs, ys, X, y), 3),
    }


def training_summary(network, epochs: list[float], images: int) -> dict:
    """Size of the sampling network and the training speed (median epoch)."""
    return {
        "parameters": sum(p.numel() for p in network.parameters()),
        "seconds_per_epoch": [round(s, 2) for s in epochs],
        "train_images_per_s": round(images / float(np.median(epochs)), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--epochs", type=int, default=3, help="epochs per neural generator")
    parser.add_argument("--per-class", type=int, default=100, help="images sampled per class")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    X, y = digits()
    results: dict = {
        "machine": f"{platform.processor() or platform.machine()}, torch threads {args.threads}",
        "data": f"sklearn digits {X.shape}",
    }

    gen, _ = fit_timed("augment", {"mixup": 0.25, "cutmix": 0.25}, X, y)
    results["augment"] = {
        "params": "defaults + mixup 0.25, cutmix 0.25",
        "sampling": [sample_rate(gen, 20 * args.per_class, X, y)],
    }

    gen, epochs = fit_timed("diffusion", {"epochs": args.epochs}, X, y)
    results["diffusion"] = {
        "params": "defaults (UNet (32, 64), 1 layer per block)",
        **training_summary(gen.unet_, epochs, len(X)),
        "sampling": [
            sample_rate(gen, args.per_class, X, y, sampler=sampler, steps=steps)
            for sampler, steps in SAMPLERS
        ],
    }

    gen, epochs = fit_timed("stylegan", {"epochs": args.epochs}, X, y)
    results["stylegan"] = {
        "params": "defaults (64 channels at 4x4, z/w 64)",
        **training_summary(gen.generator_, epochs, len(X)),
        "sampling": [sample_rate(gen, 10 * args.per_class, X, y)],
    }
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
