"""The default portfolio and the time budget (issue 11): a default table run tries
several generators, a failing one leaves the gate and not the run, deep generators sit
out tiny classes, and `--budget` sets CTGAN's epochs or skips it, as the manifest says."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from flow_settings import FAST_GATE
from typer.testing import CliRunner

from equipoise.cli import app
from equipoise.dataspec import BudgetExceeded
from equipoise.generators import progress, registry
from equipoise.generators.progress import EpochBudget, budgeted_epochs
from equipoise.generators.tables.base import TableGenerator
from equipoise.pipeline import budget
from equipoise.pipeline.config import load_job
from equipoise.pipeline.tables.config import TableJob

runner = CliRunner()


class Copier(TableGenerator):
    """Returns training rows of the asked class: fails the leakage checks."""

    kind = "copier"

    def _fit(self, X, y, *, seed, progress):
        self.X_, self.y_ = X, y

    def _sample(self, counts, *, seed):
        rng = np.random.default_rng(seed)
        parts = [
            self.X_.iloc[rng.choice(np.flatnonzero((self.y_ == c).to_numpy()), size=n)]
            for c, n in counts.items()
        ]
        labels = np.repeat(list(counts), list(counts.values()))
        return pd.concat(parts, ignore_index=True), pd.Series(labels)


def _run(tmp_path: Path, frame: pd.DataFrame, label: str, *args: str):
    data = tmp_path / "table.csv"
    frame.to_csv(data, index=False)
    store = tmp_path / "store"
    result = runner.invoke(
        app,
        ["run", "--data", str(data), "--label", label, "--out", str(store), *args]
        + [f"--set={s}" for s in FAST_GATE],
    )
    return result, store


def _manifest(result) -> dict:
    assert result.exit_code == 0, result.output
    path = Path(result.stdout.strip().splitlines()[-1])
    return json.loads((path / "manifest.json").read_text())


# ------------------------------------------------------------------- without a flow


def test_the_default_is_the_portfolio_and_the_budget_is_validated():
    job = load_job(base={"data": {"source": "t.csv", "label": "y"}})
    assert job.uses_portfolio and job.generator_names == ["smote", "gaussian_copula", "ctgan"]
    assert job.budget == budget.DEFAULT_BUDGET_MINUTES
    named = load_job(
        base={"data": {"source": "t.csv", "label": "y"}, "generator": {"kind": "ctgan"}}
    )
    assert not named.uses_portfolio and named.generator_names == ["ctgan"]


def test_budgeted_epochs_cut_keep_or_skip():
    assert list(budgeted_epochs(5, None, "x")) == [0, 1, 2, 3, 4]
    roomy = EpochBudget(seconds=1e9)
    assert len(list(budgeted_epochs(40, roomy, "x"))) == 40
    assert roomy.loops[0]["epochs"] == 40 and roomy.loops[0]["configured"] == 40
    told: list[str] = []
    fixed = EpochBudget(seconds=0.0, fixed=True, notify=told.append)
    assert len(list(budgeted_epochs(12, fixed, "x"))) == 12, "the user's epochs are kept"
    assert "over its" in fixed.loops[0]["why"] and told and "running them as asked" in told[0]
    with pytest.raises(BudgetExceeded, match=r"x: one epoch takes .* \(raise --budget"):
        list(budgeted_epochs(300, EpochBudget(seconds=0.0), "x"))


def test_the_progress_bar_ends_at_the_epochs_the_budget_chose(monkeypatch):
    # a clock that moves 1 s per reading: a 20 s share fits about a dozen of 300 epochs
    ticks = itertools.count()
    monkeypatch.setattr(progress, "time", SimpleNamespace(perf_counter=lambda: next(ticks)))
    shown: list[tuple[int, int]] = []
    share = EpochBudget(seconds=20.0, min_epochs=2)
    ran = list(budgeted_epochs(300, share, "x", lambda _, done, total: shown.append((done, total))))
    assert shown[0] == (0, 300) and len(ran) == share.loops[0]["epochs"] < 300
    assert shown[-1] == (len(ran), len(ran)), "the bar ends full, at the chosen count"
    assert [done for done, _ in shown] == list(range(len(ran) + 1))
    plain: list[tuple[int, int]] = []
    assert list(budgeted_epochs(3, None, "x", lambda _, d, t: plain.append((d, t)))) == [0, 1, 2]
    assert plain == [(0, 3), (1, 3), (2, 3), (3, 3)]


def test_only_cheap_generators_run_for_a_tiny_class(attrition):
    from equipoise.dataspec import infer_schema

    job = load_job(base={"data": {"source": "t.csv", "label": "Attrition"}})
    schema = infer_schema(attrition, "Attrition")
    gens = [registry.create(kind, schema) for kind in job.generator_names]
    y = attrition["Attrition"]
    skips = budget.portfolio_skips(job, job.generator_names, gens, y)
    assert list(skips) == ["ctgan"]  # 64 'Yes' rows < SMALL_CLASS_ROWS
    assert f"fewer than {budget.SMALL_CLASS_ROWS}" in skips["ctgan"]
    named = load_job(
        base={"data": {"source": "t.csv", "label": "Attrition"}, "generator": {"kind": "ctgan"}}
    )
    assert budget.portfolio_skips(named, ["ctgan"], gens[2:], y) == {}


@pytest.mark.parametrize("value", ["abc", "0", "-2", "nan", "inf"])
def test_bad_budget_is_one_line_exit_2(tmp_path, value):
    result = runner.invoke(app, ["run", "--data", "x.csv", "--label", "y", "--budget", value])
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        f"error: --budget {value!r}: give the minutes the run may take, a number above 0, "
        "e.g. --budget 10"
    ]


# ------------------------------------------------------------------- the flow


@pytest.mark.usefixtures("prefect_server")
def test_portfolio_runs_and_a_failing_generator_leaves_the_gate(
    tmp_path, attrition_narrow, monkeypatch, caplog
):
    monkeypatch.setitem(registry.REGISTRY, "copier", Copier)
    monkeypatch.setattr(TableJob, "DEFAULT_PORTFOLIO", ("smote", "copier", "ctgan"))
    result, _ = _run(tmp_path, attrition_narrow, "Attrition")
    manifest = _manifest(result)
    cands = {c["name"]: c for c in manifest["candidates"]}
    assert list(cands) == ["smote", "copier", "ctgan"]
    assert "leakage" in cands["copier"]["failure"] and cands["copier"]["validation_passed"] is False
    assert (
        "fewer than 100" in cands["ctgan"]["skipped"] and cands["ctgan"]["synthetic_sampled"] == 0
    )
    assert manifest["generator"]["kind"] == "smote" and cands["smote"]["validation_passed"]
    assert {r["candidate"] for r in manifest["gate"]["leaderboard"]} >= {"smote"}
    assert "copier" not in {r["candidate"] for r in manifest["gate"]["leaderboard"]}
    assert manifest["budget"]["default_portfolio"] is True
    assert manifest["budget"]["generators"]["ctgan"]["ran"] is False
    report = (Path(result.stdout.strip().splitlines()[-1]) / "report.html").read_text()
    assert "failed, left out of the gate" in report and "skipped" in report
    assert "ctgan skipped: the rarest minority class has 48 training rows" in caplog.text


@pytest.mark.usefixtures("prefect_server")
def test_no_candidate_passing_exits_4(tmp_path, attrition_narrow, monkeypatch):
    monkeypatch.setitem(registry.REGISTRY, "copier", Copier)
    monkeypatch.setattr(TableJob, "DEFAULT_PORTFOLIO", ("copier", "ctgan"))
    result, store = _run(tmp_path, attrition_narrow, "Attrition")
    assert result.exit_code == 4, result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "no candidate passed: copier: validation failed" in errors[0]
    assert "ctgan skipped" in errors[0]
    assert not list(store.rglob("manifest.json"))


@pytest.mark.usefixtures("prefect_server")
def test_a_small_budget_trains_fewer_epochs(tmp_path, attrition_narrow, monkeypatch):
    # Real CTGAN, but the budget reads a clock that moves 0.5 s per reading (one per
    # epoch), so the epochs chosen do not depend on how busy the machine is: a 1-minute
    # budget gives it about 20 s, so about 40 of its 300 epochs.
    ticks = itertools.count(step=0.5)
    monkeypatch.setattr(progress, "time", SimpleNamespace(perf_counter=lambda: next(ticks)))
    result, _ = _run(
        tmp_path, attrition_narrow, "Attrition", "--generator", "ctgan", "--budget", "1",
        "--set=validation.min_column_shapes=0", "--set=validation.min_column_pair_trends=0",
        "--set=validation.max_near_copy_share=1", "--set=validation.allow_exact_copies=true",
    )  # fmt: skip
    manifest = _manifest(result)
    (loop,) = manifest["budget"]["generators"]["ctgan"]["epochs"]
    assert loop["configured"] == 300 and budget.MIN_EPOCHS <= loop["epochs"] < 100
    assert "epochs fit its" in loop["why"] and loop["epoch_s"] == 0.5
    assert manifest["budget"]["minutes"] == 1
    assert manifest["candidates"][0]["epochs"] == [loop]


@pytest.mark.usefixtures("prefect_server")
def test_a_generator_the_budget_cannot_fit_is_skipped_and_named(tmp_path, attrition_narrow):
    result, _ = _run(
        tmp_path, attrition_narrow, "Attrition", "--budget", "0.001",
        "--set=generator=[{kind: smote}, {kind: ctgan}]",
    )  # fmt: skip
    manifest = _manifest(result)
    cands = {c["name"]: c for c in manifest["candidates"]}
    assert "share of the time budget; skipped (raise --budget" in cands["ctgan"]["skipped"]
    assert manifest["budget"]["generators"]["ctgan"]["ran"] is False
    assert manifest["generator"]["kind"] == "smote"


def test_one_thread_also_means_no_joblib_worker_processes():
    """ctgan's DataTransformer asks joblib for a process per core on 500+ rows; pinned fits
    must stay in their own process (a busy machine then does not get two more)."""
    import os

    from joblib import Parallel, delayed

    from equipoise.dataspec.threads import limited_threads

    with limited_threads(1):
        pids = set(Parallel(n_jobs=-1)(delayed(os.getpid)() for _ in range(4)))
    assert pids == {os.getpid()}
