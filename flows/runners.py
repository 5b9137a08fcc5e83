"""The task runner a run's independent fits go to, picked by the config's
`runner:` section: Prefect's thread or process pools locally, or a Dask cluster
through prefect-dask (a local cluster, or the scheduler at `address`).

No scheduler of our own: moving to more machines is a Dask scheduler address
(or a work pool whose workers run on GPU hosts), not a code change.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from prefect import Flow
    from prefect.task_runners import TaskRunner

    from equipoise.pipeline.config import RunnerConfig
    from equipoise.validation.gate.arena import Mapper

F = TypeVar("F", bound="Flow[Any, Any]")


def task_runner(config: RunnerConfig) -> TaskRunner | None:
    """A fresh task runner for `config`; None keeps the flow's own (Prefect's thread pool)."""
    from prefect.task_runners import ProcessPoolTaskRunner, ThreadPoolTaskRunner

    if config.kind == "sequential":
        return ThreadPoolTaskRunner(max_workers=1)
    if config.kind == "thread":
        return ThreadPoolTaskRunner(max_workers=config.workers)
    if config.kind == "process":
        return ProcessPoolTaskRunner(max_workers=config.workers)
    if config.kind == "dask":
        from prefect_dask import DaskTaskRunner

        if config.address:
            return DaskTaskRunner(address=config.address)
        # One thread per worker process: torch and sklearn fits are CPU-bound.
        cluster_kwargs = {"n_workers": config.workers or 2, "threads_per_worker": 1}
        return DaskTaskRunner(
            cluster_class="distributed.LocalCluster", cluster_kwargs=cluster_kwargs
        )
    return None


def gate_mapper() -> Mapper | None:
    """Where the gate's units of work (entries x folds) go: the flow's Dask cluster when
    it runs on a Dask task runner (`parallel.dask_mapper`: the data scattered once,
    each unit a task), else None (the gate's own worker processes, `gate.jobs`)."""
    from prefect.context import FlowRunContext

    context = FlowRunContext.get()
    runner = context.task_runner if context is not None else None
    if type(runner).__name__ != "DaskTaskRunner":  # prefect_dask is imported only for dask
        return None
    from equipoise.validation.gate.parallel import dask_mapper

    return dask_mapper(runner.client)


def with_runner(flow: F, config: RunnerConfig) -> F:
    """`flow` set to run its submitted tasks on the runner `config` names."""
    runner = task_runner(config)
    return flow if runner is None else flow.with_options(task_runner=runner)


#: retries for the steps whose failures can be transient (file and store I/O)
IO_RETRIES = {"retries": 3, "retry_delay_seconds": [1, 4, 16]}


def retry_on_os_error(task: Any, task_run: Any, state: Any) -> bool:
    """Retry an I/O task only when it failed with an OSError (a flaky disk or network
    mount), never for bad input or a failed check: a retry cannot change those."""
    error = state.result(raise_on_failure=False)
    return isinstance(error, OSError)


def io_task_options() -> dict[str, Any]:
    """`task.with_options(**io_task_options())` for load and publish."""
    return {**IO_RETRIES, "retry_condition_fn": retry_on_os_error}
