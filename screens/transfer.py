"""Import and export dialogs: a path, options, a progress bar, Esc to cancel.

The work runs in a thread worker with its own store connection; the worker posts
progress messages and returns its result, and the dialog (which owns the widgets)
reacts to Worker.StateChanged. A refused import lists its findings in a modal;
nothing reaches the screen as a traceback.
"""

from __future__ import annotations

import threading
from pathlib import Path

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.suggester import Suggester
from textual.widgets import Button, Checkbox, Input, Label, ProgressBar, Select
from textual.worker import Worker, WorkerState

from screens import keys
from screens.dialogs import MessageDialog, WordCheckbox, app_message, compact


class PathSuggester(Suggester):
    """Completes file and folder names as you type a path."""

    def __init__(self, suffixes: tuple[str, ...] = (), folders_only: bool = False) -> None:
        super().__init__(use_cache=False, case_sensitive=True)
        self.suffixes = suffixes
        self.folders_only = folders_only

    async def get_suggestion(self, value: str) -> str | None:
        if not value:
            return None
        path = Path(value).expanduser()
        folder, prefix = (path, "") if value.endswith("/") else (path.parent, path.name)
        try:
            entries = sorted(folder.iterdir())
        except OSError:
            return None
        for entry in entries:
            if not entry.name.startswith(prefix) or entry.name.startswith(".") or entry.name == prefix:
                continue
            if entry.is_dir():
                return value + entry.name[len(prefix):] + "/"
            if not self.folders_only and (not self.suffixes or entry.suffix.lower() in self.suffixes):
                return value + entry.name[len(prefix):]
        return None


class TransferProgress(Message):
    """Bytes (or lines) done of total; a flood collapses into the newest."""

    def __init__(self, done: int, total: int) -> None:
        super().__init__()
        self.done = done
        self.total = total

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, TransferProgress)


def render_findings(findings, limit: int = 200) -> Text:
    text = Text()
    for finding in findings[:limit]:
        mark = "ERROR  " if finding.is_error else "warning"
        text.append(f"{mark} {finding.location()}: ", "bold" if finding.is_error else "")
        text.append(f"{finding.message}\n")
    if len(findings) > limit:
        text.append(f"... and {len(findings) - limit} more (run `workbench validate FILE` for all)\n", "italic")
    return text


class _TransferDialog(ModalScreen):
    CSS_PATH = "dialogs.tcss"
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="transfer.cancel")]

    def __init__(self) -> None:
        super().__init__()
        self.cancel_requested = threading.Event()
        self.running = False

    def on_mount(self) -> None:
        self.app.apply_cursor_blink(self)

    def _set_status(self, text: str) -> None:
        self.query_one("#transfer-status", Label).update(text)

    def _start_progress(self) -> None:
        self.running = True
        self.cancel_requested.clear()
        bar = self.query_one(ProgressBar)
        bar.display = True
        bar.update(total=None, progress=0)
        self.query_one("#go", Button).disabled = True

    def _stop_progress(self) -> None:
        self.running = False
        self.query_one("#go", Button).disabled = False

    def on_transfer_progress(self, message: TransferProgress) -> None:
        self.query_one(ProgressBar).update(total=max(1, message.total), progress=message.done)

    def action_cancel(self) -> None:
        if self.running:
            self.cancel_requested.set()
            self._set_status("Cancelling… (nothing is kept)")
        else:
            self.dismiss(None)

    def on_input_submitted(self) -> None:
        self.start()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "go":
            self.start()

    def start(self) -> None:  # pragma: no cover - overridden
        raise NotImplementedError


class SubmitCheckbox(WordCheckbox):
    """A dialog checkbox where space ticks and Enter submits the dialog, as in its
    text fields (Enter must not silently un-tick an option)."""

    BINDINGS = [Binding("space", "toggle_button", "Toggle", show=False, id="transfer.toggle"),
                Binding("enter", "submit", "Import", show=False, id="transfer.submit")]

    def action_submit(self) -> None:
        self.screen.start()


class ImportDialog(_TransferDialog):
    """Import a JSONL/CSV file; dismisses with the committed ImportResult, or None."""

    def __init__(self, store, dataset: str | None) -> None:
        super().__init__()
        self.store = store
        self.dataset = dataset

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label("Import a JSONL or CSV file", classes="dialog-title")
            yield Label("file (→ completes the path):")
            yield compact(Input, placeholder="e.g. sample_data/aurora_support.jsonl", id="import-path",
                        suggester=PathSuggester((".jsonl", ".csv", ".json")))
            yield Label("into dataset (new or existing; empty: the file's name):")
            # Empty by default, never the dataset on screen: accepting the defaults must
            # not merge a new file into the data being curated.
            yield compact(Input, "", placeholder="the file's name", id="import-dataset")
            yield SubmitCheckbox("skip invalid lines (else one bad line refuses the file)", id="import-skip")
            with Horizontal(id="progress-row"):
                yield compact(Button, "Import", variant="primary", id="go")
                yield ProgressBar(id="import-progress", show_eta=False)
            yield Label("", id="transfer-status")
            yield Label("", classes="dialog-hint", id="transfer-hint")

    def on_mount(self) -> None:
        self.query_one(ProgressBar).display = False
        self.set_focus(self.query_one("#import-path", Input))
        # Shown once the path box has the focus (tests driving the real program wait for it).
        self.query_one("#transfer-hint", Label).update("enter imports · esc cancels a running import or closes")

    def start(self) -> None:
        if self.running:
            return
        raw = self.query_one("#import-path", Input).value.strip()
        if not raw:
            self._set_status("Type the path of a .jsonl or .csv file first.")
            return
        path = Path(raw).expanduser()
        if not path.is_file():
            self._set_status(f"{path}: no such file; check the path (→ completes).")
            return
        dataset = self.query_one("#import-dataset", Input).value.strip() or path.stem
        self._start_progress()
        self._set_status(f"Importing {path.name} into {dataset}… (checking and counting every line)")
        self.run_import(path, dataset, self.query_one("#import-skip", Checkbox).value)

    @work(thread=True, exclusive=True, exit_on_error=False, group="import")
    def run_import(self, path: Path, dataset: str, skip_invalid: bool):
        from workbench.dataset.importer import ImportCancelled, import_file

        try:
            return import_file(self.store, path, dataset, skip_invalid=skip_invalid,
                               progress=lambda done, total: self.post_message(TransferProgress(done, total)),
                               cancelled=self.cancel_requested.is_set)
        except ImportCancelled:
            # A cancel the user asked for is an outcome, not a worker failure (None = cancelled).
            return None

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        from workbench.dataset.importer import ImportCancelled, ImportFailed

        if event.worker.group != "import" or event.state not in (
                WorkerState.SUCCESS, WorkerState.ERROR, WorkerState.CANCELLED):
            return
        self._stop_progress()
        if event.state == WorkerState.SUCCESS:
            result = event.worker.result
            if result is None:
                self._set_status("Cancelled; nothing was imported.")
                return
            if result.committed:
                self.dismiss(result)
                return
            self._set_status(f"Refused: {len(result.bad_lines)} bad lines; nothing was imported.")
            body = Text(f"{result.path}: {len(result.errors)} errors on lines "
                        f"{', '.join(map(str, result.bad_lines[:30]))}. Nothing was imported.\n"
                        "Fix the file, or tick 'skip invalid lines' to import the good ones.\n\n")
            body.append_text(render_findings(result.findings))
            self.app.push_screen(MessageDialog("Import refused", body))
        elif event.state == WorkerState.CANCELLED:
            self._set_status("Cancelled; nothing was imported.")
        else:
            error = event.worker.error
            if isinstance(error, ImportCancelled):
                self._set_status("Cancelled; nothing was imported.")
            elif isinstance(error, ImportFailed):
                self._set_status(str(error))
            else:
                self._set_status(f"Import failed: {type(error).__name__}: {error}")


class ExportDialog(_TransferDialog):
    """Export a dataset; dismisses with the ExportResult, or None."""

    def __init__(self, store, dataset: str, default_out: Path) -> None:
        super().__init__()
        self.store = store
        self.dataset = dataset
        self.default_out = default_out

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(f"Export {self.dataset}", classes="dialog-title")
            yield Label("to folder (train.jsonl, validation.jsonl, version.json):")
            yield compact(Input, str(self.default_out), id="export-out", suggester=PathSuggester(folders_only=True))
            with Horizontal(classes="field"):
                yield Label("examples", classes="field-label")
                yield compact(Select, [("approved only", "approved"), ("all live examples", "all"), ("drafts", "draft")],
                             value="approved", allow_blank=False, id="export-status")
            with Horizontal(classes="field"):
                yield Label("valid. %", classes="field-label")
                yield compact(Input, "10", id="export-share", type="integer")
            yield Label("changelog for the new version:")
            yield compact(Input, placeholder="e.g. v2: fixed refund answers", id="export-message")
            yield WordCheckbox("export even with unreviewed personal data (else review it first: "
                               f"key {keys.key_in(self.app, 'app.pii')})",
                               id="export-allow-pii")
            yield compact(Input, placeholder="export despite unmet coverage, because… (audited)",
                          id="export-coverage-reason")
            with Horizontal(id="progress-row"):
                yield compact(Button, "Export", variant="primary", id="go")
                yield ProgressBar(id="export-progress", show_eta=False)
            yield Label("", id="transfer-status")
            yield Label("", classes="dialog-hint", id="transfer-hint")

    def on_mount(self) -> None:
        self.query_one(ProgressBar).display = False
        out = self.query_one("#export-out", Input)
        out.cursor_position = len(out.value)  # ctrl+u clears it, typing appends
        self.set_focus(out)
        self.query_one("#transfer-hint", Label).update("enter exports · esc closes")

    def start(self) -> None:
        if self.running:
            return
        out = Path(self.query_one("#export-out", Input).value.strip() or str(self.default_out)).expanduser()
        status = self.query_one("#export-status", Select).value
        try:
            share = int(self.query_one("#export-share", Input).value or "0") / 100
        except ValueError:
            share = -1
        if not 0 <= share < 1:
            self._set_status("Validation share: a whole percentage from 0 to 99.")
            return
        self._start_progress()
        self._set_status(f"Exporting to {out}…")
        self.run_export(out, None if status == "all" else str(status), share,
                        self.query_one("#export-message", Input).value.strip(),
                        self.query_one("#export-allow-pii", Checkbox).value,
                        self.query_one("#export-coverage-reason", Input).value.strip() or None)

    @work(thread=True, exclusive=True, exit_on_error=False, group="export")
    def run_export(self, out: Path, status: str | None, share: float, message: str, allow_pii: bool = False,
                   coverage_override: str | None = None):
        from workbench.pii.review import scan_and_export

        return scan_and_export(self.store, self.dataset, out, status=status, validation_share=share, message=message,
                              allow_pii=allow_pii, coverage_override=coverage_override)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        from workbench.dataset.exporter import ExportRefused

        if event.worker.group != "export" or event.state not in (
                WorkerState.SUCCESS, WorkerState.ERROR, WorkerState.CANCELLED):
            return
        self._stop_progress()
        if event.state == WorkerState.SUCCESS:
            self.dismiss(event.worker.result)
        elif event.state == WorkerState.CANCELLED:
            self._set_status("Cancelled.")
        elif isinstance(event.worker.error, ExportRefused):
            self._set_status("Refused; nothing was written.")
            self.app.push_screen(MessageDialog("Export refused", app_message(event.worker.error)))
        else:
            error = event.worker.error
            self._set_status(f"Export failed: {type(error).__name__}: {error}")
