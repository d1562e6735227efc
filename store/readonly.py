"""Reading a store file without opening it as a workspace: no migrations, no writes,
no sqlite-utils (whose import pulls in pandas when installed: half a second).

For commands that need only the models catalogue, such as `workbench validate`.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

#: same wait as store.db.BUSY_TIMEOUT_MS (not imported: that module loads sqlite-utils)
BUSY_TIMEOUT_MS = 10_000


def read_models_file(path: Path | str) -> list[dict] | None:
    """The models table of a store file, read-only: no migrations, no writes, no seeding.

    For commands that only need the catalogue (validating a file). None when the file,
    or its models table, does not exist (yet)."""
    path = Path(path)
    if not path.is_file():
        return None
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error:
        return None
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cursor = conn.execute("SELECT * FROM models ORDER BY name")
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row)) for row in cursor.fetchall()]
    except sqlite3.Error:
        return None
    finally:
        conn.close()
