"""Scheduled deployments against a real `prefect server start` (not the ephemeral
harness: schedules need the real server's services), started by the test on a free
localhost port with its own PREFECT_HOME, and always stopped."""

from __future__ import annotations

import contextlib
import inspect
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import yaml

from equipoise.flows import deploy

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
WAIT_S = 240


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _stop(proc: subprocess.Popen) -> None:
    """SIGTERM the process group, SIGKILL it if it is still there after 20 s."""
    if proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=20)


def _wait_for(what: str, check, timeout: float = WAIT_S, proc: subprocess.Popen | None = None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"{what}: the process exited with {proc.returncode}")
        time.sleep(1)
    raise AssertionError(f"gave up waiting for {what} after {timeout} s")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`prefect server start` in a subprocess; yields the environment that points at it."""
    home = tmp_path_factory.mktemp("prefect-server-home")
    url = f"http://127.0.0.1:{_free_port()}/api"
    env = {**os.environ, "PREFECT_HOME": str(home), "PREFECT_API_URL": url}
    port = url.rsplit(":", 1)[1].split("/")[0]
    log = (home / "server.log").open("w")
    proc = subprocess.Popen(
        [BIN / "prefect", "server", "start", "--host", "127.0.0.1", "--port", port, "--no-ui",
         "--analytics-off"],
        env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip

    def healthy():
        with contextlib.suppress(httpx.HTTPError):
            return httpx.get(f"{url}/health", timeout=2).status_code == 200
        return False

    try:
        _wait_for("the Prefect server", healthy, proc=proc)
        yield env
    finally:
        _stop(proc)
        log.close()


@contextlib.contextmanager
def _in_process(env):
    """Run flows in this process against the server, then send their logs and events
    before the server goes (else Prefect retries them against a closed port at exit)."""
    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker
    from prefect.settings import PREFECT_API_URL, temporary_settings
    from prefect.utilities.asyncutils import run_coro_as_sync

    async def drain():
        for result in (APILogWorker.instance().drain(), EventsWorker.drain_all()):
            if inspect.isawaitable(result):
                await result

    with temporary_settings({PREFECT_API_URL: env["PREFECT_API_URL"]}):
        try:
            yield
        finally:
            run_coro_as_sync(drain())


@contextlib.contextmanager
def _client(env):
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with (
        temporary_settings({PREFECT_API_URL: env["PREFECT_API_URL"]}),
        get_client(sync_client=True) as client,
    ):
        yield client


def test_prefect_yaml_has_a_scheduled_deployment_per_shipped_config():
    entries = yaml.safe_load((ROOT / "prefect.yaml").read_text())["deployments"]
    configs = {p.stem for p in (ROOT / "configs").glob("*.yaml")}
    assert {e["name"] for e in entries} == configs
    for entry in entries:
        assert entry["entrypoint"] == deploy.ENTRYPOINT
        assert (ROOT / entry["parameters"]["config"]).is_file()
        assert entry["schedules"][0]["cron"]
        assert entry["work_pool"]["name"] == deploy.WORK_POOL


def test_deploy_registers_every_deployment_with_its_schedule(server):
    done = subprocess.run(
        [BIN / "equipoise", "deploy", "--file", ROOT / "prefect.yaml"],
        env=server, capture_output=True, text=True, timeout=WAIT_S, cwd=ROOT,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    entries = deploy.read_prefect_yaml(ROOT / "prefect.yaml")
    assert done.stdout.split() == [f"equipoise/{e['name']}" for e in entries]
    with _client(server) as client:
        pool = client.read_work_pool(deploy.WORK_POOL)
        assert pool.type == "process"
        for entry in entries:
            registered = client.read_deployment_by_name(f"equipoise/{entry['name']}")
            assert registered.work_pool_name == deploy.WORK_POOL
            assert registered.entrypoint == deploy.ENTRYPOINT
            assert registered.parameters["config"] == entry["parameters"]["config"]
            crons = [(s.schedule.cron, s.schedule.timezone) for s in registered.schedules]
            assert crons == [(entry["schedules"][0]["cron"], "UTC")]


def test_served_deployment_runs_to_completion_with_artifacts(server, tmp_path, attrition_narrow):
    from prefect.client.schemas.filters import (
        ArtifactFilter,
        ArtifactFilterFlowRunId,
        FlowRunFilter,
        FlowRunFilterParentFlowRunId,
    )

    attrition_narrow.to_csv(tmp_path / "table.csv", index=False)
    config = tmp_path / "small.yaml"
    config.write_text(
        "data: {source: table.csv, label: Attrition}\n"
        "generator: {kind: smote}\n"
        "gate: {mode: report, models: [logreg], baselines: [none], bootstrap: 200,"
        " cross_fit: never}\n"
        f"output: {{store: {tmp_path / 'store'}, name: small}}\n"
    )
    log = (tmp_path / "serve.log").open("w")
    serving = subprocess.Popen(
        [BIN / "equipoise", "serve", str(config), "--cron", "0 0 1 1 *"],
        env=server, stdout=log, stderr=subprocess.STDOUT, start_new_session=True, cwd=tmp_path,
    )  # fmt: skip
    try:
        with _client(server) as client:

            def registered():
                with contextlib.suppress(Exception):
                    return client.read_deployment_by_name("equipoise/small")
                return None

            deployment = _wait_for("the served deployment", registered, proc=serving)
            assert [s.schedule.cron for s in deployment.schedules] == ["0 0 1 1 *"]
            started = subprocess.run(
                [BIN / "prefect", "deployment", "run", "equipoise/small"],
                env=server, capture_output=True, text=True, timeout=120,
            )  # fmt: skip
            assert started.returncode == 0, started.stderr[-2000:]
            run_id = re.search(r"UUID: ([0-9a-f-]{36})", started.stdout).group(1)
            run = client.read_flow_run(run_id)
            assert run.deployment_id == deployment.id

            def finished():
                state = client.read_flow_run(run.id).state
                return state if state and state.is_final() else None

            state = _wait_for("the flow run", finished, proc=serving)
            assert state.is_completed(), (state, (tmp_path / "serve.log").read_text()[-3000:])

            children = client.read_flow_runs(
                flow_run_filter=FlowRunFilter(
                    parent_flow_run_id=FlowRunFilterParentFlowRunId(any_=[run.id])
                )
            )
            ids = [run.id, *(c.id for c in children)]
            artifacts = client.read_artifacts(
                artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=ids))
            )
    finally:
        _stop(serving)
        log.close()
    keys = {a.key for a in artifacts}
    assert {"gate-decision", "class-counts", "summary"} <= keys
    (version,) = [p for p in (tmp_path / "store" / "small").iterdir() if p.name[0] != "."
                  and p.name != "latest"]  # fmt: skip
    assert (version / "manifest.json").is_file()
    summary = next(a for a in artifacts if a.key == "summary")
    assert version.name in summary.data


def test_a_gate_refusal_is_a_completed_run_with_its_decision(server, tmp_path, monkeypatch):
    from prefect import flow
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    from equipoise.flows import balance

    @flow(name="balance")
    def refusing(job):
        message = "the gate refused: smote does not beat class weights on the holdout"
        return {"outcome": "refused", "report": str(tmp_path), "message": message}

    monkeypatch.setattr(balance, "balance", refusing)
    config = tmp_path / "job.yaml"
    config.write_text("data: {source: table.csv, label: y}\n")
    with _in_process(server):
        state = deploy.equipoise_job(str(config), return_state=True)
    assert state.is_completed()
    assert state.result()["outcome"] == "refused"
    with _client(server) as client:
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(
                flow_run_id=ArtifactFilterFlowRunId(any_=[state.state_details.flow_run_id])
            )
        )
    (decision,) = [a for a in artifacts if a.key == "gate-decision"]
    assert "gate refused" in decision.data and "class weights" in decision.data


def test_other_errors_fail_the_deployment_run(server, tmp_path):
    config = tmp_path / "job.yaml"
    config.write_text("data: {source: missing.csv, label: y}\n")
    with _in_process(server):
        state = deploy.equipoise_job(str(config), return_state=True)
    assert state.is_failed()
