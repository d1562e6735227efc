"""One family of errors for everything a user can act on.

`WorkbenchError(message, hint)`: the message says what is wrong (file, line, example);
the hint says what to do, in the domain's words, never naming a CLI flag or a key.
Where the way out differs per front end, the error carries a `hint_key` and each front
end words it for its own user (a flag in the CLI, a checkbox or key in the app). The
CLI maps the class, not the text, to an exit code.
"""

from __future__ import annotations


class WorkbenchError(Exception):
    """A problem the user can fix. Front ends show `message` and a hint."""

    def __init__(self, message: str, hint: str = "", *, hint_key: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.hint_key = hint_key

    def __str__(self) -> str:
        return f"{self.message} {self.hint}".strip()


class InvalidRequest(WorkbenchError):
    """A request that cannot be carried out as asked (an unknown name, a value out of range)."""


class DataRefused(WorkbenchError):
    """The data itself blocks the operation (an export gate, a failed check); nothing was written."""


class StoreUnavailable(WorkbenchError):
    """The store file cannot be opened or trusted."""
