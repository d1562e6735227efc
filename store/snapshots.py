"""Snapshot files: the SQL behind export, the read-only reader of a file someone sent,
and the row-level steps of a merge. The rules (what is refused, what wins) live in
workbench/snapshots/; this module only reads and writes.

A snapshot someone sent is opened read-only and immutable (`file:...?mode=ro&immutable=1`)
on its own connection, with `trusted_schema=OFF`, `query_only=ON` and an authorizer that
allows reads and nothing else: no trigger, view or function of the file ever runs with
our rights, and the file is never attached to the store's connection.

Reached as `store.snapshots` for the store side; `SnapshotReader` for the file side.
"""

from __future__ import annotations

import sqlite3
import uuid
from pathlib import Path
from typing import Any, Iterable, Iterator
from urllib.parse import quote

from sqlite_utils import Database

from store.base import Queries, decode_json_columns
from store.db import StoreError, from_json, new_id, now, to_json
from store.examples import REBUILD_SEARCH_INDEX, ExampleQueries, _decode_example
from store.migrations import migrations

HEADER_SIZE = 100
MIGRATIONS_TABLE = "_sqlite_migrations"

# Only reads get through the authorizer on a snapshot's connection.
_ALLOWED = {sqlite3.SQLITE_SELECT, sqlite3.SQLITE_READ, sqlite3.SQLITE_PRAGMA, sqlite3.SQLITE_FUNCTION}


def _reads_only(action: int, *_args: Any) -> int:
    return sqlite3.SQLITE_OK if action in _ALLOWED else sqlite3.SQLITE_DENY


def read_header(path: Path) -> bytes:
    with open(path, "rb") as handle:
        return handle.read(HEADER_SIZE)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class SnapshotReader:
    """A snapshot file opened for reading only. Raises StoreError when SQLite cannot read it."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        uri = f"file:{quote(str(self.path.resolve()))}?mode=ro&immutable=1"
        try:
            self.conn = sqlite3.connect(uri, uri=True, check_same_thread=False)
            self.conn.execute("PRAGMA trusted_schema = OFF")
            self.conn.execute("PRAGMA query_only = ON")
            self.conn.execute("PRAGMA cell_size_check = ON")
            self.conn.set_authorizer(_reads_only)
            self.conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.DatabaseError as exc:
            raise StoreError(str(exc)) from exc

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> "SnapshotReader":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _rows(self, sql: str, params: Iterable[Any] = ()) -> list[dict]:
        try:
            cursor = self.conn.execute(sql, list(params))
            names = [d[0] for d in cursor.description]
            return [dict(zip(names, row)) for row in cursor.fetchall()]
        except sqlite3.DatabaseError as exc:
            raise StoreError(str(exc)) from exc

    def objects(self) -> list[dict]:
        """Every schema object (type, name, tbl_name, sql) but SQLite's own."""
        return self._rows("SELECT type, name, tbl_name, sql FROM sqlite_master "
                          "WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name")

    def columns(self, table: str) -> list[tuple]:
        return [(r["name"], r["type"], r["notnull"], r["pk"])
                for r in self._rows(f"PRAGMA table_info({_quote(table)})")]

    def longest_values(self, table: str, columns: list[str]) -> dict[str, int]:
        """The longest value per column in bytes; length() of a blob reads no content."""
        if not columns:
            return {}
        parts = ", ".join(f"max(length(CAST({_quote(c)} AS BLOB))) AS {_quote(c)}" for c in columns)
        row = self._rows(f"SELECT {parts} FROM {_quote(table)}")[0]
        return {c: int(v or 0) for c, v in row.items()}

    def longest_blobs(self, table: str, columns: list[str]) -> dict[str, int]:
        """Fast upper bound: length() of each value as stored (no text decoding, no CAST)."""
        if not columns:
            return {}
        parts = ", ".join(f"max(length({_quote(c)})) AS {_quote(c)}" for c in columns)
        row = self._rows(f"SELECT {parts} FROM {_quote(table)}")[0]
        return {c: int(v or 0) for c, v in row.items()}

    def integrity(self) -> list[str]:
        return [r["integrity_check"] for r in self._rows("PRAGMA integrity_check(20)")]

    def migrations(self) -> list[str] | None:
        """Names of the ft-workbench migrations the file went through; None when it has none."""
        if not self._rows("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", [MIGRATIONS_TABLE]):
            return None
        rows = self._rows(f"SELECT migration_set, name FROM {MIGRATIONS_TABLE} ORDER BY rowid")
        names = [r["name"] for r in rows if r["migration_set"] == migrations.name]
        return names if names else None

    def rows(self, table: str) -> list[dict]:
        # A WITHOUT ROWID table (token_counts, near-duplicate members) has no rowid to order by.
        sql = self._rows("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", [table])
        without_rowid = bool(sql) and "WITHOUT ROWID" in (sql[0]["sql"] or "").upper()
        return self._rows(f"SELECT * FROM {_quote(table)}" if without_rowid
                          else f"SELECT * FROM {_quote(table)} ORDER BY rowid")

    def count(self, table: str) -> int:
        return self._rows(f"SELECT count(*) AS n FROM {_quote(table)}")[0]["n"]

    def setting(self, key: str) -> Any:
        rows = self._rows("SELECT value FROM settings WHERE key = ?", [key])
        return from_json(rows[0]["value"]) if rows else None


def reference_objects(migration_names: list[str]) -> tuple[list[dict], dict[str, list[tuple]]]:
    """Our own schema after exactly these migrations (objects and each table's columns),
    built in memory: what a snapshot of that version must look like."""
    known = [m.name for m in migrations._migrations]
    db = Database(memory=True)
    stop = known[len(migration_names)] if len(migration_names) < len(known) else None
    migrations.apply(db, stop_before=stop) if stop else migrations.apply(db)
    objects = [dict(zip(("type", "name", "tbl_name", "sql"), row)) for row in db.execute(
        "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name")]
    columns = {o["name"]: [(r[1], r[2], r[3], r[5]) for r in db.execute(f"PRAGMA table_info({_quote(o['name'])})")]
               for o in objects if o["type"] == "table" and not (o["sql"] or "").upper().startswith("CREATE VIRTUAL")}
    db.close()
    return objects, columns


def migrate_copy(path: Path) -> None:
    """Bring a copy of an older snapshot up to our schema (our migrations, on the copy)."""
    conn = sqlite3.connect(str(path), isolation_level=None)
    try:
        db = Database(conn)
        migrations.apply(db)
        conn.execute("PRAGMA journal_mode = DELETE")
    except sqlite3.DatabaseError as exc:
        raise StoreError(str(exc)) from exc
    finally:
        conn.close()


#: Rows kept in a subset snapshot, by table: SQL naming the ids to keep given the chosen
#: datasets (:d) and golden sets (:g), as JSON arrays.
_SUBSET = {
    "datasets": "id IN (SELECT value FROM json_each(:d))",
    "examples": "dataset_id IN (SELECT value FROM json_each(:d))",
    "example_revisions": "example_id IN (SELECT id FROM examples)",
    "imports": "dataset_id IN (SELECT value FROM json_each(:d))",
    "dataset_versions": "dataset_id IN (SELECT value FROM json_each(:d))",
    "dataset_version_examples": "version_id IN (SELECT id FROM dataset_versions)",
    "pii_scans": "example_id IN (SELECT id FROM examples)",
    "pii_findings": "example_id IN (SELECT id FROM examples)",
    "pii_dismissals": "dataset_id IS NULL OR dataset_id IN (SELECT value FROM json_each(:d))",
    "golden_sets": "id IN (SELECT value FROM json_each(:g))",
    "golden_prompts": "golden_set_id IN (SELECT id FROM golden_sets)",
    "golden_set_versions": "golden_set_id IN (SELECT id FROM golden_sets)",
    "golden_version_prompts": "version_id IN (SELECT id FROM golden_set_versions)",
    "generations": "golden_version_id IN (SELECT id FROM golden_set_versions)",
    "rating_sessions": "golden_version_id IN (SELECT id FROM golden_set_versions)",
    "comparisons": "session_id IN (SELECT id FROM rating_sessions)",
    "comparison_sides": "comparison_id IN (SELECT id FROM comparisons)",
    "ratings": "comparison_id IN (SELECT id FROM comparisons)",
    "gate_verdicts": "session_id IN (SELECT id FROM rating_sessions)",
    "coverage_rules": "dataset_id IN (SELECT value FROM json_each(:d))",
    # last: it points at examples, ratings, comparisons and prompts filtered above
    "example_sources": "example_id IN (SELECT id FROM examples)"
                       " AND (rating_id IS NULL OR rating_id IN (SELECT id FROM ratings))"
                       " AND (comparison_id IS NULL OR comparison_id IN (SELECT id FROM comparisons))"
                       " AND (prompt_id IS NULL OR prompt_id IN (SELECT id FROM golden_prompts))",
}
#: A subset drops what belongs to the rest of the workspace (jobs, registry, risks).
_SUBSET_EMPTIED = ("registry_history", "jobs", "job_events", "job_metrics", "checkpoints", "registry_models", "providers",
                   "risks", "risk_evidence", "audit_log")


class SnapshotQueries(Queries):
    """Queries of `store.snapshots`: writing a snapshot and merging one into the store."""

    # ------------------------------------------------------------------ export

    def copy_to(self, path: Path) -> None:
        """A consistent copy of the whole store (VACUUM INTO: no free pages, so nothing
        deleted, such as redacted text, travels with it)."""
        try:
            self.db.execute("VACUUM INTO ?", [str(path)])
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{path}: cannot write the snapshot ({exc}).") from exc

    @staticmethod
    def finish_copy(path: Path, local_tables: Iterable[str], settings: dict[str, Any],
                    datasets: list[str] | None, golden_sets: list[str] | None) -> dict[str, int]:
        """Trim a fresh copy into a snapshot: empty the tables that stay on this machine,
        keep only the chosen datasets / golden sets, rebuild the search index from what
        is left, write the given settings and compact. Returns row counts per table."""
        conn = sqlite3.connect(str(path), isolation_level=None)
        try:
            conn.execute("PRAGMA secure_delete = ON")
            conn.execute("PRAGMA foreign_keys = OFF")
            conn.execute("BEGIN")
            for table in local_tables:
                conn.execute(f"DELETE FROM {_quote(table)}")
            if datasets is not None or golden_sets is not None:
                params = {"d": to_json(datasets or []), "g": to_json(golden_sets or [])}
                if datasets is None:
                    params["d"] = to_json([r[0] for r in conn.execute("SELECT id FROM datasets")])
                if golden_sets is None:
                    params["g"] = to_json([r[0] for r in conn.execute("SELECT id FROM golden_sets")])
                for table, keep in _SUBSET.items():
                    conn.execute(f"DELETE FROM {_quote(table)} WHERE NOT ({keep})", params)
                for table in _SUBSET_EMPTIED:
                    conn.execute(f"DELETE FROM {_quote(table)}")
            for key, value in settings.items():
                conn.execute("INSERT INTO settings(key, value) VALUES (?, ?)", [key, to_json(value)])
            # The search index keeps old terms in its segments until they merge: rebuild it
            # from the current text so no redacted or deleted word survives in it.
            for statement in REBUILD_SEARCH_INDEX:
                conn.execute(statement)
            conn.execute("COMMIT")
            conn.execute("PRAGMA journal_mode = DELETE")
            conn.execute("VACUUM")
            tables = [r[0] for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
                "AND name NOT LIKE 'examples_fts%' AND name NOT LIKE '\\_%' ESCAPE '\\' ORDER BY name")]
            return {t: conn.execute(f"SELECT count(*) FROM {_quote(t)}").fetchone()[0] for t in tables}
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{path}: cannot finish the snapshot ({exc}).") from exc
        finally:
            conn.close()

    def table_counts(self) -> dict[str, int]:
        return {t: self._scalar(f"SELECT count(*) FROM {_quote(t)}") for t in self.db.table_names()
                if not t.startswith(("_", "examples_fts"))}

    # ------------------------------------------------------------------ schema facts

    def primary_key(self, table: str) -> list[str]:
        rows = sorted((r for r in self.db.execute(f"PRAGMA table_info({_quote(table)})").fetchall() if r[5]),
                      key=lambda r: r[5])
        return [r[1] for r in rows]

    def unique_keys(self, table: str) -> list[list[str]]:
        """Column lists of the UNIQUE constraints and unique indexes other than the primary key."""
        keys = []
        for index in self.db.execute(f"PRAGMA index_list({_quote(table)})").fetchall():
            name, unique, origin = index[1], index[2], index[3]
            if unique and origin != "pk":
                keys.append([r[2] for r in self.db.execute(f"PRAGMA index_info({_quote(name)})").fetchall()])
        return keys

    def foreign_keys(self, table: str) -> list[tuple[str, str]]:
        """(column, parent table) for each foreign key."""
        return [(r[3], r[2]) for r in self.db.execute(f"PRAGMA foreign_key_list({_quote(table)})").fetchall()]

    def table_names(self) -> list[str]:
        return self.db.table_names()

    # ------------------------------------------------------------------ rows

    def find(self, table: str, columns: list[str], values: list[Any]) -> dict | None:
        if any(v is None for v in values):
            return None  # NULL never clashes in SQL's UNIQUE
        where = " AND ".join(f"{_quote(c)} IS ?" for c in columns)
        return self._one(f"SELECT * FROM {_quote(table)} WHERE {where}", values)

    def insert(self, table: str, row: dict) -> None:
        names = ", ".join(_quote(c) for c in row)
        marks = ", ".join("?" for _ in row)
        try:
            self.db.execute(f"INSERT INTO {_quote(table)} ({names}) VALUES ({marks})", list(row.values()))
        except sqlite3.IntegrityError as exc:
            raise StoreError(f"{table}: {exc}") from exc

    def update(self, table: str, key: dict, changes: dict) -> None:
        sets = ", ".join(f"{_quote(c)} = ?" for c in changes)
        where = " AND ".join(f"{_quote(c)} = ?" for c in key)
        self.db.execute(f"UPDATE {_quote(table)} SET {sets} WHERE {where}", [*changes.values(), *key.values()])

    def max_number(self, table: str, column: str, where: dict) -> int:
        cond = " AND ".join(f"{_quote(c)} = ?" for c in where)
        return self._scalar(f"SELECT coalesce(max({_quote(column)}), 0) FROM {_quote(table)} WHERE {cond}",
                            list(where.values()))

    def revisions(self, example_id: str) -> list[dict]:
        return self._rows("SELECT * FROM example_revisions WHERE example_id = ? ORDER BY revision", [example_id])

    def next_position(self, dataset_id: str) -> int:
        return self._scalar("SELECT coalesce(max(position), 0) + 1 FROM examples WHERE dataset_id = ?", [dataset_id])

    def write_revision(self, example_id: str, action: str, author: str | None) -> dict:
        """Record the example's current row as its newest revision (numbered after every
        revision it has) and point the example at it; returns the revision row."""
        example = _decode_example(self._one("SELECT * FROM examples WHERE id = ?", [example_id]))
        number = self.max_number("example_revisions", "revision", {"example_id": example_id}) + 1
        stamp = now()
        row = ExampleQueries._revision_row(example, number, action, author, stamp)
        self.db["example_revisions"].insert(row)
        self.db.execute("UPDATE examples SET revision = ?, updated_at = ? WHERE id = ?", [number, stamp, example_id])
        return row

    # ------------------------------------------------------------------ conflicts

    def add_conflict(self, example_id: str, their_revision_id: str, theirs: dict, source: str) -> bool:
        cursor = self.db.execute(
            "INSERT OR IGNORE INTO snapshot_conflicts(id, example_id, their_revision_id, theirs, source, created_at) "
            "VALUES (?,?,?,?,?,?)",
            [str(uuid.uuid5(uuid.NAMESPACE_URL, f"{example_id}/{their_revision_id}")), example_id,
             their_revision_id, to_json(theirs), source, now()])
        return cursor.rowcount == 1

    def conflicts(self, status: str | None = "pending") -> list[dict]:
        where, params = ("WHERE c.status = ?", [status]) if status else ("", [])
        rows = self._rows(f"""SELECT c.*, d.name AS dataset, e.position FROM snapshot_conflicts c
                                JOIN examples e ON e.id = c.example_id JOIN datasets d ON d.id = e.dataset_id
                                {where} ORDER BY c.created_at, e.position""", params)
        return [decode_json_columns(r, "theirs") for r in rows]

    def conflict(self, conflict_id: str) -> dict | None:
        return decode_json_columns(self._one(
            "SELECT * FROM snapshot_conflicts WHERE id = ? OR id LIKE ? ORDER BY id LIMIT 1",
            [conflict_id, conflict_id + "%"]), "theirs")

    def set_conflict_status(self, conflict_id: str, status: str) -> None:
        self.db.execute("UPDATE snapshot_conflicts SET status = ?, resolved_at = ? WHERE id = ?",
                        [status, now(), conflict_id])

    @staticmethod
    def derived_id(*parts: str) -> str:
        """A UUID fixed by its parts: a copy made twice gets the same id (idempotent merges)."""
        return str(uuid.uuid5(uuid.NAMESPACE_URL, "/".join(parts)))

    @staticmethod
    def is_store_error(exc: BaseException) -> bool:
        return isinstance(exc, (StoreError, sqlite3.DatabaseError))


def iter_chunks(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


__all__ = ["SnapshotQueries", "SnapshotReader", "reference_objects", "migrate_copy", "read_header", "new_id"]
