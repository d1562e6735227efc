"""The app's start (issue 14, the first Examples paint at 1M examples): what runs before
the first frame reaches the terminal, and what the launch imports and reads."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys


import screens.examples as examples_screen
from conftest import ROOT
from screens.app import WorkbenchApp
from test_tui_helpers import screen_text
from test_tui_examples import filled  # noqa: F401 - the same twelve examples as the Examples tests

SIZE = (100, 30)


class FirstFrameApp(WorkbenchApp):
    """The app, noting what had happened when Textual first handed a frame to the
    terminal outside its start-up batch (App._display: the frames it renders inside the
    batch are dropped, in a terminal as here headless)."""

    at_first_frame: dict | None = None

    def __init__(self, store) -> None:
        super().__init__(store)
        self.worker_groups: set[str] = set()  # the app's workers that ran (finished ones leave app.workers)

    def on_worker_state_changed(self, event) -> None:
        # (Textual calls WorkbenchApp's own handler as well: each class's in the MRO)
        self.worker_groups.add(event.worker.group)

    def _display(self, screen, renderable) -> None:
        if renderable is not None and not self._batch_count and self.at_first_frame is None:
            self.at_first_frame = {
                "workers": sorted(w.group for w in self.workers),
                "text": screen_text(self),
                "footer_keys": len(screen.query("FooterKey")),
                "rows": painted_rows(renderable, self.size.height),
            }
        super()._display(screen, renderable)


def painted_rows(update, height: int) -> set[int]:
    """The screen rows a compositor update paints (a full update: all of them)."""
    spans = getattr(update, "spans", None)  # ChopsUpdate: (y, x1, x2) per changed line part
    return set(range(height)) if spans is None else {y for y, _, _ in spans}


async def until(pilot, condition, steps: int = 200) -> None:
    """Pause until condition() holds (a bound, not a timing: 10 s on a loaded machine)."""
    for _ in range(steps):
        if condition():
            return
        await pilot.pause(0.05)
    raise AssertionError(f"never happened: {condition.__doc__ or ''}")


async def test_nothing_the_first_frame_does_not_need_runs_before_it(filled, monkeypatch):
    """Textual renders the first frame inside its start-up batch and drops it, and the
    callbacks of that refresh run all the same: the exact count's worker, the first
    conversation (rich.markdown's import and render), the job watcher and the tokenizer
    used to start before the title reached the terminal (at 1M examples the title came
    after them, 2.8x a bare Textual app). They wait for the first frame sent now."""
    monkeypatch.setattr(examples_screen, "COUNT_CAP", 5)  # over the cap: the exact count is a worker
    app = FirstFrameApp(filled)
    app.cursor_blink = False
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app.at_first_frame is not None)
        first = app.at_first_frame
        # the whole screen, mode bar and title included (they used to come ~30 ms later
        # with the next full layout: the dropped frame's regions counted as painted)
        assert first["rows"] == set(range(SIZE[1])), sorted(set(range(SIZE[1])) - first["rows"])
        assert first["workers"] == [], first["workers"]
        assert "support · 5+ examples (counting…)" in first["text"]
        assert " SYSTEM " not in first["text"]  # the conversation comes after the first frame
        assert first["footer_keys"] == 0  # so does the Footer (a widget per key, each styled)
        # ... and then everything comes: the exact count, the conversation, the tokenizer
        await until(pilot, lambda: " SYSTEM " in screen_text(app) and "support · 12 examples ·" in screen_text(app))
        await until(pilot, lambda: {"tokenizer", "job-monitor"} <= app.worker_groups)
        await app.workers.wait_for_complete()
        assert app.first_frame_shown
        await until(pilot, lambda: "a Approve" in screen_text(app))  # the Footer's keys are in its row


async def test_after_first_frame_runs_at_once_once_the_frame_is_shown(filled):
    app = WorkbenchApp(filled)
    app.cursor_blink = False
    calls = []
    app.after_first_frame(calls.append, "queued")
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app.first_frame_shown)
        assert calls == ["queued"]
        app.after_first_frame(calls.append, "now")
        assert calls == ["queued", "now"]


# ----------------------------------------------------------------------------- the launch

#: What `workbench` (the TUI) must not import before its first frame: each costs start-up
#: time and none is used by the Examples screen's first paint.
NOT_AT_START = ("importlib.metadata", "dateutil.parser._parser", "rich.markdown", "markdown_it", "pygments",
                "tiktoken", "workbench.jobs", "workbench.registry", "screens.budget", "screens.editor")

PROBE = """
import json, sys
db = sys.argv[1]
from workbench.cli import app as launcher
launcher.import_sqlite_utils_lightly()  # what launch() does first: before the probe's own imports
from screens import app as screens_app
seen = {}
class Probe(screens_app.WorkbenchApp):
    def _display(self, screen, renderable):
        if renderable is not None and not self._batch_count and 'modules' not in seen:
            seen['modules'] = sorted(sys.modules)
            seen['title'] = str(screen.query_one('#title').render())
            self.call_later(self.exit)
        super()._display(screen, renderable)
def run_app(store):
    app = Probe(store)
    app.run(headless=True, size=(100, 30))
    return 0
screens_app.run_app = run_app
code = launcher.launch(db)
print(json.dumps(seen))
"""


def test_the_launch_imports_nothing_the_first_frame_does_not_need(filled, tmp_path):
    """The real launcher (`workbench` with no command) in a fresh process, up to the
    first frame: sqlite-utils no longer scans every installed package for plugins on
    open (pluggy + importlib.metadata), and the screens, tokenizers and renderers the
    first screen does not show stay unloaded."""
    filled.close()
    done = subprocess.run([sys.executable, "-c", PROBE, str(filled.path)], capture_output=True, text=True,
                          cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert "support · 12 examples" in seen["title"]  # the probe reached the first frame of the dataset
    modules = set(seen["modules"])
    loaded = sorted(m for m in modules if any(m == name or m.startswith(name + ".") for name in NOT_AT_START))
    assert loaded == []


def test_the_first_frame_reads_a_few_rows_of_a_big_dataset(tmp_path, monkeypatch):
    """Before the first paint the Examples screen reads one page and counts up to the
    cap, whatever the dataset's size (the exact count is a worker's, after the first
    frame): the UI thread's queries before the first frame step through fewer rows than
    one count of the whole dataset (SQLite's progress handler counts VM steps)."""
    from store import Store

    monkeypatch.setattr(examples_screen, "COUNT_CAP", 1_000)
    db = tmp_path / "big.db"
    _bulk_store(db, 12_000)
    store = Store(db)
    steps = {"n": 0}

    def count_step() -> int:
        steps["n"] += 1
        return 0

    conn = store.db.conn  # the UI thread's connection (workers open their own)
    dataset = store.datasets.get_dataset("big")
    conn.set_progress_handler(count_step, 100)  # every 100 VM instructions
    conn.execute("SELECT count(*) FROM examples WHERE dataset_id = ? AND deleted_at IS NULL",
                 [dataset["id"]]).fetchone()
    one_full_count, steps["n"] = steps["n"], 0
    app = FirstFrameApp(store)
    app.cursor_blink = False

    async def run() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await until(pilot, lambda: app.at_first_frame is not None)
            steps["at_first_frame"] = steps["n"]

    asyncio.run(run())
    store.close()
    assert steps["at_first_frame"] < one_full_count, (steps, one_full_count)


def _bulk_store(path, n: int) -> None:
    """A store with n examples in one dataset, written through the store's own insert path."""
    from workbench.chat.records import columns_from_record
    from workbench.workspace import open_store

    store = open_store(path, seed_sample=False)
    dataset = store.datasets.create_dataset("big")
    batch = []
    for i in range(n):
        record = {"messages": [{"role": "user", "content": f"Question {i} about order {i % 97}"},
                               {"role": "assistant", "content": f"Answer {i}."}]}
        batch.append({**columns_from_record(record), "dataset_id": dataset["id"], "position": i + 1, "tags": [],
                      "status": "draft", "notes": "", "findings": [], "errors": 0, "warnings": 0})
        if len(batch) == 5000:
            store.examples.insert_examples(batch)
            batch = []
    if batch:
        store.examples.insert_examples(batch)
    store.close()
