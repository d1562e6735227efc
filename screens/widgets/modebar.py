"""The top line of every mode: the modes with their keys, the current one marked."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

#: (mode, label); the key of each comes from the key registry (`app.<mode>`), so the bar
#: tells the truth after a remap.
MODES = (("examples", "Examples"), ("budget", "Budget"), ("jobs", "Jobs"), ("rating", "Rating"),
         ("registry", "Registry"), ("pii", "PII"), ("governance", "Risks"), ("health", "Health"))


class ModeBar(Static):
    """Which mode is on screen; keys 1-6 switch."""

    DEFAULT_CSS = """
    ModeBar { height: 1; background: $panel; }
    """

    def __init__(self, current: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self.current = current

    def on_mount(self) -> None:
        if self.current == "rating":
            self.update(self._rating_text())
            return
        from screens import keys

        text = Text(no_wrap=True, overflow="ellipsis")
        for mode, label in MODES:
            key = keys.key_in(self.app, f"app.{mode}")
            if mode == self.current:
                text.append(f" {key} {label.upper()} ", "bold reverse")
            else:
                text.append(f" {key} {label} ")
        text.append("   ? help · ctrl+p actions · ctrl+q quit", "dim")
        self.update(text)

    def _rating_text(self) -> Text:
        # On Rating the digits are verdicts, so the bar must not offer them as mode
        # keys: it names the keys that do leave (from the registry, after a keymap).
        from screens import keys

        leave = keys.key_in(self.app, "rating.leave")
        verdicts = "/".join(keys.key_in(self.app, f"rating.{v}") for v in ("left", "right", "tie", "both_bad"))
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(" RATING ", "bold reverse")
        text.append(f" {verdicts} rate here · {leave} back to Examples · ctrl+p other modes ")
        text.append("  ? help", "dim")
        return text
