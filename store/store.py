"""The Store: every read and write of the workbench's SQLite file goes through here.

Callers pass and receive plain dicts and lists (JSON columns decoded); the domain
layer (workbench/) decides what they mean. Multi-row writes run in one transaction.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable, Iterator

from sqlite_utils import Database

from store.curation import CurationQueries
from store.db import atomic, connect, from_json, migrate, new_id, now, schema_version, to_json
from store.evaluation import EvaluationQueries
from store.pii import PiiQueries

EXAMPLE_JSON_COLUMNS = ("messages", "tools", "functions", "preferred_output", "non_preferred_output", "tags", "findings")
#: Columns of an example a user edits; a revision snapshots these.
EDITABLE_COLUMNS = ("kind", "messages", "tools", "functions", "parallel_tool_calls", "preferred_output",
                    "non_preferred_output", "tags", "status", "notes", "deleted_at")


def _decode_example(row: dict) -> dict:
    for column in EXAMPLE_JSON_COLUMNS:
        if column in row and row[column] is not None:
            row[column] = from_json(row[column])
    if row.get("parallel_tool_calls") is not None:
        row["parallel_tool_calls"] = bool(row["parallel_tool_calls"])
    return row


def _encode_example(values: dict) -> dict:
    row = dict(values)
    for column in EXAMPLE_JSON_COLUMNS:
        if column in row and row[column] is not None:
            row[column] = to_json(row[column])
    if row.get("parallel_tool_calls") is not None:
        row["parallel_tool_calls"] = int(bool(row["parallel_tool_calls"]))
    return row


class Store(CurationQueries, PiiQueries, EvaluationQueries):
    """One open workbench file. Queries for each area of the product live in their own
    mixin module (store/curation.py, store/pii.py, store/evaluation.py)."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self.created = not self.path.exists()
        self.db: Database = connect(self.path)
        migrate(self.db)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def transaction(self):
        """Context manager: everything inside commits together or not at all."""
        return atomic(self.db)

    def schema_version(self) -> list[str]:
        return schema_version(self.db)

    def _rows(self, sql: str, params: Iterable[Any] = ()) -> list[dict]:
        cursor = self.db.execute(sql, list(params))
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row)) for row in cursor.fetchall()]

    def _one(self, sql: str, params: Iterable[Any] = ()) -> dict | None:
        rows = self._rows(sql, params)
        return rows[0] if rows else None

    def _scalar(self, sql: str, params: Iterable[Any] = ()) -> Any:
        row = self.db.execute(sql, list(params)).fetchone()
        return row[0] if row else None

    # ------------------------------------------------------------------ settings

    def get_setting(self, key: str, default: Any = None) -> Any:
        row = self._one("SELECT value FROM settings WHERE key = ?", [key])
        return from_json(row["value"]) if row else default

    def set_setting(self, key: str, value: Any) -> None:
        self.db.execute(
            "INSERT INTO settings(key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value", [key, to_json(value)])

    # ------------------------------------------------------------------ audit

    def audit(self, action: str, entity: str, entity_id: str | None, details: dict | None = None,
              actor: str | None = None) -> None:
        self.db.execute(
            "INSERT INTO audit_log(id, at, actor, action, entity, entity_id, details) VALUES (?,?,?,?,?,?,?)",
            [new_id(), now(), actor, action, entity, entity_id, to_json(details or {})])

    def audit_entries(self, entity: str | None = None) -> list[dict]:
        where, params = ("WHERE entity = ?", [entity]) if entity else ("", [])
        rows = self._rows(f"SELECT * FROM audit_log {where} ORDER BY at", params)
        for row in rows:
            row["details"] = from_json(row["details"])
        return rows

    # ------------------------------------------------------------------ datasets

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

    # ------------------------------------------------------------------ imports

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

    # ------------------------------------------------------------------ examples

    def next_position(self, dataset_id: str) -> int:
        return (self._scalar("SELECT max(position) FROM examples WHERE dataset_id = ?", [dataset_id]) or 0) + 1

    def known_hashes(self, dataset_id: str, hashes: Iterable[str]) -> set[str]:
        """Which of these content hashes the dataset already holds (deleted ones included:
        re-importing a file must not resurrect what a user deleted)."""
        hashes = list(hashes)
        found: set[str] = set()
        for start in range(0, len(hashes), 500):
            chunk = hashes[start:start + 500]
            marks = ",".join("?" * len(chunk))
            found.update(r[0] for r in self.db.execute(
                f"SELECT content_hash FROM examples WHERE dataset_id = ? AND content_hash IN ({marks})",
                [dataset_id, *chunk]))
        return found

    def insert_examples(self, rows: list[dict], author: str | None = None) -> None:
        """Insert examples (dicts with the examples columns, JSON as Python values) and
        their first revision, in one transaction."""
        stamp = now()
        prepared = []
        revisions = []
        for row in rows:
            values = {"id": new_id(), "created_at": stamp, "updated_at": stamp, "revision": 1, **row}
            prepared.append(_encode_example(values))
            revisions.append(self._revision_row(values, 1, "create", author, stamp))
        with self.transaction():
            self.db["examples"].insert_all(prepared, batch_size=200)
            self.db["example_revisions"].insert_all(revisions, batch_size=200)

    @staticmethod
    def _revision_row(values: dict, revision: int, action: str, author: str | None, stamp: str) -> dict:
        snapshot = {c: values.get(c) for c in EDITABLE_COLUMNS}
        return {"id": new_id(), "example_id": values["id"], "revision": revision, "action": action,
                "snapshot": to_json(snapshot), "author": author, "created_at": stamp}

    def get_example(self, example_id: str) -> dict | None:
        row = self._one("SELECT * FROM examples WHERE id = ?", [example_id])
        return _decode_example(row) if row else None

    def iter_examples(self, dataset_id: str, status: str | None = None, include_deleted: bool = False,
                      batch: int = 1000) -> Iterator[dict]:
        """Examples in dataset order, fetched in pages so memory stays flat."""
        clauses = ["dataset_id = ?"]
        params: list[Any] = [dataset_id]
        if status:
            clauses.append("status = ?")
            params.append(status)
        if not include_deleted:
            clauses.append("deleted_at IS NULL")
        where = " AND ".join(clauses)
        last = -1
        while True:
            rows = self._rows(f"SELECT * FROM examples WHERE {where} AND position > ? ORDER BY position LIMIT ?",
                              [*params, last, batch])
            if not rows:
                return
            for row in rows:
                yield _decode_example(row)
            last = rows[-1]["position"]

    def count_examples(self, dataset_id: str, status: str | None = None) -> int:
        sql = "SELECT count(*) FROM examples WHERE dataset_id = ? AND deleted_at IS NULL"
        params: list[Any] = [dataset_id]
        if status:
            sql += " AND status = ?"
            params.append(status)
        return self._scalar(sql, params)

    def update_example(self, example_id: str, changes: dict, action: str = "edit",
                       author: str | None = None) -> dict:
        """Apply changes to an example and record the new state as a revision."""
        with self.transaction():
            current = self.get_example(example_id)
            if current is None:
                raise KeyError(example_id)
            stamp = now()
            revision = current["revision"] + 1
            merged = {**current, **changes, "revision": revision, "updated_at": stamp}
            encoded = _encode_example({k: merged[k] for k in (*changes, "revision", "updated_at")})
            self.db["examples"].update(example_id, encoded)
            self.db["example_revisions"].insert(self._revision_row(merged, revision, action, author, stamp))
        return merged

    def revisions(self, example_id: str) -> list[dict]:
        rows = self._rows("SELECT * FROM example_revisions WHERE example_id = ? ORDER BY revision", [example_id])
        for row in rows:
            row["snapshot"] = from_json(row["snapshot"])
        return rows

    def search_example_ids(self, dataset_id: str, query: str, limit: int = 1000) -> list[str]:
        return [r["id"] for r in self._rows(
            """SELECT e.id FROM examples_fts f JOIN examples e ON e.rowid = f.rowid
                WHERE examples_fts MATCH ? AND e.dataset_id = ? AND e.deleted_at IS NULL
                ORDER BY e.position LIMIT ?""", [query, dataset_id, limit])]

    # ------------------------------------------------------------------ token counts

    def token_counts(self, hashes: Iterable[str], encoding: str) -> dict[str, tuple[int, int]]:
        hashes = list(hashes)
        out: dict[str, tuple[int, int]] = {}
        for start in range(0, len(hashes), 500):
            chunk = hashes[start:start + 500]
            marks = ",".join("?" * len(chunk))
            for h, total, trained in self.db.execute(
                    f"SELECT content_hash, total, trained FROM token_counts WHERE encoding = ? AND content_hash IN ({marks})",
                    [encoding, *chunk]):
                out[h] = (total, trained)
        return out

    def save_token_counts(self, rows: Iterable[tuple[str, str, int, int]]) -> None:
        """rows: (content_hash, encoding, total, trained)."""
        self.db.conn.executemany(
            "INSERT OR REPLACE INTO token_counts(content_hash, encoding, total, trained) VALUES (?,?,?,?)",
            list(rows))

    def dataset_token_counts(self, dataset_id: str, encoding: str, status: str | None = None) -> Iterator[dict]:
        """(example id, position, hash, total, trained) for every live example; total is
        NULL where no count is cached for that encoding yet."""
        sql = """SELECT e.id, e.position, e.content_hash, t.total, t.trained
                   FROM examples e LEFT JOIN token_counts t
                     ON t.content_hash = e.content_hash AND t.encoding = ?
                  WHERE e.dataset_id = ? AND e.deleted_at IS NULL"""
        params: list[Any] = [encoding, dataset_id]
        if status:
            sql += " AND e.status = ?"
            params.append(status)
        cursor = self.db.execute(sql + " ORDER BY e.position", params)
        names = [d[0] for d in cursor.description]
        for row in cursor:
            yield dict(zip(names, row))

    # ------------------------------------------------------------------ versions

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

    # ------------------------------------------------------------------ models

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
