"""The editable model catalogue: context limits, prices, encodings.

Reached as `store.models`; every method runs on the calling thread's connection.
"""

from __future__ import annotations

from typing import Iterable

from store.base import Queries
from store.db import new_id, now


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
