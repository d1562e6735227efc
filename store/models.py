"""The editable model catalogue: context limits, prices, encodings.

Reached as `store.models`; every method runs on the calling thread's connection.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Iterable

from store.base import Queries
from store.db import BUSY_TIMEOUT_MS, new_id, now


class ModelQueries(Queries):
    """Queries of `store.models`."""

    def seed_models(self, models: Iterable[dict]) -> int:
        """Insert catalogue defaults that are not there yet; never overwrite a user's edit."""
        stamp = now()
        added = 0
        with self.transaction():
            for model in models:
                if self._scalar("SELECT 1 FROM models WHERE name = ?", [model["name"]]):
                    continue
                self.db["models"].insert({"id": new_id(), "source": "default", "updated_at": stamp, **model})
                added += 1
        return added

    def list_models(self) -> list[dict]:
        return self._rows("SELECT * FROM models ORDER BY name")

    def get_model(self, name: str) -> dict | None:
        return self._one("SELECT * FROM models WHERE name = ?", [name])

    def update_model(self, name: str, changes: dict) -> None:
        """Change columns of a model row (names checked by the caller) and mark it user-edited."""
        assignments = [f"{column} = ?" for column in changes] + ["source = 'user'", "updated_at = ?"]
        self.db.execute(f"UPDATE models SET {', '.join(assignments)} WHERE name = ?",
                        [*changes.values(), now(), name])


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
