"""Where training progress goes: a rich progress bar when the CLI runs the flow,
otherwise the flow's run logger (a line every 10 % of epochs)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from equipoise.flows import stopping
from equipoise.generators import ProgressCallback

_reporter: ProgressCallback | None = None


def current_reporter(logger: logging.Logger | logging.LoggerAdapter) -> ProgressCallback:
    """The CLI's progress bar if one is active, else a logger-based reporter; either
    raises Interrupted at the next epoch once SIGINT / SIGTERM asked the run to stop."""
    if _reporter is not None:
        shown = _reporter

        def show_progress(description: str, completed: int, total: int) -> None:
            stopping.check()
            shown(description, completed, total)

        return show_progress
    last: dict[str, int] = {}

    def log_progress(description: str, completed: int, total: int) -> None:
        stopping.check()
        step = max(1, total // 10)
        if completed == total or completed - last.get(description, -step) >= step:
            last[description] = completed
            logger.info("%s: %d/%d", description, completed, total)

    return log_progress


@contextmanager
def rich_progress(console) -> Iterator[None]:
    """Show epochs as rich progress bars on `console` while the block runs."""
    global _reporter
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    progress = Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        "steps",
        TimeRemainingColumn(),
        console=console,
        transient=False,
    )
    tasks: dict[str, int] = {}

    def report(description: str, completed: int, total: int) -> None:
        if description not in tasks:
            tasks[description] = progress.add_task(description, total=total)
        progress.update(tasks[description], completed=completed, total=total)

    _reporter = report
    try:
        with progress:
            yield
    finally:
        _reporter = None
