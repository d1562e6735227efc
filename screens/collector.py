"""The garbage collector's pauses on the UI thread (issue 9 item 6, "UI never blocked").

Python's cyclic collector runs in whichever thread allocates when a threshold is
crossed, holding the GIL, and a full (generation-2) collection walks every tracked
object. The running app holds ~140,000 of them (Textual, rich, the workbench's modules
and classes, the screens' widgets), so one full collection took 75-105 ms of the UI
thread's CPU (bench/concurrent_use.py): the one long frame of a session, whatever the
user was doing.

Almost all of those objects live as long as the app does. `gc.freeze()` moves every
tracked object into a permanent generation that collections skip (CPython's own advice
for long-lived start-up state): after it a full collection walks only what was made
since (~3 ms after 40 approvals). The app freezes once the first screen is up, again
when the tokenizer has loaded, and after any full collection that still took longer
than SLOW_FULL_COLLECTION_S (new modules and screens loaded on first use: their
survivors are long-lived too). What is frozen is never collected while the app runs, so
`stop` puts it back when the app ends (tests start many apps in one process).
"""

from __future__ import annotations

import gc
import time

#: a full collection that took longer than this (CPU of its thread) freezes its survivors
SLOW_FULL_COLLECTION_S = 0.015

_started: dict[str, float] = {}


def freeze_long_lived() -> None:
    """Move every object tracked now into the permanent generation (O(1): list moves),
    while an app runs (a worker finishing after the app ended freezes nothing)."""
    if _after_collection in gc.callbacks:
        gc.freeze()


def _after_collection(phase: str, info: dict) -> None:
    # gc.callbacks: "start"/"stop" around each collection, on the collecting thread
    if info.get("generation") != 2:
        return
    if phase == "start":
        _started["cpu"] = time.thread_time()
    elif "cpu" in _started and time.thread_time() - _started.pop("cpu") > SLOW_FULL_COLLECTION_S:
        freeze_long_lived()  # the collection is over: its survivors are the long-lived ones


def start() -> None:
    """Freeze what start-up made and keep full collections short from now on."""
    if _after_collection not in gc.callbacks:
        gc.callbacks.append(_after_collection)
    freeze_long_lived()


def stop() -> None:
    """The app ends: collections walk everything again (what was frozen can be freed)."""
    while _after_collection in gc.callbacks:
        gc.callbacks.remove(_after_collection)
    _started.clear()
    gc.unfreeze()
