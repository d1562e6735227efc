"""The Personal data screen: scan a dataset, review findings in context, redact.

Findings are listed grouped by entity type (or by example, `g`), with the span
highlighted in its message. Decisions go per finding (r redact / x dismiss), per
distinct value across the dataset (R / X) or per entity type (E redact every pending
finding of the type). `p` previews the redaction, `A` applies it. Scans run in a worker
with a progress bar, cancellable with Esc.
"""

from __future__ import annotations


from rich.markup import escape
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Footer, Label, ProgressBar, Select, Static
from textual.worker import Worker, WorkerState

from screens import keys
from screens.safety import guarded
from screens.widgets.modebar import ModeBar
from workbench.pii import review as pii_review
from workbench.dataset import curation


class ScanProgress(Message):
    def __init__(self, done: int, total: int):
        super().__init__()
        self.done, self.total = done, total

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, ScanProgress)


class ScanFinished(Message):
    def __init__(self, text: str, engine: str = ""):
        super().__init__()
        self.text = text
        self.engine = engine  # what the scan really ran (a model that failed to load is not in it)


class PreviewDialog(ModalScreen[str | None]):
    """Before/after of the accepted findings; Enter applies with placeholders, p with
    pseudonyms, Esc cancels."""

    CSS_PATH = "pii.tcss"
    BINDINGS = keys.bindings("pii_preview")

    def __init__(self, rows: list[dict]):
        super().__init__()
        self.rows = rows

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Redaction preview: Enter applies with <PLACEHOLDERS>, p with pseudonyms, Esc cancels. "
                        "Older revisions holding the values are purged.")
            with VerticalScroll():
                if not self.rows:
                    yield Static("Nothing accepted yet: mark findings with r / R / E first.")
                for row in self.rows:
                    yield Static(Text.assemble((f"#{row['position']} message {row['message_index']}\n", "bold"),
                                               ("before: ", "dim"), row["before"][:400], "\n",
                                               ("after:  ", "dim"), row["after"][:400], "\n"))
            yield Footer()

    def action_choose(self, mode: str | None) -> None:
        self.dismiss(mode if self.rows else None)


@guarded
class PiiScreen(Screen):
    """Review personal data found in a dataset."""

    help = ("Personal data. s scan (Esc cancels), r/x redact or dismiss the finding, R/X every finding of "
            "the same value, E / D redact or dismiss every pending finding of this type, g group by type or example, p preview "
            "and apply the redaction. Dismissed values are remembered for later scans.")
    KEY_SCOPE = "pii"
    BINDINGS = keys.bindings("pii")
    CSS_PATH = "pii.tcss"

    def __init__(self, dataset: str | None = None):
        super().__init__()
        self.store = None  # the app's store, set in compose
        self.dataset = dataset
        self.group_by = "entity"
        self.rows: list[dict] = []
        self.cancel_requested = False

    def compose(self) -> ComposeResult:
        self.store = self.app.store
        datasets = curation.list_datasets(self.store)
        yield ModeBar("pii")
        with Horizontal(id="pii-top"):
            yield Select([(d["name"], d["name"]) for d in datasets], prompt="Dataset", id="pii-dataset",
                         allow_blank=not datasets, compact=True)
            # What finds the data: the rules alone, or with a spaCy model (issue 19).
            yield Static(f"engine: {pii_review.engine_description(self.store)}", id="pii-engine")
        yield Static(id="pii-summary")
        yield ProgressBar(id="pii-progress", show_eta=False)
        with Horizontal(id="pii-body"):
            yield DataTable(id="pii-table", cursor_type="row", zebra_stripes=True)
            with VerticalScroll(id="pii-context"):
                yield Static(id="pii-context-text")
        yield Footer(show_command_palette=False)

    def on_mount(self) -> None:
        table = self.query_one("#pii-table", DataTable)
        table.add_columns("type", "example", "msg", "value", "score", "decision")
        datasets = curation.list_datasets(self.store)
        if not datasets:
            self.query_one("#pii-summary", Static).update(
                "No datasets yet. Import one (`workbench import FILE`), then scan it here with s.")
            return
        name = self.dataset if any(d["name"] == self.dataset for d in datasets) else datasets[0]["name"]
        self.query_one("#pii-dataset", Select).value = name
        self.dataset = name
        self.reload()
        table.focus()

    def on_resize(self) -> None:
        self.set_class(self.size.width < 100, "narrow")

    @on(Select.Changed, "#pii-dataset")
    def dataset_changed(self, event: Select.Changed) -> None:
        if event.value is not Select.BLANK and event.value != self.dataset:
            self.dataset = str(event.value)
            self.reload()

    # ---------------------------------------------------------------- listing

    def reload(self, keep_cursor: bool = True) -> None:
        table = self.query_one("#pii-table", DataTable)
        row_before = table.cursor_row if keep_cursor else 0
        self.rows = pii_review.findings_with_context(self.store, self.dataset) if self.dataset else []
        key = (lambda r: (r["entity"], r["position"], r["start"])) if self.group_by == "entity" else \
            (lambda r: (r["position"], r["message_index"], r["start"]))
        self.rows.sort(key=key)
        table.clear()
        for row in self.rows:
            table.add_row(row["entity"], f"#{row['position']}", str(row["message_index"]),
                          escape(row["value"][:30]), f"{row['score']:.2f}", row["decision"], key=row["id"])
        if self.rows:
            table.move_cursor(row=min(row_before, len(self.rows) - 1))
        self.update_summary()
        self.show_context()

    def update_summary(self) -> None:
        if not self.dataset:
            return
        dataset = curation.find_dataset(self.store, self.dataset)
        counts: dict[str, int] = {}
        for row in pii_review.summary(self.store, dataset["id"]):
            counts[row["decision"]] = counts.get(row["decision"], 0) + row["findings"]
        stale = pii_review.stale_count(self.store, dataset["id"]) if dataset else 0
        text = (f"{len(self.rows)} findings: {counts.get('pending', 0)} pending, {counts.get('redact', 0)} to redact, "
                f"{counts.get('dismiss', 0)} dismissed · grouped by {self.group_by} "
                f"({keys.key_in(self.app, 'pii.group')})")
        if not self.rows:
            scan = keys.key_in(self.app, "pii.scan")
            text = f"No findings yet: press {scan} to scan this dataset (offline)." if stale else "No personal data found."
        copies = pii_review.copies_before_redaction(self.store, self.dataset)
        if copies:  # where findings remain outside the examples
            text += f" · still holding pre-redaction text: {', '.join(copies)} (workbench purge)"
        self.query_one("#pii-summary", Static).update(text)

    def current(self) -> dict | None:
        table = self.query_one("#pii-table", DataTable)
        if not self.rows or table.cursor_row is None or table.cursor_row >= len(self.rows):
            return None
        return self.rows[table.cursor_row]

    @on(DataTable.RowHighlighted)
    def show_context(self) -> None:
        row = self.current()
        target = self.query_one("#pii-context-text", Static)
        if row is None:
            target.update("")
            return
        example = curation.get_example(self.store, row["example_id"])
        text = pii_review._get_text(example, row["message_index"], row["field"])
        shown = Text(text)
        shown.stylize("reverse bold", row["start"], row["end"])
        head = Text(f"{row['entity']} in example #{row['position']}, message {row['message_index']} "
                    f"({row['field']}), found by {row['recognizer']} at {row['score']:.2f}\n\n", style="dim")
        target.update(head + shown)

    # ---------------------------------------------------------------- decisions

    def action_decide(self, decision: str, scope: str) -> None:
        row = self.current()
        if row is None:
            return
        kwargs = {"one": {"finding_id": row["id"]}, "value": {"value_of": row["id"]},
                  "entity": {"entity": row["entity"]}}[scope]
        try:
            n = pii_review.decide(self.store, self.dataset, decision, **kwargs)
        except pii_review.PiiError as exc:
            self.notify(str(exc), severity="warning")
            return
        if scope != "one":
            self.notify(f"{n} findings marked {decision}.")
        self.reload()
        table = self.query_one("#pii-table", DataTable)
        if scope == "one" and table.cursor_row < len(self.rows) - 1:
            table.move_cursor(row=table.cursor_row + 1)

    def action_toggle_group(self) -> None:
        self.group_by = "example" if self.group_by == "entity" else "entity"
        self.reload(keep_cursor=False)

    def action_preview(self) -> None:
        if not self.dataset:
            return
        rows = pii_review.preview(self.store, self.dataset, "placeholder", limit=200)

        def apply(mode: str | None) -> None:
            if mode:
                self.confirm_redaction(mode)

        self.app.push_screen(PreviewDialog(rows), apply)

    def redaction_counts(self) -> tuple[int, int]:
        """(values, examples) the redaction would replace: every accepted finding."""
        return pii_review.redaction_counts(self.store, self.dataset)

    def confirm_redaction(self, mode: str) -> None:
        """Redacting rewrites examples and purges their older revisions: it cannot be
        undone, so it is applied only after the user confirms the counts."""
        from screens.dialogs import ConfirmDialog

        values, examples = self.redaction_counts()
        how = "consistent pseudonyms" if mode == "pseudonym" else "<PLACEHOLDERS>"

        def go(confirmed) -> None:
            if not confirmed:
                self.notify("Nothing was redacted.")
                return
            result = pii_review.apply_redactions(self.store, self.dataset, mode)
            self.notify(f"Redacted {result['values']} values in {result['examples']} examples; "
                        f"{result['revisions_purged']} older revisions purged.")
            if not result["scrubbed"]:  # never a clean report that isn't
                self.notify("Not yet removed from the file: another program has the store open. The old "
                            "values are wiped when it closes or the store is next opened.",
                            severity="warning", timeout=15)
            self.reload(keep_cursor=False)

        self.app.push_screen(ConfirmDialog(
            "Apply the redaction?",
            f"Replace {values} values in {examples} examples of {self.dataset} with {how}.\n"
            "Older revisions holding the values are purged: this cannot be undone."), go)

    # ---------------------------------------------------------------- scanning

    def action_scan(self) -> None:
        if not self.dataset:
            return
        self.cancel_requested = False
        self.query_one("#pii-progress", ProgressBar).add_class("running")
        self.query_one("#pii-summary", Static).update("Scanning (Esc cancels) ...")
        self.run_scan(self.dataset)

    def action_cancel_scan(self) -> None:
        self.cancel_requested = True

    @work(thread=True, exclusive=True, exit_on_error=False, group="pii-scan")
    def run_scan(self, dataset: str) -> None:
        result = pii_review.scan_dataset(
            self.store, dataset, progress=lambda d, t: self.post_message(ScanProgress(d, t)),
            cancelled=lambda: self.cancel_requested)
        kinds = ", ".join(f"{k} {n}" for k, n in result.by_entity.most_common()) or "nothing"
        self.post_message(ScanFinished(f"Scanned {result.scanned} examples: {result.findings} findings ({kinds}).",
                                       result.engine))

    def on_scan_progress(self, message: ScanProgress) -> None:
        self.query_one("#pii-progress", ProgressBar).update(total=max(1, message.total), progress=message.done)

    def on_scan_finished(self, message: ScanFinished) -> None:
        self.query_one("#pii-progress", ProgressBar).remove_class("running")
        if message.engine:
            self.query_one("#pii-engine", Static).update(f"engine: {message.engine}")
        self.notify(message.text if not self.cancel_requested else "Scan cancelled; scanned examples are kept.")
        self.reload(keep_cursor=False)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR:
            self.query_one("#pii-progress", ProgressBar).remove_class("running")
            self.notify(f"Scan failed: {event.worker.error}", severity="error")

