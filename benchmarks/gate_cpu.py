"""What the cross-fitted gate costs against the holdout gate, in CPU seconds (issue 19's
target: at most 3x), measured on a loaded machine: the gate's inputs are captured from
one real run (the default portfolio), then `run_gate` is called again in this process
(`gate.jobs: 1`, so that `time.process_time` counts every fit) with `cross_fit: never`
and `always`, and with variants that leave out one part (a baseline, the dose grid) to
show where the time goes. One JSON line per (table, variant).

    nice .venv/bin/python benchmarks/gate_cpu.py --tables winequality-red-4 abalone19 \\
        --out /work/bench19/gate_cpu.jsonl
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from verdict import Captured, frame_of, run_equipoise

VARIANTS = {
    "holdout": {"cross_fit": "never"},
    "cross-fitted": {"cross_fit": "always"},
    "cross-fitted, 3 folds": {"cross_fit": "always", "cross_fit_folds": 3},
    "cross-fitted, no threshold baseline": {"cross_fit": "always", "drop": "threshold"},
    "holdout, no threshold baseline": {"cross_fit": "never", "drop": "threshold"},
    "cross-fitted, dose: every row at weight 1": {"cross_fit": "always", "dose": None},
    "holdout, dose: every row at weight 1": {"cross_fit": "never", "dose": None},
}


def measure(arena, sets: dict, refit: dict, variant: dict) -> dict:
    from equipoise.validation.gate import decide, run_gate

    change = {"cross_fit": variant["cross_fit"], "jobs": 1}
    if "cross_fit_folds" in variant:
        change["cross_fit_folds"] = variant["cross_fit_folds"]
    if "dose" in variant:
        change["dose"] = variant["dose"]
    if "drop" in variant:
        change["baselines"] = tuple(b for b in arena.settings.baselines if b != variant["drop"])
    settings = dataclasses.replace(arena.settings, **change)
    cpu, wall = time.process_time(), time.perf_counter()
    board = run_gate(dataclasses.replace(arena, settings=settings), sets, refit=refit)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    decision = decide(board)
    return {"cpu_s": round(cpu, 1), "wall_s": round(wall, 1), "method": board.method["method"],
            "entries": sum(len(r.entries) for r in board.rows), "publish": decision.publish,
            "named": decision.recommendation["strategy"]}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tables", nargs="*", default=["winequality-red-4", "abalone19"])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--variants", nargs="*", default=list(VARIANTS))
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    for name in args.tables:
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            frame, label = frame_of(name, work)
            capture = Captured()
            run_equipoise(frame, label, args.seed, "a", work / "store", work,
                          ["gate.cross_fit=never"])  # fmt: skip
            arena, sets, kwargs = capture.calls[-1]
            refit = kwargs.get("refit") or {}
            for variant in args.variants:
                row = {"table": name, "seed": args.seed, "variant": variant,
                       **measure(arena, sets, refit, VARIANTS[variant])}  # fmt: skip
                print(json.dumps(row), flush=True)
                if args.out:
                    with open(args.out, "a") as handle:
                        handle.write(json.dumps(row) + "\n")


if __name__ == "__main__":
    main()
