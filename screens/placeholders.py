"""Jobs and Registry: modes filled by later issues. Until then each says what
will be there and how to get data in today, without inventing any data."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer, Static

from screens import keys
from screens.widgets.modebar import ModeBar

TEXTS = {
    "jobs": ("Jobs",
             "Training jobs will live here: launch a job from a frozen dataset version, follow its "
             "events and loss curves, cancel it, and keep the resulting model.\n\n"
             "Not built yet. Today: export a version from Examples (press 1, then E) and upload "
             "train.jsonl to your provider or trainer (OpenAI, Azure OpenAI, TRL, Unsloth, Axolotl)."),
    "registry": ("Registry",
                 "The model registry will live here: every model you trained or use, with its base "
                 "model, dataset version, hyperparameters, evaluation results and status "
                 "(candidate, production, retired).\n\nNot built yet."),
}


class PlaceholderScreen(Screen):
    CSS_PATH = "placeholders.tcss"
    BINDINGS = keys.bindings("placeholder")
    KEY_SCOPE = "placeholder"

    def __init__(self, mode: str) -> None:
        super().__init__()
        self.mode = mode
        self.help = TEXTS[mode][1].split("\n")[0]

    def compose(self) -> ComposeResult:
        title, body = TEXTS[self.mode]
        yield ModeBar(self.mode)
        yield Static(f" {title}", id="placeholder-title")
        yield Static(body + "\n\nPress 1 for Examples, 2 for Budget, ? for help.", id="placeholder-body")
        yield Footer(show_command_palette=False)  # the mode bar mentions ctrl+p


class JobsScreen(PlaceholderScreen):
    def __init__(self) -> None:
        super().__init__("jobs")


class RegistryScreen(PlaceholderScreen):
    def __init__(self) -> None:
        super().__init__("registry")
