"""Scale-out: the config's runner sends the fits to Prefect task runners; two
generators fitted on a real `distributed.LocalCluster` with 2 workers give the same
version as a sequential run."""

from __future__ import annotations

from pathlib import Path

import pytest

from equipoise.flows.runners import task_runner, with_runner
from equipoise.pipeline.config import RunnerConfig, load_job

pytestmark = pytest.mark.usefixtures("prefect_server")


def _run(tmp_path: Path, frame, store: str, runner: dict) -> Path:
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
                "cross_fit": "never",
            },
            "output": {"store": str(tmp_path / store)},
            "runner": runner,
        }
    )
    return Path(with_runner(balance, config.runner)(config)["path"])


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
    assert len(ran) >= 2, "both fits ran as tasks on the cluster's workers"
    assert on_dask.name == sequential.name, "same version id"
    assert (on_dask / "train.parquet").read_bytes() == (sequential / "train.parquet").read_bytes()


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
