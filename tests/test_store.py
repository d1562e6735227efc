"""The store: migrations from blank and from every earlier version, pragmas, transactions."""

from __future__ import annotations

import sqlite3
import threading
import time
import uuid

import pytest

from store import Store, StoreError
from store.db import connect
from store.migrations import migrations


def schema(path) -> dict[str, str]:
    conn = sqlite3.connect(path)
    rows = conn.execute(
        "SELECT type || ':' || name, sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' "
        "AND name NOT LIKE 'examples_fts_%' ORDER BY 1").fetchall()
    conn.close()
    return dict(rows)


MIGRATION_NAMES = [m.name for m in migrations._migrations]


def test_schema_from_blank_has_every_table(tmp_path):
    store = Store(tmp_path / "blank.db")
    tables = set(store.db.table_names())
    for table in ("datasets", "examples", "example_revisions", "dataset_versions", "dataset_version_examples",
                  "token_counts", "models", "settings", "imports", "import_rejections", "audit_log",
                  "pii_findings", "providers", "jobs", "job_events", "job_metrics", "checkpoints", "outbox",
                  "registry_models", "golden_sets", "golden_prompts", "golden_set_versions", "generations",
                  "rating_sessions", "comparisons", "comparison_sides", "ratings", "examples_fts"):
        assert table in tables
    assert store.schema_version() == MIGRATION_NAMES
    store.close()


@pytest.mark.parametrize("stop_before", MIGRATION_NAMES[1:])
def test_upgrade_from_every_earlier_version(tmp_path, stop_before):
    # Build the file as an older release left it, put data in, then open with this release.
    old = tmp_path / "old.db"
    db = connect(old)
    migrations.apply(db, stop_before=stop_before)
    stamp = "2026-01-01T00:00:00+00:00"
    db.execute("INSERT INTO datasets(id, name, created_at, updated_at) VALUES (?,?,?,?)",
               ["d1", "old-data", stamp, stamp])
    db.execute("INSERT INTO examples(id, dataset_id, position, messages, content_hash, created_at, updated_at) "
               "VALUES ('e1', 'd1', 1, '[{\"role\":\"user\",\"content\":\"bonjour\"}]', 'h', ?, ?)", [stamp, stamp])
    db.close()
    upgraded = Store(old)
    assert upgraded.schema_version() == MIGRATION_NAMES
    assert upgraded.examples.get_example("e1")["messages"][0]["content"] == "bonjour"
    # Rows written before the search index existed are searchable after the upgrade.
    assert upgraded.examples.search_example_ids("d1", "bonjour") == ["e1"]
    upgraded.close()
    Store(tmp_path / "fresh.db").close()
    assert schema(old) == schema(tmp_path / "fresh.db")


def test_every_connection_has_wal_and_busy_timeout(tmp_path):
    store = Store(tmp_path / "p.db")
    conn = store.db.conn
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    store.close()


def test_a_new_store_has_large_pages_and_an_older_one_keeps_its_own(tmp_path):
    import sqlite3

    from store.db import INTERACTIVE_CHECKPOINT_BYTES, PAGE_SIZE

    store = Store(tmp_path / "new.db")
    conn = store.db.conn
    assert conn.execute("PRAGMA page_size").fetchone()[0] == PAGE_SIZE == 16_384
    # the log limits are sizes: counted in this store's pages
    assert conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == INTERACTIVE_CHECKPOINT_BYTES // PAGE_SIZE
    store.close()
    old = tmp_path / "old.db"
    plain = sqlite3.connect(old)
    plain.execute("CREATE TABLE t(x)")  # made by an earlier version: 4 KB pages
    plain.close()
    store = Store(old)
    conn = store.db.conn
    assert conn.execute("PRAGMA page_size").fetchone()[0] == 4096
    assert conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == INTERACTIVE_CHECKPOINT_BYTES // 4096
    assert conn.execute("SELECT count(*) FROM examples").fetchone()[0] == 0
    store.close()


def test_second_writer_waits_instead_of_failing(tmp_path):
    path = tmp_path / "busy.db"
    first, second = Store(path), Store(path)
    holder = first.db  # this thread's connection; the store gives each thread its own
    holder.execute("BEGIN IMMEDIATE")
    first.set_setting("holder", "first")

    def release():
        time.sleep(0.3)
        holder.execute("COMMIT")

    thread = threading.Thread(target=release)
    thread.start()
    second.set_setting("writer", "second")  # blocks until the first commits, no "database is locked"
    thread.join()
    assert second.get_setting("holder") == "first" and first.get_setting("writer") == "second"
    first.close(), second.close()


def test_transaction_rolls_back_every_row(tmp_path):
    store = Store(tmp_path / "t.db")
    dataset = store.datasets.create_dataset("d")
    rows = [{"dataset_id": dataset["id"], "position": i, "messages": [], "content_hash": str(i)} for i in range(3)]
    with pytest.raises(RuntimeError):
        with store.transaction():
            store.examples.insert_examples(rows)
            raise RuntimeError("crash mid-way")
    assert store.examples.count_examples(dataset["id"]) == 0
    assert store.db.execute("SELECT count(*) FROM example_revisions").fetchone()[0] == 0
    store.close()


def test_keys_are_uuids(tmp_path):
    store = Store(tmp_path / "u.db")
    dataset = store.datasets.create_dataset("d")
    store.examples.insert_examples([{"dataset_id": dataset["id"], "position": 1, "messages": [], "content_hash": "x"}])
    [example] = store.examples.iter_examples(dataset["id"])
    for value in (dataset["id"], example["id"]):
        assert str(uuid.UUID(value)) == value
    store.close()


def test_update_keeps_every_revision_and_search_follows(tmp_path):
    store = Store(tmp_path / "r.db")
    dataset = store.datasets.create_dataset("d")
    store.examples.insert_examples([{"dataset_id": dataset["id"], "position": 1, "content_hash": "a",
                            "messages": [{"role": "user", "content": "parcel lost"}]}])
    [example] = store.examples.iter_examples(dataset["id"])
    assert store.examples.search_example_ids(dataset["id"], "parcel") == [example["id"]]
    store.examples.update_example(example["id"], {"messages": [{"role": "user", "content": "colis perdu"}],
                                         "content_hash": "b"})
    store.examples.update_example(example["id"], {"status": "approved"}, action="status")
    assert [r["action"] for r in store.examples.revisions(example["id"])] == ["create", "edit", "status"]
    assert store.examples.revisions(example["id"])[0]["snapshot"]["messages"][0]["content"] == "parcel lost"
    assert store.examples.search_example_ids(dataset["id"], "parcel") == []
    assert store.examples.search_example_ids(dataset["id"], "colis") == [example["id"]]
    store.close()


def test_not_a_database_is_a_clear_error(tmp_path):
    bogus = tmp_path / "notes.db"
    bogus.write_text("this is not sqlite " * 100)
    with pytest.raises(StoreError, match="notes.db"):
        Store(bogus)


def test_pages_are_read_in_order(tmp_path):
    store = Store(tmp_path / "pages.db")
    dataset = store.datasets.create_dataset("d")
    store.examples.insert_examples([{"dataset_id": dataset["id"], "position": i, "messages": [], "content_hash": str(i)}
                           for i in range(1, 2501)])
    positions = [e["position"] for e in store.examples.iter_examples(dataset["id"], batch=1000)]
    assert positions == list(range(1, 2501))
    store.close()


OPEN_STORE = """
import sys
from store import Store
Store(sys.argv[1]).close()
"""


def test_two_processes_creating_one_store_both_succeed(tmp_path):
    """Two commands started at once on a new store both ran every migration; the
    second failed with "duplicate column name" and said the store could not be opened."""
    import subprocess
    import sys

    for attempt in range(6):
        path = tmp_path / f"new{attempt}.db"
        procs = [subprocess.Popen([sys.executable, "-c", OPEN_STORE, str(path)], stderr=subprocess.PIPE, text=True)
                 for _ in range(3)]
        errors = [p.communicate(timeout=120)[1] for p in procs]
        assert [p.returncode for p in procs] == [0, 0, 0], errors
        store = Store(path)
        assert store.schema_version() == MIGRATION_NAMES
        store.close()
