"""The launch form of the Jobs mode: a frozen dataset version (never a live dataset), a
provider that trains, the base model, SFT or DPO and the hyperparameters.

The form only gathers values; the screen runs the same preflight (`plan_launch`) and
launch (`launch`) the CLI runs, and asks for an explicit confirmation in between.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.suggester import SuggestFromList
from textual.widgets import Input, Label, Select

from screens.dialogs import Dialog, WordCheckbox, compact

#: Form fields read as numbers: id -> (type, label for the notice).
NUMBERS = {"launch-epochs": (int, "epochs"), "launch-batch": (int, "batch size"),
           "launch-lr": (float, "learning rate"), "launch-beta": (float, "beta"), "launch-seed": (int, "seed")}


def parse_number(text: str, kind: type, label: str):
    """A typed number from a form field (None when empty); ValueError names the field."""
    text = text.strip()
    if not text:
        return None
    try:
        value = kind(text)
    except ValueError:
        raise ValueError(f"The {label} must be a {'whole ' if kind is int else ''}number, not {text!r}.") from None
    if value <= 0 and label != "seed":
        raise ValueError(f"The {label} must be above 0, not {text!r}.")
    return value


class LaunchDialog(Dialog):
    """Returns {"version", "provider", "base_model", "method", "epochs", "batch_size",
    "learning_rate", "beta", "suffix", "seed", "allow_pii"} (numbers still as text) or None."""

    def __init__(self, versions: list[dict], providers: list[dict], base_models: dict[str, list[str]]):
        super().__init__()
        self.versions, self.providers, self.base_models = versions, providers, base_models

    def compose(self) -> ComposeResult:
        first = self.providers[0]
        with Vertical(id="dialog", classes="wide"):
            yield Label("Launch a training job (costs money: you confirm after the cost)", classes="dialog-title")
            with Horizontal(classes="field"):
                yield Label("version", classes="field-label")
                yield Select([(f"{v['ref']}  ({v['train_count']} train, {v['validation_count']} valid, "
                               f"sha256 {v['train_sha256'][:8]})", v["ref"]) for v in self.versions],
                             value=self.versions[0]["ref"], allow_blank=False, compact=True, id="launch-version")
            with Horizontal(classes="field"):
                yield Label("provider", classes="field-label")
                yield Select([(f"{p['name']} ({p['kind']}, key: {p['key']})", p["name"]) for p in self.providers],
                             value=first["name"], allow_blank=False, compact=True, id="launch-provider")
                yield Select([("SFT", "supervised"), ("DPO", "dpo")], value="supervised", allow_blank=False,
                             compact=True, id="launch-method")
            with Horizontal(classes="field"):
                yield Label("base", classes="field-label")
                models = self.base_models.get(first["name"]) or []
                yield compact(Input, value=models[0] if models else "", placeholder="base model",
                              suggester=SuggestFromList(models, case_sensitive=False), id="launch-base")
            with Horizontal(classes="field"):
                yield compact(Input, placeholder="epochs", id="launch-epochs")
                yield compact(Input, placeholder="batch size", id="launch-batch")
                yield compact(Input, placeholder="learning rate", id="launch-lr")
                yield compact(Input, placeholder="DPO beta", id="launch-beta")
            with Horizontal(classes="field"):
                yield compact(Input, placeholder="suffix (optional)", id="launch-suffix")
                yield compact(Input, placeholder="seed (optional)", id="launch-seed")
            yield WordCheckbox("launch even with unreviewed personal data (audited)", id="launch-allow-pii")
            yield Label("empty fields: the provider's defaults · enter checks and shows the cost · esc cancels",
                        classes="dialog-hint")

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id != "launch-provider":
            return
        models = self.base_models.get(str(event.value)) or []
        base = self.query_one("#launch-base", Input)
        base.suggester = SuggestFromList(models, case_sensitive=False)
        if models and base.value not in models:
            base.value = models[0]

    def values(self) -> dict:
        """The form as entered (numbers parsed; ValueError names a bad one)."""
        text = {i: self.query_one(f"#{i}", Input).value for i in NUMBERS}
        numbers = {i: parse_number(text[i], kind, label) for i, (kind, label) in NUMBERS.items()}
        return {"version": self.query_one("#launch-version", Select).value,
                "provider": self.query_one("#launch-provider", Select).value,
                "method": self.query_one("#launch-method", Select).value,
                "base_model": self.query_one("#launch-base", Input).value.strip(),
                "epochs": numbers["launch-epochs"], "batch_size": numbers["launch-batch"],
                "learning_rate": numbers["launch-lr"], "beta": numbers["launch-beta"],
                "seed": numbers["launch-seed"],
                "suffix": self.query_one("#launch-suffix", Input).value.strip() or None,
                "allow_pii": self.query_one("#launch-allow-pii", WordCheckbox).value}

    def on_input_submitted(self, event: Input.Submitted) -> None:
        try:
            form = self.values()
        except ValueError as exc:
            self.notify(str(exc), severity="warning")
            return
        if not form["base_model"]:
            self.notify("Name the base model to train.", severity="warning")
            return
        self.dismiss(form)
