"""Splitting a JSONL file by byte ranges so every core reads, parses and counts a share.

A file is cut into ranges that start at line starts; each range is handed to a worker
process (forked, so the tokenizers the parent loaded and the work function need no
pickling), and the results come back in file order with the number of physical lines
each range held, so the caller can turn range-local line numbers into file line numbers.
At most a few ranges are in flight at once: a slow consumer (the store writer) holds
the workers back instead of letting results pile up in memory.

Where fork is unavailable, or the file is small, the ranges run in this process.
"""

from __future__ import annotations

import gc
import os
import threading
from collections import deque
from pathlib import Path
from typing import Any, Callable, Iterator

#: Bytes per range: large enough that a range costs far more than its hand-over, small
#: enough that the few results in flight (parsed rows) stay a few tens of MB.
RANGE_BYTES = 2 * 1024 * 1024
#: Below this a file is done in-process: forking would cost more than it saves.
PARALLEL_MIN_BYTES = 8 * 1024 * 1024

#: (path, start, end, first) -> a picklable result; set before the pool forks.
RangeWork = Callable[[Path, int, int, bool], Any]
_work: RangeWork | None = None


#: How much lower than the process that starts them bulk worker processes run (os.nice
#: increment, capped at 19 by the OS). They parse, count and scan for as long as there is
#: input; at the same priority, two imports and a scan on two cores took the CPU from the
#: TUI for hundreds of ms at a time. Niced, they still get every idle cycle (a quiet
#: machine runs them at full speed) but yield to interactive work, as batch jobs should.
BULK_NICE = 10


def lower_priority() -> None:
    """Run this process `BULK_NICE` steps nicer than it is (a bulk worker's initializer).
    Best effort: where the OS has no nice (Windows) nothing changes."""
    try:
        os.nice(BULK_NICE)
    except (AttributeError, OSError):
        pass


def worker_count() -> int:
    return max(1, min(os.cpu_count() or 1, 8))


def _fork_available() -> bool:
    # multiprocessing is imported here, not at the top: a small file never forks, and
    # `workbench validate` must start quickly
    import multiprocessing

    return "fork" in multiprocessing.get_all_start_methods()


def should_fork(path: Path) -> bool:
    """Whether splitting this file over worker processes pays off and is safe here.

    Forking a process that runs other threads (the TUI) can copy a lock held
    mid-operation into the child: only a single-threaded process forks (ask before
    starting threads of your own)."""
    return (os.path.getsize(path) >= PARALLEL_MIN_BYTES and worker_count() > 1
            and threading.active_count() == 1 and _fork_available())


def byte_ranges(path: Path, size: int | None = None) -> list[tuple[int, int]]:
    """[start, end) ranges covering the file, each starting at the beginning of a line."""
    size = size or RANGE_BYTES
    total = os.path.getsize(path)
    ranges: list[tuple[int, int]] = []
    start = 0
    with open(path, "rb") as handle:
        while start < total:
            end = min(total, start + size)
            if end < total:
                handle.seek(end)
                handle.readline()  # move on to the next line start
                end = min(total, handle.tell())
            ranges.append((start, end))
            start = end
    return ranges


def range_lines(path: Path, start: int, end: int) -> Iterator[bytes]:
    """The raw lines (without newline) in [start, end)."""
    with open(path, "rb") as handle:
        handle.seek(start)
        done = start
        while done < end:
            raw = handle.readline()
            if not raw:
                return
            done += len(raw)
            yield raw.rstrip(b"\r\n")


def local_number(index: int, first: bool) -> int:
    """Line number used inside a range: never 1 outside the first range, so a check of
    "line 1" (the byte-order mark) only fires on the file's real first line."""
    return index + 1 if first else index + 2


def shift_for(lines_before: int, first: bool) -> int:
    """Add to a range-local number to get the file line number."""
    return lines_before if first else lines_before - 1


def _run(args: tuple[Path, int, int, bool]) -> Any:
    assert _work is not None
    return _work(*args)


def map_ranges(path: Path, work: RangeWork, parallel: bool | None = None,
               in_flight: int | None = None) -> Iterator[tuple[Any, bool]]:
    """work(path, start, end, first) for each range, results in file order."""
    global _work
    ranges = byte_ranges(path)
    tasks = [(path, start, end, index == 0) for index, (start, end) in enumerate(ranges)]
    if parallel is None:
        parallel = should_fork(path)
    if not parallel or not _fork_available() or len(tasks) < 2:
        for task in tasks:
            yield work(*task), task[3]
        return
    import multiprocessing

    _work = work
    workers = worker_count()
    limit = in_flight or workers + 1  # one result waiting per worker, one being used
    context = multiprocessing.get_context("fork")
    # Objects the parent made so far move to the permanent generation: the children's
    # garbage collector then never writes to (and so copies) their shared pages.
    gc.freeze()
    pool = context.Pool(workers, initializer=lower_priority)  # bulk work yields the CPU to the UI
    try:
        pending: deque = deque()
        queue = iter(tasks)
        for task in queue:
            pending.append((pool.apply_async(_run, (task,)), task[3]))
            if len(pending) >= limit:
                break
        while pending:
            result, first = pending.popleft()
            value = result.get()
            for task in queue:
                pending.append((pool.apply_async(_run, (task,)), task[3]))
                break
            yield value, first
    finally:
        pool.terminate()
        pool.join()
        gc.unfreeze()
        _work = None
