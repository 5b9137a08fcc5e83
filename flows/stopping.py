"""Stopping a run within seconds on SIGINT (Ctrl-C) or SIGTERM, and never leaving
Prefect's temporary server behind.

Fits run in worker threads (or processes) that a signal cannot interrupt, so a
signal does three things: it sets a stop flag that every fit checks at each epoch
through its progress callback (and before it writes the fit cache), it raises
`Interrupted` in the main thread so the flow unwinds (staging discarded, nothing
published), and `shut_down` then ends the process with exit 128 + the signal
(130, 143) after stopping child processes and the temporary server, without
waiting for a fit that does not check the flag.

The temporary server (started when no PREFECT_API_URL is set) gets a watchdog: a
tiny process in its own session that stops the server when this process dies
without doing so itself (SIGKILL, a crash).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator

from equipoise.dataspec import Interrupted

SIGNALS = (signal.SIGINT, signal.SIGTERM)
#: how long `shut_down` waits for worker threads to notice the flag before exiting
GRACE_S = 10.0

_stop = threading.Event()
_exiting = threading.Event()
_signum: list[int] = []


def check() -> None:
    """Raise Interrupted when a signal asked this run to stop (fits call it per epoch)."""
    if _stop.is_set():
        raise Interrupted(_signum[0])


def requested() -> bool:
    return _stop.is_set()


def _request(signum: int) -> None:
    if not _signum:
        _signum.append(signum)
    _stop.set()


def _handler(signum: int, frame: object) -> None:
    already = _stop.is_set()
    _request(signum)
    if not already:  # a second signal while unwinding changes nothing
        for child in multiprocessing.active_children():  # fits on a process runner
            child.terminate()
        threading.Thread(target=_deadline, args=(signum,), daemon=True).start()
        raise Interrupted(signum)


def _deadline(signum: int) -> None:
    """The bound on the wait: the flow engine waits for a running fit thread before the
    run unwinds, and a fit without epochs (a copula, ForestFlow) never checks the flag;
    after GRACE_S the process ends anyway (its staging folder, left hidden, is removed
    by the next run under that name)."""
    time.sleep(GRACE_S)
    if _exiting.is_set():  # shut_down is already on its way out
        return
    message = Interrupted(signum).message
    sys.stderr.write(f"error: {message} (a fit did not stop within {GRACE_S:.0f} s)\n")
    stop_temporary_server()
    sys.stderr.flush()
    os._exit(128 + signum)


#: whether `stop_on_signals` is active (the CLI's runs; not a deployment's)
_armed: list[bool] = []


@contextlib.contextmanager
def stop_on_signals() -> Iterator[None]:
    """Within the block, SIGINT and SIGTERM stop the run (only the main thread can
    handle signals; elsewhere the block runs as it is)."""
    with _handling():
        _armed.append(True)
        try:
            yield
        finally:
            _armed.pop()


def take_signals() -> None:
    """Call first thing in the flow. In a run started by `stop_on_signals` (the CLI):
    Prefect's flow engine has just replaced the SIGTERM handler with its own, which
    would wait for the running fits before the run ends; with ours back, SIGTERM sets
    the stop flag at once (Prefect restores ours when the flow ends). In other runs (a
    deployment, cancelled by its worker or `serve` with SIGTERM) Prefect's handling
    stays, and the signal also sets the stop flag first, so that the fits in worker
    threads stop at their next epoch instead of training on after the flow has ended."""
    if threading.current_thread() is not threading.main_thread():
        return
    for s in SIGNALS:
        signal.signal(s, _handler if _armed else _chained(signal.getsignal(s)))


def _chained(previous: object) -> object:
    """A handler that sets the stop flag, then does what `previous` did."""
    if previous == signal.SIG_IGN or getattr(previous, "_equipoise_chained", False):
        return previous  # an ignored signal stays ignored

    def handler(signum: int, frame: object) -> None:
        _request(signum)
        if callable(previous):
            previous(signum, frame)
        elif previous == signal.SIG_DFL:  # the default action: end the process with it
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)

    handler._equipoise_chained = True  # type: ignore[attr-defined]
    return handler


@contextlib.contextmanager
def _handling() -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {s: signal.signal(s, _handler) for s in SIGNALS}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


def shut_down(exit_code: int) -> None:
    """End this process after a stop: child processes (process and Dask runners)
    terminated, worker threads given GRACE_S to leave at their next epoch, the
    temporary server stopped; never returns."""
    _exiting.set()
    _request(_signum[0] if _signum else signal.SIGTERM)
    children = multiprocessing.active_children()
    for child in children:
        child.terminate()
    deadline = time.monotonic() + GRACE_S
    for child in children:
        child.join(max(0.0, deadline - time.monotonic()))
        if child.is_alive():
            child.kill()
    for thread in threading.enumerate():
        if thread is not threading.current_thread() and not thread.daemon:
            thread.join(max(0.0, deadline - time.monotonic()))
    stop_temporary_server()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(exit_code)  # threads still in a fit that checks no flag end with the process


# --------------------------------------------------------------------------- the temporary server

WATCHDOG = """
import os, signal, sys, time
parent = int(sys.argv[1])
group = os.getpgid(parent)
MARK = b"prefect.server.api.server"
def cmdline(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read()
    except OSError:
        return b""
def servers(ppid):  # Prefect servers whose parent is ppid and whose group is the run's
    found = set()
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/stat", "rb") as f:
                    fields = f.read().rsplit(b")", 1)[1].split()
                if int(fields[1]) == ppid and int(fields[2]) == group:
                    found.add(int(name))
            except (OSError, IndexError, ValueError):
                continue
    return {p for p in found if MARK in cmdline(p)}
seen = set()
while os.getppid() == parent:
    seen = {p for p in seen if MARK in cmdline(p)} | servers(parent)
    time.sleep(0.5)
# The run is gone. Its servers, seen before or orphaned since (now children of the same
# reaper as this watchdog, in the run's process group), are stopped.
seen = {p for p in seen if MARK in cmdline(p)} | servers(os.getppid())
for pid in seen:
    os.kill(pid, signal.SIGTERM)
for _ in range(50):
    if not any(MARK in cmdline(p) for p in seen):
        break
    time.sleep(0.1)
else:
    for pid in seen:
        if MARK in cmdline(pid):
            os.kill(pid, signal.SIGKILL)
"""


def start_temporary_server() -> None:
    """Start Prefect's temporary server now unless a server is configured
    (PREFECT_API_URL), after a watchdog that stops it should this process die without
    doing so (SIGKILL, even during the server's start). The watchdog reads /proc (Linux);
    elsewhere it finds nothing to stop."""
    from prefect.server.api.server import SubprocessASGIServer
    from prefect.settings import PREFECT_API_URL, PREFECT_SERVER_EPHEMERAL_ENABLED

    if os.environ.get("PREFECT_API_URL") or PREFECT_API_URL.value():
        return
    if not PREFECT_SERVER_EPHEMERAL_ENABLED.value():
        return
    server = SubprocessASGIServer()
    if server.server_process is None and not _watchdog:
        _watchdog.append(
            subprocess.Popen(
                [sys.executable, "-I", "-S", "-c", WATCHDOG, str(os.getpid())],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL, start_new_session=True, close_fds=True,
            )
        )  # fmt: skip
    server.start()  # the same instance Prefect's client uses (one per port)


#: the watchdog process of this one (at most one)
_watchdog: list[subprocess.Popen] = []


def stop_temporary_server() -> None:
    """Stop the temporary server if this process started one."""
    from prefect.server.api.server import SubprocessASGIServer

    with contextlib.suppress(Exception):
        SubprocessASGIServer().stop()  # the one instance (per port) Prefect's client started
