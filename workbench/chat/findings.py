"""A preflight finding: what is wrong with a line of data, where, and how to fix it."""

from __future__ import annotations

from dataclasses import asdict, dataclass

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Finding:
    """One problem. `line` is 1-based (None for file-level findings); `message_index`
    is 0-based within the conversation (None when the problem is not in one message)."""

    code: str
    severity: str
    line: int | None
    message_index: int | None
    message: str

    @classmethod
    def error(cls, code: str, line: int | None, message_index: int | None, message: str) -> "Finding":
        return cls(code, ERROR, line, message_index, message)

    @classmethod
    def warning(cls, code: str, line: int | None, message_index: int | None, message: str) -> "Finding":
        return cls(code, WARNING, line, message_index, message)

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR

    def to_dict(self) -> dict:
        return asdict(self)

    def location(self) -> str:
        parts = []
        if self.line is not None:
            parts.append(f"line {self.line}")
        if self.message_index is not None:
            parts.append(f"message {self.message_index}")
        return ", ".join(parts) or "file"
