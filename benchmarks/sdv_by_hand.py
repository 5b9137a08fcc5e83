"""The job equipoise's default run does, done by hand with SDV (issue 11's comparison):
CTGANSynthesizer on the training split, `sample_from_conditions` for the minority
deficit, SDMetrics' QualityReport and DCROverfittingProtection on the minority, then a
downstream model with and without the synthetic rows, scored on the holdout (PR-AUC).
Same table, same 25 % stratified holdout, same one-thread pinning as equipoise, and the
CTGAN epochs equipoise's run chose (`--epochs`), so the two compare at equal epochs.

Run: nice -n 5 .venv/bin/python benchmarks/sdv_by_hand.py --table lending_club --epochs N
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))
from default_run import load, table


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--table", default="lending_club")
    parser.add_argument("--epochs", type=int, required=True)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    from sdmetrics.reports.single_table import QualityReport
    from sdmetrics.single_table import DCROverfittingProtection
    from sdv.metadata import Metadata
    from sdv.sampling import Condition
    from sdv.single_table import CTGANSynthesizer
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.metrics import average_precision_score
    from sklearn.model_selection import train_test_split

    from equipoise.dataspec.threads import limited_threads

    laps: dict[str, float] = {}
    started = time.perf_counter()
    frame, label = table(args.table)
    train, holdout = train_test_split(
        frame, test_size=0.25, stratify=frame[label], random_state=args.seed
    )
    counts = train[label].value_counts()
    minority, majority = counts.index[-1], counts.index[0]
    deficit = int(counts.iloc[0] - counts.iloc[-1])
    metadata = Metadata.detect_from_dataframes({"table": train})  # SDV 2: one table by name
    laps["load_split"] = time.perf_counter() - started

    with limited_threads():
        t = time.perf_counter()
        synth = CTGANSynthesizer(metadata, epochs=args.epochs)
        synth.fit({"table": train})
        laps["fit"] = time.perf_counter() - t

        t = time.perf_counter()
        synthetic = synth.sample_from_conditions(
            [Condition({label: minority}, num_rows=deficit)], max_tries_per_batch=100
        )
        if isinstance(synthetic, dict):
            synthetic = synthetic["table"]
        laps["sample"] = time.perf_counter() - t

        t = time.perf_counter()
        real_min = train[train[label] == minority]
        held_min = holdout[holdout[label] == minority]
        table_meta = metadata.to_dict()["tables"]["table"]
        quality = QualityReport()
        quality.generate(real_min, synthetic, table_meta, verbose=False)
        dcr = DCROverfittingProtection.compute_breakdown(
            real_min, synthetic, held_min, metadata.to_dict(), "table"
        )
        laps["validate"] = time.perf_counter() - t

        t = time.perf_counter()
        X_hold = pd.get_dummies(holdout.drop(columns=label))
        scores = {}
        for name, data in (("real", train), ("real+ctgan", pd.concat([train, synthetic]))):
            X = pd.get_dummies(data.drop(columns=label)).reindex(
                columns=X_hold.columns, fill_value=0
            )
            model = HistGradientBoostingClassifier(random_state=args.seed)
            model.fit(X, data[label] == minority)
            scores[name] = average_precision_score(
                holdout[label] == minority, model.predict_proba(X_hold)[:, 1]
            )
        laps["downstream"] = time.perf_counter() - t
    print(
        json.dumps(
            {
                "table": args.table,
                "epochs": args.epochs,
                "rows": len(frame),
                "minority": str(minority),
                "majority": str(majority),
                "synthetic_rows": len(synthetic),
                "quality_score": round(quality.get_score(), 3),
                "dcr_overfitting_protection": round(dcr["score"], 3),
                "pr_auc_hgb": {k: round(v, 3) for k, v in scores.items()},
                "laps_s": {k: round(v, 1) for k, v in laps.items()},
                "seconds": round(time.perf_counter() - started, 1),
                "load_after": load(),
            }
        ),
        flush=True,
    )


if __name__ == "__main__":
    main()
