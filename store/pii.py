"""Personal-data scans, findings and decisions. Findings point at spans (message
index, offsets) and carry a keyed hash of the value, never the value.

Reached as `store.pii`; every method runs on the calling thread's connection.
"""

from __future__ import annotations

from typing import Any, Iterable

from store.base import Queries
from store.db import from_json, new_id, now


class PiiQueries(Queries):
    """Queries of `store.pii`."""

    def examples_to_scan(self, dataset_id: str, engine: str) -> list[dict]:
        """Live examples never scanned, changed since their scan, or scanned by another engine
        (their text columns decoded)."""
        rows = self._rows(
            """SELECT e.id, e.messages, e.preferred_output, e.non_preferred_output, e.language, e.content_hash
                 FROM examples e LEFT JOIN pii_scans s ON s.example_id = e.id
                WHERE e.dataset_id = ? AND e.deleted_at IS NULL
                  AND (s.example_id IS NULL OR s.content_hash != e.content_hash OR s.engine != ?)
                ORDER BY e.position""", [dataset_id, engine])
        for row in rows:
            for column in ("messages", "preferred_output", "non_preferred_output"):
                row[column] = from_json(row[column])
        return rows

    def replace_findings(self, example_id: str, content_hash: str, engine: str, findings: list[dict]) -> None:
        """The findings of one scanned example, replacing its earlier ones, with the scan mark."""
        stamp = now()
        with self.transaction():
            self.db.execute("DELETE FROM pii_findings WHERE example_id = ?", [example_id])
            self.db["pii_findings"].insert_all(
                ({"id": new_id(), "example_id": example_id, "content_hash": content_hash, "created_at": stamp,
                  "decided_at": stamp if f.get("decision", "pending") != "pending" else None, **f}
                 for f in findings), batch_size=200)
            self.db.execute(
                "INSERT INTO pii_scans(example_id, content_hash, scanned_at, engine) VALUES (?,?,?,?) "
                "ON CONFLICT(example_id) DO UPDATE SET content_hash = excluded.content_hash, "
                "scanned_at = excluded.scanned_at, engine = excluded.engine",
                [example_id, content_hash, stamp, engine])

    def dismissed_values(self) -> set[tuple[str, str]]:
        return {(h, e) for h, e in self.db.execute("SELECT value_hash, entity FROM pii_dismissals")}

    def pii_findings(self, dataset_id: str, decision: str | None = None, entity: str | None = None,
                     example_id: str | None = None) -> list[dict]:
        sql = """SELECT f.*, e.position FROM pii_findings f JOIN examples e ON e.id = f.example_id
                  WHERE e.dataset_id = ? AND e.deleted_at IS NULL AND f.content_hash = e.content_hash"""
        params: list[Any] = [dataset_id]
        for column, value in (("f.decision", decision), ("f.entity", entity), ("f.example_id", example_id)):
            if value is not None:
                sql += f" AND {column} = ?"
                params.append(value)
        return self._rows(sql + " ORDER BY e.position, f.message_index, f.start", params)

    def pii_summary(self, dataset_id: str) -> list[dict]:
        return self._rows(
            """SELECT f.entity, f.decision, count(*) AS findings, count(DISTINCT f.value_hash) AS distinct_values,
                      count(DISTINCT f.example_id) AS examples
                 FROM pii_findings f JOIN examples e ON e.id = f.example_id
                WHERE e.dataset_id = ? AND e.deleted_at IS NULL AND f.content_hash = e.content_hash
                GROUP BY f.entity, f.decision ORDER BY f.entity, f.decision""", [dataset_id])

    def decide_findings(self, ids: Iterable[str], decision: str) -> int:
        ids = list(ids)
        stamp = now()
        with self.transaction():
            for start in range(0, len(ids), 500):
                chunk = ids[start:start + 500]
                self.db.execute(
                    f"UPDATE pii_findings SET decision = ?, decided_at = ? WHERE id IN ({','.join('?' * len(chunk))})",
                    [decision, stamp, *chunk])
        return len(ids)

    def remember_dismissals(self, dataset_id: str, values: Iterable[tuple[str, str]]) -> None:
        self.db.conn.executemany(
            "INSERT OR IGNORE INTO pii_dismissals(value_hash, entity, dataset_id, created_at) VALUES (?,?,?,?)",
            [(h, e, dataset_id, now()) for h, e in values])

    def unscanned_or_stale(self, example_ids: list[str]) -> list[str]:
        stale = []
        for start in range(0, len(example_ids), 500):
            chunk = example_ids[start:start + 500]
            stale += [r[0] for r in self.db.execute(
                f"""SELECT e.id FROM examples e LEFT JOIN pii_scans s ON s.example_id = e.id
                     WHERE e.id IN ({','.join('?' * len(chunk))})
                       AND (s.example_id IS NULL OR s.content_hash != e.content_hash)""", chunk)]
        return stale

    def purge_revisions_before(self, example_id: str, revision: int) -> int:
        """Delete an example's revisions older than `revision` (they hold redacted values)."""
        cursor = self.db.execute("DELETE FROM example_revisions WHERE example_id = ? AND revision < ?",
                                 [example_id, revision])
        return cursor.rowcount

    def scrub_free_space(self) -> None:
        """Make deleted text unrecoverable from the file: merge the search index's segments
        (old terms go) and checkpoint the WAL. secure_delete is on for every connection, so
        freed pages are zeroed."""
        self.db.execute("INSERT INTO examples_fts(examples_fts) VALUES ('optimize')")
        self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
