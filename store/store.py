"""The Store: one opened workbench file per process. Every read and write goes through
one of its feature query objects (`store.datasets`, `store.examples`, `store.models`,
`store.pii`, `store.golden`, `store.ratings`), which share it.

Migrations are checked once, when the store is opened. Each thread gets its own
connection on first use (SQLite connections must not be shared across threads while
in use), so the app and its workers share one Store. Callers pass and receive plain
dicts and lists (JSON columns decoded); the domain layer (workbench/) decides what
they mean. Multi-row writes run in one transaction.
"""

from __future__ import annotations

import os
import socket
import threading
import weakref
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterable, Iterator

from sqlite_utils import Database

from store.audit import AuditLogQueries
from store.datasets import DatasetQueries
from store.db import (BULK_CHECKPOINT_BYTES, BUSY_TIMEOUT_MS, INTERACTIVE_CHECKPOINT_BYTES, atomic, checkpoint, log_pages,
                      connect, from_json, migrate, new_id, now, quick_check, refuse_newer, schema_version, to_json)
from store.doctor import DoctorQueries
from store.examples import ExampleQueries
from store.golden import GoldenQueries
from store.jobs import JobQueries
from store.health import HealthQueries
from store.models import ModelQueries
from store.pii import PiiQueries
from store.providers import ProviderQueries
from store.ratings import RatingQueries
from store.risks import RiskQueries
from store.snapshots import SnapshotQueries
from store.token_totals import TokenTotalsQueries
from store.registry import RegistryQueries


def pid_alive(pid: int) -> bool:
    """Whether a process with this id runs on this machine."""
    if os.name == "nt":
        return True  # os.kill there would end the process: never treat staging as leftover
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


class Store:
    """One open workbench file."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self.created = not self.path.exists()
        self._local = threading.local()
        # weak: a finished worker thread's connection closes when its thread-local goes
        self._connections: weakref.WeakSet[Database] = weakref.WeakSet()
        self._lock = threading.Lock()
        self._open_checks()
        self.datasets = DatasetQueries(self)
        self.examples = ExampleQueries(self)
        self.models = ModelQueries(self)
        self.pii = PiiQueries(self)
        self.golden = GoldenQueries(self)
        self.ratings = RatingQueries(self)
        self.risks = RiskQueries(self)
        self.audit_log = AuditLogQueries(self)
        self.snapshots = SnapshotQueries(self)
        self.registry = RegistryQueries(self)
        self.providers = ProviderQueries(self)
        self.jobs = JobQueries(self)
        self.doctor = DoctorQueries(self)
        self.health = HealthQueries(self)
        self.token_totals = TokenTotalsQueries(self)
        # rows of imports killed mid-way sit hidden in staging datasets: drop them
        self.datasets.clean_staging_leftovers(socket.gethostname(), pid_alive)

    def _open_checks(self) -> None:
        """Refuse a file a newer version wrote (before migrating touches it), then migrate."""
        import sqlite3

        from store.db import StoreError, open_failure

        try:
            refuse_newer(self.db, self.path)
            migrate(self.db)
        except sqlite3.DatabaseError as exc:
            self.close()
            raise StoreError(open_failure(self.path, exc)) from exc
        except StoreError:
            self.close()
            raise

    def integrity_problems(self, limit: int = 10) -> list[str]:
        """SQLite's quick_check of the file: [] when sound."""
        return quick_check(self.db, limit)

    @contextmanager
    def busy_timeout(self, milliseconds: int) -> Iterator[None]:
        """A shorter wait for the write lock on this thread's connection (the app's own
        thread must not freeze for the full timeout behind another process's write)."""
        self.db.execute(f"PRAGMA busy_timeout = {int(milliseconds)}")
        try:
            yield
        finally:
            self.db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")

    @contextmanager
    def bulk_writes(self) -> Iterator[None]:
        """Mark this thread's writes as a long operation's (an import): before each of its
        transactions, writers that are waiting (a rating, a status change) go first
        (store.db, write turns)."""
        conn = self.db.conn
        previous, conn.bulk = getattr(conn, "bulk", False), True
        conn.be_present(False)  # the operation's own connections do not keep it from being alone
        # the long operation also does the log checkpoints, so the app's commits need not
        self.db.execute(f"PRAGMA wal_autocheckpoint = {log_pages(conn, BULK_CHECKPOINT_BYTES)}")
        try:
            yield
        finally:
            conn.bulk = previous
            conn.be_present(not previous)
            self.db.execute(f"PRAGMA wal_autocheckpoint = {log_pages(conn, INTERACTIVE_CHECKPOINT_BYTES)}")

    def checkpoint(self) -> bool:
        """Empty the write-ahead log into the file; False when another reader prevented it."""
        return checkpoint(self.db)

    @property
    def db(self) -> Database:
        """This thread's connection (opened on first use, pragmas set, no migrations)."""
        db = getattr(self._local, "db", None)
        if db is None:
            db = connect(self.path)
            self._local.db = db
            with self._lock:
                self._connections.add(db)
        return db

    def close(self) -> None:
        try:  # the last one out finishes a scrub another reader held up
            if self.pii.scrub_pending():
                self.pii.run_pending_scrub()
        except Exception:  # noqa: BLE001 - closing never fails; the next open retries
            pass
        with self._lock:
            connections, self._connections = list(self._connections), weakref.WeakSet()
        for db in connections:
            try:
                db.close()
            except Exception:  # noqa: BLE001 - a connection of a finished thread
                pass
        self._local = threading.local()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def transaction(self):
        """Context manager: everything inside commits together or not at all."""
        return atomic(self.db)

    def schema_version(self) -> list[str]:
        return schema_version(self.db)

    def _rows(self, sql: str, params: Iterable[Any] = ()) -> list[dict]:
        cursor = self.db.execute(sql, list(params))
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row)) for row in cursor.fetchall()]

    def _one(self, sql: str, params: Iterable[Any] = ()) -> dict | None:
        rows = self._rows(sql, params)
        return rows[0] if rows else None

    def _scalar(self, sql: str, params: Iterable[Any] = ()) -> Any:
        row = self.db.execute(sql, list(params)).fetchone()
        return row[0] if row else None

    # ------------------------------------------------------------------ settings

    def get_setting(self, key: str, default: Any = None) -> Any:
        row = self._one("SELECT value FROM settings WHERE key = ?", [key])
        return from_json(row["value"]) if row else default

    def set_setting(self, key: str, value: Any) -> None:
        self.db.execute(
            "INSERT INTO settings(key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value", [key, to_json(value)])

    # ------------------------------------------------------------------ audit

    def audit(self, action: str, entity: str, entity_id: str | None, details: dict | None = None,
              actor: str | None = None) -> None:
        self.db.execute(
            "INSERT INTO audit_log(id, at, actor, action, entity, entity_id, details) VALUES (?,?,?,?,?,?,?)",
            [new_id(), now(), actor, action, entity, entity_id, to_json(details or {})])

    def audit_entries(self, entity: str | None = None) -> list[dict]:
        where, params = ("WHERE entity = ?", [entity]) if entity else ("", [])
        rows = self._rows(f"SELECT * FROM audit_log {where} ORDER BY at", params)
        for row in rows:
            row["details"] = from_json(row["details"])
        return rows
