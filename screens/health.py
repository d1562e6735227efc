"""The Health screen: a dataset's health before training, and near-duplicate review.

Left: the figures (coverage checklist, refusals, escalations, edge cases, diversity,
by language, by intent) and two plots (examples by intent, token length). Right: the
near-duplicate groups of the last scan; the members of the highlighted group below.
A scan and the figures run in workers; keeping one member rejects the others through
the curation service, so the Examples screen's undo (and this screen's) reverts it.
"""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static
from textual.worker import Worker, WorkerState
from textual_plotext import PlotextPlot

from screens import keys
from screens.safety import guarded
from screens.widgets.modebar import ModeBar


class DuplicateProgress(Message):
    """How many examples the near-duplicate scan has signed so far."""

    def __init__(self, done: int) -> None:
        super().__init__()
        self.done = done

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, DuplicateProgress)


def figures_table(h) -> Table:
    """The health figures as one compact table (checklist first: it blocks exports)."""
    table = Table(box=None, show_header=False, pad_edge=False, expand=True)
    table.add_column("what", no_wrap=True)
    table.add_column("value", justify="right", no_wrap=True)
    rule = None
    for check in h.checklist:
        if check.rule != rule:  # one heading per declared minimum, then a line per target it covers
            rule = check.rule
            table.add_row(Text(f"needs {rule}", "bold"), "")
        mark = Text("ok", "green") if check.met else Text("MISSING", "bold reverse")
        table.add_row(f" {check.target}", Text.assemble(f"{check.count} · {check.share:.0%} ", mark))
    if not h.checklist:
        table.add_row(Text("no coverage minimum declared", "italic"), "")
    table.add_row("examples", f"{h.examples:,}")
    table.add_row("refusals (tag or answer)", f"{h.refusals} · {h.share(h.refusals):.0%}")
    table.add_row("escalations", f"{h.escalations} · {h.share(h.escalations):.0%}")
    table.add_row("edge cases", f"{h.edge_cases} · {h.share(h.edge_cases):.0%}")
    table.add_row("untagged", f"{h.untagged} · {h.share(h.untagged):.0%}")
    table.add_row("intent diversity J", f"{h.diversity:.2f}")
    table.add_row("drafts from ratings", f"{h.from_ratings}")
    for share in h.by_language:
        table.add_row(f"language {share.label}", f"{share.count} · {share.share:.0%}")
    for share in h.by_turns:
        if share.count:
            table.add_row(f"turns {share.label}", f"{share.count} · {share.share:.0%}")
    return table


@guarded
class HealthScreen(Screen):
    CSS_PATH = "health.tcss"
    BINDINGS = keys.bindings("health")
    KEY_SCOPE = "health"
    help = ("Health: what the dataset covers (intents, languages, refusals, edge cases), the declared "
            "coverage minimums an export needs, and near-duplicate groups to review.")

    def __init__(self) -> None:
        super().__init__()
        self.dataset: dict | None = None
        self.health = None
        self.groups: list[dict] = []
        self.members: list[dict] = []
        self.resolved: list[str] = []  # groups resolved here, newest last (for undo)

    def compose(self) -> ComposeResult:
        yield ModeBar("health")
        yield Static("", id="health-title")
        with Horizontal(id="health-body"):
            with VerticalScroll(id="health-left"):
                yield Static("", id="figures")
                yield PlotextPlot(id="intent-plot")
                yield PlotextPlot(id="length-plot")
            with Vertical(id="health-right"):
                yield Static("", id="dup-status")
                yield DataTable(id="dup-groups", cursor_type="row")
                yield DataTable(id="dup-members", cursor_type="row")
        yield Footer(show_command_palette=False)

    def on_mount(self) -> None:
        groups = self.query_one("#dup-groups", DataTable)
        groups.add_columns("size", "first #")
        groups.help = "Near-duplicate groups of the last scan (s scans). Highlight one to see its members."
        members = self.query_one("#dup-members", DataTable)
        members.add_columns("#", "status", "sim.", "user turn")
        members.help = f"Members of the group: {keys.key_in(self.app, 'health.keep')} keeps the highlighted one " \
                       "and rejects the others."

    def on_screen_resume(self) -> None:
        self.load()

    # ---------------------------------------------------------------- loading

    def load(self) -> None:
        self.dataset = self.app.current_dataset()
        title = self.query_one("#health-title", Static)
        if self.dataset is None:
            title.update(" Health · no dataset")
            self.query_one("#figures", Static).update(
                f"No datasets yet. Press {keys.key_in(self.app, 'app.examples')} for Examples, then "
                f"{keys.key_in(self.app, 'examples.import')} to import a file.")
            return
        title.update(f" Health · {self.dataset['name']} · reading…")
        self.compute(self.dataset["name"], self.app.target_model.encoding)

    @work(thread=True, exclusive=True, exit_on_error=False, group="health")
    def compute(self, dataset_name: str, encoding: str):
        from workbench.health.duplicates import open_groups
        from workbench.health.metrics import dataset_health

        store = self.app.store
        return dataset_health(store, dataset_name, encoding=encoding), open_groups(store, dataset_name)

    @work(thread=True, exclusive=True, exit_on_error=False, group="duplicates")
    def scan_duplicates(self, dataset_name: str) -> int:
        from workbench.health import duplicates

        return len(duplicates.scan(self.app.store, dataset_name,
                                   progress=lambda done: self.post_message(DuplicateProgress(done))))

    def on_duplicate_progress(self, message: DuplicateProgress) -> None:
        self.query_one("#dup-status", Static).update(f"Scanning… {message.done:,} examples signed")

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        group = event.worker.group
        if event.state == WorkerState.SUCCESS and group == "health":
            self.health, self.groups = event.worker.result
            self.show()
        elif event.state == WorkerState.SUCCESS and group == "duplicates":
            self.notify(f"{event.worker.result} near-duplicate groups found.")
            self.load()
        elif event.state == WorkerState.ERROR:
            error = event.worker.error
            self.query_one("#dup-status", Static).update("")
            self.notify(f"Health: {type(error).__name__}: {error}", severity="error", timeout=10)

    # ---------------------------------------------------------------- showing

    def show(self) -> None:
        h = self.health
        unmet = len(h.unmet)
        note = f" · {unmet} declared minimum{'s' if unmet != 1 else ''} unmet: export asks for a reason" if unmet else ""
        self.query_one("#health-title", Static).update(f" Health · {h.dataset} · {h.examples:,} examples{note}")
        self.query_one("#figures", Static).update(figures_table(h))
        self._bar_plot("#intent-plot", "examples by intent", [(s.label, s.count) for s in h.by_intent])
        self._bar_plot("#length-plot", f"token length ({h.encoding})",
                       [(s.label.replace(" tokens", ""), s.count) for s in h.by_tokens])
        self.show_groups()

    def _bar_plot(self, selector: str, title: str, rows: list[tuple[str, int]]) -> None:
        widget = self.query_one(selector, PlotextPlot)
        widget.styles.height = 2 * max(1, len(rows)) + 5  # two rows per bar keeps plotext's bars on their labels
        plt = widget.plt
        plt.clear_data()
        plt.clear_figure()
        if rows:
            plt.bar([label[:10] for label, _ in rows], [count for _, count in rows], orientation="horizontal",
                    width=0.5)
        plt.title(title)
        widget.refresh()

    def show_groups(self) -> None:
        table = self.query_one("#dup-groups", DataTable)
        table.clear()
        for group in self.groups:
            table.add_row(str(group["size"]), f"#{group['first_position']}", key=group["id"])
        status = self.query_one("#dup-status", Static)
        if self.groups:
            status.update(f"{len(self.groups)} near-duplicate groups to review · "
                          f"{keys.key_in(self.app, 'health.keep')} keeps one, rejects the rest")
        else:
            status.update(f"No open near-duplicate groups · {keys.key_in(self.app, 'health.scan')} scans")
        self.show_members()

    def _group_id(self) -> str | None:
        table = self.query_one("#dup-groups", DataTable)
        if not self.groups or table.cursor_row is None or table.cursor_row >= len(self.groups):
            return None
        return self.groups[table.cursor_row]["id"]

    def show_members(self) -> None:
        from workbench.health.duplicates import members

        table = self.query_one("#dup-members", DataTable)
        table.clear()
        group_id = self._group_id()
        self.members = members(self.app.store, group_id) if group_id else []
        for member in self.members:
            user = next((m.get("content") for m in member["messages"]
                         if isinstance(m, dict) and m.get("role") == "user" and isinstance(m.get("content"), str)), "")
            table.add_row(f"#{member['position']}", member["status"], f"{member['similarity']:.2f}",
                          (user or "").replace("\n", " ")[:60], key=member["example_id"])

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.data_table.id == "dup-groups":
            self.show_members()

    # ---------------------------------------------------------------- actions

    def action_refresh(self) -> None:
        self.load()

    def action_scan(self) -> None:
        if self.dataset is None:
            return
        self.query_one("#dup-status", Static).update("Scanning for near-duplicates…")
        self.scan_duplicates(self.dataset["name"])

    def action_keep(self) -> None:
        from workbench.health.duplicates import keep_one

        group_id = self._group_id()
        table = self.query_one("#dup-members", DataTable)
        if group_id is None or not self.members:
            self.notify("No group to review: scan first.")
            return
        keep = self.members[min(table.cursor_row or 0, len(self.members) - 1)]
        rejected = keep_one(self.app.store, self.app.curation, group_id, keep["example_id"])
        self.resolved.append(group_id)
        self.notify(f"Kept #{keep['position']}, rejected {len(rejected)} · "
                    f"{keys.key_in(self.app, 'health.undo')} undoes")
        self.load()

    def action_undo(self) -> None:
        from workbench.health.duplicates import undo_keep

        if not self.resolved:
            self.notify("Nothing to undo here.")
            return
        from workbench.errors import WorkbenchError

        try:
            if undo_keep(self.app.store, self.app.curation, self.resolved[-1]):
                self.notify("Undone: the group is open again.")
            self.resolved.pop()
        except WorkbenchError as exc:
            self.notify(exc.message + " " + exc.hint, severity="warning")
        self.load()
