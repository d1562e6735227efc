"""Provider records (where models are trained or served) and their uploaded files.

Reached as `store.providers`. Rows never hold a secret: keys live in the OS keyring.
"""

from __future__ import annotations

from store.base import Queries, decode_json_columns
from store.db import new_id, now, to_json


class ProviderQueries(Queries):
    """Queries of `store.providers`."""

    def add_provider(self, name: str, kind: str, base_url: str | None = None, api_version: str | None = None,
                     organization: str | None = None, keyring_service: str | None = None,
                     options: dict | None = None) -> dict:
        row = {"id": new_id(), "name": name, "kind": kind, "base_url": base_url, "api_version": api_version,
               "organization": organization, "keyring_service": keyring_service,
               "options": to_json(options or {}), "created_at": now()}
        self.db["providers"].insert(row)
        return self.get_provider(name)

    def get_provider(self, name_or_id: str) -> dict | None:
        row = self._one("SELECT * FROM providers WHERE name = ? OR id = ?", [name_or_id, name_or_id])
        return decode_json_columns(row, "options")

    def list_providers(self) -> list[dict]:
        return [decode_json_columns(r, "options") for r in self._rows("SELECT * FROM providers ORDER BY name")]

    def provider_in_use(self, provider_id: str) -> bool:
        return bool(self._scalar("SELECT 1 FROM jobs WHERE provider_id = ? LIMIT 1", [provider_id]))

    def remove_provider(self, provider_id: str) -> None:
        with self.transaction():
            self.db.execute("DELETE FROM provider_files WHERE provider_id = ?", [provider_id])
            self.db.execute("DELETE FROM providers WHERE id = ?", [provider_id])

    # ------------------------------------------------------------------ uploaded files

    def uploaded_file(self, provider_id: str, version_sha256: str, split: str) -> str | None:
        return self._scalar("SELECT file_id FROM provider_files WHERE provider_id = ? AND version_sha256 = ? "
                            "AND split = ?", [provider_id, version_sha256, split])

    def remember_file(self, provider_id: str, version_sha256: str, split: str, file_id: str,
                      size: int | None = None) -> None:
        self.db.execute(
            "INSERT INTO provider_files(provider_id, version_sha256, split, file_id, bytes, created_at) "
            "VALUES (?,?,?,?,?,?) ON CONFLICT(provider_id, version_sha256, split) DO UPDATE SET "
            "file_id = excluded.file_id, bytes = excluded.bytes, created_at = excluded.created_at",
            [provider_id, version_sha256, split, file_id, size, now()])

    def forget_file(self, provider_id: str, file_id: str) -> None:
        self.db.execute("DELETE FROM provider_files WHERE provider_id = ? AND file_id = ?", [provider_id, file_id])

    # ------------------------------------------------------------------ training catalogue

    def catalogue(self, provider_kind: str) -> list[dict]:
        """What a kind of provider trains: base models, limits, prices, rules."""
        return self._rows("SELECT * FROM training_catalogue WHERE provider_kind = ? ORDER BY base_model",
                          [provider_kind])

    def catalogue_row(self, provider_kind: str, base_model: str) -> dict | None:
        return self._one("SELECT * FROM training_catalogue WHERE provider_kind = ? AND base_model = ?",
                         [provider_kind, base_model])

    def set_catalogue_row(self, provider_kind: str, base_model: str, changes: dict) -> None:
        """Change a row's columns (names checked by the caller), or add the row; marks it a user's."""
        stamp = now()
        with self.transaction():
            if self.catalogue_row(provider_kind, base_model) is None:
                self.db["training_catalogue"].insert({"id": new_id(), "provider_kind": provider_kind,
                                                      "base_model": base_model, **changes, "source": "user",
                                                      "updated_at": stamp})
                return
            assignments = [f"{column} = ?" for column in changes] + ["source = 'user'", "updated_at = ?"]
            self.db.execute(f"UPDATE training_catalogue SET {', '.join(assignments)} "
                            "WHERE provider_kind = ? AND base_model = ?",
                            [*changes.values(), stamp, provider_kind, base_model])
