"""Importing a JSONL or CSV file into a dataset: streaming, checked, all or nothing.

One pass over the file. Worker processes parse, check and token-count byte ranges of
it (chat.parallel) and hand back rows with every column encoded, tool and media flags
included; this process is the one writer, on a thread of its own (_Writer), while a
second thread copies the write-ahead log into the file (_Checkpointer). Good lines go in batches, each
its own short transaction (sized to hold the write lock about TRANSACTION_MS, and
letting waiting writers go first), into a hidden staging dataset, so another writer
(the app, a scan, a second import) never waits long; at the end one short transaction
makes them visible (store.datasets decide_publish; into a dataset that already has rows
the rest then move in short slices, finish_publishing, and a kill after the decision is
finished at next open). If any line had an error the staged rows are discarded, unless
`skip_invalid` asks to keep the good lines and record the rejected ones with their
reasons. A killed import leaves only hidden rows, removed when the store is next opened.
Examples already in the dataset (same content hash) are skipped, so importing a file
twice adds nothing.
"""

from __future__ import annotations

import hashlib
import os
import queue
import socket
import threading
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable

from store import Store
from store.db import BULK_CHECKPOINT_BYTES, IdSequence, Pacer, log_pages, now
from store.examples import BULK_EXAMPLE_COLUMNS, FIRST_SNAPSHOT_IS_ROW, fts_text
from workbench.chat import format as chatformat
from workbench.chat import parallel as chatparallel
from workbench.budget import counting, tokens
from workbench.chat.checks import FileChecker
from workbench.chat.records import columns_from_record
from workbench.chat.findings import Finding
from workbench.errors import WorkbenchError

BATCH = 500  # rejected lines per write transaction (small rows)
#: each write transaction of an import aims at this: another writer (a rating) waits at most one
TRANSACTION_MS = float(os.environ.get("WORKBENCH_IMPORT_TRANSACTION_MS", "25"))  # env: for the bench's trade-off
#: ... and this while nobody else has the store open (TurnTakingConnection.alone): each
#: commit writes every page its rows dirtied, and the indexes keyed by content hash dirty
#: a random page per row, so ten times fewer transactions write far fewer pages (a 100k
#: import's writer: 14.9 -> 10.4 s CPU at 100 ms). Someone who opens the store meanwhile
#: waits for at most one of them; the next one is short again.
ALONE_TRANSACTION_MS = float(os.environ.get("WORKBENCH_IMPORT_ALONE_TRANSACTION_MS", "250"))
#: the import writer's page cache: the indexes keyed by content hash take a random page per
#: row; held in memory, a 300k import's writer spent 8% less CPU and 6% less time
WRITER_CACHE_KB = 128 * 1024
#: ... and for an import that will write in sorted windows (SORT_FROM): each transaction
#: then touches a slice of those indexes, and the window takes the memory instead
SORTED_WRITER_CACHE_KB = 48 * 1024
_HASH_COLUMN = BULK_EXAMPLE_COLUMNS.index("content_hash")
#: rows gathered before they are written sorted by content hash (_Importer._write_window):
#: about 130 MB of memory; each of its transactions covers an eighth of the hash range
SORT_WINDOW = int(os.environ.get("WORKBENCH_IMPORT_SORT_WINDOW", "16000"))
#: ... from this many rows in the store on: at 100k rows the hash index has about 750
#: pages, fewer than a transaction has rows, so sorting saved few page writes there
SORT_FROM = int(os.environ.get("WORKBENCH_IMPORT_SORT_FROM", "150000"))
#: ranges parsed ahead of the writer (chat.parallel.map_ranges): enough for the workers
#: to keep going while a sort window is written
IN_FLIGHT = int(os.environ.get("WORKBENCH_IMPORT_IN_FLIGHT", "12"))
#: ... and within this many ranges of the file's end, rows are written as they come
TAIL_RANGES = 2 * IN_FLIGHT
RAW_KEEP = 20_000  # characters of a rejected line kept for the user to inspect

Progress = Callable[[int, int], None]  # (bytes done, bytes total)


class ImportFailed(WorkbenchError):
    """The import could not start (missing file, bad CSV header, ...); nothing was written."""


class ImportCancelled(Exception):
    """The user cancelled; the transaction was rolled back."""


@dataclass
class ImportResult:
    dataset: str
    dataset_id: str | None
    path: str
    committed: bool
    lines: int = 0
    added: int = 0
    duplicates: int = 0
    rejected: int = 0
    findings: list[Finding] = field(default_factory=list)
    import_id: str | None = None

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.is_error]

    @property
    def bad_lines(self) -> list[int]:
        return sorted({f.line for f in self.errors if f.line is not None})

    def to_dict(self) -> dict:
        return {
            "dataset": self.dataset, "path": self.path, "committed": self.committed,
            "lines": self.lines, "added": self.added, "duplicates": self.duplicates,
            "rejected": self.rejected, "bad_lines": self.bad_lines,
            "findings": [f.to_dict() for f in self.findings],
        }


@dataclass
class _Good:
    """A line that will be stored: every column already encoded (built in a worker)."""

    line: int
    kind: str
    messages: str
    tools: str | None
    functions: str | None
    parallel_tool_calls: int | None
    preferred_output: str | None
    non_preferred_output: str | None
    content_hash: str
    language: str | None
    turns: int
    search_text: str | None
    warnings: list[Finding]
    counts: list[tuple[str, int, int]]
    parts: tuple[int, int]  # (with tools, with media): tokens.estimated_parts, for the running totals

    def __reduce__(self):
        # handed from a worker as its fields in order: pickling each instance's __dict__
        # (keys and all) cost the parent's result thread about 1 s of a 100k import
        return (_Good, tuple(self.__dict__.values()))


@dataclass
class _Bad:
    line: int
    findings: list[Finding]
    raw: str | None


@dataclass
class _RangeResult:
    entries: list = field(default_factory=list)  # _Good | _Bad, range-local line numbers
    warnings: list[Finding] = field(default_factory=list)  # of good lines, for the report
    examples: int = 0
    physical_lines: int = 0
    last_line: int = 0


class _RangeWorker:
    """Parses, checks and counts the lines of one byte range (in a worker process)."""

    def __init__(self, context_limit: int | None, encodings: tuple[str, ...]):
        self.context_limit = context_limit
        self.encodings = encodings

    def __call__(self, path: Path, start: int, end: int, first: bool) -> _RangeResult:
        out = _RangeResult()

        def lines():
            for index, raw in enumerate(chatparallel.range_lines(path, start, end)):
                out.physical_lines += 1
                yield chatformat.parse_line(chatparallel.local_number(index, first), raw)

        return self.check_lines(lines(), out)

    def check_lines(self, lines, out: _RangeResult) -> _RangeResult:
        checker = FileChecker(context_limit=self.context_limit, track_duplicates=False)
        for line in lines:
            if line is None:
                continue
            out.last_line = line.number
            counts = None
            if line.parsed and isinstance(line.record, dict):
                counts = counting.count_all(line.record, self.encodings)
            limit_tokens = max((c.total for c in counts.values()), default=None) if counts else None
            findings = checker.check_line(line, limit_tokens)
            if any(f.is_error for f in findings):
                raw = line.text[:RAW_KEEP] if line.text is not None else None
                out.entries.append(_Bad(line.number, findings, raw))
                continue
            out.entries.append(self._good(line, findings, counts or {}))
        out.examples = checker.examples
        return out

    @staticmethod
    def _good(line: chatformat.Line, findings: list[Finding], counts: dict) -> _Good:
        encoded = chatformat.encoded_chat(line.record)
        if encoded is None:
            columns = columns_from_record(line.record)
            messages, tools, functions = (None if columns[key] is None else chatformat.dumps_compact(columns[key])
                                          for key in ("messages", "tools", "functions"))
        else:  # a chat line in canonical order: each value encoded once, for its column and the hash
            text, pieces = encoded
            columns = columns_from_record(line.record, hashlib.sha256(text.encode("utf-8")).hexdigest())
            messages = pieces["messages"] if columns["messages"] is line.record.get("messages") else "[]"
            tools, functions = (None if columns[key] is None else pieces[key] for key in ("tools", "functions"))
        parallel = columns["parallel_tool_calls"]
        return _Good(
            line=line.number, kind=columns["kind"], messages=messages, tools=tools, functions=functions,
            parallel_tool_calls=None if parallel is None else int(bool(parallel)),
            preferred_output=None if columns["preferred_output"] is None
            else chatformat.dumps_compact(columns["preferred_output"]),
            non_preferred_output=None if columns["non_preferred_output"] is None
            else chatformat.dumps_compact(columns["non_preferred_output"]),
            content_hash=columns["content_hash"], language=columns["language"], turns=columns["turns"],
            search_text=fts_text(columns["messages"], *_encoded_outputs(columns)),
            warnings=findings, counts=[(name, c.total, c.trained) for name, c in counts.items()],
            parts=_estimated_parts(columns))


def _estimated_parts(columns: dict) -> tuple[int, int]:
    """(with tools, with media) of the example these columns make: tokens.estimated_parts
    of the record it exports as (records.record_from_example, without the key ordering,
    which the flags do not depend on), the rule budget totals are kept by."""
    body = {"messages": columns["messages"]}
    for key in ("tools", "functions"):
        if columns[key] is not None:
            body[key] = columns[key]
    record = body if columns["kind"] != "preference" else {
        "input": body, "preferred_output": columns["preferred_output"],
        "non_preferred_output": columns["non_preferred_output"]}
    parts = tokens.estimated_parts(record)
    return int(tokens.ESTIMATE_TOOLS in parts), int(tokens.ESTIMATE_MEDIA in parts)


def _encoded_outputs(columns: dict) -> tuple[str | None, str | None]:
    return tuple(None if columns[key] is None else chatformat.dumps_compact(columns[key])
                 for key in ("preferred_output", "non_preferred_output"))


class _Writer:
    """Writes the prepared batches on a thread of its own (with its own connection, which
    gives way to waiting writers: Store.bulk_writes). The importing thread waits while a
    batch is written (see submit): overlapping them made the writer hold the write lock
    while it waited for the GIL row by row.

    Batches go in order, each its own short transaction, as before. A batch handed over
    is committed when `submit` returns, so the next batch's duplicate check finds it in
    the store."""

    def __init__(self, store: Store, pacer: Pacer, cache_kb: int = WRITER_CACHE_KB):
        self.store = store
        self.pacer = pacer
        self.cache_kb = cache_kb
        self._queue: queue.Queue = queue.Queue(maxsize=1)
        self._error: BaseException | None = None
        self._stop = False
        self._thread = threading.Thread(target=self._run, name="import-writer", daemon=True)
        self._thread.start()

    def submit(self, rows: tuple) -> None:
        """Hand over one batch (insert_encoded's arguments) and wait until it is committed;
        raises what the thread met."""
        self._raise_failure()
        done = threading.Event()
        while True:
            try:
                self._queue.put((rows, done), timeout=0.05)
                break
            except queue.Full:
                self._raise_failure()  # a thread that died takes nothing more
        # Wait until the batch is written. The thread holds the write lock while its
        # executemany needs the GIL for every row; an importing thread busy in Python at
        # the same time made it wait a switch interval (5 ms) per row, so under two
        # imports one transaction held the lock 0.7 s and a rating waited as long
        # (bench/concurrent_use.py --trace). Waiting here keeps the GIL free for it.
        while not done.wait(0.05):
            self._raise_failure()

    def finish(self) -> None:
        """Wait until every batch handed over is committed; raises what the thread met."""
        while self._thread.is_alive():  # a thread that died leaves its last batch queued
            try:
                self._queue.put(None, timeout=0.05)
                break
            except queue.Full:
                continue
        self._thread.join()
        self._raise_failure()

    def abandon(self) -> None:
        """Stop after the transaction under way (the import is failing or cancelled)."""
        self._stop = True
        try:
            self._queue.get_nowait()  # a waiting batch is dropped
        except queue.Empty:
            pass
        try:
            self._queue.put_nowait(None)
        except queue.Full:
            pass
        self._thread.join()

    def _raise_failure(self) -> None:
        if self._error is not None:
            raise self._error

    def _run(self) -> None:
        checkpointer = None
        try:
            with self.store.bulk_writes():  # this thread's connection also gives way to waiting writers
                # its commits leave the log to the checkpointer (see _Checkpointer)
                self.store.db.execute("PRAGMA wal_autocheckpoint = 0")
                self.store.db.execute(f"PRAGMA cache_size = -{int(self.cache_kb)}")
                # examples has triggers, so each row's INSERT keeps a statement journal (to
                # undo that row alone); in memory instead of a temporary file: -25% per row
                self.store.db.execute("PRAGMA temp_store = MEMORY")
                checkpointer = _Checkpointer(self.store)
                while not self._stop:
                    item = self._queue.get()
                    if item is None:
                        return
                    rows, done = item
                    self.store.examples.insert_encoded(*rows)
                    if checkpointer.failed:  # its connection broke: the commits checkpoint again
                        self.store.db.execute(
                            f"PRAGMA wal_autocheckpoint = {log_pages(self.store.db.conn, BULK_CHECKPOINT_BYTES)}")
                    elif checkpointer.due():
                        checkpointer.drain()
                    conn = self.store.db.conn
                    self.pacer.aim_for(conn)
                    self.pacer.record(len(rows[0]), conn.last_hold_s)
                    done.set()
        except BaseException as exc:  # noqa: BLE001 - handed to the importing thread
            self._error = exc
        finally:
            if checkpointer is not None:
                checkpointer.stop()
            try:
                self.store.db.close()  # this thread's connection (and its write-turns file)
            except Exception:  # noqa: BLE001 - closing never fails the import
                pass


class _Checkpointer:
    """Copies the write-ahead log into the file on a thread and connection of its own
    while an import writes. A commit that checkpoints waits for the copy and the disk
    syncs: in the import's writer that was a third of a 100k import's time, all of it
    waiting. PASSIVE checkpoints here never wait for a lock and never block a writer
    (the app's ratings included).

    The log only starts again from its beginning when a write transaction begins after
    a checkpoint copied all of it, which a writer that never pauses does not allow: every
    RESET_BYTES of log the writer pauses for `drain` (the copy of what is left, a few MB), so
    the log stays about as small as when the writer checkpointed itself."""

    #: seconds between checkpoints; the writer commits about every TRANSACTION_MS
    PERIOD_S = 0.2
    #: log size after which the writer lets the log be emptied
    RESET_BYTES = 2 * BULK_CHECKPOINT_BYTES

    def __init__(self, store: Store):
        self.store = store
        self.log_frames = 0  # the log's length at the last checkpoint
        self.reset_frames = log_pages(store.db.conn, self.RESET_BYTES)
        self.failed = False
        self._stop = False
        self._wake = threading.Event()
        self._drained = threading.Event()
        self._thread = threading.Thread(target=self._run, name="import-checkpointer", daemon=True)
        self._thread.start()

    def due(self) -> bool:
        return self.log_frames > self.reset_frames

    def drain(self, timeout_s: float = 5.0) -> None:
        """Wait (the caller writes nothing meanwhile) until the whole log is in the file."""
        self._drained.clear()
        self._wake.set()
        self._drained.wait(timeout_s)  # a reader keeping the log only costs its length

    def stop(self) -> None:
        self._stop = True
        self._wake.set()
        self._thread.join()

    def _run(self) -> None:
        try:
            self.store.db.conn.be_present(False)  # part of the import: not someone else
            self._checkpoint_until_stopped()
        except Exception:  # noqa: BLE001 - the log is then left to the writer's commits (see _Writer)
            self.failed = True
            self._drained.set()
        finally:
            try:
                self.store.db.close()
            except Exception:  # noqa: BLE001 - closing never fails the import
                pass

    def _checkpoint_until_stopped(self) -> None:
        while not self._stop:
            self._wake.wait(self.PERIOD_S)
            self._wake.clear()
            if self._stop:
                return
            busy, log, copied = self.store.db.conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
            self.log_frames = log
            if log == copied:
                self._drained.set()


class _Importer:
    def __init__(self, store: Store, path: Path, dataset: str, skip_invalid: bool,
                 context_limit: int | None, tags_by_line: dict[int, list[str]] | None,
                 progress: Progress | None, cancelled: Callable[[], bool] | None,
                 encodings: tuple[str, ...] | None = None):
        self.store = store
        self.path = path
        self.skip_invalid = skip_invalid
        self.tags_by_line = tags_by_line or {}
        self.progress = progress
        self.cancelled = cancelled
        self.worker = _RangeWorker(context_limit, encodings or import_encodings(store))
        self.result = ImportResult(dataset=dataset, dataset_id=None, path=str(path), committed=False)
        self.batch: list[_Good] = []
        # examples per write transaction
        self.pacer = Pacer(size=200, target_ms=TRANSACTION_MS, alone_ms=ALONE_TRANSACTION_MS)
        self.rejections: list[dict] = []
        self.new_id = IdSequence()  # ids that sort together: each id index grows at one place
        self.examples = 0
        self.window: list[tuple] = []  # rows made from batches, not written yet (_write_window)
        self.window_hashes: set[str] = set()
        self.rows_before = 0  # rows the store held when the import began (about: the highest rowid)
        self.bytes_total = 0  # the file's size, and the end of the ranges parsed so far (_scan)
        self.bytes_seen = 0
        self.tail = False  # the file's last ranges are being parsed: rows go straight out (_scan)
        self.position = 1
        self.staging_id = ""
        self.import_id = ""
        self._sha256: str | None = None  # of the source file, set when it has been read
        self._writer: _Writer | None = None  # started at the first batch (after the workers fork)

    def run(self) -> ImportResult:
        with self.store.bulk_writes():  # a rating or status change waiting goes before each batch
            return self._run()

    def _run(self) -> ImportResult:
        fmt = "csv" if self.path.suffix.lower() == ".csv" else "jsonl"
        self.staging_id = self.store.datasets.begin_staging(self.result.dataset, socket.gethostname(), os.getpid())
        self.rows_before = self.store.examples.highest_rowid()
        try:
            with self.store.transaction():
                self.import_id = self.store.datasets.start_import(self.staging_id, str(self.path.resolve()), fmt)
            self._scan(fmt)
            self._flush(last=True)
            if self._writer:
                self._writer.finish()
            checker = FileChecker()
            checker.examples = self.examples
            # The provider's 512 MB limit is on the file uploaded for training (export
            # checks it), not on what a dataset may hold: a 2 GB source imports.
            self.result.findings.extend(f for f in checker.finish(os.path.getsize(self.path))
                                        if f.code != "file_too_large")
            if self.result.errors and not self.skip_invalid:
                self.store.datasets.discard_staging(self.staging_id)
                self.result.added = 0
                return self.result
            self.store.token_totals.settle_staged_members(
                self.staging_id, Pacer(size=2000, target_ms=TRANSACTION_MS, high=50_000, alone_ms=ALONE_TRANSACTION_MS))
            self._publish()
        except BaseException:
            if self._writer:
                self._writer.abandon()
            # a decided import (see _publish) is not discarded: it is finished at next open
            self._discard_quietly()
            raise
        self.result.committed = True
        self.result.import_id = self.import_id
        return self.result

    def _publish(self) -> None:
        """One short transaction decides: the staged rows become the dataset's (a new
        dataset: at once; an existing one: the rest move in short slices after it, and
        rows the target gained meanwhile are dropped as duplicates)."""
        with self.store.transaction():
            self._write_rejections()
            # the record first: moving the first slice adjusts its counts for rows dropped
            self.store.datasets.finish_import(
                self.import_id, source_sha256=self._sha256, lines=self.result.lines,
                added=self.result.added, duplicates=self.result.duplicates, rejected=self.result.rejected)
            dataset_id, dropped = self.store.datasets.decide_publish(self.staging_id)
            self.result.added -= dropped
            self.result.duplicates += dropped
            self.result.dataset_id = dataset_id
            self.store.audit("import", "dataset", dataset_id,
                             {"path": str(self.path), "added": self.result.added,
                              "rejected": self.result.rejected, "duplicates": self.result.duplicates})
        dropped = self.store.datasets.finish_publishing(self.staging_id, Pacer(size=200, target_ms=TRANSACTION_MS))
        self.result.added -= dropped
        self.result.duplicates += dropped

    def _discard_quietly(self) -> None:
        try:
            self.store.datasets.discard_staging(self.staging_id)
        except Exception:  # noqa: BLE001 - the store may be what failed; the next open cleans up
            pass

    def _ranges(self, fmt: str):
        """(range result, line number shift, bytes done) in file order."""
        total = os.path.getsize(self.path)
        if fmt == "csv":
            try:
                out = self.worker.check_lines(chatformat.iter_csv(self.path), _RangeResult())
            except chatformat.ChatFormatError as exc:
                raise ImportFailed(str(exc)) from exc
            self._sha256 = _file_sha256(self.path)
            yield out, 0, total
            return
        parallel = chatparallel.should_fork(self.path)  # decided before the hashing thread starts
        hasher = _Sha256InBackground(self.path)
        lines_before = 0
        ranges = chatparallel.byte_ranges(self.path)
        for (out, first), (_, end) in zip(chatparallel.map_ranges(self.path, self.worker, parallel, IN_FLIGHT), ranges):
            yield out, chatparallel.shift_for(lines_before, first), end
            lines_before += out.physical_lines
        self._sha256 = hasher.hexdigest()

    def _scan(self, fmt: str) -> None:
        total = os.path.getsize(self.path)
        before = 0  # bytes reported so far
        self.bytes_total = total
        for out, shift, done in self._ranges(fmt):
            self.bytes_seen = done
            if out.last_line:
                self.result.lines = max(self.result.lines, out.last_line + shift)
            self.examples += out.examples
            n = max(1, len(out.entries))
            for i, entry in enumerate(out.entries):
                if self.progress and i and i % 500 == 0:
                    # a range holds thousands of lines: move the bar as its batches are written
                    self.progress(before + (done - before) * i // n, total)
                entry.line += shift
                if isinstance(entry, _Bad):
                    self._reject(entry)
                    continue
                entry.warnings = [replace(f, line=entry.line) for f in entry.warnings]
                self.result.findings.extend(entry.warnings)
                if self.result.errors and not self.skip_invalid:
                    continue  # the import will be discarded: keep checking, stop writing
                self.batch.append(entry)
                if len(self.batch) >= self.pacer.size:
                    self._flush()
            if self.progress:
                self.progress(done, total)
            before = done
            # Near the end the window is written while the workers still parse the last
            # ranges, and the rest goes out batch by batch: a full window written after the
            # last range had nothing to overlap with (a 100k import: about 1 s longer).
            if not self.tail and total - done <= TAIL_RANGES * chatparallel.RANGE_BYTES:
                self.tail = True
                self._flush()
            if self.cancelled and self.cancelled():
                raise ImportCancelled()

    def _reject(self, bad: _Bad) -> None:
        findings = [replace(f, line=bad.line) if f.line is not None else f for f in bad.findings]
        self.result.findings.extend(findings)
        self.result.rejected += 1
        if self.skip_invalid:
            self.rejections.append({
                "line": bad.line, "raw": bad.raw,
                "findings": [{k: v for k, v in f.to_dict().items() if k != "line"} for f in findings],
            })
            if len(self.rejections) >= BATCH:
                self._write_rejections()

    def _write_rejections(self) -> None:
        if self.rejections:
            with self.store.transaction():
                self.store.datasets.add_rejections(self.import_id, self.rejections)
            self.rejections = []

    def _flush(self, last: bool = False) -> None:
        """Turn the batch into rows for the staging dataset, kept in the sort window;
        write the window (see _write_window) once it is full, or with `last`."""
        if self.result.errors and not self.skip_invalid:
            self.batch = []
            self.window = []
            return
        if self.batch:
            self._window_rows()
        if self.window and (last or self.tail or len(self.window) >= self._window_size()):
            self._write_window()

    def _writer_cache_kb(self) -> int:
        """The writer's page cache: smaller when the store will reach SORT_FROM rows (the
        file's size times the lines per byte seen so far), so the sort window's memory
        takes its place instead of adding to it."""
        expected = self.rows_before + self.examples * self.bytes_total / max(1, self.bytes_seen)
        return SORTED_WRITER_CACHE_KB if expected >= SORT_FROM else WRITER_CACHE_KB

    def _window_size(self) -> int:
        """SORT_WINDOW once the store holds SORT_FROM rows (counting this import's), else
        1 (each batch is written as it comes): below that a transaction's rows already
        share the hash-keyed indexes' pages, and a window only delays the writing."""
        return SORT_WINDOW if self.rows_before + self.result.added >= SORT_FROM else 1

    def _window_rows(self) -> None:
        known = self.store.examples.known_hashes_in(
            self._datasets_to_dedupe(), [g.content_hash for g in self.batch])
        known |= self.window_hashes  # rows in the window are not in the store yet
        stamp = now()
        for good in self.batch:
            if good.content_hash in known:
                self.result.duplicates += 1
                continue
            known.add(good.content_hash)
            self.window_hashes.add(good.content_hash)
            example_id = self.new_id()
            line_tags = self.tags_by_line.get(good.line)
            tags = chatformat.dumps_compact(list(line_tags)) if line_tags else "[]"
            warnings = "[" + ",".join(chatformat.dumps_compact(f.to_dict()) for f in good.warnings) + "]"
            self.window.append((
                (example_id, self.staging_id, self.position, good.kind, good.messages, good.tools,
                 good.functions, good.parallel_tool_calls, good.preferred_output, good.non_preferred_output,
                 tags, "draft", "", good.content_hash, good.language, good.turns, warnings, 0,
                 len(good.warnings), self.import_id, good.line, 1, stamp, stamp),
                good.search_text,
                (self.new_id(), example_id, 1, "create", FIRST_SNAPSHOT_IS_ROW, "import", stamp),
                [(good.content_hash, name, total, trained) for name, total, trained in good.counts],
                good.parts))
            self.position += 1
            self.result.added += 1
        self.batch = []

    def _write_window(self) -> None:
        """Write the window's rows in order of content hash, one short transaction per
        pacer.size rows. The examples' hash index and token_counts are keyed by content
        hash: rows in file order put each row of a transaction on a random page of each,
        and at 1M rows a transaction dirtied nearly as many pages as it had rows. Sorted,
        each transaction covers a slice of the hash range and its pages. Positions keep
        the file's order."""
        if self._writer is None:
            self._writer = _Writer(self.store, self.pacer, self._writer_cache_kb())
        if self._window_size() > 1:  # a small store's rows keep the file's order
            self.window.sort(key=lambda row: row[0][_HASH_COLUMN])
        rows, self.window = self.window, []
        self.window_hashes = set()
        start = 0
        while start < len(rows):
            chunk = rows[start:start + self.pacer.size]
            start += len(chunk)
            self._writer.submit(([r[0] for r in chunk], [r[1] for r in chunk], [r[2] for r in chunk],
                                 [c for r in chunk for c in r[3]], [r[4] for r in chunk]))

    def _datasets_to_dedupe(self) -> list[str]:
        """Already in the target dataset (deleted ones included: re-importing must not
        resurrect what a user deleted) or staged by this import."""
        target = self.store.datasets.get_dataset(self.result.dataset)
        return [self.staging_id] + ([target["id"]] if target else [])


class _Sha256InBackground:
    """The file's sha256, computed by a thread while the workers parse (hashlib lets go
    of the GIL on large blocks)."""

    def __init__(self, path: Path):
        self._digest: str | None = None
        self._thread = threading.Thread(target=self._run, args=(path,), daemon=True)
        self._thread.start()

    def _run(self, path: Path) -> None:
        self._digest = _file_sha256(path)

    def hexdigest(self) -> str | None:
        self._thread.join()
        return self._digest


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


#: the app's target model (same key as screens.app and workbench.health)
TARGET_MODEL_SETTING = "tui.target_model"
DEFAULT_MODEL = "gpt-4o-mini-2024-07-18"


def import_encodings(store: Store) -> tuple[str, ...]:
    """The encodings an import counts: only the target model's. Counting every encoding
    of the catalogue was 60% of a worker's time (cl100k alone 1.7 s per 10k lines); the
    budget fills the other encoding's counts when a model using it is first asked for
    (budget.counting.dataset_counts), once per content hash."""
    from workbench.budget.catalog import resolve_model

    try:
        return (resolve_model(store, store.get_setting(TARGET_MODEL_SETTING, DEFAULT_MODEL)).encoding,)
    except Exception:  # noqa: BLE001 - an unknown or odd model name: the default model's encoding
        return ("o200k_base",)


def _refuse_unsafe(store: Store, name: str) -> None:
    """A dataset name that could become a path outside its folder, or a damaged store
    that a commit would make worse, stops the import before anything is written."""
    from workbench.paths import dataset_name_problem

    problem = dataset_name_problem(name) if store.datasets.get_dataset(name) is None else None
    if problem:
        raise ImportFailed(f"{problem}.", "Choose another dataset name.")
    damage = store.integrity_problems(limit=3)
    if damage:
        raise ImportFailed(f"{store.path}: the store is damaged ({'; '.join(damage)}); nothing was imported.",
                           "Run `workbench doctor` and restore a good copy.")


def import_file(store: Store, path: Path | str, dataset: str | None = None, *, skip_invalid: bool = False,
                context_limit: int | None = None, tags_by_line: dict[int, list[str]] | None = None,
                progress: Progress | None = None, cancelled: Callable[[], bool] | None = None,
                encodings: tuple[str, ...] | None = None) -> ImportResult:
    """Import a JSONL (or .csv prompt/response) file into `dataset` (default: the file's stem).
    Token counts are stored for `encodings` (default: the target model's, import_encodings)."""
    path = Path(path)
    if not path.is_file():
        raise ImportFailed(f"{path}: no such file; check the path.")
    if not os.access(path, os.R_OK):
        raise ImportFailed(f"{path}: not readable; check its permissions.")
    name = dataset or path.stem
    _refuse_unsafe(store, name)
    return _Importer(store, path, name, skip_invalid, context_limit, tags_by_line, progress, cancelled,
                     encodings).run()
