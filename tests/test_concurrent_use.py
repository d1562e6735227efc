"""Concurrent use of one store file by several processes loses and fails nothing
(issue 9, item 6): two imports into the same new dataset, a personal-data scan, a rater
and a curator approving examples, all at once. Timings are the bench's business
(bench/concurrent_use.py); this checks that every write happened."""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

from concurrent_use import run_scenario  # noqa: E402


def test_two_imports_a_scan_a_rater_and_a_curator_at_once(tmp_path):
    examples, approvals = 3000, 20
    out = run_scenario(tmp_path, examples, approvals=approvals)
    for name, report in out.items():
        if name != "db":
            assert report["code"] == 0, f"{name} failed: {report['stderr']}"
    from workbench.workspace import SAMPLE_DATASET, SAMPLE_SESSION, open_store

    store = open_store(out["db"])
    together = store.datasets.get_dataset("together")
    assert store.examples.count_examples(together["id"]) == 2 * examples
    assert [int(out[f"import {i}"]["stdout"]) for i in (1, 2)] == [examples, examples]
    rated = json.loads(out["rating"]["stdout"].splitlines()[-1])["rated"]
    session = store.ratings.get_rating_session(SAMPLE_SESSION)
    assert rated > 0 and len(store.ratings.session_ratings(session["id"], "bench-rater")) == rated
    sample = store.datasets.get_dataset(SAMPLE_DATASET)
    assert store.examples.count_examples(sample["id"], status="approved") >= approvals
    assert store.datasets.staging_leftovers() == []
    assert store.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    store.close()


def test_staging_of_a_killed_import_is_removed_at_next_open(tmp_path):
    from workbench.workspace import open_store

    store = open_store(tmp_path / "s.db")
    staging = store.datasets.begin_staging("ghost", "this-host-does-not-matter", 1)
    store.close()
    # a staging owned by a process of this host that no longer runs
    import os
    import socket

    store = open_store(tmp_path / "s.db")
    dead_pid = _dead_pid()
    store.db.execute("UPDATE import_staging SET owner_host = ?, owner_pid = ? WHERE dataset_id = ?",
                     [socket.gethostname(), dead_pid, staging])
    store.close()
    store = open_store(tmp_path / "s.db")
    assert store.datasets.staging_leftovers() == []
    assert store.db.execute("SELECT count(*) FROM datasets WHERE id = ?", [staging]).fetchone()[0] == 0
    store.close()
    del os


def _dead_pid() -> int:
    import subprocess

    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


WAITING_WRITER = r"""
import sys
from store.db import connect
db = connect(sys.argv[1])
print("ready", flush=True)
db.conn.execute("INSERT INTO settings(key, value) VALUES ('order-rater', '1')")  # waits for the lock
"""


def test_a_bulk_writer_lets_a_waiting_writer_go_first(tmp_path):
    """SQLite has no queue for its write lock: a writer that waits sleeps and polls, and a
    long operation committing batch after batch took the lock again in the gap (a rating
    waited 1.4 s behind an import of short transactions). A bulk writer now gives the
    turn to a writer waiting in another process before its next transaction."""
    import fcntl
    import subprocess
    import time

    from store.db import connect
    from workbench.workspace import open_store

    path = tmp_path / "s.db"
    open_store(path).close()
    bulk = connect(path)
    bulk.conn.bulk = True
    bulk.conn.execute("BEGIN IMMEDIATE")
    bulk.conn.execute("INSERT INTO settings(key, value) VALUES ('order-bulk-1', '1')")
    proc = subprocess.Popen([sys.executable, "-c", WAITING_WRITER, str(path)], stdout=subprocess.PIPE, text=True,
                            env={**__import__("os").environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)})
    assert proc.stdout.readline().strip() == "ready"
    _until_someone_waits(Path(str(path) + "-writers"), fcntl)
    bulk.conn.execute("COMMIT")
    # the next batch at once, as an import does: the waiting writer must come first
    bulk.conn.execute("BEGIN IMMEDIATE")
    bulk.conn.execute("INSERT INTO settings(key, value) VALUES ('order-bulk-2', '1')")
    bulk.conn.execute("COMMIT")
    assert proc.wait(timeout=60) == 0
    order = [r[0] for r in bulk.conn.execute(
        "SELECT key FROM settings WHERE key LIKE 'order-%' ORDER BY rowid")]
    assert order == ["order-bulk-1", "order-rater", "order-bulk-2"]
    bulk.conn.close()
    del time


def _until_someone_waits(turns: Path, fcntl) -> None:
    """Until the other process has announced it wants to write (holds the turn lock)."""
    import os
    import time

    deadline = time.monotonic() + 60
    fd = os.open(turns, os.O_RDWR | os.O_CREAT)
    try:
        while time.monotonic() < deadline:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return
            fcntl.flock(fd, fcntl.LOCK_UN)
            time.sleep(0.01)
        raise AssertionError("the other writer never asked for the lock")
    finally:
        os.close(fd)


IMPORT_INTO = r"""
import sys
from workbench.workspace import open_store
from workbench.dataset.importer import import_file
store = open_store(sys.argv[1])
result = import_file(store, sys.argv[2], "shared")
print(result.added, result.duplicates)
"""


def test_two_imports_into_an_existing_dataset_at_once_keep_each_example_once(tmp_path):
    """Both publish into a dataset that already has rows, in slices that may interleave:
    every example ends up there once (the overlap of the two files and of the dataset
    too), in distinct positions after the old rows."""
    import os
    import subprocess

    from conftest import many_chats, write_jsonl
    from workbench.dataset.importer import import_file
    from workbench.workspace import open_store

    path = tmp_path / "s.db"
    store = open_store(path)
    import_file(store, write_jsonl(tmp_path / "old.jsonl", many_chats(50, "old")), "shared")
    store.close()
    overlap = many_chats(300, "both")
    first = write_jsonl(tmp_path / "a.jsonl", many_chats(2500, "a") + overlap + many_chats(10, "old"))
    second = write_jsonl(tmp_path / "b.jsonl", overlap + many_chats(2500, "b"))
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    procs = [subprocess.Popen([sys.executable, "-c", IMPORT_INTO, str(path), str(f)], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, env=env) for f in (first, second)]
    reports = [p.communicate(timeout=600) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [r[1][-2000:] for r in reports]
    added = [int(r[0].split()[0]) for r in reports]
    store = open_store(path)
    dataset = store.datasets.get_dataset("shared")
    rows = list(store.examples.iter_examples(dataset["id"]))
    assert len(rows) == 50 + 2500 + 300 + 2500 == 50 + sum(added)
    assert len({r["content_hash"] for r in rows}) == len(rows)
    assert len({r["position"] for r in rows}) == len(rows)
    assert [r["position"] for r in rows[:50]] == list(range(1, 51))
    assert store.datasets.staging_leftovers() == []
    store.close()
