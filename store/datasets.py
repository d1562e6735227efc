"""Datasets, their imports (with rejected lines) and their frozen versions.

Reached as `store.datasets`; every method runs on the calling thread's connection.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable, Iterator

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

    def add_version_lines(self, version_id: str, rows: Iterable[tuple]) -> None:
        """Freeze members given as (example_id, split, position, content_hash, line)
        tuples: one prepared INSERT, no per-row dicts (an export of a million rows)."""
        self.db.conn.executemany(
            "INSERT INTO dataset_version_examples(version_id, example_id, split, position, content_hash, line) "
            "VALUES (?, ?, ?, ?, ?, ?)", ((version_id, *row) for row in rows))

    def complete_version(self, version_id: str, fields: dict) -> dict:
        self.db["dataset_versions"].update(version_id, fields)
        return self._one("SELECT * FROM dataset_versions WHERE id = ?", [version_id])

    def version_lines(self, version_id: str, split: str) -> Iterator[str]:
        for (line,) in self.db.execute(
                "SELECT line FROM dataset_version_examples WHERE version_id = ? AND split = ? ORDER BY position",
                [version_id, split]):
            yield line

    # ------------------------------------------------------------------ import staging
    #
    # A long import writes in short transactions into a hidden staging dataset (a
    # datasets row with deleted_at set, so every list and lookup skips it) and makes it
    # visible in one short final step. Another writer (the app, a scan, a second
    # import) waits at most one batch. Rows of a killed import stay hidden and are
    # removed the next time any process opens the store. Into a dataset that already
    # has rows, the final step decides and moves the first slice; the rest move in
    # short slices after it (and are finished at next open after a kill).

    def begin_staging(self, target_name: str, owner_host: str, owner_pid: int) -> str:
        """A hidden dataset for an import into `target_name`; returns its id."""
        stamp = now()
        staging_id = new_id()
        with self.transaction():
            self.db.execute(
                "INSERT INTO datasets(id, name, description, created_at, updated_at, deleted_at) VALUES (?,?,?,?,?,?)",
                [staging_id, f".import-staging-{staging_id}", "", stamp, stamp, stamp])
            self.db.execute(
                "INSERT INTO import_staging(dataset_id, target_name, owner_host, owner_pid, started_at) VALUES (?,?,?,?,?)",
                [staging_id, target_name, owner_host, owner_pid, stamp])
        return staging_id

    def publish_staging(self, staging_id: str) -> tuple[str, int]:
        """Make a staging dataset's rows visible as its target dataset: decide_publish in
        one transaction, then finish_publishing. Returns (dataset id, rows dropped as
        duplicates of rows the target gained meanwhile)."""
        with self.transaction():
            dataset_id, dropped = self.decide_publish(staging_id)
        return dataset_id, dropped + self.finish_publishing(staging_id)

    def decide_publish(self, staging_id: str, first_slice: int = 200) -> tuple[str, int]:
        """The step that makes an import happen (call inside a transaction, with the
        import's own bookkeeping). A new dataset: the staging row simply becomes it, in
        one cheap flip. An existing one: where the rows go is recorded and the first
        slice (the highest positions, so the app's next example comes after them)
        moves; finish_publishing moves the rest in short transactions, and a killed
        import is finished at next open. Returns (the dataset id, rows of the first slice
        dropped as duplicates of rows the target gained meanwhile; the import's record is
        adjusted, so write its counts before)."""
        target_name = self._scalar("SELECT target_name FROM import_staging WHERE dataset_id = ?", [staging_id])
        target = self.get_dataset(target_name)
        if target is None:
            self.db.execute("DELETE FROM import_staging WHERE dataset_id = ?", [staging_id])
            self.db.execute("UPDATE datasets SET name = ?, deleted_at = NULL, updated_at = ? WHERE id = ?",
                            [target_name, now(), staging_id])
            return staging_id, 0
        # after the target's rows and after the rows other imports are publishing into it
        offset = max(self._scalar("SELECT max(position) FROM examples WHERE dataset_id = ?", [target["id"]]) or 0,
                     self._scalar("SELECT max(position_end) FROM import_staging WHERE target_id = ?",
                                  [target["id"]]) or 0)
        staged_end = self._scalar("SELECT max(position) FROM examples WHERE dataset_id = ?", [staging_id]) or 0
        self.db.execute("UPDATE import_staging SET target_id = ?, position_offset = ?, position_end = ? "
                        "WHERE dataset_id = ?", [target["id"], offset, offset + staged_end, staging_id])
        self.db.execute("UPDATE datasets SET updated_at = ? WHERE id = ?", [now(), target["id"]])
        _, dropped = self._move_slice(staging_id, first_slice)
        return target["id"], dropped

    def finish_publishing(self, staging_id: str, pacer=None) -> int:
        """Move the rest of a decided import's rows into its target, one short
        transaction per slice (sized by `pacer`, a store.db.Pacer), then drop the staging
        rows. Returns the rows dropped as duplicates of rows the target already had."""
        from store.db import Pacer

        pacer = pacer or Pacer()
        dropped = 0
        while True:
            with self.transaction():
                if self._scalar("SELECT target_id FROM import_staging WHERE dataset_id = ?", [staging_id]) is None:
                    return dropped  # a new dataset (nothing to move), or already finished
                moved, gone = self._move_slice(staging_id, pacer.size)
                dropped += gone
                if not moved:
                    self.db.execute("UPDATE imports SET dataset_id = (SELECT target_id FROM import_staging "
                                    "WHERE dataset_id = ?) WHERE dataset_id = ?", [staging_id, staging_id])
                    self.db.execute("DELETE FROM import_staging WHERE dataset_id = ?", [staging_id])
                    self.db.execute("DELETE FROM datasets WHERE id = ?", [staging_id])
                    return dropped
            pacer.record(moved, self.db.conn.last_hold_s)

    def _move_slice(self, staging_id: str, limit: int) -> tuple[int, int]:
        """Move up to `limit` staged rows (highest positions first) into the target; rows
        whose content the target already holds (another import or the app added it
        meanwhile) are dropped instead. Returns (rows handled, rows dropped)."""
        target_id, offset = self.db.execute(
            "SELECT target_id, position_offset FROM import_staging WHERE dataset_id = ?", [staging_id]).fetchone()
        rows = self.db.execute("SELECT rowid, id, content_hash FROM examples WHERE dataset_id = ? "
                               "ORDER BY position DESC LIMIT ?", [staging_id, limit]).fetchall()
        if not rows:
            return 0, 0
        marks = ",".join("?" * len(rows))
        known = {r[0] for r in self.db.execute(
            f"SELECT content_hash FROM examples WHERE dataset_id = ? AND content_hash IN ({marks})",
            [target_id, *(r[2] for r in rows)])}
        doomed = [r for r in rows if r[2] in known]
        if doomed:
            ids = ",".join("?" * len(doomed))
            self.db.execute(f"DELETE FROM example_revisions WHERE example_id IN ({ids})", [r[1] for r in doomed])
            self.db.execute(f"DELETE FROM examples WHERE rowid IN ({ids})", [r[0] for r in doomed])
            self.db.execute("UPDATE imports SET added = added - ?, duplicates = duplicates + ? WHERE dataset_id = ?",
                            [len(doomed), len(doomed), staging_id])
        kept = [r[0] for r in rows if r[2] not in known]
        if kept:
            self.db.execute(f"UPDATE examples SET dataset_id = ?, position = position + ? "
                            f"WHERE rowid IN ({','.join('?' * len(kept))})", [target_id, offset, *kept])
        return len(rows), len(doomed)

    def discard_staging(self, staging_id: str) -> None:
        """Remove a staging dataset and everything written into it (an import that
        failed, was cancelled or killed before it was decided; a decided one is
        finished instead, see finish_publishing)."""
        with self.transaction():
            if self._scalar("SELECT target_id FROM import_staging WHERE dataset_id = ?", [staging_id]):
                return
            rows = "SELECT id FROM examples WHERE dataset_id = ?"
            imports = "SELECT id FROM imports WHERE dataset_id = ?"
            self.db.execute(f"DELETE FROM example_revisions WHERE example_id IN ({rows})", [staging_id])
            self.db.execute("DELETE FROM examples WHERE dataset_id = ?", [staging_id])
            self.db.execute(f"DELETE FROM import_rejections WHERE import_id IN ({imports})", [staging_id])
            self.db.execute("DELETE FROM imports WHERE dataset_id = ?", [staging_id])
            self.db.execute("DELETE FROM import_staging WHERE dataset_id = ?", [staging_id])
            self.db.execute("DELETE FROM datasets WHERE id = ? AND deleted_at IS NOT NULL", [staging_id])

    def staging_leftovers(self) -> list[dict]:
        """Staging datasets still in the file: running imports, or leftovers of killed ones."""
        return self._rows("SELECT * FROM import_staging ORDER BY started_at")

    def clean_staging_leftovers(self, host: str, alive: Callable[[int], bool]) -> int:
        """Discard the staging data of imports on this host whose process is gone."""
        cleaned = 0
        for row in self.staging_leftovers():
            if row["owner_host"] == host and not alive(row["owner_pid"]):
                if row.get("target_id"):
                    self.finish_publishing(row["dataset_id"])  # decided before the kill: finish it
                else:
                    self.discard_staging(row["dataset_id"])
                cleaned += 1
        return cleaned
