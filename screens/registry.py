"""The Registry mode: every model used or produced, its lineage, lifecycle, side-by-side
results, cost and latency, and its history; promote (through the gate), roll back,
generate answers and capture a dying model's answers, with progress and cancel.

Reading a model's record runs the gate (statistics), so it happens in a worker; the
screen only renders what the workers post.
"""

from __future__ import annotations

import threading

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, Label, ProgressBar, Static
from textual.worker import Worker, WorkerState

from screens import keys
from screens.dialogs import Dialog, PickDialog, app_message, compact
from screens.widgets.modebar import ModeBar
from workbench.eval import golden


class RegistryLoaded(Message):
    def __init__(self, models: list[dict], record: dict | None, warnings: list[str]):
        super().__init__()
        self.models, self.record, self.warnings = models, record, warnings


class GenerationProgress(Message):
    def __init__(self, label: str, done: int, total: int, failed: int, retries: int):
        super().__init__()
        self.label, self.done, self.total, self.failed, self.retries = label, done, total, failed, retries

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, GenerationProgress)


class GenerationFinished(Message):
    def __init__(self, text: str):
        super().__init__()
        self.text = text


class ActionDone(Message):
    """A promote, rollback or note went through (or was refused: ``error`` set)."""

    def __init__(self, text: str, error: str = ""):
        super().__init__()
        self.text, self.error = text, error


class ReasonDialog(Dialog):
    """Ask for a reason (promote with override, roll back, a changelog line); returns it or None."""

    def __init__(self, title: str, explanation: str, required: bool = True) -> None:
        super().__init__()
        self.title_text, self.explanation, self.required = title, explanation, required

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(self.title_text, classes="dialog-title")
            yield Label(self.explanation)
            yield compact(Input, placeholder="reason (written to the audit log)", id="reason")
            yield Label("enter confirms · esc cancels", classes="dialog-hint")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        if self.required and not text:
            self.notify("A reason is needed.", severity="warning")
            return
        self.dismiss(text)


def _days(days) -> str:
    return "" if days is None else f" ({days} d)"


def _pct(value) -> str:
    return "-" if value is None else f"{value * 100:.1f}%"


def record_text(record: dict) -> Text:
    """A model's record as text for the detail pane (NO_COLOR-safe: states are words)."""
    m = record["model"]
    text = Text()
    text.append(f"{m['name']}  [{m['status'].upper()}]\n", "bold")
    text.append(f"{m.get('provider') or '-'}:{m['provider_model_id']} · {m['kind']} · base {m.get('base_model') or '-'}\n")
    version = record.get("dataset_version")
    if version:
        text.append(f"dataset {version['dataset']} v{version['number']} sha256 {version['train_sha256'][:16]}…\n")
    elif m.get("dataset_sha256"):
        text.append(f"dataset sha256 {m['dataset_sha256'][:16]}…\n")
    if m.get("hyperparameters"):
        text.append("hyperparameters " + ", ".join(f"{k}={v}" for k, v in m["hyperparameters"].items()) + "\n")
    for label, key in (("purpose", "purpose"), ("acceptable use", "acceptable_use"), ("limits", "limits")):
        if m.get(key):
            text.append(f"{label}: {m[key]}\n")
    text.append(f"shutdown {m.get('shutdown_date') or '-'}{_days(m.get('days_to_shutdown'))} · training cutoff "
                f"{m.get('training_cutoff') or '-'}{_days(m.get('days_to_training_cutoff'))}\n")
    for warning in m.get("warnings") or []:
        text.append(f"WARNING: {warning}\n", "bold")
    text.append("\nSide by side (as candidate)\n", "bold underline")
    for s in record["sbs"] or []:
        text.append(f"  vs {s['baseline']} on {s['golden_set']}@{s['version']}: W {_pct(s['win_rate'])}, "
                    f"{s['votes']}/{s['target_n']} votes, gate {s['decision'].upper()}"
                    f"{'' if s['final'] else ' (not final)'}\n")
    if not record["sbs"]:
        text.append("  none yet\n")
    text.append("\nAnswers, cost, latency\n", "bold underline")
    for g in record["generation"] or []:
        cost = "-" if g["cost_usd"] is None else f"${g['cost_usd']:.4f}"
        p50 = "-" if g["latency_p50_ms"] is None else f"{g['latency_p50_ms']:.0f}"
        p95 = "-" if g["latency_p95_ms"] is None else f"{g['latency_p95_ms']:.0f}"
        text.append(f"  {g['golden_set']}@{g['version']}: {g['answers']} answers, p50 {p50} ms, p95 {p95} ms, "
                    f"cost {cost} ({', '.join(g['sources'])})"
                    + "".join(f", W {_pct(w['win_rate'])} vs {w['baseline']}" for w in g.get("win_rates") or [])
                    + "\n")
    if not record["generation"]:
        text.append("  none yet\n")
    if m.get("changelog"):
        text.append("\nChangelog\n", "bold underline")
        text.append(m["changelog"] + "\n")
    text.append("\nHistory (newest first)\n", "bold underline")
    for entry in record["history"]:
        text.append("  " + history_text(entry) + "\n")
    return text


def history_text(entry: dict) -> str:
    details = entry.get("details") or {}
    line = f"{entry['at'][:16].replace('T', ' ')} {entry['action']}"
    if entry.get("from_status") != entry.get("to_status"):
        line += f" {entry['from_status']} → {entry['to_status']}"
    if entry["action"] == "promote":
        line += f", gate {(entry.get('gate_decision') or 'none').upper()}" + (" OVERRIDDEN" if entry.get("override") else "")
        if details.get("previous_name"):
            line += f", replaced {details['previous_name']}"
    if entry["action"] == "rollback" and details.get("restored_name"):
        line += f", back to {details['restored_name']}"
    if entry.get("reason"):
        line += f": {entry['reason']}"
    return line


class RegistryScreen(Screen):
    """Registered models, one record in detail, and the actions on it."""

    CSS_PATH = "registry.tcss"
    BINDINGS = keys.bindings("registry")
    KEY_SCOPE = "registry"

    def __init__(self) -> None:
        super().__init__()
        self.models: list[dict] = []
        self.selected: str | None = None
        self.cancel_event = threading.Event()
        self.generating = False
        self.help = ("Every model used or produced. Promote goes through the side-by-side gate against the "
                     "promoted model; rollback re-promotes the previous one.")

    @property
    def store(self):
        return self.app.store

    def compose(self) -> ComposeResult:
        yield ModeBar("registry")
        yield Static("", id="registry-warnings")
        with Horizontal(id="registry-body"):
            table = DataTable(id="registry-table", cursor_type="row", zebra_stripes=True)
            table.help = "Registered models; ↑↓ picks the one shown on the right."
            yield table
            with VerticalScroll(id="registry-detail"):
                yield Static("Loading…", id="registry-record")
        with Horizontal(id="registry-progress"):
            yield Label("", id="generation-label")
            yield ProgressBar(id="generation-bar", show_eta=False)
        yield Static("", id="registry-status")
        yield Footer(show_command_palette=False)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("name", "status", "shutdown")
        self._hint()
        self.load()

    def _hint(self, text: str = "") -> None:
        k = lambda action: keys.key_in(self.app, action)  # noqa: E731
        default = (f"{k('registry.promote')} promote · {k('registry.override')} override · {k('registry.rollback')} "
                   f"roll back · {k('registry.generate')} generate · {k('registry.capture')} capture · "
                   f"{k('registry.note')} note")
        self.query_one("#registry-status", Static).update(text or default)

    # ------------------------------------------------------------------ loading

    @work(thread=True, exclusive=True, exit_on_error=False, group="registry-load")
    def load(self) -> None:
        from workbench.registry import entries, lifecycle

        models = entries.list_models(self.store)
        selected = self.selected if any(m["id"] == self.selected for m in models) else \
            (models[0]["id"] if models else None)
        record = entries.show(self.store, selected) if selected else None
        self.post_message(RegistryLoaded(models, record, [w.text for w in lifecycle.warnings(self.store)]))

    def on_registry_loaded(self, message: RegistryLoaded) -> None:
        self.models = message.models
        table = self.query_one(DataTable)
        keep = message.record["model"]["id"] if message.record else None
        # Refilling the table moves its cursor: those highlights are ours, not the user's.
        with self.prevent(DataTable.RowHighlighted):
            table.clear()
            for model in self.models:
                status = model["status"] + (" · baseline" if model["baseline"] else "")
                table.add_row(model["name"], status,
                              (model.get("shutdown_date") or "-") + _days(model["days_to_shutdown"]), key=model["id"])
            if keep:
                self.selected = keep
                table.move_cursor(row=next(i for i, m in enumerate(self.models) if m["id"] == keep))
        warnings = self.query_one("#registry-warnings", Static)
        warnings.update("\n".join(f"WARNING: {w}" for w in message.warnings))
        warnings.set_class(bool(message.warnings), "shown")
        self.query_one("#registry-record", Static).update(
            record_text(message.record) if message.record else
            "No models yet. Generate or import answers, or register a model with the CLI "
            "(workbench registry register).")

    @on(DataTable.RowHighlighted)
    def row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        key = event.row_key.value if event.row_key else None
        if key and key != self.selected:
            self.selected = key
            self.load()

    def current(self) -> dict | None:
        return next((m for m in self.models if m["id"] == self.selected), None)

    # ------------------------------------------------------------------ promote, rollback, note

    def action_promote(self) -> None:
        if self.current():
            self.run_action_worker("promote", self.selected, "")

    def action_override(self) -> None:
        model = self.current()
        if not model:
            return
        self.app.push_screen(ReasonDialog(f"Promote {model['name']} against the gate",
                                          "The override and its reason go to the audit log and the history."),
                             lambda reason: reason and self.run_action_worker("override", model["id"], reason))

    def action_rollback(self) -> None:
        self.app.push_screen(ReasonDialog("Roll back the promoted model",
                                          "The model promoted before it is promoted again.", required=False),
                             lambda reason: reason is not None and self.run_action_worker("rollback", None, reason))

    def action_note(self) -> None:
        model = self.current()
        if not model:
            return
        self.app.push_screen(ReasonDialog(f"Changelog line for {model['name']}", "Dated and kept in its changelog."),
                             lambda text: text and self.run_action_worker("note", model["id"], text))

    @work(thread=True, exclusive=True, exit_on_error=False, group="registry-action")
    def run_action_worker(self, action: str, model_id: str | None, reason: str) -> None:
        from workbench.errors import WorkbenchError
        from workbench.registry import entries, promotion

        try:
            if action in ("promote", "override"):
                result = promotion.promote(self.store, model_id, override=action == "override", reason=reason)
                text = f"Promoted {result['model']['name']}" + (" by override" if result["override"] else "")
            elif action == "rollback":
                result = promotion.rollback(self.store, reason)
                text = f"Rolled back {result['rolled_back']['name']}; {result['model']['name']} is promoted again."
            else:
                entries.note(self.store, model_id, changelog=reason)
                text = "Noted."
        except WorkbenchError as exc:
            self.post_message(ActionDone("", app_message(exc)))
            return
        self.post_message(ActionDone(text))

    def on_action_done(self, message: ActionDone) -> None:
        if message.error:
            self.notify(message.error, title="Not done", severity="error", timeout=12)
        else:
            self.notify(message.text)
        self.load()

    # ------------------------------------------------------------------ generate, capture, cancel

    def action_generate(self) -> None:
        model = self.current()
        if not model or self.generating:
            return
        if not model.get("provider"):
            self.notify(f"{model['name']} has no provider on record; register it with its provider to generate.",
                        severity="warning")
            return
        sets = [(g["name"], f"{g['name']} (v{g['latest_version']}, {g['prompts']} prompts)")
                for g in golden.list_sets(self.store) if g["latest_version"]]
        if not sets:
            self.notify("No frozen golden set yet.", severity="warning")
            return
        self.app.push_screen(PickDialog(f"Generate answers of {model['name']} for", sets),
                             lambda name: name and self.start_generation("generate", model, name))

    def action_capture(self) -> None:
        model = self.current()
        if model and not self.generating:
            self.start_generation("capture", model, None)

    def start_generation(self, kind: str, model: dict, set_name: str | None) -> None:
        self.generating = True
        self.cancel_event = threading.Event()
        self.query_one("#registry-progress").add_class("running")
        self._hint(f"Generating… {keys.key_in(self.app, 'registry.cancel')} cancels (answers so far are kept)")
        self.generate_worker(kind, model, set_name, self.cancel_event)

    @work(thread=True, exclusive=True, exit_on_error=False, group="registry-generate")
    def generate_worker(self, kind: str, model: dict, set_name: str | None, cancel: threading.Event) -> None:
        from workbench.errors import WorkbenchError
        from workbench.eval import generation
        from workbench.registry.capture import capture

        label = model["name"]
        progress = lambda p: self.post_message(GenerationProgress(label, p.done, p.total, p.failed, p.retries))  # noqa: E731
        try:
            if kind == "capture":
                reports = capture(self.store, model["id"], on_progress=progress, cancel=cancel)
            else:
                reports = [generation.generate_for_set(self.store, set_name,
                                                       f"{model['provider']}:{model['provider_model_id']}",
                                                       on_progress=progress, cancel=cancel)]
        except WorkbenchError as exc:
            self.post_message(GenerationFinished(app_message(exc)))
            return
        answered = sum(r.answered for r in reports)
        failed = sum(len(r.failed) for r in reports)
        cancelled = any(r.cancelled for r in reports)
        p95 = max((r.latency_p95_ms or 0) for r in reports)
        self.post_message(GenerationFinished(
            f"{label}: {answered} answers{' (cancelled)' if cancelled else ''}, {failed} failed, p95 {p95:.0f} ms."))

    def on_generation_progress(self, message: GenerationProgress) -> None:
        self.query_one("#generation-label", Label).update(
            f"{message.label}: {message.done}/{message.total}" + (f", {message.failed} failed" if message.failed else "")
            + (f", {message.retries} retries" if message.retries else ""))
        self.query_one("#generation-bar", ProgressBar).update(total=max(message.total, 1), progress=message.done)

    def on_generation_finished(self, message: GenerationFinished) -> None:
        self.generating = False
        self.query_one("#registry-progress").remove_class("running")
        self._hint()
        self.notify(message.text, timeout=10)
        self.load()

    def action_cancel(self) -> None:
        if self.generating:
            self.cancel_event.set()
            self._hint("Cancelling: waiting for the answers in flight…")

    def action_refresh(self) -> None:
        self.load()

    # ------------------------------------------------------------------ worker errors

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state != WorkerState.ERROR:
            return
        group = event.worker.group
        if group == "registry-generate":
            self.generating = False
            self.query_one("#registry-progress").remove_class("running")
            self._hint()
        what = {"registry-load": "Loading the registry", "registry-action": "The action",
                "registry-generate": "Generation"}.get(group, "A background task")
        self.notify(f"{what} failed: {app_message(event.worker.error)}", severity="error", timeout=12)
