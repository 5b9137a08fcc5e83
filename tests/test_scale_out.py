"""Scale-out: the config's runner sends the fits to Prefect task runners, and a Dask
runner also takes the gate's units (entries x folds); two generators fitted and a
cross-fitted gate run on a real `distributed.LocalCluster` with 2 worker processes give
the same decision and version as a sequential run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from equipoise.flows.runners import task_runner, with_runner
from equipoise.pipeline.config import RunnerConfig, load_job

pytestmark = pytest.mark.usefixtures("prefect_server")


def _run(tmp_path: Path, frame, store: str, runner: dict) -> dict:
    from equipoise.flows.balance import balance

    data = tmp_path / "table.csv"
    if not data.exists():
        frame.to_csv(data, index=False)
    config = load_job(
        base={
            "data": {"source": str(data), "label": "Attrition"},
            "generator": [{"kind": "smote"}, {"kind": "gaussian_copula"}],
            "gate": {
                "mode": "report",
                "models": ["logreg"],
                "baselines": ["none"],
                "cross_fit": "always",  # folds x entries, cheap generators refitted
                "cross_fit_folds": 2,
            },
            "output": {"store": str(tmp_path / store)},
            "runner": runner,
        }
    )
    return with_runner(balance, config.runner)(config)


def test_dask_cluster_gives_the_sequential_result(tmp_path, attrition_narrow):
    from distributed import Client, LocalCluster, get_task_stream

    sequential = _run(tmp_path, attrition_narrow, "sequential", {"kind": "sequential"})
    with (
        LocalCluster(n_workers=2, threads_per_worker=1, processes=True) as cluster,
        Client(cluster) as client,
        get_task_stream(client) as stream,
    ):
        on_dask = _run(
            tmp_path,
            attrition_narrow,
            "dask",
            {"kind": "dask", "address": cluster.scheduler_address},
        )
        ran = stream.data
    names = [t["key"] for t in ran]
    assert sum(k.startswith("_fit-") for k in names) == 2, "both fits ran on the cluster"
    # 3 sources (the none baseline, smote and the copula refitted) x 2 folds
    assert sum(k.startswith("_on_worker") for k in names) == 6, "the gate's units too"
    workers = {t["worker"] for t in ran if t["key"].startswith("_on_worker")}
    assert len(workers) == 2, "spread over both workers"
    assert on_dask["sentence"] == sequential["sentence"], "same gate decision"
    assert on_dask["version"] == sequential["version"], "same version id"
    one, two = Path(on_dask["path"]), Path(sequential["path"])
    assert (one / "train.parquet").read_bytes() == (two / "train.parquet").read_bytes()
    manifest = json.loads((one / "manifest.json").read_text())
    assert manifest["gate"]["method"]["jobs"] == "dask: 2 workers"


@pytest.mark.parametrize(
    ("kind", "runner_class"),
    [
        ("sequential", "ThreadPoolTaskRunner"),
        ("thread", "ThreadPoolTaskRunner"),
        ("process", "ProcessPoolTaskRunner"),
        ("dask", "DaskTaskRunner"),
    ],
)
def test_runner_kinds(kind, runner_class):
    assert type(task_runner(RunnerConfig(kind=kind, workers=2))).__name__ == runner_class
    assert task_runner(RunnerConfig()) is None, "default: the flow's own runner"


def test_address_without_dask_is_refused():
    from equipoise.dataspec import InputError

    with pytest.raises(InputError, match=r"runner\.address is for kind: dask"):
        RunnerConfig(kind="thread", address="tcp://127.0.0.1:8786")


@pytest.mark.extended  # a fit on a Dask worker, same version: the cluster test runs by default
def test_ctgan_fitted_on_a_dask_worker_gives_the_in_process_version(tmp_path, attrition_narrow):
    """The recorded non-determinism (BENCHMARKS.md, "Operations"): a CTGAN fit on a Dask
    worker once gave another version id than in the run's process. Not reproduced on the
    current code (CTGAN's fit and sampling pinned to `limited_threads()`, seeded from the
    fit seed alone); which change removed it was not isolated. This holds it: Dask's
    nanny starts the worker with PYTHONHASHSEED=6640 and 1 OpenMP thread, and the same
    seed must still give the same version."""
    from distributed import Client, LocalCluster, get_task_stream

    from equipoise.flows.balance import balance

    data = tmp_path / "table.csv"
    attrition_narrow.to_csv(data, index=False)

    def run(store: str, runner: dict) -> dict:
        config = load_job(
            base={
                "data": {"source": str(data), "label": "Attrition"},
                "generator": [{"kind": "ctgan", "params": {"epochs": 3}}],
                "validation": {"min_column_pair_trends": 0.2, "min_column_shapes": 0.2},
                "gate": {"mode": "report", "models": ["logreg"], "baselines": ["none"]},
                "output": {"store": str(tmp_path / store)},
                "runner": runner,
            }
        )
        return with_runner(balance, config.runner)(config)

    in_process = run("sequential", {"kind": "sequential"})
    with (
        LocalCluster(n_workers=1, threads_per_worker=1, processes=True) as cluster,
        Client(cluster) as client,
        get_task_stream(client) as stream,
    ):
        on_dask = run("dask", {"kind": "dask", "address": cluster.scheduler_address})
    fits = [t for t in stream.data if t["key"].startswith("_fit-")]  # filled on exit
    assert len(fits) == 1, "the CTGAN fit ran on the worker"
    assert on_dask["version"] == in_process["version"]
