"""Keep Prefect's logs to one line for the errors equipoise explains itself.

A task or flow that raises an EquipoiseError (bad input, failed validation)
would otherwise print a traceback before the CLI's one-line message; after SIGINT or
SIGTERM their crash reports are left out altogether.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from equipoise.dataspec import EquipoiseError
from equipoise.flows import stopping

PREFECT_LOGGERS = ("prefect.flow_runs", "prefect.task_runs", "prefect.flow_engine",
                   "prefect.task_engine")  # fmt: skip


class _ShortEquipoiseErrors(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if stopping.requested():  # stopped by a signal: the CLI's one line says so
            return False
        exc = record.exc_info[1] if record.exc_info else None
        if isinstance(exc, EquipoiseError):
            record.exc_info = None
            record.exc_text = None
            record.msg, record.args = f"{type(exc).__name__}: {exc.message}", ()
        return True


@contextmanager
def short_errors_in_prefect_logs() -> Iterator[None]:
    flt = _ShortEquipoiseErrors()
    loggers = [logging.getLogger(name) for name in PREFECT_LOGGERS]
    for logger in loggers:
        logger.addFilter(flt)
    try:
        yield
    finally:
        for logger in loggers:
            logger.removeFilter(flt)
