"""No traceback on screen: an unexpected error in a key action becomes a notification.

Textual stops a screen's message loop when a handler raises, so screens wrap their
actions and dialog callbacks here: the error is written to crash.log in the cache folder
and shown as one line; the screen keeps working and the store is unchanged (every edit
is one transaction).
"""

from __future__ import annotations

import functools
import inspect


def report(node, exc: BaseException) -> None:
    """A problem the user can act on (a WorkbenchError) is shown in the app's words; any
    other error is logged to crash.log and summarised in one line."""
    from screens.dialogs import app_message
    from workbench import paths
    from workbench.errors import WorkbenchError

    if isinstance(exc, WorkbenchError):
        node.app.notify(app_message(exc), severity="warning", timeout=12)
        return
    log = paths.write_crash_log(exc)
    where = f" (details in {log})" if log else ""
    node.app.notify(f"That did not work: {type(exc).__name__}: {exc}{where}. Nothing was half-saved.",
                    severity="error", timeout=12)


def guard(method):
    """Wrap one method (action or callback, sync or async) of a DOM node."""
    if inspect.iscoroutinefunction(method):
        @functools.wraps(method)
        async def async_wrapper(self, *args, **kwargs):
            try:
                return await method(self, *args, **kwargs)
            except Exception as exc:  # noqa: BLE001 - the point of this wrapper
                report(self, exc)
                return None

        return async_wrapper

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
