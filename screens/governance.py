"""Governance (key 7): the risk register and the audit log, each filterable.

The register lists risks most severe first; `s` moves the highlighted risk to its next
status. The audit log shows who changed what and when, newest first. Typing in the
filter narrows whichever table is shown (words in a risk's title or description; an
action prefix, a person or words in the details of an audit entry).
"""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, Static
from textual.worker import Worker, WorkerState

from screens import keys
from screens.widgets.modebar import ModeBar

VIEWS = ("risks", "audit")


class GovernanceLoaded(Message):
    """Rows for one view, read in a worker."""

    def __init__(self, view: str, rows: list[dict]) -> None:
        super().__init__()
        self.view = view
        self.rows = rows


class GovernanceScreen(Screen):
    CSS_PATH = "governance.tcss"
    BINDINGS = keys.bindings("governance")
    KEY_SCOPE = "governance"
    help = "Governance: the risk register (severity, likelihood, owner, status, evidence) and the audit log."

    def __init__(self) -> None:
        super().__init__()
        self.view = "risks"
        self.rows: list[dict] = []

    def compose(self) -> ComposeResult:
        yield ModeBar("governance")
        yield Static("", id="governance-title")
        yield Input(placeholder="filter", id="governance-filter")
        table = DataTable(id="governance-table", cursor_type="row", zebra_stripes=True)
        table.help = "Risks most severe first; the audit log newest first."
        yield table
        yield Static("", id="governance-detail")
        yield Footer(show_command_palette=False)

    def on_mount(self) -> None:
        self.app.apply_cursor_blink(self) if hasattr(self.app, "apply_cursor_blink") else None
        self.query_one(DataTable).focus()
        self.load()

    # ------------------------------------------------------------------ loading

    def load(self) -> None:
        self._update_title()
        self.read_rows(self.view, self.query_one(Input).value.strip())

    @work(thread=True, exclusive=True, exit_on_error=False, group="governance")
    def read_rows(self, view: str, text: str) -> None:
        from workbench.governance import audit, risks

        store = self.app.store
        if view == "risks":
            rows = risks.list_risks(store, text=text or None)
        else:
            rows = audit.entries(store, limit=300)
            if text:
                needle = text.lower()
                rows = [r for r in rows if needle in " ".join(
                    [r["action"], r["entity"], r["actor"] or "", r["entity_id"] or "",
                     audit.summary(r, 10_000)]).lower()]
        self.post_message(GovernanceLoaded(view, rows))

    def on_governance_loaded(self, message: GovernanceLoaded) -> None:
        if message.view != self.view:
            return
        self.rows = message.rows
        table = self.query_one(DataTable)
        table.clear(columns=True)
        if self.view == "risks":
            table.add_columns("risk", "severity", "likelihood", "status", "owner", "evidence")
            for r in self.rows:
                table.add_row(r["title"], r["severity"], r["likelihood"], r["status"], r["owner"],
                              str(r["evidence_count"]), key=r["id"])
        else:
            from workbench.governance.audit import summary

            table.add_columns("when", "who", "action", "what", "details")
            for r in self.rows:
                table.add_row(r["at"][:16].replace("T", " "), r["actor"] or "-", r["action"],
                              f"{r['entity']} {(r['entity_id'] or '')[:8]}", summary(r, 40), key=r["id"])
        self._update_title()
        self._show_detail()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR:
            error = event.worker.error
            self.notify(f"Could not read the {self.view}: {type(error).__name__}: {error}", severity="error",
                        timeout=10)

    # ------------------------------------------------------------------ display

    def _update_title(self) -> None:
        other = "audit log" if self.view == "risks" else "risk register"
        title = "Risk register" if self.view == "risks" else "Audit log"
        hint = (f"{keys.key_in(self.app, 'governance.switch')} {other} · "
                f"{keys.key_in(self.app, 'governance.filter')} filter")
        if self.view == "risks":
            hint += f" · {keys.key_in(self.app, 'governance.status')} next status"
        self.query_one("#governance-title", Static).update(f" {title} ({len(self.rows)})   {hint}")

    def _current(self) -> dict | None:
        table = self.query_one(DataTable)
        if not self.rows or table.cursor_row is None or table.cursor_row >= len(self.rows):
            return None
        return self.rows[table.cursor_row]

    def _show_detail(self) -> None:
        row = self._current()
        detail = self.query_one("#governance-detail", Static)
        if row is None:
            detail.update("Nothing matches." if self.query_one(Input).value else "")
        elif self.view == "risks":
            detail.update(f"{row['description']}\nMitigation: {row['mitigation'] or '-'}")
        else:
            from workbench.governance.audit import summary

            detail.update(f"{row['at']} {row['actor'] or '-'} {row['action']} {row['entity']} "
                          f"{row['entity_id'] or ''}\n{summary(row, 400)}")

    def on_data_table_row_highlighted(self, _event: DataTable.RowHighlighted) -> None:
        self._show_detail()

    def on_input_changed(self, _event: Input.Changed) -> None:
        self.load()

    def on_input_submitted(self, _event: Input.Submitted) -> None:
        self.query_one(DataTable).focus()

    # ------------------------------------------------------------------ actions

    def action_switch(self) -> None:
        self.view = "audit" if self.view == "risks" else "risks"
        self.rows = []
        self.load()

    def action_filter(self) -> None:
        self.query_one(Input).focus()

    def action_refresh(self) -> None:
        self.load()

    def action_next_status(self) -> None:
        from workbench.governance.risks import STATUSES, update_risk
        from workbench.snapshots.export import author

        row = self._current()
        if self.view != "risks" or row is None:
            return
        status = STATUSES[(STATUSES.index(row["status"]) + 1) % len(STATUSES)]
        update_risk(self.app.store, row["id"], actor=author(self.app.store), status=status)
        self.notify(f"{row['title']}: {status}", timeout=3)
        self.load()

    def action_leave(self) -> None:
        if self.query_one(Input).has_focus and self.query_one(Input).value:
            self.query_one(Input).value = ""
            return
        self.query_one(DataTable).focus()
