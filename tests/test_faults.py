"""Faults and concurrency with real processes and real kills: two runs publishing at
once, a crash mid-publish, SIGKILL while sampling and a rerun that reuses the fit."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from flow_settings import FAST_GATE

from equipoise.store.versions import STAGING_PREFIX, new_staging, publish, sha256_file

PUBLISHER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    import pandas as pd
    from equipoise.store.versions import new_staging, publish

    store, go, mode = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]

    def finish(version, hashes):
        if mode == "hang":
            Path(str(go) + ".writing").write_text(version)
            time.sleep(300)
        return {"name": "t", "data": hashes}, f"<html>{version}</html>"

    while not go.exists():
        time.sleep(0.01)
    for i in range(int(sys.argv[4])):
        table = pd.DataFrame({"x": [i, i + 1, i + 2], "who": mode})
        if i % 2:  # every other table is the same in both processes
            table = table.assign(who="shared")
        provenance = pd.DataFrame({"row": range(3)})
        print(publish(new_staging(store, "t"), table, provenance, finish).version, flush=True)
    """
)


def _wait_for(path: Path, proc: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, f"{path} did not appear"
        time.sleep(0.05)


def _publisher(tmp_path: Path, store: Path, mode: str, count: int) -> subprocess.Popen:
    script = tmp_path / "publisher.py"
    script.write_text(PUBLISHER)
    return subprocess.Popen(
        [sys.executable, script, store, tmp_path / "go", mode, str(count)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
    )  # fmt: skip


def _assert_intact(folder: Path) -> set[str]:
    """Every version folder complete (files match the manifest), nothing hidden left."""
    versions = {p.name for p in folder.iterdir() if not p.name.startswith(".")} - {"latest"}
    for version in versions:
        manifest = json.loads((folder / version / "manifest.json").read_text())
        assert manifest["version"] == version
        for name, digest in manifest["files"].items():
            assert sha256_file(folder / version / name) == digest
    assert [p.name for p in folder.iterdir() if p.name.startswith(".")] == []
    assert os.readlink(folder / "latest") in versions
    return versions


def test_two_processes_publishing_at_once_both_end_intact(tmp_path):
    store = tmp_path / "store"
    procs = [_publisher(tmp_path, store, mode, 8) for mode in ("a", "b")]
    (tmp_path / "go").touch()
    outputs = [proc.communicate(timeout=120) for proc in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    published = [set(out.split()) for out, _ in outputs]
    assert all(len(v) == 8 for v in published)
    assert len(published[0] & published[1]) == 4, "the shared tables got one version each"
    assert _assert_intact(store / "t") == published[0] | published[1]


def test_a_crash_mid_publish_leaves_no_visible_version(tmp_path):
    import pandas as pd

    store = tmp_path / "store"
    first = publish(
        new_staging(store, "t"), pd.DataFrame({"x": [0]}), pd.DataFrame({"row": [0]}),
        lambda v, h: ({"name": "t"}, "<html></html>"),
    )  # fmt: skip
    crashing = _publisher(tmp_path, store, "hang", 1)
    (tmp_path / "go").touch()
    _wait_for(tmp_path / "go.writing", crashing)
    os.killpg(crashing.pid, signal.SIGKILL)
    crashing.wait(timeout=30)

    folder = store / "t"
    assert {p.name for p in folder.iterdir() if not p.name.startswith(".")} == {
        first.version,
        "latest",
    }, "no partial version is visible"
    assert os.readlink(folder / "latest") == first.version
    (abandoned,) = folder.glob(f"{STAGING_PREFIX}*")
    assert (abandoned / "train.parquet").exists(), "killed while writing"

    # a writer that is alive keeps its staging folder; the dead one's is removed
    (tmp_path / "go.writing").unlink()
    alive = _publisher(tmp_path, store, "hang", 1)
    _wait_for(tmp_path / "go.writing", alive)
    try:
        staging = new_staging(store, "t")
        leftover = {p.name for p in folder.glob(f"{STAGING_PREFIX}*")} - {staging.name}
        assert abandoned.name not in leftover and len(leftover) == 1, "the live one stays"
    finally:
        os.killpg(alive.pid, signal.SIGKILL)
        alive.wait(timeout=30)


RUNNER = textwrap.dedent(
    """
    import os, sys, time
    from pathlib import Path
    from equipoise.generators import registry
    from equipoise.generators.images.augment import Augment
    from equipoise.generators.tables.imblearn_family import Smote

    class Pausing:
        '''Logs each fit and can stop in sample() until it is killed.'''

        def _fit(self, X, y, *, seed, progress):
            with open(os.environ["FIT_LOG"], "a") as log:
                log.write("fit\\n")
            super()._fit(X, y, seed=seed, progress=progress)

        def _sample(self, counts, *, seed):
            if os.environ.get("PAUSE_FILE"):
                Path(os.environ["PAUSE_FILE"]).write_text("sampling")
                time.sleep(300)
            return super()._sample(counts, seed=seed)

    class PausingSmote(Pausing, Smote):
        kind = "pausing_smote"

    class PausingAugment(Pausing, Augment):
        kind = "pausing_augment"

    for cls in (PausingSmote, PausingAugment):
        registry.REGISTRY[cls.kind] = cls
    from equipoise.cli import app
    app(sys.argv[1:])
    """
)


#: modality -> (input options, the pausing kind, extra settings, the dataset's folder);
#: the holdout judges (a cross-fitted gate refits these cheap kinds per fold, which would
#: log fits of its own: the fit cache is what these runs test)
KILLED_RUNS = {
    "table": (["--data", "{tmp}/table.csv", "--label", "Attrition"], "pausing_smote",
              FAST_GATE, "table"),
    "image": (["--images", "sklearn:digits"], "pausing_augment",
              ["images.rare={class: 3, keep: 15}", "gate.epochs=2", "gate.bootstrap=100",
               "gate.cross_fit=never"], "digits"),
}  # fmt: skip


@pytest.mark.usefixtures("prefect_server")
@pytest.mark.parametrize(
    "modality",
    [
        pytest.param(m, marks=[pytest.mark.extended] if m == "image" else [])
        for m in sorted(KILLED_RUNS)
    ],
)  # the image run takes the same fit-cache path as the table run (`make test-all`)
def test_sigkill_while_sampling_then_rerun_reuses_the_fit_and_the_version(
    tmp_path, attrition_narrow, modality
):
    from prefect.settings import PREFECT_API_URL

    script = tmp_path / "run.py"
    script.write_text(RUNNER)
    attrition_narrow.to_csv(tmp_path / "table.csv", index=False)
    env = {**os.environ, "PREFECT_API_URL": PREFECT_API_URL.value()}  # the session's server
    inputs, kind, sets, name = KILLED_RUNS[modality]

    def run(store: Path, fit_log: Path, pause: Path | None = None) -> subprocess.Popen:
        args = [sys.executable, script, "run", *(a.format(tmp=tmp_path) for a in inputs),
                "--generator", kind, "--out", store, "--set", "gate.mode=report",
                "--set", "gate.cross_fit=never",
                *(f"--set={s}" for s in sets)]  # fmt: skip
        extra = {"FIT_LOG": str(fit_log), **({"PAUSE_FILE": str(pause)} if pause else {})}
        return subprocess.Popen(
            args, env={**env, **extra}, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True, start_new_session=True,
        )  # fmt: skip

    reference = run(tmp_path / "reference", tmp_path / "reference.log")
    killed = run(tmp_path / "store", tmp_path / "fits.log", pause=tmp_path / "sampling")
    out, err = reference.communicate(timeout=300)
    assert reference.returncode == 0, err[-3000:]
    expected = Path(out.strip().splitlines()[-1]).name

    _wait_for(tmp_path / "sampling", killed, timeout=300)
    os.killpg(killed.pid, signal.SIGKILL)
    killed.wait(timeout=30)
    store = tmp_path / "store"
    assert not (store / name).exists() or not [
        p for p in (store / name).iterdir() if not p.name.startswith(".")
    ], "nothing published by the killed run"
    assert len(list((store / ".cache" / "fits").glob("*.pkl"))) == 1

    rerun = run(store, tmp_path / "fits.log")
    out, err = rerun.communicate(timeout=300)
    assert rerun.returncode == 0, err[-3000:]
    assert (tmp_path / "fits.log").read_text() == "fit\n", "the rerun reused the fitted model"
    assert "reused the cached fit" in err
    published = Path(out.strip().splitlines()[-1])
    assert published.name == expected, "the same version as a run that was never killed"
    assert _assert_intact(store / name) == {expected}


# --------------------------------------------------------------------------- signals

MARKING = textwrap.dedent(
    """
    import os, sys, time
    from pathlib import Path
    from equipoise.generators import registry
    from equipoise.generators.tables.models import CTGAN

    class MarkingCTGAN(CTGAN):
        '''The real CTGAN; writes TRAINING_FILE once its first epoch is done.'''

        kind = "marking_ctgan"

        def _fit(self, X, y, *, seed, progress):
            def marked(what, done, total):
                if done >= 1:
                    Path(os.environ["TRAINING_FILE"]).touch()
                if progress is not None:
                    progress(what, done, total)

            super()._fit(X, y, seed=seed, progress=marked)

    class SleepingCTGAN(CTGAN):
        '''A fit that never reports progress (like a copula's): no flag reaches it.'''

        kind = "sleeping_ctgan"

        def _fit(self, X, y, *, seed, progress):
            Path(os.environ["TRAINING_FILE"]).touch()
            time.sleep(300)

    for cls in (MarkingCTGAN, SleepingCTGAN):
        registry.REGISTRY[cls.kind] = cls
    from equipoise.cli import app
    app(sys.argv[1:])
    """
)


def _children(pid: int) -> dict[int, str]:
    """Child processes of `pid` and their command lines (from /proc)."""
    found = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid:
                cmdline = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ")
                found[int(stat.parent.name)] = cmdline.decode(errors="replace")
        except (OSError, IndexError, ValueError):
            continue
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
@pytest.mark.parametrize(
    ("signum", "kind"),
    [pytest.param(signal.SIGTERM, "marking_ctgan", id="SIGTERM"),
     pytest.param(signal.SIGINT, "marking_ctgan", id="SIGINT",
                  marks=pytest.mark.extended),  # SIGTERM's path, exit 130
     pytest.param(signal.SIGKILL, "marking_ctgan", id="SIGKILL"),
     pytest.param(signal.SIGTERM, "sleeping_ctgan", id="SIGTERM-fit-without-epochs")],
)  # fmt: skip
def test_a_signal_during_a_fit_stops_the_run_and_its_temporary_server(
    request, tmp_path, attrition_narrow, signum, kind
):
    """A real CTGAN fit of 5,000 epochs: SIGTERM / SIGINT end it within seconds (exit
    143 / 130, one line), SIGKILL too; nothing is published or cached after the signal.
    SIGTERM and SIGKILL runs start their own temporary Prefect server, which must be gone
    afterwards (the others use the session's server, saving its start). A fit that never
    reports progress is not waited for beyond stopping.GRACE_S (10 s)."""
    attrition_narrow.to_csv(tmp_path / "table.csv", index=False)
    (tmp_path / "run.py").write_text(MARKING)
    store, training = tmp_path / "store", tmp_path / "training"
    own_server = kind == "marking_ctgan" and signum != signal.SIGINT
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env |= {"PREFECT_HOME": str(tmp_path / "prefect"), "TRAINING_FILE": str(training)}
    if not own_server:
        from prefect.settings import PREFECT_API_URL

        request.getfixturevalue("prefect_server")
        env["PREFECT_API_URL"] = PREFECT_API_URL.value()
    proc = subprocess.Popen(
        [sys.executable, tmp_path / "run.py", "run", "--data", tmp_path / "table.csv",
         "--label", "Attrition", "--generator", kind, "--out", store,
         "--set", "generator.params.epochs=5000", "--set", f"output.runs={tmp_path / 'runs'}"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        _wait_for(training, proc, timeout=300)
        servers = [p for p, cmd in _children(proc.pid).items() if "-m uvicorn" in cmd]
        assert len(servers) == int(own_server), _children(proc.pid)
        os.kill(proc.pid, signum)
        out, err = proc.communicate(timeout=20)  # "within a few seconds", with room for load
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    if signum == signal.SIGKILL:
        assert proc.returncode == -signal.SIGKILL
    else:
        assert proc.returncode == 128 + signum, err[-3000:]
        errors = [line for line in err.splitlines() if line.startswith("error:")]
        assert errors == [errors[0]] and f"stopped by {signum.name}" in errors[0], err[-3000:]
        assert "Traceback" not in err and out == ""
    deadline = time.monotonic() + 30  # after SIGKILL the watchdog polls every 0.5 s
    while any(map(_alive, servers)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not any(map(_alive, servers)), "the temporary Prefect server was left running"
    time.sleep(2)  # an orphaned fit would write its cache entry about now
    assert list(store.glob(".cache/fits/*.pkl")) == [], "no fit cached after the stop"
    published = [p for p in store.glob("[!.]*/[!.]*")]
    assert published == [], "nothing published"
    if signum != signal.SIGKILL:  # a killed run leaves its staging to the next run
        assert list(store.glob(f"*/{STAGING_PREFIX}*")) == [], "staging discarded"


def test_a_deployment_cancellation_stops_the_fits_and_keeps_prefects_handler():
    """Outside the CLI (a deployment, cancelled by its worker with SIGTERM), Prefect's
    handler stays in charge, and the signal first sets the stop flag the fits check at
    each epoch, so they do not train on after the flow has ended."""
    script = textwrap.dedent(
        """
        import os, signal
        from equipoise.flows import stopping
        seen = []
        signal.signal(signal.SIGTERM, lambda signum, frame: seen.append(signum))
        stopping.take_signals()
        stopping.take_signals()  # twice: still one chained handler
        assert not stopping.requested()
        os.kill(os.getpid(), signal.SIGTERM)
        print(stopping.requested(), seen)
        try:
            stopping.check()
        except BaseException as error:  # Interrupted ends a run like KeyboardInterrupt
            print(type(error).__name__)
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=60)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[:2] == [f"True [{int(signal.SIGTERM)}]", "Interrupted"]


# --------------------------------------------------------------------------- full disk

WRITE_FAULTS = {
    # the version's data file, while publishing
    "publish": ("pandas.DataFrame.to_parquet", "No space left on device"),
    # the training rows handed to the fit task, in the store's cache
    "fit cache": ("equipoise.store.fit_cache.pickle.dump", "No space left on device"),
}


@pytest.mark.usefixtures("prefect_server")
@pytest.mark.parametrize("where", sorted(WRITE_FAULTS))
def test_a_full_disk_is_one_line_exit_6_and_nothing_half_written(
    tmp_path, attrition_narrow, monkeypatch, where
):
    import errno

    from typer.testing import CliRunner

    from equipoise.cli import app

    target, message = WRITE_FAULTS[where]
    store = tmp_path / "store"
    attrition_narrow.to_csv(tmp_path / "table.csv", index=False)

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", str(store / "x"))

    monkeypatch.setattr(target, full)
    result = CliRunner().invoke(
        app,
        ["run", "--data", str(tmp_path / "table.csv"), "--label", "Attrition",
         "--generator", "smote", "--out", str(store),
         *(f"--set={s}" for s in FAST_GATE), "--set", f"output.runs={tmp_path / 'runs'}"],
    )  # fmt: skip
    assert result.exit_code == 6, result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "could not write" in errors[0] and message in errors[0]
    assert "Traceback" not in result.stderr and result.stdout.strip() == ""
    assert not (store / "table").exists(), "no version, no staging folder"
    assert list(store.glob(".cache/data/*")) == [] or where == "publish"


def test_report_mode_says_it_publishes_anyway():
    from equipoise.flows.balance import _in_report_mode
    from equipoise.validation.gate.decision import GateDecision
    from equipoise.validation.gate.settings import GateSettings

    refused = GateDecision(
        False, "logreg beats every synthetic set (...); nothing published", "average_precision"
    )
    report = _in_report_mode(refused, GateSettings(mode="report"))
    assert "nothing published" not in report.sentence
    assert report.sentence.endswith("published anyway (gate.mode: report)")
    assert _in_report_mode(refused, GateSettings(mode="enforce")) is refused


def test_write_faults_become_exit_6_and_remove_what_was_half_written(tmp_path):
    import errno

    from equipoise.dataspec import WriteError
    from equipoise.store.versions import writing

    folder = tmp_path / "runs" / "table" / "run-1"
    denied = r"could not write the run folder .*Permission denied"
    with pytest.raises(WriteError, match=denied), writing("the run folder", remove=folder):
        folder.mkdir(parents=True)
        (folder / "gate.json").write_text("{}")
        raise PermissionError(errno.EACCES, "Permission denied", str(folder / "report.html"))
    assert not folder.exists(), "the half-written run folder is removed"
    assert WriteError("x").exit_code == 6
    with pytest.raises(FileNotFoundError), writing("anything"):  # not a write fault: as it is
        raise FileNotFoundError(errno.ENOENT, "No such file or directory", "x")


def test_a_fit_pickled_by_other_generator_code_is_not_reused(tmp_path, monkeypatch):
    """The fit cache's key holds a hash of the generators' and encoders' source: a fit
    pickled by other code of the same version number (a development checkout, an edited
    install) is refitted instead of unpickled into objects this code cannot use (seen:
    `'MixedEncoder' object has no attribute 'other_'` from a store filled before the
    encoder gained that attribute)."""
    import pandas as pd

    from equipoise.dataspec import infer_schema
    from equipoise.generators.registry import create
    from equipoise.store import fit_cache

    code = tmp_path / "generators"
    code.mkdir()
    (code / "kind.py").write_text("A = 1\n")
    before = fit_cache.source_hash((code,))
    assert fit_cache.source_hash((code,)) == before  # deterministic
    (code / "kind.py").write_text("A = 2\n")
    assert fit_cache.source_hash((code,)) != before  # one changed byte
    (code / "new.py").write_text("")
    assert len({before, fit_cache.source_hash((code,))}) == 2

    frame = pd.DataFrame({"x": [0.0, 1.0, 2.0, 3.0], "y": ["a", "a", "b", "b"]})
    generator = create("smote", infer_schema(frame, label="y"))
    key = fit_cache.fit_key(generator, "data-hash", 0)
    assert fit_cache.fit_key(generator, "data-hash", 0) == key
    monkeypatch.setattr(fit_cache, "code_fingerprint", lambda: "other code")
    assert fit_cache.fit_key(generator, "data-hash", 0) != key
