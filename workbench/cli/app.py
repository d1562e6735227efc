"""The thin entry from the command line into the terminal UI.

The only module of workbench/ allowed to import `screens` (an import-linter contract
names it): it opens the store, hands it to the app, and closes it afterwards. Textual
is imported only when the app really opens, so the other commands start fast.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys
from pathlib import Path


#: Imported by sqlite-utils at its own import for functions the store never calls:
#: loaded on first use instead (see import_sqlite_utils_lightly).
LOADED_ON_FIRST_USE = ("dateutil.parser",)


class _OnFirstUse(importlib.abc.MetaPathFinder):
    """Finds LOADED_ON_FIRST_USE modules with a LazyLoader: the module object exists at
    once and runs its code when an attribute is first read."""

    def find_spec(self, name, path, target=None):
        if not any(name == lazy or name.startswith(lazy + ".") for lazy in LOADED_ON_FIRST_USE):
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is not None and spec.loader is not None and hasattr(spec.loader, "exec_module"):
            spec.loader = importlib.util.LazyLoader(spec.loader)
        return spec


def import_sqlite_utils_lightly() -> None:
    """sqlite-utils imports pandas and numpy (~0.5 s) only to map their types in
    inserts, which the store never does. Import it with both hidden so the first
    screen paints sooner; they stay importable for anything that needs them later.
    Its recipes (`sqlite-utils convert`) import dateutil's parser (~10 ms): that one
    loads on first use. Called explicitly by the launcher, never as an import side
    effect."""
    if "sqlite_utils" in sys.modules:
        return
    hidden = [name for name in ("pandas", "numpy") if name not in sys.modules]
    for name in hidden:
        sys.modules[name] = None  # type: ignore[assignment] - makes `import name` fail fast
    finder = _OnFirstUse()
    sys.meta_path.insert(0, finder)
    try:
        importlib.import_module("sqlite_utils")
    finally:
        sys.meta_path.remove(finder)
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
