"""The exception tree. Only these types cross the public API (house rule 7)."""

from __future__ import annotations


class PreflightError(Exception):
    """Base class of every error preflight raises on purpose."""


class UsageError(PreflightError):
    """The caller asked for something that cannot be done (bad option, unknown format...). Exit code 2."""


class InputError(PreflightError):
    """An input file cannot be read at all (missing, unreadable, not a template). Exit code 2."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message

    def __reduce__(self) -> tuple[type[InputError], tuple[str, str]]:  # pickled by `check -j N` workers
        return (InputError, (self.path, self.message))
