"""The thin entry from the command line into the terminal UI.

The only module of workbench/ allowed to import `screens` (an import-linter contract
names it): it opens the store, hands it to the app, and closes it afterwards. Textual
is imported only when the app really opens, so the other commands start fast.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path


def import_sqlite_utils_lightly() -> None:
    """sqlite-utils imports pandas and numpy (~0.5 s) only to map their types in
    inserts, which the store never does. Import it with both hidden so the first
    screen paints sooner; they stay importable for anything that needs them later.
    Called explicitly by the launcher, never as an import side effect."""
    if "sqlite_utils" in sys.modules:
        return
    hidden = [name for name in ("pandas", "numpy") if name not in sys.modules]
    for name in hidden:
        sys.modules[name] = None  # type: ignore[assignment] - makes `import name` fail fast
    try:
        importlib.import_module("sqlite_utils")
    finally:
        for name in hidden:
            sys.modules.pop(name, None)


def launch(db_path: Path | str | None = None) -> int:
    """Open the store and run the app on it; returns the exit code."""
    import_sqlite_utils_lightly()
    from workbench.errors import WorkbenchError
    from workbench.workspace import open_store

    try:
        store = open_store(db_path)
    except WorkbenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    from screens.app import run_app

    try:
        return run_app(store)
    finally:
        store.close()
