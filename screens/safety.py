"""No traceback on screen: an unexpected error in a key action becomes a notification.

Textual stops a screen's message loop when a handler raises, so screens wrap their
actions and dialog callbacks here: the error is written to crash.log in the cache folder
and shown as one line; the screen keeps working and the store is unchanged (every edit
is one transaction).
"""

from __future__ import annotations

import functools
import inspect
import traceback


def report(node, exc: BaseException) -> None:
    from workbench import paths

    try:
        log = paths.cache_dir() / "crash.log"
        with open(log, "a", encoding="utf-8") as handle:
            handle.write("".join(traceback.format_exception(type(exc), exc, exc.__traceback__)) + "\n")
        where = f" (details in {log})"
    except OSError:
        where = ""
    node.app.notify(f"That did not work: {type(exc).__name__}: {exc}{where}. Nothing was half-saved.",
                    severity="error", timeout=12)


def guard(method):
    """Wrap one sync method (action or callback) of a DOM node."""
    if inspect.iscoroutinefunction(method):
        return method

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except Exception as exc:  # noqa: BLE001 - the point of this wrapper
            report(self, exc)
            return None

    return wrapper


def guard_callback(node, callback):
    """Wrap a closure (e.g. a dialog's result callback) the same way."""
    @functools.wraps(callback)
    def wrapper(*args, **kwargs):
        try:
            return callback(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001
            report(node, exc)
            return None

    return wrapper


def guarded(cls):
    """Class decorator: guard every action_* method defined on the class."""
    for name, value in list(vars(cls).items()):
        if name.startswith("action_") and callable(value):
            setattr(cls, name, guard(value))
    return cls
