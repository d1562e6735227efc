"""Issue 9 item 6, the app's side: a rating or a status change made while another
process holds the store's write lock is never lost and never crashes the app; it is
shown as pending and written when the lock is released. The other writer is a real
process on the same file."""

from __future__ import annotations

import subprocess
import sys
import time

from conftest import many_chats, write_jsonl
from screens.app import make_app
from screens.rating import RatingScreen
from screens.widgets.example_list import ExampleList
from store import Store
from textual.app import App
from workbench.dataset.importer import import_file
from workbench.workspace import seed_sample_rating

HOLDER = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("PRAGMA busy_timeout = 10000")
conn.execute("BEGIN IMMEDIATE")
conn.execute("INSERT INTO settings(key, value) VALUES ('held', '1') ON CONFLICT(key) DO UPDATE SET value = '1'")
print("held", flush=True)
time.sleep(float(sys.argv[2]))
conn.execute("COMMIT")
"""


def hold_write_lock(path, seconds: float) -> subprocess.Popen:
    """Another process (an import, a scan) holding the write lock for a while."""
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(path), str(seconds)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "held"
    return proc


async def _until(pilot, condition, limit: float = 60.0) -> None:
    deadline = time.monotonic() + limit
    while not condition() and time.monotonic() < deadline:
        await pilot.pause(0.05)


async def test_a_status_change_on_a_busy_store_waits_and_is_written(store, tmp_path):
    import_file(store, write_jsonl(tmp_path / "d.jsonl", many_chats(3)), "d")
    app = make_app(store)
    app.cursor_blink = False
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        first = app.screen.query_one(ExampleList).current_id
        holder = hold_write_lock(store.path, 1.5)
        await pilot.press("a")  # approve while the other process writes
        assert app.writes.pending() == ["example → approved"]
        # still waiting after a moment: shown as pending
        await _until(pilot, lambda: any("pending" in n.message for n in app._notifications))
        assert app.writes.pending() == ["example → approved"]
        await _until(pilot, lambda: not app.writes.pending())
        holder.wait(timeout=30)
        await pilot.pause()
        assert store.examples.get_example(first)["status"] == "approved"
        assert app.writes.busy_retries >= 1
        assert any("Saved after the store was busy" in n.message for n in app._notifications)


class RatingHost(App):
    def __init__(self, path):
        super().__init__()
        self.store = Store(path)

    def on_mount(self) -> None:
        self.push_screen(RatingScreen())

    def on_unmount(self) -> None:
        self.store.close()


async def test_ratings_on_a_busy_store_are_all_kept_in_order(store):
    seed_sample_rating(store)
    store.set_setting("rater", "ann")
    app = RatingHost(store.path)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        session = app.screen.run.session
        seen = []
        holder = hold_write_lock(store.path, 1.5)
        for key in ("1", "right", "t"):
            seen.append(app.screen._views()[0].pair.comparison_id)
            await pilot.press(key)  # the next pair shows at once
        assert len(set(seen)) == 3
        await _until(pilot, lambda: not app.writes.pending())
        holder.wait(timeout=30)
        rows = store.ratings.session_ratings(session["id"], "ann")
        assert [r["verdict"] for r in rows] == ["left", "right", "tie"]
        assert [r["comparison_id"] for r in rows] == seen
