"""Scheduled deployments: the deployment entry flow, the deployments `prefect.yaml`
declares, and registering (`equipoise deploy`) or serving (`equipoise serve`) them
from Python against a running Prefect server.

The entry flow takes the path of a job config (and `--set` style overrides), so a
deployment's parameters are plain strings. A gate refusal (exit code 3) is an
outcome, not a fault: the entry flow records the decision as an artifact and
completes (its return value says "refused"); every other error fails the run.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml
from prefect import flow
from prefect.artifacts import create_markdown_artifact

from equipoise.dataspec import InputError
from equipoise.pipeline.config import JobConfig, load_job

ENTRY_FLOW = "equipoise"
ENTRYPOINT = "equipoise.flows.deploy.equipoise_job"
WORK_POOL = "equipoise-process"


@flow(name=ENTRY_FLOW, log_prints=False)
def equipoise_job(config: str, overrides: list[str] | None = None) -> dict[str, Any]:
    """Run the job in CONFIG (a YAML path) once; returns what happened.

    {"outcome": "published", "path": ...} or {"outcome": "refused", "decision": ...}.
    """
    job = load_job(Path(config), overrides=list(overrides or []))
    result = run_job(job)
    what = result.get("message") or f"`{result['path']}`"
    create_markdown_artifact(
        f"# {result['outcome']}\n\n{what}\n\nconfig: `{config}`",
        key="gate-decision",
        description="equipoise gate decision",
    )
    return result


def run_job(job: JobConfig) -> dict[str, Any]:
    """Run a job of any modality through the one flow, on the task runner its `runner:`
    names, tagged with its modality; returns the flow's result (published or refused:
    `flows.balance.balance`)."""
    from prefect import tags

    from equipoise.flows.balance import balance
    from equipoise.flows.runners import with_runner
    from equipoise.flows.stopping import start_temporary_server

    start_temporary_server()  # with a watchdog that stops it should this process be killed
    with tags(f"modality:{job.MODALITY}"):
        return with_runner(balance, job.runner)(job)


# --------------------------------------------------------------------------- prefect.yaml


def read_prefect_yaml(path: Path) -> list[dict[str, Any]]:
    """The `deployments:` of a prefect.yaml, with config paths made absolute."""
    if not path.is_file():
        raise InputError(f"{path} not found; run from the repository root or pass --file")
    entries = (yaml.safe_load(path.read_text()) or {}).get("deployments") or []
    resolved = []
    for entry in entries:
        params = dict(entry.get("parameters") or {})
        if "config" not in params:
            raise InputError(f"{path}: deployment {entry.get('name')!r} has no config parameter")
        params["config"] = str((path.parent / params["config"]).resolve())
        resolved.append({**entry, "parameters": params})
    return resolved


def deployments(entries: Sequence[dict[str, Any]], *, work_pool: str | None) -> list[Any]:
    """RunnerDeployments of the entry flow; each config is validated first (exit 2)."""
    from prefect.deployments.runner import EntrypointType
    from prefect.schedules import Cron

    result = []
    for entry in entries:
        params = entry["parameters"]
        load_job(Path(params["config"]), overrides=params.get("overrides") or [])
        schedules = [
            Cron(s["cron"], timezone=s.get("timezone"))
            for s in entry.get("schedules") or []
            if "cron" in s
        ]
        result.append(
            equipoise_job.to_deployment(
                name=entry["name"],
                schedules=schedules or None,
                parameters=params,
                description=entry.get("description"),
                tags=entry.get("tags") or ["equipoise"],
                work_pool_name=work_pool,
                entrypoint_type=EntrypointType.MODULE_PATH,
            )
        )
    return result


def config_entries(configs: Sequence[Path], cron: str | None) -> list[dict[str, Any]]:
    """Deployment entries for config files given on the command line."""
    return [
        {
            "name": path.stem,
            "parameters": {"config": str(path.resolve())},
            "schedules": [{"cron": cron}] if cron else [],
        }
        for path in configs
    ]


def require_server() -> str:
    """Deployments need a running server (schedules do not run on the temporary one)."""
    from prefect.settings import PREFECT_API_URL

    url = os.environ.get("PREFECT_API_URL") or PREFECT_API_URL.value()
    if not url:
        raise InputError(
            "no Prefect server: start one (`prefect server start`) and set PREFECT_API_URL"
        )
    return url


def ensure_process_pool(name: str) -> None:
    """Create the process work pool `name` unless it exists."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.exceptions import ObjectNotFound
    from prefect.workers.process import ProcessWorker

    with get_client(sync_client=True) as client:
        try:
            client.read_work_pool(name)
        except ObjectNotFound:
            template = ProcessWorker.get_default_base_job_template()
            client.create_work_pool(
                WorkPoolCreate(name=name, type="process", base_job_template=template)
            )


def register(entries: Sequence[dict[str, Any]], work_pool: str = WORK_POOL) -> list[str]:
    """Register the deployments with the server's process work pool; returns their names."""
    require_server()
    ensure_process_pool(work_pool)
    names = []
    for deployment in deployments(entries, work_pool=work_pool):
        deployment.apply(work_pool_name=work_pool)
        names.append(f"{ENTRY_FLOW}/{deployment.name}")
    return names


def serve_all(entries: Sequence[dict[str, Any]], limit: int | None = None) -> None:
    """Serve the deployments from this process until interrupted (runs each flow run in
    a subprocess of this one)."""
    from prefect import serve

    require_server()
    serve(*deployments(entries, work_pool=None), limit=limit, print_starting_message=False)
