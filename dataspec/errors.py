"""Error types that carry a one-line message naming the fix, and an exit code."""


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


class GenerationError(EquipoiseError):
    """A generator could not produce what was asked of it (exit 4, nothing published)."""

    exit_code = 4
