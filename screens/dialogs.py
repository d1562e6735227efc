"""Modal dialogs: help, tags, notes, filters, dataset picker, findings, model edit.

Import and export (which run workers) live in screens/transfer.py.
"""

from __future__ import annotations

import re

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.suggester import Suggester
from textual.widgets import Button, Checkbox, Input, Label, OptionList, Select, Static, TextArea
from textual.widgets.option_list import Option

from screens import keys
from workbench.dataset import STATUSES
from workbench.dataset.curation import ExampleView

def compact(widget_class, *args, **kwargs):
    """A one-line form control (no border), so dialogs fit an 80x24 terminal."""
    return widget_class(*args, compact=True, **kwargs)


#: How the app words a domain hint that depends on the front end.
APP_HINTS = {
    "allow_pii": "Or tick \"export even with unreviewed personal data\" in the export dialog.",
    "promote_override": "Or promote anyway with the override key and a reason.",
    "coverage_override": "Or type a reason under \"export despite unmet coverage\" in the export dialog.",
}


def app_message(error: Exception) -> str:
    """A domain error's message and hint, worded for the app (never a CLI flag)."""
    message, hint = getattr(error, "message", str(error)), getattr(error, "hint", "")
    extra = APP_HINTS.get(getattr(error, "hint_key", None) or "", "")
    return "\n".join(part for part in (message, hint, extra) if part)


class WordCheckbox(Checkbox):
    """A checkbox that says yes/no in words: under NO_COLOR the box alone looks the same
    ticked or not."""

    def __init__(self, label: str, value: bool = False, **kwargs) -> None:
        self.base_label = label
        super().__init__(self._text(value), value, compact=True, **kwargs)

    def _text(self, value: bool) -> str:
        return f"{self.base_label}: {'yes' if value else 'no'}"

    def on_checkbox_changed(self, event: Checkbox.Changed) -> None:
        if event.checkbox is self:
            self.label = self._text(self.value)


CLOSE = keys.bindings("dialog")[0]


class Dialog(ModalScreen):
    """Base: Esc closes with None."""

    CSS_PATH = "dialogs.tcss"
    BINDINGS = [CLOSE]

    def on_mount(self) -> None:
        if hasattr(self.app, "apply_cursor_blink"):
            self.app.apply_cursor_blink(self)

    def action_dismiss_none(self) -> None:
        self.dismiss(None)


class HelpScreen(Dialog):
    """Help for the focused widget, then every key of the current screen."""

    def __init__(self, title: str, widget_help: str, scopes: list[str], keymap: dict[str, str]) -> None:
        super().__init__()
        self.title_text = title
        self.widget_help = widget_help
        self.scopes = scopes
        self.keymap = keymap

    def compose(self) -> ComposeResult:
        table = Table(box=None, show_header=True, header_style="bold", expand=True, pad_edge=False)
        table.add_column("key", no_wrap=True)
        table.add_column("action", no_wrap=True)
        table.add_column("what it does")
        for scope in self.scopes:
            for action in keys.REGISTRY[scope]:
                key = self.keymap.get(action.id, action.key)
                table.add_row(keys.display_key(key), action.description, action.help)
        with Vertical(id="dialog"):
            yield Label(f"Help · {self.title_text}", classes="dialog-title")
            with VerticalScroll():
                yield Static(Text(self.widget_help or "", "italic"), id="widget-help")
                yield Static(table)
                yield Static(Text("ctrl+p lists every action by name. Remap keys in "
                                  f"{keys.keymap_path()} (see docs/tui.md).", "dim"))
            yield Label(f"{keys.key_in(self.app, 'dialog.close')} closes", classes="dialog-hint")


class TagSuggester(Suggester):
    """Completes the last word being typed from the dataset's tags."""

    def __init__(self, tags: list[str]) -> None:
        super().__init__(use_cache=False, case_sensitive=True)
        self.tags = tags

    async def get_suggestion(self, value: str) -> str | None:
        match = re.search(r"([+-]?)([^\s,+-][^\s,]*)$", value)
        if not match:
            return None
        prefix = match.group(2)
        for tag in self.tags:
            if tag.startswith(prefix) and tag != prefix:
                return value + tag[len(prefix):]
        return None


def parse_tag_edit(text: str) -> tuple[list[str], list[str]]:
    """'returns -nl +vip' -> (add ['returns', 'vip'], remove ['nl'])."""
    add, remove = [], []
    for word in re.split(r"[\s,]+", text.strip()):
        if not word or word in "+-":
            continue
        if word.startswith("-"):
            remove.append(word[1:])
        else:
            add.append(word.lstrip("+"))
    return add, remove


class TagsDialog(Dialog):
    """Returns (add, remove) or None."""

    def __init__(self, current: list[str], all_tags: list[str], count: int) -> None:
        super().__init__()
        self.current = current
        self.all_tags = all_tags
        self.count = count

    def compose(self) -> ComposeResult:
        target = f"{self.count} selected examples" if self.count > 1 else "this example"
        with Vertical(id="dialog"):
            yield Label(f"Tags of {target}", classes="dialog-title")
            if self.count == 1:
                yield Label("now: " + (", ".join(self.current) or "(none)"))
            yield Label("existing: " + (", ".join(self.all_tags[:30]) or "(none yet)"), classes="dim")
            yield compact(Input, placeholder="returns -nl  (a word adds, -word removes; → completes)",
                        suggester=TagSuggester(self.all_tags), id="tags-input")
            yield Label(f"enter applies · → accepts the completion · {keys.key_in(self.app, 'dialog.close')} cancels",
                        classes="dialog-hint")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        add, remove = parse_tag_edit(event.value)
        self.dismiss((add, remove) if add or remove else None)


class GoldenSetDialog(Dialog):
    """Which golden set the selected examples go to; returns its name or None."""

    def __init__(self, existing: list[str], count: int) -> None:
        super().__init__()
        self.existing = existing
        self.count = count

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(f"Add {self.count} example(s) to a golden set", classes="dialog-title")
            yield Label("Each becomes a prompt: the conversation up to its last assistant turn, that turn "
                        "as the reference answer, its tags kept. The set is frozen as a new version.")
            yield Label("existing: " + (", ".join(self.existing[:20]) or "(none yet)"), classes="dim")
            yield compact(Input, placeholder="golden set name (new or existing; → completes)",
                          suggester=TagSuggester(self.existing), id="golden-name")
            yield Label(f"enter adds · {keys.key_in(self.app, 'dialog.close')} cancels", classes="dialog-hint")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip() or None)


class NotesDialog(Dialog):
    BINDINGS = [CLOSE, *keys.bindings("notes")]

    def __init__(self, notes: str) -> None:
        super().__init__()
        self.notes = notes

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label("Notes", classes="dialog-title")
            yield TextArea(self.notes, id="notes-text", soft_wrap=True)
            yield Label(f"{keys.key_in(self.app, 'notes.save')} saves · {keys.key_in(self.app, 'dialog.close')} cancels",
                        classes="dialog-hint")

    def action_save(self) -> None:
        self.dismiss(self.query_one(TextArea).text)


ANY = "any"


class FilterDialog(Dialog):
    """Returns a new ExampleView (search kept) or None."""

    BINDINGS = [CLOSE, *keys.bindings("filter")]

    def __init__(self, view: ExampleView, tags: list[str]) -> None:
        super().__init__()
        self.view = view
        self.tags = tags

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label("Filter examples", classes="dialog-title")
            with Horizontal(classes="field"):
                yield Label("status", classes="field-label")
                yield compact(Select, [(s, s) for s in STATUSES], value=self.view.status or Select.NULL,
                             prompt=ANY, id="f-status")
            with Horizontal(classes="field"):
                yield Label("tag", classes="field-label")
                yield compact(Select, [(t, t) for t in self.tags], value=self.view.tag if self.view.tag in self.tags
                             else Select.NULL, prompt=ANY, id="f-tag")
            with Horizontal(classes="field"):
                yield Label("flag", classes="field-label")
                yield compact(Select, [("has errors", "errors"), ("has warnings", "warnings"),
                              ("over the model's limit", "over_limit"), ("has notes", "notes"),
                              ("from ratings", "from_ratings")],
                             value=self.view.flag or Select.NULL, prompt=ANY, id="f-flag")
            yield WordCheckbox("show deleted examples (to restore them)", self.view.deleted, id="f-deleted")
            with Horizontal(classes="buttons"):
                yield compact(Button, "Apply", variant="primary", id="apply")
                yield compact(Button, "Clear all", id="clear")
            yield Label(f"tab moves · enter opens a list · {keys.key_in(self.app, 'filter.apply')} applies · "
                        f"{keys.key_in(self.app, 'dialog.close')} cancels", classes="dialog-hint")

    def _value(self, selector: str) -> str | None:
        value = self.query_one(selector, Select).value
        return None if value in (Select.NULL, None) else str(value)

    def action_apply(self) -> None:
        self.dismiss(self.view.with_(status=self._value("#f-status"), tag=self._value("#f-tag"),
                                     flag=self._value("#f-flag"),
                                     deleted=self.query_one("#f-deleted", Checkbox).value))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "apply":
            self.action_apply()
        else:
            self.dismiss(ExampleView())


class PickDialog(Dialog):
    """Pick one of several options; returns its id or None."""

    def __init__(self, title: str, options: list[tuple[str, str]], current: str | None = None,
                 hint: str = "↑↓ moves · enter picks · esc cancels") -> None:
        super().__init__()
        self.title_text = title
        self.options = options
        self.current = current
        self.hint = hint

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(self.title_text, classes="dialog-title")
            yield OptionList(*[Option(label, id=value) for value, label in self.options], id="pick")
            yield Label(self.hint, classes="dialog-hint")

    def on_mount(self) -> None:
        option_list = self.query_one(OptionList)
        ids = [value for value, _ in self.options]
        if self.current in ids:
            option_list.highlighted = ids.index(self.current)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)


class MessageDialog(Dialog):
    """A title and a scrollable text (findings of a refused import/export, errors)."""

    BINDINGS = [CLOSE, *keys.bindings("message")]

    def __init__(self, title: str, body: str | Text) -> None:
        super().__init__()
        self.title_text = title
        self.body = body

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="wide"):
            yield Label(self.title_text, classes="dialog-title")
            with VerticalScroll(id="message-body"):
                yield Static(self.body)
            yield Label(f"↑↓ scrolls · {keys.key_in(self.app, 'dialog.close')} or "
                        f"{keys.key_in(self.app, 'message.close')} closes", classes="dialog-hint")


class ConfirmDialog(Dialog):
    """Ask before something that cannot be undone; dismisses True (y / enter) or None."""

    BINDINGS = [CLOSE, *keys.bindings("confirm")]

    def __init__(self, title: str, body: str) -> None:
        super().__init__()
        self.title_text = title
        self.body = body

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(self.title_text, classes="dialog-title")
            yield Static(Text(self.body))
            yield Label(f"{keys.key_in(self.app, 'confirm.yes')}: go ahead · {keys.key_in(self.app, 'confirm.no')} or "
                        f"{keys.key_in(self.app, 'dialog.close')}: cancel", classes="dialog-hint")

    def action_confirm(self) -> None:
        self.dismiss(True)


class EditModelDialog(Dialog):
    """Price and context limit of a model; returns {column: value} or None."""

    BINDINGS = [CLOSE, *keys.bindings("model_edit")]

    def __init__(self, model: dict) -> None:
        super().__init__()
        self.model = model

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(f"Model {self.model['name']}", classes="dialog-title")
            with Horizontal(classes="field"):
                yield Label("USD / 1M training tokens", classes="field-label wide-label")
                yield compact(Input, str(self.model.get("price_training_per_1m") or 0), id="m-price", type="number")
            with Horizontal(classes="field"):
                yield Label("training context limit", classes="field-label wide-label")
                yield compact(Input, str(self.model["training_context_limit"]), id="m-limit", type="integer")
            yield Label("", id="m-error")
            yield Label(f"enter or {keys.key_in(self.app, 'model.save')} saves · "
                        f"{keys.key_in(self.app, 'dialog.close')} cancels", classes="dialog-hint")

    def on_input_submitted(self) -> None:
        self.action_save()

    def action_save(self) -> None:
        try:
            price = float(self.query_one("#m-price", Input).value)
            limit = int(self.query_one("#m-limit", Input).value)
            if price < 0 or limit < 1:
                raise ValueError
        except ValueError:
            self.query_one("#m-error", Label).update("Price must be ≥ 0 and the limit a whole number ≥ 1.")
            return
        self.dismiss({"price_training_per_1m": price, "training_context_limit": limit})
