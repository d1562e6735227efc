"""Datasets, their imports (with rejected lines) and their frozen versions.

Reached as `store.datasets`; every method runs on the calling thread's connection.
"""

from __future__ import annotations

from typing import Any, Iterable, Iterator

from store.base import Queries
from store.db import from_json, new_id, now, to_json


class DatasetQueries(Queries):
    """Queries of `store.datasets`."""

    def create_dataset(self, name: str, description: str = "") -> dict:
        stamp = now()
        row = {"id": new_id(), "name": name, "description": description,
               "created_at": stamp, "updated_at": stamp, "deleted_at": None}
        self.db["datasets"].insert(row)
        return row

    def get_dataset(self, name_or_id: str) -> dict | None:
        return self._one(
            "SELECT * FROM datasets WHERE (name = ? OR id = ?) AND deleted_at IS NULL", [name_or_id, name_or_id])

    def list_datasets(self) -> list[dict]:
        return self._rows(
            """
            SELECT d.*,
                   count(e.id) AS examples,
                   coalesce(sum(e.status = 'approved'), 0) AS approved,
                   coalesce(sum(e.status = 'rejected'), 0) AS rejected,
                   coalesce(sum(e.status = 'draft'), 0) AS draft,
                   (SELECT max(number) FROM dataset_versions v WHERE v.dataset_id = d.id) AS latest_version
              FROM datasets d LEFT JOIN examples e ON e.dataset_id = d.id AND e.deleted_at IS NULL
             WHERE d.deleted_at IS NULL
             GROUP BY d.id ORDER BY d.name
            """)

    def first_dataset(self) -> dict | None:
        return self._one("SELECT * FROM datasets WHERE deleted_at IS NULL ORDER BY name LIMIT 1")

    def dataset_names(self) -> list[dict]:
        """Live datasets, cheaply (no counts): id and name."""
        return self._rows("SELECT id, name FROM datasets WHERE deleted_at IS NULL ORDER BY name")

    def dataset_tags(self, dataset_id: str) -> list[str]:
        return [r[0] for r in self.db.execute(
            """SELECT DISTINCT j.value FROM examples e, json_each(e.tags) j
                WHERE e.dataset_id = ? AND e.deleted_at IS NULL ORDER BY 1""", [dataset_id])]

    def start_import(self, dataset_id: str, source_path: str, source_format: str) -> str:
        import_id = new_id()
        self.db["imports"].insert({
            "id": import_id, "dataset_id": dataset_id, "source_path": source_path,
            "source_format": source_format, "started_at": now(),
        })
        return import_id

    def finish_import(self, import_id: str, **counts: Any) -> None:
        self.db["imports"].update(import_id, {**counts, "finished_at": now()})

    def add_rejections(self, import_id: str, rejections: Iterable[dict]) -> None:
        self.db["import_rejections"].insert_all(
            ({"id": new_id(), "import_id": import_id, "line": r["line"],
              "findings": to_json(r["findings"]), "raw": r.get("raw")} for r in rejections),
            batch_size=500)

    def rejections(self, import_id: str) -> list[dict]:
        rows = self._rows("SELECT * FROM import_rejections WHERE import_id = ? ORDER BY line", [import_id])
        for row in rows:
            row["findings"] = from_json(row["findings"])
        return rows

    def latest_version(self, dataset_id: str) -> dict | None:
        return self._one("SELECT * FROM dataset_versions WHERE dataset_id = ? ORDER BY number DESC LIMIT 1",
                         [dataset_id])

    def list_versions(self, dataset_id: str) -> list[dict]:
        return self._rows("SELECT * FROM dataset_versions WHERE dataset_id = ? ORDER BY number", [dataset_id])

    def begin_version(self, version: dict) -> dict:
        """Insert a version row (number = next for its dataset). Call inside a
        transaction together with add_version_members and complete_version."""
        number = (self._scalar("SELECT max(number) FROM dataset_versions WHERE dataset_id = ?",
                               [version["dataset_id"]]) or 0) + 1
        row = {"id": new_id(), "created_at": now(), "train_count": 0, "validation_count": 0,
               "train_sha256": "", **version, "number": number}
        self.db["dataset_versions"].insert(row)
        return row

    def add_version_members(self, version_id: str, members: Iterable[dict]) -> None:
        self.db["dataset_version_examples"].insert_all(
            ({"version_id": version_id, **m} for m in members), batch_size=500)

    def complete_version(self, version_id: str, fields: dict) -> dict:
        self.db["dataset_versions"].update(version_id, fields)
        return self._one("SELECT * FROM dataset_versions WHERE id = ?", [version_id])

    def version_lines(self, version_id: str, split: str) -> Iterator[str]:
        for (line,) in self.db.execute(
                "SELECT line FROM dataset_version_examples WHERE version_id = ? AND split = ? ORDER BY position",
                [version_id, split]):
            yield line
