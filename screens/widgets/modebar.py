"""The top line of every mode: the modes with their keys, the current one marked."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

MODES = (("1", "examples", "Examples"), ("2", "budget", "Budget"), ("3", "jobs", "Jobs"),
         ("4", "rating", "Rating"), ("5", "registry", "Registry"), ("6", "pii", "PII"),
         ("8", "health", "Health"))


class ModeBar(Static):
    """Which mode is on screen; keys 1-6 switch."""

    DEFAULT_CSS = """
    ModeBar { height: 1; background: $panel; }
    """

    def __init__(self, current: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self.current = current

    def on_mount(self) -> None:
        text = Text(no_wrap=True, overflow="ellipsis")
        for key, mode, label in MODES:
            if mode == self.current:
                text.append(f" {key} {label.upper()} ", "bold reverse")
            else:
                text.append(f" {key} {label} ")
        text.append("   ? help · ctrl+p actions · ctrl+q quit", "dim")
        self.update(text)
