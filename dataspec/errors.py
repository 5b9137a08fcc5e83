"""Every error that ends a run with an exit code, in one place: each carries a one-line
message that names the fix. Exit codes: 2 bad input or config · 3 the gate refused ·
4 validation or generation failed · 5 published, but a hand-off failed · 6 could not
write (disk full, no permission): nothing published · 130 / 143 stopped by SIGINT
(Ctrl-C) / SIGTERM: nothing published."""

from __future__ import annotations

from pathlib import Path


class EquipoiseError(Exception):
    """Base of the errors equipoise reports as one line and an exit code."""

    exit_code = 1

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class InputError(EquipoiseError):
    """Bad input or config: the message says what is wrong and how to fix it (exit 2)."""

    exit_code = 2


class GateRefused(EquipoiseError):
    """No synthetic set beat the best baseline on the real holdout (exit 3, nothing
    published); the message is the decision in one sentence, `report` the folder that
    holds the run's report and gate results (None when none was written)."""

    exit_code = 3

    def __init__(self, message: str, report: Path | None = None):
        super().__init__(message)
        self.report = report


class GenerationError(EquipoiseError):
    """A generator could not produce what was asked of it (exit 4, nothing published)."""

    exit_code = 4


class BudgetExceeded(GenerationError):
    """A generator cannot train its least useful number of epochs within its share of the
    time budget (exit 4 when no other candidate is left; otherwise that one is skipped)."""


class ValidationFailed(EquipoiseError):
    """Synthetic rows failed a check that cannot be repaired by dropping rows (exit 4).

    Raised for structural problems of the synthetic frame (missing, extra or reordered
    columns, wrong dtypes, missing values where the real column has none, unknown labels,
    no rows); threshold failures are returned in the report instead (`passed` is False)."""

    exit_code = 4


class HandoffError(EquipoiseError):
    """The version is published but a hand-off failed (exit 5); rerun `equipoise publish`."""

    exit_code = 5


class WriteError(EquipoiseError):
    """The store, the fit cache or the run folder could not be written (disk full, no
    permission) after the run had started (exit 6, nothing published, staging removed)."""

    exit_code = 6


class Interrupted(BaseException):
    """The run was stopped by SIGINT or SIGTERM (exit 128 + the signal's number: 130,
    143). A BaseException so that no `except Exception` in a fit or check swallows it."""

    def __init__(self, signum: int):
        import signal

        self.signum = signum
        self.exit_code = 128 + signum
        self.message = (
            f"stopped by {signal.Signals(signum).name}; nothing published (rerun the same "
            "command to start again: fits that finished are reused)"
        )
        super().__init__(self.message)
