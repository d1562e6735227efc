"""Scanning many texts on several cores.

Each worker process builds its analyzer once (the pool's initializer, which also lowers
its CPU priority: see workbench.chat.parallel.BULK_NICE) and then takes
chunks of (text, language) pairs. Results come back in input order, chunk by chunk, so
a caller can report progress and stop early: closing the iterator cancels the chunks
not yet started. Workers are started with "spawn" everywhere: forking a process that
runs threads (the TUI does) can deadlock, and spawn is what macOS and Windows use anyway.
"""

from __future__ import annotations

import multiprocessing
import signal
import threading
import warnings
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from concurrent.futures.process import BrokenProcessPool
from itertools import chain, islice

from workbench.chat.parallel import lower_priority
from workbench.pii.analyzer import AnalyzerConfig, PiiAnalyzer
from workbench.pii.spans import Span

_worker_analyzer: PiiAnalyzer | None = None


def _init_worker(config: AnalyzerConfig) -> None:
    """Build this worker's analyzer. Ctrl+C reaches every process of the terminal's
    process group: the workers ignore it and the parent, which owns the scan, stops it
    (closing the pool); otherwise each worker printed a KeyboardInterrupt traceback."""
    global _worker_analyzer
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    lower_priority()  # a bulk worker: the TUI (or whatever else runs) comes first
    _worker_analyzer = PiiAnalyzer(config)


@contextmanager
def _sigint_ignored() -> Iterator[None]:
    """Ignore Ctrl+C in this process while worker processes are started, so they start
    ignoring it too: a SIGINT that lands while a spawned worker is still importing (before
    its initializer runs) printed a KeyboardInterrupt traceback per worker. Only the main
    thread may change signal handlers; elsewhere (the TUI's scan thread, where Textual
    reads Ctrl+C as a key) nothing is changed."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _analyze_chunk(chunk: list[tuple[str, str | None]]) -> list[list[Span]]:
    assert _worker_analyzer is not None, "worker initializer did not run"
    return [_worker_analyzer.analyze(text, language) for text, language in chunk]


def _chunks(items: Iterable[tuple[str, str | None]], size: int) -> Iterator[list[tuple[str, str | None]]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def iter_analyze_many(config: AnalyzerConfig, items: Iterable[tuple[str, str | None]], workers: int = 2,
                      chunk_size: int = 256, analyzer: PiiAnalyzer | None = None
                      ) -> Iterator[tuple[int, list[Span]]]:
    """Yield (index, spans) for every item, in input order.

    With workers <= 1, or when everything fits in one chunk, the scan runs in this
    process (with `analyzer` if given): starting a worker costs about a second."""
    chunks = _chunks(items, max(1, chunk_size))
    first = next(chunks, None)
    if first is None:
        return
    second = next(chunks, None)
    if workers <= 1 or second is None:
        local = analyzer or PiiAnalyzer(config)
        index = 0
        for chunk in chain([first], [second] if second else [], chunks):
            for text, language in chunk:
                yield index, local.analyze(text, language)
                index += 1
        return

    context = multiprocessing.get_context("spawn")
    pending: deque[tuple[Future, list]] = deque()
    source = chain([first, second], chunks)
    index = 0
    with _sigint_ignored():  # the workers start here (first submits) and inherit "ignore Ctrl+C"
        executor = ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_init_worker,
                                       initargs=(config,))
    try:
        def submit_next() -> bool:
            chunk = next(source, None)
            if chunk is None:
                return False
            pending.append((executor.submit(_analyze_chunk, chunk), chunk))
            return True

        with _sigint_ignored():
            for _ in range(workers * 2):  # keep the workers busy, but memory bounded
                if not submit_next():
                    break
        while pending:
            future, chunk = pending[0]
            try:
                results = future.result()
            except BrokenProcessPool as error:
                # A worker died or could not start (spawn re-imports the caller's main
                # module, which fails for `python - < script`): finish here instead.
                warnings.warn(f"PII scan workers stopped ({error}); continuing in one process", RuntimeWarning,
                              stacklevel=2)
                local = analyzer or PiiAnalyzer(config)
                for _, chunk in pending:
                    for text, language in chunk:
                        yield index, local.analyze(text, language)
                        index += 1
                pending.clear()
                for chunk in source:
                    for text, language in chunk:
                        yield index, local.analyze(text, language)
                        index += 1
                return
            pending.popleft()
            submit_next()
            for spans in results:
                yield index, spans
                index += 1
    finally:
        executor.shutdown(wait=True, cancel_futures=True)


def analyze_many(items: Iterable[tuple[str, str | None]], workers: int = 2, chunk_size: int = 256,
                 analyzer: PiiAnalyzer | None = None) -> list[list[Span]]:
    """`analyze` over many (text, language) pairs on `workers` processes, in input order.
    Without an `analyzer`, the default one (`build_analyzer()`) is used."""
    if analyzer is None:
        from workbench.pii.analyzer import build_analyzer

        analyzer = build_analyzer()
    return [spans for _, spans in iter_analyze_many(analyzer.config, items, workers, chunk_size, analyzer)]
