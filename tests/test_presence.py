"""Presence (store.db): a long operation knows when nobody else has the store open.

Every open connection holds a shared lock on `<store>-users`, except a long operation's
own (Store.bulk_writes). An import alone with the store writes in long transactions
(fewer pages written); as soon as anyone else opens the store, in this process or
another, it is back to short ones, so a rating never waits long.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

from conftest import many_chats, write_jsonl
from store import Store
from workbench.dataset import importer

REPO = Path(__file__).resolve().parent.parent

HOLDER = """
import sys
from store import Store
store = Store(sys.argv[1])
store.db.execute("SELECT 1")
print("open", flush=True)
sys.stdin.readline()
store.close()
"""


def _holder(path: Path) -> subprocess.Popen:
    """Another process with the store open, until its stdin is closed."""
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(path)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert proc.stdout.readline().strip() == "open"
    return proc


def _release(proc: subprocess.Popen) -> None:
    proc.stdin.close()
    assert proc.wait(timeout=60) == 0


def test_a_bulk_connection_is_alone_until_another_connection_opens(tmp_path):
    path = tmp_path / "s.db"
    store = Store(path)
    conn = store.db.conn
    assert not conn.alone()  # an ordinary connection is someone itself
    with store.bulk_writes():
        assert conn.alone()
        other = Store(path)
        other.db.execute("SELECT 1")  # this process, another connection
        assert not conn.alone()
        other.close()
        assert conn.alone()
        proc = _holder(path)  # another process
        try:
            assert not conn.alone()
        finally:
            _release(proc)
        assert conn.alone()
    assert not conn.alone()  # out of the long operation it counts again
    store.close()


def test_two_long_operations_do_not_count_each_other(tmp_path):
    path = tmp_path / "s.db"
    first, second = Store(path), Store(path)
    with first.bulk_writes(), second.bulk_writes():
        assert first.db.conn.alone() and second.db.conn.alone()
    first.close()
    second.close()


def test_presence_is_let_go_when_a_connection_closes(tmp_path):
    path = tmp_path / "s.db"
    store, other = Store(path), Store(path)
    other.db.execute("SELECT 1")
    with store.bulk_writes():
        assert not store.db.conn.alone()
        other.db.close()
        assert store.db.conn.alone()
    store.close()


def _import_aim(store: Store, path: Path) -> float:
    """The transaction length (ms) an import of `path` aimed at when it finished."""
    run = importer._Importer(store, path, "d", False, None, None, None, None)
    result = run.run()
    assert result.committed and result.added > 0
    return run.pacer.target_s * 1000


def test_an_import_alone_writes_long_transactions_and_short_ones_when_someone_opens_the_store(store, tmp_path):
    alone = _import_aim(store, write_jsonl(tmp_path / "a.jsonl", many_chats(1500, "alone")))
    assert alone == importer.ALONE_TRANSACTION_MS > importer.TRANSACTION_MS

    proc = _holder(store.path)
    try:
        with_app = _import_aim(store, write_jsonl(tmp_path / "b.jsonl", many_chats(1500, "watched")))
    finally:
        _release(proc)
    assert with_app == importer.TRANSACTION_MS


def test_an_import_on_a_thread_of_the_app_is_not_alone(store, tmp_path):
    # the app imports on a worker thread while its own thread keeps a connection open
    store.db.execute("SELECT 1")
    aims = []
    thread = threading.Thread(target=lambda: aims.append(
        _import_aim(store, write_jsonl(tmp_path / "a.jsonl", many_chats(1500)))))
    thread.start()
    thread.join()
    assert aims == [importer.TRANSACTION_MS]
