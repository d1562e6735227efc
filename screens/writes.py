"""The app's queue of writes: a rating or a status change is never lost and never
freezes the screen when another process (an import, a scan) holds the store's write
lock.

A write is tried once on the app's thread when the write lock is free at that moment
(the usual case: the screen updates at once); the app's thread never waits for the
lock (a wait there froze the screen for up to ~45 ms per write under two imports,
bench/concurrent_use.py). Otherwise the write runs in order on one background thread
(with its own connection), which waits (the busy timeout) and retries with a growing
pause until it succeeds. A write still waiting after PENDING_NOTICE_S is shown as
pending (and, once written, as saved); a shorter wait is not worth a notice. The screen
that queued a write gets `done(result)` or `failed(error)` back on the app's thread.
An action whose target depends on an earlier write's outcome (the next row after an
approval) runs through `when_idle`, after the writes before it.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Callable


@dataclass
class PendingWrite:
    label: str
    run: Callable[[], Any]
    done: Callable[[Any], None] | None = None
    failed: Callable[[BaseException], None] | None = None
    attempts: int = 0
    queued_at: float = field(default_factory=time.monotonic)
    announced: bool = False  # shown as pending: say when it is saved


class WriteQueue:
    """One per app. `submit` returns at once; `pending()` lists what waits."""

    RETRY_PAUSES = (0.05, 0.1, 0.25, 0.5, 1.0)

    def __init__(self, app) -> None:
        self.app = app
        self._items: deque[PendingWrite] = deque()
        self._lock = threading.Condition()
        self._thread: threading.Thread | None = None
        self._closed = False
        self._after_idle: list[Callable[[], None]] = []  # when_idle actions waiting for the queue to drain
        self.busy_retries = 0  # how often a write met a busy store (shown, and read by tests)

    #: how long the app's own thread may wait for the write lock before queueing instead:
    #: not at all (one look; the background thread does the waiting)
    QUICK_WAIT_MS = 0
    #: a queued write still waiting after this long is shown as pending
    PENDING_NOTICE_S = 0.5

    def submit(self, label: str, run: Callable[[], Any], done: Callable[[Any], None] | None = None,
               failed: Callable[[BaseException], None] | None = None) -> None:
        """Write now when the store is free (the usual case: the screen updates at once),
        else queue it for the background thread."""
        from workbench.workspace import is_busy

        if not self.pending() and threading.current_thread() is threading.main_thread():
            try:
                with self.app.store.busy_timeout(self.QUICK_WAIT_MS):
                    result = run()
            except Exception as exc:  # noqa: BLE001 - busy: queued below; anything else: reported
                if not is_busy(exc):
                    if failed:
                        failed(exc)
                    return
                self.busy_retries += 1
            else:
                if done:
                    done(result)
                return
        self._enqueue(PendingWrite(label, run, done, failed))
        self._notice_later()

    def when_idle(self, action: Callable[[], None]) -> None:
        """Run `action` on the app's thread now if no write waits, else right after the
        waiting writes (and their `done`): an approval pressed while the previous one is
        still queued must act on the row that one moved to, not approve it again."""
        with self._lock:
            if self._items or self._after_idle:  # behind earlier ones still to run, too
                self._after_idle.append(action)
                return
        action()

    def _notice_later(self) -> None:
        try:
            self.app.set_timer(self.PENDING_NOTICE_S, self._show_pending)
        except Exception:  # noqa: BLE001 - no running app (closing): nothing to show
            pass

    def start(self) -> None:
        """Start the background thread and open its connection now, while the app is idle
        (after the first frame): begun at the first write that met a busy store, the
        thread's start and its connection's opening held the GIL while the app's thread
        waited, the longest wait of a session (40-80 ms, bench/concurrent_use.py)."""
        with self._lock:
            self._ensure_thread()

    def _ensure_thread(self) -> None:
        # with self._lock held
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._work, name="workbench-writes", daemon=True)
            self._thread.start()

    def _enqueue(self, item: PendingWrite) -> None:
        with self._lock:
            self._items.append(item)
            self._ensure_thread()
            self._lock.notify()

    def pending(self) -> list[str]:
        with self._lock:
            return [item.label for item in self._items]

    def wait_idle(self, timeout: float = 60.0) -> bool:
        """Block until every queued write is written (tests, and the app before it exits)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if not self._items:
                    return True
            time.sleep(0.02)
        return False

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._lock.notify()

    def _work(self) -> None:
        from workbench.workspace import is_busy, open_thread_connection

        try:
            open_thread_connection(self.app.store)  # before any write needs it
        except Exception:  # noqa: BLE001 - the first write opens it and reports a problem
            pass
        while True:
            with self._lock:
                while not self._items and not self._closed:
                    self._lock.wait(timeout=1.0)
                if not self._items:
                    return
                item = self._items[0]
            try:
                result = item.run()
            except Exception as exc:  # noqa: BLE001 - busy: retried; anything else: reported
                if is_busy(exc):
                    item.attempts += 1
                    self.busy_retries += 1
                    if item.attempts == 1:
                        self._tell(self._show_pending)
                    time.sleep(self.RETRY_PAUSES[min(item.attempts, len(self.RETRY_PAUSES)) - 1])
                    continue  # the same write again: order is kept
                self._pop()
                if item.failed:
                    self._tell(item.failed, exc)
                self._run_after_idle()
                continue
            self._pop()
            if item.done:
                self._tell(item.done, result)
            if item.attempts or item.announced:
                self._tell(self._show_written, item)
            self._run_after_idle()

    def _pop(self) -> None:
        with self._lock:
            self._items.popleft()

    def _run_after_idle(self) -> None:
        # in order, each on the app's thread; one may queue a write again (the store is
        # busy once more), and the rest then wait for that one
        while True:
            with self._lock:
                if self._items or not self._after_idle:
                    return
                action = self._after_idle.pop(0)
            self._tell(action)

    def _tell(self, fn: Callable, *args: Any) -> None:
        try:
            self.app.call_from_thread(fn, *args)
        except Exception:  # noqa: BLE001 - the app is gone (closing): the write itself is done
            pass

    def _show_pending(self) -> None:
        now = time.monotonic()
        with self._lock:
            due = [item for item in self._items if now - item.queued_at >= self.PENDING_NOTICE_S * 0.9
                   or item.attempts]
            for item in due:
                item.announced = True
            waiting = [item.label for item in self._items] if due else []
        if waiting:
            self.app.notify(f"Store busy (another program is writing): {len(waiting)} change(s) pending — "
                            f"{', '.join(waiting[:3])}. They are saved as soon as it lets go.",
                            title="Pending", severity="warning", timeout=3)

    def _show_written(self, item: PendingWrite) -> None:
        self.app.notify(f"Saved after the store was busy: {item.label}.", timeout=3)


def writes_of(app) -> WriteQueue:
    """The app's write queue (made on first use for apps that host a screen alone)."""
    queue = getattr(app, "writes", None)
    if queue is None:
        queue = app.writes = WriteQueue(app)
    return queue
