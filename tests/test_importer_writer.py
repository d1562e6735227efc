"""The importer's writer thread (workbench.dataset.importer._Writer).

Batches are inserted and committed on a thread of their own while the importing thread
prepares the next ones. A duplicate must be found whether its first copy is committed,
handed over or still waiting; a cancelled or finished import leaves no thread behind,
and a cancelled one leaves nothing visible.
"""

from __future__ import annotations

import threading

import pytest

from conftest import many_chats, write_jsonl
from workbench.dataset.importer import ImportCancelled, import_file


def _writers() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "import-writer"]


def test_duplicates_several_batches_apart_are_kept_once(store, tmp_path):
    # every record twice: right after itself, and again hundreds of lines (several
    # batches) later, while earlier batches may still be on their way to the store
    records = many_chats(1500)
    lines = []
    for i, record in enumerate(records):
        lines += [record, record]
        if i >= 300:
            lines.append(records[i - 300])
    result = import_file(store, write_jsonl(tmp_path / "twice.jsonl", lines), "d")
    assert result.committed and result.added == 1500 and result.duplicates == len(lines) - 1500
    dataset = store.datasets.get_dataset("d")
    hashes = [r[0] for r in store.db.execute("SELECT content_hash FROM examples WHERE dataset_id = ?",
                                             [dataset["id"]])]
    assert len(hashes) == len(set(hashes)) == 1500
    positions = [r[0] for r in store.db.execute(
        "SELECT position FROM examples WHERE dataset_id = ? ORDER BY position", [dataset["id"]])]
    assert positions == list(range(1, 1501))
    assert not _writers()


def test_cancel_after_batches_were_handed_over_leaves_nothing(store, tmp_path):
    path = write_jsonl(tmp_path / "d.jsonl", many_chats(6000))
    staged = []

    def cancelled() -> bool:  # asked after each range: by then its batches were handed over
        staged.append(store.db.execute("SELECT count(*) FROM examples").fetchone()[0])
        return True

    with pytest.raises(ImportCancelled):
        import_file(store, path, "d", cancelled=cancelled)
    assert staged[0] > 0  # rows were written (hidden) before the cancel
    assert store.datasets.get_dataset("d") is None
    assert store.db.execute("SELECT count(*) FROM examples").fetchone()[0] == 0
    assert store.db.execute("SELECT count(*) FROM import_staging").fetchone()[0] == 0
    assert not _writers()


def test_an_import_after_a_finished_one_sees_all_its_rows(store, tmp_path):
    first = import_file(store, write_jsonl(tmp_path / "a.jsonl", many_chats(2500)), "d")
    again = import_file(store, write_jsonl(tmp_path / "b.jsonl", many_chats(2500)), "d")
    assert first.added == 2500 and again.added == 0 and again.duplicates == 2500
    assert not _writers()


@pytest.mark.parametrize("where", [300, 2990])  # early, and in the file's last batches
def test_a_write_that_fails_on_the_writer_thread_fails_the_import_and_leaves_nothing(store, tmp_path, where):
    # a real SQLite failure inside the writer's transaction: a trigger refusing one row
    with store.transaction():
        store.db.execute("CREATE TRIGGER refuse_one BEFORE INSERT ON examples WHEN new.messages LIKE "
                         "'%refused question%' BEGIN SELECT RAISE(ABORT, 'the disk said no'); END")
    records = many_chats(3000)
    records[where] = many_chats(1, "refused")[0]
    with pytest.raises(Exception, match="the disk said no"):
        import_file(store, write_jsonl(tmp_path / "d.jsonl", records), "d")
    assert store.datasets.get_dataset("d") is None
    assert store.db.execute("SELECT count(*) FROM examples").fetchone()[0] == 0
    assert not _writers()


def test_the_importing_thread_never_runs_while_its_writer_holds_the_write_lock(store, tmp_path):
    # The writer's executemany needs the GIL for every row while it holds SQLite's write
    # lock; an importing thread running Python meanwhile made each row wait a switch
    # interval, and under two imports one transaction held the lock 0.7 s (a rating
    # waited as long). So the importing thread waits while a batch is written: whenever
    # it runs (here: its progress callback), another writer gets the lock at once.
    import sqlite3

    path = write_jsonl(tmp_path / "d.jsonl", many_chats(8000))
    probe = sqlite3.connect(store.path, timeout=0, isolation_level=None)
    busy = []

    def progress(done: int, total: int) -> None:
        try:
            probe.execute("BEGIN IMMEDIATE")
            probe.execute("ROLLBACK")
        except sqlite3.OperationalError as exc:
            busy.append(str(exc))

    result = import_file(store, path, "d", progress=progress)
    probe.close()
    assert result.committed and result.added == 8000
    assert busy == []


def _checkpointers() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "import-checkpointer"]


def test_the_log_is_copied_beside_the_writer_and_stays_short(store, tmp_path, monkeypatch):
    # The writer's commits never checkpoint (that made them wait for the copy and the
    # disk); a thread of its own copies the log, and the writer lets it empty the log
    # every RESET_BYTES of log. Scaled down here (the real figure is 40 MB).
    from workbench.dataset import importer

    page_size = store.db.execute("PRAGMA page_size").fetchone()[0]
    monkeypatch.setattr(importer._Checkpointer, "RESET_BYTES", 150 * page_size)
    monkeypatch.setattr(importer._Checkpointer, "PERIOD_S", 0.01)
    path = write_jsonl(tmp_path / "d.jsonl", many_chats(8000, prefix="a longer question to fill some pages " * 3))
    wal = store.path.with_name(store.path.name + "-wal")
    sizes = []

    def progress(done: int, total: int) -> None:
        sizes.append(wal.stat().st_size if wal.exists() else 0)
        assert _checkpointers(), "the checkpointer runs while the import writes"

    result = import_file(store, path, "d", progress=progress)
    assert result.committed and result.added == 8000
    written = store.db.execute("PRAGMA page_count").fetchone()[0] * page_size
    # the log's file keeps its longest length; without the resets it holds the whole import
    assert max(sizes) < written * 0.75, f"the log grew to {max(sizes):,} bytes of {written:,} written"
    assert not _checkpointers() and not _writers()


def test_a_failing_import_leaves_no_checkpointer_behind(store, tmp_path):
    path = write_jsonl(tmp_path / "d.jsonl", many_chats(3000))
    with pytest.raises(ImportCancelled):
        import_file(store, path, "d", cancelled=lambda: True)
    assert not _checkpointers() and not _writers()
