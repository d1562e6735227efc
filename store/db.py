"""Opening the workbench's SQLite file: pragmas, migrations, ids, clocks.

Every connection gets WAL (readers never block the writer: the CLI and the TUI write
at the same time), a busy timeout (a second writer waits instead of failing with
"database is locked") and foreign keys. Migrations are applied on open.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import re
import sqlite3
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from sqlite_utils import Database

from store.migrations import migrations

BUSY_TIMEOUT_MS = 10_000
#: page size of a new store: an example (about 2 KB of JSON) left half of a 4 KB page
#: empty, so a 100k import wrote a 660 MB file; in 16 KB pages 546 MB, and its writer
#: and checkpoints spent ~1 s less CPU. Small rows (ratings) only read a larger page.
PAGE_SIZE = 16_384
#: write-ahead log size after which a commit checkpoints (see connect)
INTERACTIVE_CHECKPOINT_BYTES = 40 * 1024 * 1024
#: every 4 MB an import copied most of what it wrote twice: its indexes keyed by content
#: hash dirty a random page per row in every transaction; 20 MB lets the log keep the
#: last copy of a page only (a 100k import's COMMITs: 10.1 -> 7.1-7.5 s CPU). Still below
#: INTERACTIVE_CHECKPOINT_BYTES, so the app's commits do not checkpoint.
BULK_CHECKPOINT_BYTES = 20 * 1024 * 1024


def log_pages(conn: sqlite3.Connection, size: int) -> int:
    """`size` bytes of write-ahead log in this store's pages (what the pragmas count)."""
    return max(1, size // conn.execute("PRAGMA page_size").fetchone()[0])


class StoreError(Exception):
    """A problem with the store file a user can act on (path, permissions, corruption)."""


class NewerStoreError(StoreError):
    """The file was written by a newer ft-workbench: writing to it could corrupt it."""


class DamagedStoreError(StoreError):
    """SQLite's own check found damage in the file."""


def new_id() -> str:
    return str(uuid.uuid4())


class IdSequence:
    """New ids for many rows written together (an import): UUIDs that share a random
    prefix (from uuid4, so unique across sequences) and end in a counter, so consecutive
    ids sort together. Each id index then grows at one place instead of touching a
    random page per row: far fewer pages written per transaction. Call for the next id."""

    def __init__(self):
        self._start()

    def _start(self) -> None:
        prefix = uuid.UUID(bytes=hashlib.sha1(uuid.uuid4().bytes).digest()[:12] + bytes(4), version=4)
        self._prefix = str(prefix)[:-8]  # the text up to the counter's 8 hex digits
        self._next = 0

    def __call__(self) -> str:
        if self._next > 0xFFFFFFFF:  # the counter's four bytes are used up: a new prefix
            self._start()
        value = self._next
        self._next += 1
        return f"{self._prefix}{value:08x}"


def now() -> str:
    """UTC timestamp, ISO-8601 with microseconds: sorts as text."""
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="microseconds")


def to_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def from_json(text: str | None, default: Any = None) -> Any:
    return default if text is None else json.loads(text)


def connect(path: Path | str) -> Database:
    """A sqlite-utils Database with the pragmas every connection needs."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fresh = str(path) == ":memory:" or not path.exists() or path.stat().st_size == 0
        # check_same_thread=False: the TUI hands a connection to one worker thread at
        # a time; each thread still uses its own Store.
        conn = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None, factory=TurnTakingConnection)
        conn.turns_path = None if str(path) == ":memory:" else Path(str(path) + "-writers")
        conn.users_path = None if conn.turns_path is None else Path(str(path) + "-users")
        conn.be_present(True)
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        if fresh:  # only before the first table; a store made with other pages keeps them
            conn.execute(f"PRAGMA page_size = {PAGE_SIZE}")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA synchronous = NORMAL")
        # A commit that finds the write-ahead log over this many pages copies it into the
        # file and syncs the disk (0.4 s seen for the app's one-row approval). Interactive
        # connections leave that to the long operations (Store.bulk_writes: every
        # BULK_CHECKPOINT_BYTES) unless the log grows past 40 MB without one.
        conn.execute(f"PRAGMA wal_autocheckpoint = {log_pages(conn, INTERACTIVE_CHECKPOINT_BYTES)}")
        # Deleted content (redacted personal data, purged revisions) is overwritten with
        # zeros instead of lingering in free pages of a file that may be shared.
        conn.execute("PRAGMA secure_delete = ON")
    except sqlite3.DatabaseError as exc:
        raise StoreError(open_failure(path, exc)) from exc
    except OSError as exc:
        raise StoreError(f"{path}: cannot create the store folder ({exc.strerror}).") from exc
    # execute_plugins=False: sqlite-utils would otherwise scan every installed
    # package's entry points for its plugins on each open (pluggy, importlib.metadata:
    # 10-20 ms of the app's start, issue 14); the store uses none.
    return Database(conn, execute_plugins=False)


# ----------------------------------------------------------------------------- write turns
#
# SQLite has no queue for its write lock: a writer that finds it taken sleeps and polls
# (1, 2, 5 ... then every 100 ms), and a long operation that commits batch after batch
# takes the lock again in the gap before the poller wakes. A rating could wait seconds
# behind an import whose every transaction is short. So writers take turns through an
# advisory lock on a small file next to the store (`<store>-writers`, empty): a
# connection about to write holds it shared while it waits and writes; a bulk writer
# (an import, see Store.bulk_writes) checks before each transaction that nobody holds it
# and otherwise lets them go first (up to BULK_GIVE_WAY_S). Where advisory locks are
# missing (Windows) or the file cannot be made (a read-only folder) writers simply
# compete as SQLite lets them.
#
# Presence: every connection holds a shared lock on a second small file
# (`<store>-users`, empty) while it is open, except the connections of a long operation
# (Store.bulk_writes). When nobody else holds it, the long operation is alone with the
# store (no app, no rater, no scan, in this process or another; a second import, being a
# long operation too, does not count) and may write in long transactions
# (TurnTakingConnection.alone; the import's ALONE_TRANSACTION_MS).

try:
    import fcntl as _fcntl
except ImportError:  # pragma: no cover - Windows
    _fcntl = None

#: longest a bulk transaction waits for other writers to go first
BULK_GIVE_WAY_S = 2.0
#: how long SQLite itself waits per look when an interactive write polls for the lock
POLL_MS = 5
_BUSY_PRAGMA = re.compile(r"\s*PRAGMA\s+busy_timeout\s*=\s*(\d+)", re.IGNORECASE)
_WRITE_SQL = re.compile(r"\s*(INSERT|UPDATE|DELETE|REPLACE|BEGIN\s+(IMMEDIATE|EXCLUSIVE))\b", re.IGNORECASE)


class TurnTakingConnection(sqlite3.Connection):
    """A connection whose writes take turns with other processes' (see above)."""

    turns_path: Path | None = None
    bulk = False  # set by Store.bulk_writes for the long operations
    last_hold_s = 0.0  # set by atomic(): how long the last transaction held the write lock
    users_path: Path | None = None
    _turns_fd: int | None = None
    _users_fd: int | None = None
    _present = False
    _holding = False
    _busy_ms = BUSY_TIMEOUT_MS  # this connection's busy timeout, as last set by PRAGMA

    def execute(self, sql, parameters=(), /):
        timeout = _BUSY_PRAGMA.match(sql)
        if timeout:
            self._busy_ms = int(timeout.group(1))
        if self.turns_path is None:
            return super().execute(sql, parameters)
        if self._holding:  # inside an interactive write: its end gives the turn back
            try:
                return super().execute(sql, parameters)
            finally:
                if not self.in_transaction:
                    self._release()
        if self.in_transaction or not _WRITE_SQL.match(sql):
            return super().execute(sql, parameters)
        if self.bulk:
            self._give_way()
            return super().execute(sql, parameters)
        self._announce()
        try:
            return self._write_polling(sql, parameters)
        finally:
            if not self.in_transaction:
                self._release()

    def _write_polling(self, sql, parameters):
        """A statement that takes the write lock, looking for the lock every few ms: once
        it has waited ~0.2 s, SQLite's own wait sleeps 100 ms between looks, so a rating
        could sit idle while the lock was already free. Busy is retried until this
        connection's busy timeout (the app's quick 25 ms, else BUSY_TIMEOUT_MS) runs out;
        a statement that met a busy lock did nothing, so running it again is safe."""
        wait_ms = self._busy_ms
        if wait_ms <= POLL_MS:
            return sqlite3.Connection.execute(self, sql, parameters)
        deadline = time.monotonic() + wait_ms / 1000
        sqlite3.Connection.execute(self, f"PRAGMA busy_timeout = {POLL_MS}")
        try:
            while True:
                try:
                    return sqlite3.Connection.execute(self, sql, parameters)
                except sqlite3.OperationalError as exc:
                    if "database is locked" not in str(exc) or time.monotonic() >= deadline:
                        raise
                    time.sleep(0.001)
        finally:
            sqlite3.Connection.execute(self, f"PRAGMA busy_timeout = {wait_ms}")

    def executemany(self, sql, parameters, /):
        if self.turns_path is None or self.in_transaction or not _WRITE_SQL.match(sql):
            return super().executemany(sql, parameters)
        if self.bulk:
            self._give_way()
            return super().executemany(sql, parameters)
        self._announce()
        try:
            return super().executemany(sql, parameters)
        finally:
            if not self.in_transaction:
                self._release()

    def _fd(self) -> int | None:
        if self._turns_fd is None and _fcntl is not None:
            try:
                self._turns_fd = os.open(self.turns_path, os.O_RDWR | os.O_CREAT, 0o600)
            except OSError:  # a read-only folder: no turns, SQLite's own waiting only
                self.turns_path = None
        return self._turns_fd

    def _announce(self) -> None:
        """Hold the turn lock shared: bulk writers see a writer waiting and let it go first."""
        fd = self._fd()
        if fd is not None:
            _fcntl.flock(fd, _fcntl.LOCK_SH)
            self._holding = True

    def _release(self) -> None:
        if self._holding:
            self._holding = False
            _fcntl.flock(self._turns_fd, _fcntl.LOCK_UN)

    def _give_way(self) -> None:
        """Before a bulk transaction: wait while any other writer announced itself."""
        fd = self._fd()
        if fd is None:
            return
        deadline = time.monotonic() + BULK_GIVE_WAY_S
        while True:
            try:
                _fcntl.flock(fd, _fcntl.LOCK_EX | _fcntl.LOCK_NB)
            except BlockingIOError:
                if time.monotonic() > deadline:
                    return
                time.sleep(0.002)
                continue
            _fcntl.flock(fd, _fcntl.LOCK_UN)
            return

    def be_present(self, present: bool) -> None:
        """Hold (True) or let go of (False) this connection's presence lock (see above)."""
        fd = self._users()
        if fd is None or present == self._present:
            return
        # blocking: another connection holds it exclusively only for the instant of alone()
        _fcntl.flock(fd, _fcntl.LOCK_SH if present else _fcntl.LOCK_UN)
        self._present = present

    def alone(self) -> bool:
        """Whether no other connection to the store is open (other than a long
        operation's): False where presence cannot be known (no advisory locks, a
        read-only folder) and for a connection that is itself present."""
        fd = self._users()
        if fd is None or self._present:
            return False
        try:
            _fcntl.flock(fd, _fcntl.LOCK_EX | _fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        _fcntl.flock(fd, _fcntl.LOCK_UN)
        return True

    def _users(self) -> int | None:
        if self._users_fd is None and self.users_path is not None and _fcntl is not None:
            try:
                self._users_fd = os.open(self.users_path, os.O_RDWR | os.O_CREAT, 0o600)
            except OSError:  # a read-only folder: presence unknown, never alone
                self.users_path = None
        return self._users_fd

    def close(self) -> None:
        for name in ("_turns_fd", "_users_fd"):
            fd = getattr(self, name)
            if fd is not None:
                try:
                    os.close(fd)  # closing lets go of its lock
                except OSError:
                    pass
                setattr(self, name, None)
        self._present = False
        super().close()


def known_migrations() -> list[str]:
    return [m.name for m in migrations._migrations]


def refuse_newer(db: Database, path: Path | str) -> None:
    """Refuse a file a newer ft-workbench wrote (a schema number above ours, or migrations
    we do not know): migrating or writing it could break what that version relies on."""
    ours = known_migrations()
    stored = db.conn.execute("PRAGMA user_version").fetchone()[0]
    applied = schema_version(db)
    unknown = [name for name in applied if name not in ours]
    if stored > len(ours) or unknown:
        number = max(stored, len(applied))
        raise NewerStoreError(f"{path}: written by a newer ft-workbench (schema {number}; this one knows "
                              f"{len(ours)}); upgrade ft-workbench to open it.")


def open_failure(path: Path | str, exc: BaseException) -> str:
    """One line for a store that cannot be opened, by cause."""
    kind = failure_kind(exc)
    if kind == "readonly":
        return (f"{path}: the store is read-only (the file, its folder or the disk is not writable); "
                "use a writable copy or fix the permissions.")
    if kind == "full":
        return f"{path}: the disk is full; free some space and retry."
    if kind == "damaged":
        return f"{path}: the file is damaged or not a workbench store ({exc}); restore a good copy."
    return f"{path}: cannot open as a workbench store ({exc})."


def migrate(db: Database) -> None:
    """Apply pending migrations. Two processes opening a new (or older) store at once
    would both apply the same migration; the loser's DDL fails ("duplicate column",
    "already exists"). It then waits for the winner to record what it applied and
    carries on with what is still pending, instead of refusing a sound store."""
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        before = {m.name for m in migrations.pending(db)}
        if not before:
            break
        try:
            migrations.apply(db)
            break
        except sqlite3.OperationalError:
            if db.conn.in_transaction:
                db.conn.execute("ROLLBACK")
            time.sleep(0.1)
            if {m.name for m in migrations.pending(db)} >= before and time.monotonic() > deadline:
                raise  # nobody else is migrating: a real failure
    # The schema number a later version compares with (the count of our migrations).
    if db.conn.execute("PRAGMA user_version").fetchone()[0] != len(known_migrations()):
        db.conn.execute(f"PRAGMA user_version = {len(known_migrations())}")


def quick_check(db: Database, limit: int = 10) -> list[str]:
    """SQLite's page-level check (b-tree structure, free list, record formats; not index
    contents). [] when the file is sound, else up to `limit` problems. A file too damaged
    to read gives its error as the one problem."""
    try:
        rows = [r[0] for r in db.conn.execute(f"PRAGMA quick_check({int(limit)})")]
    except sqlite3.DatabaseError as exc:
        return [str(exc)]
    return [] if rows == ["ok"] else rows


def checkpoint(db: Database) -> bool:
    """Copy the write-ahead log into the file and empty it. False when another connection's
    open read transaction kept part of it (old pages, perhaps deleted values, stay until
    that reader finishes)."""
    busy, log_frames, copied = db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    return busy == 0 and log_frames == copied


def failure_kind(exc: BaseException) -> str | None:
    """'busy', 'readonly', 'full', 'damaged' or None: what an OS or SQLite error means to a user."""
    import errno

    text = str(exc).lower()
    if isinstance(exc, sqlite3.OperationalError) and ("database is locked" in text or "database is busy" in text):
        return "busy"
    if isinstance(exc, OSError):
        if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
            return "readonly"
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            return "full"
        return None
    if isinstance(exc, sqlite3.DatabaseError):
        if "readonly" in text or "read-only" in text or "unable to open database" in text:
            return "readonly"
        if "disk is full" in text or "disk i/o error" in text and "full" in text:
            return "full"
        if "malformed" in text or "not a database" in text or "corrupt" in text:
            return "damaged"
    return None


def schema_version(db: Database) -> list[str]:
    return [m.name for m in migrations.applied(db)]


@contextmanager
def atomic(db: Database) -> Iterator[Database]:
    """One transaction (or savepoint when nested) around multi-row writes.

    A top-level transaction starts with BEGIN IMMEDIATE: it takes the write lock up
    front, so a second writer waits out busy_timeout instead of failing at once with
    "database is locked" when a deferred read transaction tries to upgrade."""
    conn = db.conn
    if conn.in_transaction:
        with db.atomic():  # a savepoint inside the open transaction
            yield db
        return
    trace = _TRACE_PATH and _TxTrace()
    conn.execute("BEGIN IMMEDIATE")
    locked = time.perf_counter()
    if trace:
        trace.locked()
    try:
        yield db
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
    # how long this transaction held the write lock: Pacer sizes the next batch by it
    conn.last_hold_s = time.perf_counter() - locked
    if trace:
        trace.committed()


class Pacer:
    """Sizes the batches of a long operation (import, publish) so each write transaction
    holds the lock about `target_ms`: the machine's speed and load decide the size, not a
    constant. 500 rows took 40 ms on a quiet machine and 570 ms under load."""

    def __init__(self, size: int = 200, target_ms: float = 25.0, low: int = 10, high: int = 4000,
                 alone_ms: float | None = None):
        self.size = size
        self.target_s = target_ms / 1000
        self.low = low
        self.high = high
        self.shared_ms = target_ms
        self.alone_ms = alone_ms  # aim_for's length while nobody else has the store open

    def aim(self, target_ms: float) -> None:
        """Aim the next transactions at another length (the import alone or not)."""
        self.target_s = target_ms / 1000

    def aim_for(self, conn: TurnTakingConnection) -> None:
        """Aim the next transaction at `alone_ms` if nobody else has the store open
        (TurnTakingConnection.alone), else at the target it was made with."""
        if self.alone_ms is not None:
            self.aim(self.alone_ms if conn.alone() else self.shared_ms)

    def record(self, rows: int, seconds: float) -> None:
        """A transaction of `rows` held the lock `seconds`: aim the next one at the target."""
        if rows <= 0 or seconds <= 0:
            return
        ideal = self.target_s * rows / seconds
        # halfway towards the ideal: one slow batch (a checkpoint, a busy disk) must not swing it
        self.size = int(min(self.high, max(self.low, (self.size + ideal) / 2)))


#: WORKBENCH_TX_TRACE=FILE appends one line per write transaction (pid, caller, ms waited
#: for the write lock, ms it was held): the profile of who keeps other writers waiting
#: (bench/concurrent_use.py reads it). Off unless set; costs nothing then.
_TRACE_PATH = os.environ.get("WORKBENCH_TX_TRACE")


class _TxTrace:
    """Times one BEGIN IMMEDIATE .. COMMIT and appends it to the trace file."""

    def __init__(self) -> None:
        self.start = time.perf_counter()
        self.got = self.start
        self.caller = _caller()

    def locked(self) -> None:
        self.got = time.perf_counter()

    def committed(self) -> None:
        end = time.perf_counter()
        line = (f"{os.getpid()}\t{self.caller}\t{(self.got - self.start) * 1000:.1f}"
                f"\t{(end - self.got) * 1000:.1f}\t{time.time():.3f}\n")
        with open(_TRACE_PATH, "a", encoding="utf-8") as handle:
            handle.write(line)


def _caller() -> str:
    """The first frame outside the store's plumbing and contextlib: who asked for the transaction."""
    import sys

    frame = sys._getframe(2)
    skip = ("store/db.py", "store/store.py", "store/base.py", "contextlib.py")
    names = []
    while frame is not None and len(names) < 2:
        filename = frame.f_code.co_filename.replace("\\", "/")
        if not filename.endswith(skip):
            names.append(f"{Path(filename).stem}.{frame.f_code.co_name}")
        frame = frame.f_back
    return "<".join(names)
