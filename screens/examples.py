"""The Examples screen: pick a dataset, page through its examples, search, filter,
read one conversation, and change status, tags and notes (bulk on a selection).

Reads on the UI thread are single indexed pages (a few ms); anything that needs a
tokenizer runs in a worker with its own store connection and posts back.
"""

from __future__ import annotations

from pathlib import Path

from textual import work
from textual.app import ComposeResult
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Input, Static
from textual.worker import Worker, WorkerState

from screens import keys
from screens.safety import guard_callback, guarded
from screens.writes import writes_of
from screens.widgets.modebar import ModeBar
from screens.widgets.conversation import Conversation
from screens.widgets.example_list import ExampleList, header_text
from workbench.dataset.curation import ExampleView
from workbench.dataset import curation
from workbench.paths import file_slug

EMPTY_HELP = (
    "No datasets yet.\n\n"
    "Press  i  to import a JSONL or CSV file in the OpenAI chat format\n"
    "(try sample_data/aurora_support.jsonl from the project folder),\n"
    "or run  workbench import FILE --dataset NAME  in a shell.\n\n"
    "Press  ?  for every key, ctrl+p to find an action by name, ctrl+q to quit."
)
SELECT_ALL_MAX = 10_000
#: The list's count stops here on the UI thread ("10,000+ … counting…"); a worker
#: finishes the exact count (689,734 hits of a common word in 1M examples: seconds).
COUNT_CAP = 10_000
SEARCH_IDLE = "/ search message text"
SEARCH_ACTIVE = "type words to search · enter: to the results · esc: back"


#: Actions that apply to the selection; the selection is cleared after each.
BULK_ACTIONS = ("status", "tags", "delete", "restore", "undo", "redo")


class Curated(Message):
    """Examples changed through this screen (posted after every edit, undo and redo)."""

    def __init__(self, action: str, example_ids: list[str]) -> None:
        super().__init__()
        self.action = action
        self.example_ids = list(example_ids)


class KeysAfterFirstFrame(Footer):
    """The Footer, its keys built once the app's first frame is out. Textual builds one
    FooterKey widget per binding (32 here) and styles each one: 35-50 ms of CPU that came
    before the first frame at start (issue 14). Its row is there from the start; the
    keys fill it right after the first frame."""

    _waiting = False

    def bindings_changed(self, screen: Screen) -> None:
        app = self.app
        if getattr(app, "first_frame_shown", True):
            super().bindings_changed(screen)
        elif not self._waiting:
            self._waiting = True
            # through the Footer's own queue: its compose binds to its reactives
            app.after_first_frame(self.call_later, self._bindings_changed_now, screen)

    def _bindings_changed_now(self, screen: Screen) -> None:
        self._waiting = False
        super().bindings_changed(screen)


@guarded
class ExamplesScreen(Screen):
    CSS_PATH = "examples.tcss"
    BINDINGS = keys.bindings("examples")
    KEY_SCOPE = "examples"
    help = "Examples: find, read and curate the examples of a dataset."

    def __init__(self) -> None:
        super().__init__()
        self.dataset: dict | None = None
        self.view = ExampleView()
        self.total: int | None = 0  # the dataset's live examples; None while a worker counts them
        self.count_exact = True  # False: the list's count stopped at COUNT_CAP, a worker counts on
        self._count_key: tuple | None = None  # what the running exact count is for
        self._detail_timer: Timer | None = None
        self._search_timer: Timer | None = None
        self._model_seen: str | None = None
        self._total_of: str | None = None  # dataset whose live count self.total holds
        self._selection_of: str | None = None  # dataset the list's selection belongs to
        self.is_mounted_once = False  # the first conversation was scheduled

    # ------------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        yield ModeBar("examples")
        yield Static("", id="title")
        yield Input(placeholder=SEARCH_IDLE, id="search")
        yield Static("", id="list-header")
        yield ExampleList(self._load_page, id="list")
        yield Static(EMPTY_HELP, id="empty")
        yield Conversation(id="detail")
        yield KeysAfterFirstFrame(show_command_palette=False)  # the mode bar mentions ctrl+p

    @property
    def curation(self):
        return self.app.curation

    @property
    def example_list(self) -> ExampleList:
        return self.query_one(ExampleList)

    def on_mount(self) -> None:
        self.query_one("#search", Input).help = (
            "Full-text search over the text of every message (SQLite FTS5). Words must all occur; "
            "the last one matches as a prefix; accents are ignored. Enter goes to the list, esc back.")
        self.app.apply_cursor_blink(self)
        self.dataset = self.app.current_dataset()
        self.reload()
        self.example_list.focus()
        # Textual renders the first frame inside its start-up batch and drops it, and
        # counts what it rendered as painted: the first frame written held only the
        # widgets changed since (rows 3-30), the mode bar and title came with the next
        # full layout ~30 ms later (issue 14). Repainting every widget once after that
        # refresh puts the whole screen in the first frame written.
        self.call_after_refresh(self._repaint_all)

    def _repaint_all(self) -> None:
        for widget in self.children:
            widget.refresh()

    def on_screen_resume(self) -> None:
        if self._model_seen != self.app.target_model.name or self.dataset != self.app.current_dataset():
            self.dataset = self.app.current_dataset()
            self.reload()

    def on_resize(self) -> None:
        # one line high (examples.tcss): no layout of the screen needed
        self.query_one("#list-header", Static).update(header_text(self.example_list.size.width or self.size.width),
                                                      layout=False)

    # ------------------------------------------------------------------ loading

    def _load_page(self, offset: int, limit: int) -> list[dict]:
        if self.dataset is None:
            return []
        model = self.app.target_model
        return self.curation.page(self.dataset["id"], self.view, encoding=model.encoding, offset=offset,
                                  limit=limit, context_limit=model.training_context_limit)

    def reload(self, cursor: int | None = None, focus_id: str | None = None) -> None:
        """Recount the view and repaint; keep the cursor index (or move to focus_id)."""
        has_data = self.dataset is not None
        for selector in ("#search", "#list-header", "#list", "#detail"):
            self.query_one(selector).display = has_data
        self.query_one("#empty").display = not has_data
        model = self.app.target_model
        self._model_seen = model.name
        if not has_data:
            self.query_one("#title", Static).update(" ft-workbench · Examples · no dataset")
            self.example_list.reset(0)
            return
        dataset_id = self.dataset["id"]
        self._own_selection(dataset_id)
        count = self.curation.count(dataset_id, self.view, encoding=model.encoding,
                                    context_limit=model.training_context_limit, cap=COUNT_CAP)
        self.count_exact = count <= COUNT_CAP
        count = min(count, COUNT_CAP)  # the list holds the first COUNT_CAP rows until the exact count
        if not self.view.active:
            self.total = count if self.count_exact else None
            self._total_of = dataset_id
        elif self._total_of != dataset_id:  # the dataset's size only changes with an edit
            live = self.curation.count(dataset_id, ExampleView(), encoding=model.encoding, cap=COUNT_CAP)
            self.total = live if live <= COUNT_CAP else None
            self._total_of = dataset_id
        self._count_key = None
        if not self.count_exact or self.total is None:
            # after the repaint: the count's thread would compete with it for the CPU
            self._count_key = key = (dataset_id, self.view, model.name, object())
            self._after_paint(lambda: key is self._count_key and self.count_exactly(
                key, need_view=not self.count_exact, need_total=self.total is None and self.view.active,
                encoding=model.encoding, context_limit=model.training_context_limit))
        if focus_id is not None:
            found = self.curation.index_of(dataset_id, focus_id, self.view, encoding=model.encoding,
                                           context_limit=model.training_context_limit)
            cursor = found if found is not None else cursor
        self.example_list.reset(count, cursor, model.training_context_limit)
        self._title_line = (count, model)
        self.update_title()
        self.on_resize()

    def update_title(self) -> None:
        """The title line: dataset, count, view, "N selected", target model."""
        if self.dataset is None or not hasattr(self, "_title_line"):
            return
        count, model = self._title_line
        number = f"{count:,}" if self.count_exact else f"{count:,}+"
        total = f"{self.total:,}" if self.total is not None else "…"
        shown = f"{number} examples" if not self.view.active else f"{number} of {total} · {self.view.describe()}"
        if not self.count_exact or self.total is None:
            shown += " (counting…)"
        selected = len(self.example_list.selected)
        marked = f" · {selected:,} selected" if selected else ""
        self.query_one("#title", Static).update(
            f" {self.dataset['name']} · {shown}{marked} · tokens: {model.name} (limit {model.training_context_limit:,})",
            layout=False)  # one line high: no layout of the screen needed

    def _own_selection(self, dataset_id: str) -> None:
        # A selection belongs to the dataset it was made in: showing another dataset
        # drops it, so a bulk key can never act on rows the user cannot see.
        if self._selection_of != dataset_id:
            self.example_list.selected = set()
            self._selection_of = dataset_id

    def _after_paint(self, callback, *args) -> None:
        """After this refresh, and at start after the app's first complete frame (see
        WorkbenchApp.after_first_frame; a test host without it: after the refresh)."""
        after_first_frame = getattr(self.app, "after_first_frame", None)
        if after_first_frame is not None and not self.app.first_frame_shown:
            after_first_frame(self.call_after_refresh, callback, *args)
        else:
            self.call_after_refresh(callback, *args)

    def on_example_list_highlighted(self, message: ExampleList.Highlighted) -> None:
        # Debounced: holding an arrow key repaints the list, not every conversation.
        if self._detail_timer is not None:
            self._detail_timer.stop()
        if not self.is_mounted_once:
            # The first conversation (rich.markdown's import, the Markdown render) after
            # the first frame: Textual writes no frame while the app mounts, and this
            # 50 ms timer fired first, delaying the first paint by its work (issue 14).
            self.is_mounted_once = True
            self._after_paint(self.set_timer, 0.05, self.show_detail)
            return
        self._detail_timer = self.set_timer(0.05, self.show_detail)

    def show_detail(self) -> None:
        example_id = self.example_list.current_id
        detail = self.query_one(Conversation)
        if example_id is None:
            detail.show(None, "No examples match this view. Esc clears the search and filters."
                        if self.view.active else "This dataset has no examples yet. Press + to write one.")
            return
        # The preview folds a long system prompt and marks the search's hits.
        detail.show(self.curation.get(example_id), search=self.view.search, fold_system=True)

    # ------------------------------------------------------------------ search

    def action_search(self) -> None:
        # set_focus, not focus(): keys typed right after "/" must land in the search box.
        self.set_focus(self.query_one("#search", Input))

    def on_descendant_focus(self) -> None:
        search = self.query_one("#search", Input)
        search.placeholder = SEARCH_ACTIVE if search.has_focus else SEARCH_IDLE

    def on_descendant_blur(self) -> None:
        self.call_after_refresh(self.on_descendant_focus)

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id != "search":
            return
        if self._search_timer is not None:
            self._search_timer.stop()
        self._search_timer = self.set_timer(0.12, lambda: self.apply_search(event.value))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "search":
            if self._search_timer is not None:
                self._search_timer.stop()
            self.apply_search(event.value)
            self.set_focus(self.example_list)

    def apply_search(self, text: str) -> None:
        if text == self.view.search:
            return
        self.view = self.view.with_(search=text)
        self.reload(cursor=0)

    # ------------------------------------------------------------------ selection and targets

    def targets(self) -> list[str]:
        """The selection, else the example under the cursor."""
        if self.dataset is not None:
            self._own_selection(self.dataset["id"])
        if self.example_list.selected:
            return sorted(self.example_list.selected)
        current = self.example_list.current_id
        return [current] if current else []

    def action_select(self) -> None:
        self.example_list.toggle_selected()
        self.example_list.action_move(1)
        self.update_title()

    def action_select_all(self) -> None:
        if self.dataset is None:
            return
        model = self.app.target_model
        rows = self.curation.page(self.dataset["id"], self.view, encoding=model.encoding, offset=0,
                                  limit=SELECT_ALL_MAX, context_limit=model.training_context_limit)
        self.example_list.selected = {r["id"] for r in rows}
        self._selection_of = self.dataset["id"]
        self.example_list.refresh()
        self.update_title()
        self.notify(f"Selected {len(rows):,} examples; a/x/d/t apply to all of them, esc clears.")

    def action_clear(self) -> None:
        search = self.query_one("#search", Input)
        if search.has_focus:
            self.set_focus(self.example_list)
        elif self.example_list.selected:
            self.example_list.selected = set()
            self.example_list.refresh()
            self.update_title()
        elif self.view.active:
            self.view = ExampleView()
            with search.prevent(Input.Changed):
                search.value = ""
            self.reload(cursor=0)

    # ------------------------------------------------------------------ edits

    def after_edit(self, action: str, changed: list[str], message: str | None = None,
                   focus_id: str | None = None, content: bool = False, detail: bool = True) -> None:
        if action in BULK_ACTIONS:
            # A bulk action consumes the selection (also rows it did not need to change):
            # a mark left behind would make the next key act on it again.
            self.example_list.selected = set()
        self._total_of = None
        self.reload(focus_id=focus_id)
        if detail:
            # After the list's repaint, in its own turn of the event loop: the two together
            # (about 40 + 30 ms of CPU for a long conversation) were the UI's longest
            # stall during concurrent use (bench/concurrent_use.py)
            if self._detail_timer is not None:
                self._detail_timer.stop()
                self._detail_timer = None
            self.call_after_refresh(self.show_detail)
        if message:
            self.notify(message)
        if content and changed:
            self.count_tokens(changed)
        self.post_message(Curated(action, changed))

    def _targets_or_warn(self) -> list[str]:
        ids = self.targets()
        if not ids:
            self.notify("No example here.", severity="warning")
        return ids

    def action_status(self, status: str) -> None:
        # after the approvals still waiting for the store: this one acts on the row the
        # last of them moved to (pressed twice, "a" approves two rows, not one twice)
        writes_of(self.app).when_idle(guard_callback(self, lambda: self._set_status(status)))

    def _set_status(self, status: str) -> None:
        ids = self._targets_or_warn()
        if ids:
            from screens.safety import report

            single = not self.example_list.selected
            what = f"{len(ids)} examples" if len(ids) > 1 else "Example"
            curation = self.curation  # only store + author: safe on the writer thread (its own connection)

            def done(changed):
                self.after_edit("status", changed, f"{what} → {status} ({keys.key_in(self.app, 'examples.undo')} undoes)",
                                detail=False)
                before = self.example_list.cursor
                if single and self.example_list.current_id == ids[0]:
                    # Reviewing one by one: the next row comes up (if the row left a filtered
                    # view, the cursor is already on the next one).
                    self.example_list.action_move(1)
                if self.example_list.cursor == before:
                    # not moved on: show the new status now (a move shows the next
                    # example instead; drawing this one first cost a full render)
                    self.show_detail()

            # Through the app's write queue: on a busy store it waits off-screen, shown as
            # pending, instead of freezing the list or being lost.
            writes_of(self.app).submit(
                f"{what.lower()} → {status}", lambda: curation.set_status(ids, status),
                done=guard_callback(self, done), failed=lambda exc: report(self, exc))

    def action_tags(self) -> None:
        from screens.dialogs import TagsDialog

        ids = self._targets_or_warn()
        if not ids:
            return
        current = (self.curation.get(ids[0]) or {}).get("tags", []) if len(ids) == 1 else []

        def done(result) -> None:
            if result:
                add, remove = result
                changed = self.curation.change_tags(ids, add, remove)
                self.after_edit("tags", changed, f"Tags changed on {len(changed)} example(s).")

        self.app.push_screen(TagsDialog(current, self.curation.tags(self.dataset["id"]), len(ids)), guard_callback(self, done))

    def action_add_to_golden(self) -> None:
        from screens.dialogs import GoldenSetDialog
        from workbench.eval import golden

        ids = self._targets_or_warn()
        if not ids:
            return
        store = self.app.store

        def done(name) -> None:
            if not name:
                return
            result = golden.prompts_from_examples(store, name, [curation.get_example(store, i) for i in ids])
            try:
                version, created = golden.freeze(store, name, f"added {result.added} prompts from examples")
            except golden.GoldenError as exc:
                self.notify(" ".join([str(exc), *result.problems]), severity="warning")
                return
            extra = f" {result.problems[0]}" if result.problems else ""
            self.notify(f"{name}: +{result.added} prompts ({result.duplicates} already there), "
                        f"version {version['number']}{'' if created else ' unchanged'}.{extra}")

        sets = [g["name"] for g in golden.list_sets(store)]
        self.app.push_screen(GoldenSetDialog(sets, len(ids)), guard_callback(self, done))

    def action_notes(self) -> None:
        from screens.dialogs import NotesDialog

        example_id = self.example_list.current_id
        if example_id is None:
            return

        def done(text) -> None:
            if text is not None:
                self.after_edit("notes", self.curation.set_notes(example_id, text), "Notes saved.")

        self.app.push_screen(NotesDialog(self.curation.get(example_id)["notes"]), guard_callback(self, done))

    def action_edit(self, example_id: str | None = None, return_to: str | None = None) -> None:
        from screens.editor import EditorScreen

        example_id = example_id or self.example_list.current_id
        if example_id is None:
            return

        def done(saved) -> None:
            self.after_edit("edit", [example_id] if saved else [], focus_id=example_id, content=bool(saved))
            if return_to and return_to != "examples":
                # Opened from another mode (e.g. Budget): closing the editor goes back there.
                self.app.switch_mode(return_to)

        self.app.push_screen(EditorScreen(example_id), guard_callback(self, done))

    def open_example(self, example_id: str, return_to: str | None = None) -> None:
        """Show an example (from another screen) and open it in the editor; closing the
        editor returns to the mode `return_to` when given."""
        example = self.curation.get(example_id)
        if example is None:
            return
        if self.dataset is None or example["dataset_id"] != self.dataset["id"]:
            self.app.set_dataset(example["dataset_id"])
            self.dataset = self.app.current_dataset()
        if example.get("deleted_at") is None and self.view.deleted:
            self.view = ExampleView()
        self.reload(focus_id=example_id)
        self.action_edit(example_id, return_to=return_to)

    def action_new(self) -> None:
        if self.dataset is None:
            self.notify("Import a file first (i), then add examples to its dataset.", severity="warning")
            return
        new_id = self.curation.create(self.dataset["id"])
        self.view = ExampleView()
        self.after_edit("create", [new_id], "New draft example.", focus_id=new_id, content=True)
        self.action_edit(new_id)

    def action_duplicate(self) -> None:
        example_id = self.example_list.current_id
        if example_id:
            new_id = self.curation.duplicate(example_id)
            self.after_edit("duplicate", [new_id], "Duplicated as a new draft (at the end).", focus_id=new_id,
                            content=True)

    def action_delete(self) -> None:
        ids = self._targets_or_warn()
        if ids:
            changed = self.curation.delete(ids)
            self.after_edit("delete", changed,
                            f"Deleted {len(changed)} example(s). {keys.key_in(self.app, 'examples.undo')} undoes; "
                            f"{keys.key_in(self.app, 'examples.filter')} → show deleted → "
                            f"{keys.key_in(self.app, 'examples.restore')} restores.")

    def action_restore(self) -> None:
        if not self.view.deleted:
            self.notify(f"Show deleted examples first ({keys.key_in(self.app, 'examples.filter')}, tick 'show deleted'), "
                        f"then {keys.key_in(self.app, 'examples.restore')} restores.")
            return
        ids = self._targets_or_warn()
        if ids:
            self.after_edit("restore", self.curation.restore(ids), f"Restored {len(ids)} example(s).")

    def action_undo(self) -> None:
        if self.dataset is None:
            return
        step = self.curation.undo(self.dataset["id"])
        if step is None:
            self.notify(f"Nothing to undo in {self.dataset['name']}.")
            return
        self.after_edit("undo", list(step.example_ids),
                        f"{step.describe()} ({keys.key_in(self.app, 'examples.redo')} redoes)",
                        focus_id=step.example_ids[0], content=True)

    def action_redo(self) -> None:
        if self.dataset is None:
            return
        step = self.curation.redo(self.dataset["id"])
        if step is None:
            self.notify(f"Nothing to redo in {self.dataset['name']}.")
            return
        self.after_edit("redo", list(step.example_ids), step.describe(), focus_id=step.example_ids[0], content=True)

    # ------------------------------------------------------------------ dialogs

    def action_filter(self) -> None:
        from screens.dialogs import FilterDialog

        if self.dataset is None:
            return

        def done(view) -> None:
            if view is not None:
                self.view = view.with_(search=self.view.search if view.active or view.search else "")
                if not view.active and not view.search:
                    with self.query_one("#search", Input).prevent(Input.Changed):
                        self.query_one("#search", Input).value = ""
                    self.view = ExampleView()
                self.reload(cursor=0)
                self.example_list.focus()

        self.app.push_screen(FilterDialog(self.view, self.curation.tags(self.dataset["id"])), guard_callback(self, done))

    def action_pick_dataset(self) -> None:
        from screens.dialogs import PickDialog

        rows = curation.list_datasets(self.app.store)
        if not rows:
            self.notify(f"No datasets yet: press {keys.key_in(self.app, 'examples.import')} to import a file.")
            return
        options = [(r["id"], f"{r['name']}  ({r['examples']:,} examples, {r['approved']:,} approved)") for r in rows]

        def done(dataset_id) -> None:
            if dataset_id:
                self.app.set_dataset(dataset_id)
                self.dataset = self.app.current_dataset()
                self.view = ExampleView()
                with self.query_one("#search", Input).prevent(Input.Changed):
                    self.query_one("#search", Input).value = ""
                self.reload(cursor=0)

        self.app.push_screen(PickDialog("Pick a dataset", options, self.dataset and self.dataset["id"]), guard_callback(self, done))

    def action_import_file(self) -> None:
        from screens.transfer import ImportDialog

        def done(result) -> None:
            if result is None:
                return
            self.app.set_dataset(result.dataset_id)
            self.dataset = self.app.current_dataset()
            self.view = ExampleView()
            self.reload(cursor=0)
            self.example_list.focus()
            extra = f", {result.rejected} rejected" if result.rejected else ""
            self.notify(f"Imported {result.added} examples into {result.dataset} "
                        f"({result.duplicates} already there{extra}).")
            self.post_message(Curated("import", []))

        self.app.push_screen(ImportDialog(self.app.store, self.dataset and self.dataset["name"]), guard_callback(self, done))

    def action_export(self) -> None:
        from screens.transfer import ExportDialog

        if self.dataset is None:
            self.notify("Nothing to export yet: import a file first (i).", severity="warning")
            return

        def done(result) -> None:
            if result is None:
                return
            v = result.version
            what = "unchanged since" if result.unchanged else "new"
            lines = [f"Exported {self.dataset['name']} v{v['number']} ({what}): {v['train_count']} train, "
                     f"{v['validation_count']} validation → {result.train_path.parent}"] + result.warnings
            self.notify("\n".join(lines), timeout=8)
            self.post_message(Curated("export", []))

        out = Path.cwd() / "exports" / file_slug(self.dataset["name"])  # a name never becomes a path
        self.app.push_screen(ExportDialog(self.app.store, self.dataset["name"], out), guard_callback(self, done))

    # ------------------------------------------------------------------ workers

    @work(thread=True, exclusive=False, exit_on_error=False, group="counts")
    def count_tokens(self, example_ids: list[str]) -> int:
        from workbench.dataset.curation import Curation

        return Curation(self.app.store).fill_token_counts(example_ids)

    @work(thread=True, exclusive=True, exit_on_error=False, group="exact-count")
    def count_exactly(self, key: tuple, *, need_view: bool, need_total: bool, encoding: str,
                      context_limit: int | None) -> tuple:
        """The exact count of a view whose count stopped at COUNT_CAP, and/or of the
        dataset's live examples, off the UI thread (its own store connection)."""
        from workbench.dataset.curation import Curation

        counter = Curation(self.app.store)
        dataset_id, view = key[0], key[1]
        in_view = counter.count(dataset_id, view, encoding=encoding, context_limit=context_limit) if need_view else None
        live = counter.count(dataset_id, ExampleView(), encoding=encoding) if need_total else None
        return key, in_view, live

    def _exact_count_arrived(self, key: tuple, in_view: int | None, live: int | None) -> None:
        if key is not self._count_key:  # the view changed (or was recounted) since
            return
        self._count_key = None
        if live is not None:
            self.total = live
        if in_view is not None:
            self.count_exact = True
            self._title_line = (in_view, self._title_line[1])
            self.example_list.set_count(in_view)
        if not self.view.active and self.total is None:
            self.total = self._title_line[0]
        self.update_title()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.SUCCESS and event.worker.group == "counts":
            self.example_list.invalidate()
        elif event.state == WorkerState.SUCCESS and event.worker.group == "exact-count":
            self._exact_count_arrived(*event.worker.result)
        elif event.state == WorkerState.ERROR:
            error = event.worker.error
            self.notify(f"{event.worker.name or 'Background work'} failed: {type(error).__name__}: {error}",
                        severity="error", timeout=10)
