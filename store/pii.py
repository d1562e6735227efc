"""Personal-data scans, findings and decisions. Findings point at spans (message
index, offsets) and carry a keyed hash of the value, never the value.

Reached as `store.pii`; every method runs on the calling thread's connection.
"""

from __future__ import annotations

from typing import Any, Iterable

from store.base import Queries
from store.db import from_json, new_id, now


SCRUB_SETTING = "pii_scrub_pending"  # a redaction committed, its scrub not yet complete


class PiiQueries(Queries):
    """Queries of `store.pii`."""

    def mark_scrub_pending(self) -> None:
        """Record, inside the redaction's transaction, that the file still needs a scrub."""
        self._store.set_setting(SCRUB_SETTING, True)

    def scrub_pending(self) -> bool:
        return bool(self._store.get_setting(SCRUB_SETTING))

    def run_pending_scrub(self) -> bool:
        """Finish a recorded scrub: merge the search index, checkpoint and empty the
        write-ahead log. True when the file is clean; False while another connection's
        read transaction keeps old pages alive (the mark stays, so the next open, close
        or redaction retries)."""
        if not self.scrub_pending():
            return True
        self.optimize_search_index()
        if not self._store.checkpoint():
            return False
        with self.transaction():
            self.db.execute("DELETE FROM settings WHERE key = ?", [SCRUB_SETTING])
        self._store.checkpoint()  # the mark's own change; it holds no personal data
        return True

    # The scan's selection. Triggers on `examples` (migration 0016) put every example
    # inserted, edited, undone, moved by an import, restored from the bin or given other
    # notes into `pii_scan_due`; `pii_scan_state` names the engine of the dataset's last
    # full scan. While that engine is the one in use and the full scan completed, the
    # examples to scan are exactly the due ones (an indexed lookup); otherwise a full
    # scan compares every example with its mark.

    _SCAN_COLUMNS = """e.id, e.messages, e.preferred_output, e.non_preferred_output, e.language,
                       e.content_hash, e.notes"""

    def scan_settled(self, dataset_id: str, engine: str) -> bool:
        """True when `engine` completed a full scan of the dataset: only due examples need a scan."""
        return bool(self._scalar("SELECT 1 FROM pii_scan_state WHERE dataset_id = ? AND engine = ? AND complete = 1",
                                 [dataset_id, engine]))

    def scan_due_count(self, dataset_id: str) -> int:
        return self._scalar("SELECT count(*) FROM pii_scan_due WHERE dataset_id = ?", [dataset_id]) or 0

    def examples_due(self, dataset_id: str) -> list[dict]:
        """The due examples of a settled dataset (see scan_settled), text columns decoded,
        each with the `due_token` of the change it carries."""
        return self._decoded(self._rows(
            f"""SELECT {self._SCAN_COLUMNS}, d.token AS due_token
                  FROM pii_scan_due d JOIN examples e ON e.id = d.example_id
                 WHERE d.dataset_id = ? ORDER BY e.position""", [dataset_id]))

    def begin_full_scan(self, dataset_id: str, engine: str) -> None:
        """Record, before any mark is written, that `engine` is scanning the whole dataset:
        until it completes, the dataset is not settled, and a mark another engine writes
        meanwhile leaves its example due (replace_findings)."""
        with self.transaction():
            self.db.execute(
                "INSERT INTO pii_scan_state(dataset_id, engine, complete, updated_at) VALUES (?,?,0,?) "
                "ON CONFLICT(dataset_id) DO UPDATE SET engine = excluded.engine, complete = 0, "
                "updated_at = excluded.updated_at", [dataset_id, engine, now()])

    def finish_full_scan(self, dataset_id: str, engine: str) -> None:
        """The full scan begun by `engine` covered every example (unless another engine began one since)."""
        with self.transaction():
            self.db.execute("UPDATE pii_scan_state SET complete = 1, updated_at = ? WHERE dataset_id = ? AND engine = ?",
                            [now(), dataset_id, engine])

    def examples_to_scan(self, dataset_id: str, engine: str) -> list[dict]:
        """A full scan's examples (deleted ones too: they are restorable and still in the
        file): never scanned, changed since their scan, scanned by another engine, or due
        (text columns decoded, `due_token` set for due ones). A change of notes alone does
        not change the content hash, so the scan mark also records the notes it saw."""
        rows = self._rows(
            f"""SELECT {self._SCAN_COLUMNS}, d.token AS due_token
                 FROM examples e LEFT JOIN pii_scans s ON s.example_id = e.id
                 LEFT JOIN pii_scan_due d ON d.example_id = e.id
                WHERE e.dataset_id = ?
                  AND (s.example_id IS NULL OR s.content_hash != e.content_hash OR s.engine != ?
                       OR d.example_id IS NOT NULL
                       OR (e.notes != '' AND e.updated_at > s.scanned_at))
                ORDER BY e.position""", [dataset_id, engine])
        return self._decoded(rows)

    @staticmethod
    def _decoded(rows: list[dict]) -> list[dict]:
        for row in rows:
            for column in ("messages", "preferred_output", "non_preferred_output"):
                row[column] = from_json(row[column])
        return rows

    def replace_findings(self, example_id: str, content_hash: str, engine: str, findings: list[dict],
                         due_token: int | None = None) -> None:
        """The findings of one scanned example, replacing its earlier ones, with the scan
        mark. The example stops being due only for the change the scan read (`due_token`),
        and stays due when the dataset's last full scan is by another engine."""
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
            if due_token is not None:
                self.db.execute("DELETE FROM pii_scan_due WHERE example_id = ? AND token = ?", [example_id, due_token])
            self.db.execute(
                """INSERT INTO pii_scan_due(example_id, dataset_id, token)
                   SELECT e.id, e.dataset_id, random() FROM examples e
                     JOIN pii_scan_state st ON st.dataset_id = e.dataset_id AND st.engine != ?
                    WHERE e.id = ? AND NOT EXISTS (SELECT 1 FROM pii_scan_due WHERE example_id = e.id)""",
                [engine, example_id])

    def dismissed_values(self) -> set[tuple[str, str]]:
        return {(h, e) for h, e in self.db.execute("SELECT value_hash, entity FROM pii_dismissals")}

    def pii_findings(self, dataset_id: str, decision: str | None = None, entity: str | None = None,
                     example_id: str | None = None) -> list[dict]:
        sql = """SELECT f.*, e.position, e.deleted_at IS NOT NULL AS in_bin
                   FROM pii_findings f JOIN examples e ON e.id = f.example_id
                  WHERE e.dataset_id = ? AND f.content_hash = e.content_hash"""
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
                WHERE e.dataset_id = ? AND f.content_hash = e.content_hash
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

    def forget_redacted(self, example_ids: Iterable[str]) -> None:
        """Drop the findings of values just redacted: their keyed hash is derived from a
        value that must not be recoverable."""
        ids = list(example_ids)
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            self.db.execute(f"DELETE FROM pii_findings WHERE decision = 'redact' AND example_id IN "
                            f"({','.join('?' * len(chunk))})", chunk)

    def drop_snapshot_conflicts(self, dataset_id: str) -> int:
        """Delete the snapshot conflicts of a dataset's examples: each holds the other
        side's copy of an example (its text from before this redaction)."""
        return self.db.execute(
            "DELETE FROM snapshot_conflicts WHERE example_id IN (SELECT id FROM examples WHERE dataset_id = ?)",
            [dataset_id]).rowcount

    def purge_dataset_history(self, dataset_id: str) -> int:
        """Delete every older revision of every example of the dataset (deleted ones too),
        and the undo steps that point at them: a value typed and later removed by hand
        lives on in a revision no scan of the current text sees."""
        where = "example_id IN (SELECT id FROM examples WHERE dataset_id = ?)"
        purged = self.db.execute(
            f"""DELETE FROM example_revisions WHERE {where}
                   AND revision < (SELECT e.revision FROM examples e WHERE e.id = example_id)""",
            [dataset_id]).rowcount
        self.db.execute(f"DELETE FROM edit_log WHERE {where}", [dataset_id])
        return purged

    def drop_rejections(self, dataset_id: str) -> int:
        """Delete the rejected lines kept from the dataset's imports (raw text of the line)."""
        return self.db.execute(
            "DELETE FROM import_rejections WHERE import_id IN (SELECT id FROM imports WHERE dataset_id = ?)",
            [dataset_id]).rowcount

    def copies_made_before(self, dataset_id: str, stamp: str) -> list[dict]:
        """Frozen copies of the dataset's text made before `stamp` (a redaction): dataset
        versions with their lines, golden sets with prompts taken from its examples."""
        versions = self._rows(
            """SELECT 'version' AS kind, v.id, 'v' || v.number AS name, v.created_at FROM dataset_versions v
                WHERE v.dataset_id = ? AND v.created_at < ?
                  AND EXISTS (SELECT 1 FROM dataset_version_examples m WHERE m.version_id = v.id)
                ORDER BY v.number""", [dataset_id, stamp])
        golden = self._rows(
            """SELECT 'golden' AS kind, g.id, g.name, min(p.created_at) AS created_at
                 FROM golden_sets g JOIN golden_prompts p ON p.golden_set_id = g.id
                 JOIN examples e ON e.id = p.source_example_id
                WHERE e.dataset_id = ? AND p.created_at < ?
                GROUP BY g.id ORDER BY g.name""", [dataset_id, stamp])
        return versions + golden

    def last_redaction(self, dataset_id: str) -> str | None:
        return self._scalar("SELECT max(at) FROM audit_log WHERE action = 'pii_redact' AND entity_id = ?",
                            [dataset_id])

    def optimize_search_index(self) -> None:
        """Merge the search index's segments: terms of deleted or replaced text go."""
        self.db.execute("INSERT INTO examples_fts(examples_fts) VALUES ('optimize')")

    def scrub_free_space(self) -> None:
        """Make deleted text unrecoverable from the file: merge the search index's segments
        (old terms go) and checkpoint the WAL. secure_delete is on for every connection, so
        freed pages are zeroed."""
        self.db.execute("INSERT INTO examples_fts(examples_fts) VALUES ('optimize')")
        self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
