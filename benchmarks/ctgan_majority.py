"""How many majority rows does CTGAN need beside the minority? (issue 20)

CTGAN (the default, one model conditioned on the label) fits on every minority row and
a seeded sample of the majority; `pipeline/footprint.FIT_CLASS_ROWS` (10,000) caps the
sample. This measures, on the flights table's training split (`benchmarks/scale.py`'s
table: 7,525 minority training rows), a fit on the minority plus 2,000, 10,000 and
30,000 majority rows at a fixed number of epochs: the fit's seconds and peak memory, and
the validation figures of 5,000 minority samples (the run's validator and settings,
against the rows the fit saw and the holdout). Results: JSON lines.

    nice -n 10 .venv/bin/python benchmarks/ctgan_majority.py \\
        --out benchmarks/results/ctgan_majority.jsonl
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path

os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
sys.path.insert(0, str(Path(__file__).parent))

FIGURES = ("column_shapes", "column_pair_trends", "detection", "label_match")


def one(majority: int, epochs: int, seed: int) -> dict:
    import numpy as np
    import pandas as pd
    from scale import flights

    from equipoise.generators import registry
    from equipoise.pipeline import footprint
    from equipoise.pipeline.modalities import modality
    from equipoise.pipeline.tables import loading
    from equipoise.pipeline.tables.config import DataConfig
    from equipoise.validation.tables import ValidationSettings

    frame = flights()
    raw = loading.prepare(frame, DataConfig(source="flights", label="late"))
    split = loading.split_holdout(raw, 0.25, seed)
    y = np.asarray(split.y_train, dtype=object)
    rng = np.random.default_rng(seed)
    majority_rows = rng.choice(np.flatnonzero(y == "no"), majority, replace=False)
    rows = np.sort(np.r_[np.flatnonzero(y == "yes"), majority_rows])
    X, labels = footprint.take_rows(split.X_train, split.y_train, rows)
    generator = registry.create("ctgan", raw.schema, {"epochs": epochs})
    started = time.perf_counter()
    generator.fit(X, labels, seed=seed)
    fit_s = time.perf_counter() - started
    samples = generator.sample({"yes": 5000}, seed=seed + 1)
    report = modality("table").validator()(
        raw.schema, train=(X, labels), holdout=(split.X_holdout, split.y_holdout),
        synthetic=samples, settings=ValidationSettings(), seed=seed, reports_dir=None,
    )  # fmt: skip
    figures = {}
    for result in report.checks:
        name = result.check.split(".")[-1]
        if any(name.startswith(f) for f in FIGURES) and result.value is not None:
            figures[name] = round(float(result.value), 4)
    return {
        "majority_rows": majority,
        "minority_rows": int((labels == "yes").sum()),
        "epochs": epochs,
        "seed": seed,
        "fit_s": round(fit_s, 1),
        "peak_rss_gb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20, 2),
        "passed": report.passed,
        "figures": figures,
        "failures": [f[:160] for f in report.failures],
        "rows_kept": int(np.asarray(report.keep).sum()),
        "sampled": len(pd.Series(samples[1])),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--majority", type=int, nargs="*", default=[2_000, 10_000, 30_000])
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/ctgan_majority.jsonl"))
    args = parser.parse_args()
    for majority in args.majority:
        # one process per size: the peak is each fit's own
        if os.fork() == 0:
            import torch

            torch.set_num_threads(1)
            row = one(majority, args.epochs, args.seed)
            with args.out.open("a") as handle:
                handle.write(json.dumps(row) + "\n")
            print(json.dumps(row), flush=True)
            os._exit(0)
        os.wait()


if __name__ == "__main__":
    main()
