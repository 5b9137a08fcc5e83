"""Calibration and speed of the image checks on sklearn digits (8x8), digit 3 cut to
`--keep` training images (holdout untouched), three seeds each:

- what the default settings see for `augment`, for copiers (training images of the
  class with Gaussian pixel noise of std 0 and 3) and for images of another class
  (digit 8) passed off as digit 3: near-copy share (ratio test), judge agreement, FD,
  KID, precision / recall, and whether validation passes (the digit-8 images are
  holdout images, so they are no copies of training images);
- the image gate on the augment images: minority recall, PR-AUC and macro-F1 of every
  candidate and the decision.

Run: .venv/bin/python benchmarks/image_validation.py [--keep 15] [--seeds 0 1 2]
"""

from __future__ import annotations

import argparse
import os
import platform
import time

os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")

import numpy as np

from equipoise.generators import registry
from equipoise.pipeline.images.config import ImagesConfig
from equipoise.pipeline.images.loading import prepare, read_images
from equipoise.pipeline.modalities import modality
from equipoise.validation.gate.images import ImageGateSettings, run_image_gate

RARE, OTHER, N = 3, 8, 120


def candidates(split, seed: int) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(seed)
    gen = registry.create("augment", split.schema).fit(split.X_train, split.y_train, seed=seed)
    out = {"augment": gen.sample({RARE: N}, seed=seed)}
    pool = split.X_train[split.y_train == RARE]
    for noise in (0.0, 3.0):
        picked = pool[rng.integers(0, len(pool), N)].astype(float)
        noisy = np.clip(np.rint(picked + rng.normal(0, noise, picked.shape)), 0, 255)
        out[f"copier (noise {noise:g})"] = (noisy.astype(np.uint8), np.full(N, RARE))
    other = split.X_holdout[split.y_holdout == OTHER][:N]  # unseen images: not copies
    out[f"digit {OTHER} as {RARE}"] = (other, np.full(len(other), RARE))
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--keep", type=int, default=15)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    args = parser.parse_args()
    print(f"python {platform.python_version()}, {os.cpu_count()} cpus; digit {RARE} keeps "
          f"{args.keep} training images")  # fmt: skip
    raw = read_images("sklearn:digits")
    for seed in args.seeds:
        cfg = ImagesConfig(source="sklearn:digits", rare={"class": RARE, "keep": args.keep})
        split = prepare(raw, cfg, 0.25, seed)
        sets = candidates(split, seed)
        print(f"\nseed {seed}: {len(split.y_train)} training, {len(split.y_holdout)} holdout")
        print(f"{'synthetic set':22} {'pass':5} {'near copies':>11} {'agreement':>9} "
              f"{'FD':>7} {'KID':>7} {'prec':>5} {'recall':>6} {'seconds':>7}")  # fmt: skip
        for name, (X, y) in sets.items():
            started = time.perf_counter()
            report = modality("image").validator()(
                split.schema, train=(split.X_train, split.y_train),
                holdout=(split.X_holdout, split.y_holdout), synthetic=(X, y), seed=seed,
            )  # fmt: skip
            took = time.perf_counter() - started
            c = report.classes[RARE]
            f, hold = c["fidelity"]["synthetic"], c["fidelity"]["holdout"]
            print(f"{name:22} {report.passed!s:5} {c['leakage']['near_copy_share']:11.2f} "
                  f"{f['judge_agreement']:9.2f} {f['fd']:7.2f} {f['kid']:7.3f} "
                  f"{f['precision']:5.2f} {f['recall']:6.2f} {took:7.1f}")  # fmt: skip
        print(f"{'(real holdout)':22} {'':5} {c['leakage']['holdout_near_copy_share']:11.2f} "
              f"{hold['judge_agreement']:9.2f} {hold['fd']:7.2f} {hold['kid']:7.3f} "
              f"{hold['precision']:5.2f} {hold['recall']:6.2f}")  # fmt: skip
        started = time.perf_counter()
        augment = sets["augment"]
        gate = run_image_gate(
            split.schema.classes, train=(split.X_train, split.y_train),
            holdout=(split.X_holdout, split.y_holdout), generated={"augment": augment},
            augmented=None, settings=ImageGateSettings(), seed=seed,
        )  # fmt: skip
        print(
            f"gate ({time.perf_counter() - started:.1f} s): candidate, PR-AUC [95% CI], "
            "minority recall, macro-F1"
        )
        for r in gate.board.to_records():
            m = r["metrics"]
            print(f"  {r['candidate']:14} {r['value']:.3f} [{r['ci_low']:.3f}, {r['ci_high']:.3f}]"
                  f"  {m['minority_recall']:.3f}  {m['f1']:.3f}")  # fmt: skip
        print("  decision:", gate.decision.sentence)


if __name__ == "__main__":
    main()
