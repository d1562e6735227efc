"""Upkeep of the file as a whole: what `workbench doctor` inspects and what
`workbench purge` deletes (frozen copies of text a user wants gone for good).

Reached as `store.doctor`. Every purge runs in one transaction and records a pending
scrub (store.pii), so the deleted text also leaves the search index, the write-ahead
log and the free pages.
"""

from __future__ import annotations

from store.base import Queries


class DoctorQueries(Queries):
    """Queries of `store.doctor`."""

    def unfinished_imports(self) -> list[dict]:
        """Imports that started and never finished (left by a killed run)."""
        return self._rows("""SELECT i.id, i.source_path, i.started_at, d.name AS dataset FROM imports i
                               JOIN datasets d ON d.id = i.dataset_id WHERE i.finished_at IS NULL""")

    def foreign_key_problems(self) -> list[dict]:
        return self._rows("PRAGMA foreign_key_check")

    def purge_version(self, version_id: str) -> int:
        """Delete a version's frozen lines (its number, hashes and counts stay as a record)."""
        with self.transaction():
            removed = self.db.execute("DELETE FROM dataset_version_examples WHERE version_id = ?",
                                      [version_id]).rowcount
            self._store.pii.mark_scrub_pending()
        return removed

    def purge_judgements(self, session: str) -> int:
        """Delete the judgements imported under one session name (their prompt text and
        comments came from outside and are not scanned)."""
        return self.db.execute("DELETE FROM imported_judgements WHERE session = ?", [session]).rowcount

    def purge_golden_set(self, golden_set_id: str) -> int:
        """Delete a golden set with everything made from it: versions, frozen prompts,
        generated answers, rating sessions, comparisons, ratings and gate verdicts."""
        versions = "SELECT id FROM golden_set_versions WHERE golden_set_id = :g"
        sessions = f"SELECT id FROM rating_sessions WHERE golden_version_id IN ({versions})"
        comparisons = f"SELECT id FROM comparisons WHERE session_id IN ({sessions})"
        steps = [
            f"DELETE FROM ratings WHERE comparison_id IN ({comparisons})",
            f"DELETE FROM comparison_sides WHERE comparison_id IN ({comparisons})",
            f"DELETE FROM comparisons WHERE session_id IN ({sessions})",
            f"DELETE FROM gate_verdicts WHERE session_id IN ({sessions})",
            f"DELETE FROM rating_sessions WHERE golden_version_id IN ({versions})",
            f"DELETE FROM generations WHERE golden_version_id IN ({versions})",
            f"DELETE FROM golden_version_prompts WHERE version_id IN ({versions})",
            "DELETE FROM golden_set_versions WHERE golden_set_id = :g",
            "DELETE FROM golden_prompts WHERE golden_set_id = :g",
            "DELETE FROM golden_sets WHERE id = :g",
        ]
        removed = 0
        with self.transaction():
            existing = {r[0] for r in self.db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            for sql in steps:
                table = sql.split()[2]
                if table in existing:  # gate_verdicts and later tables may be absent in old files
                    removed += self.db.execute(sql, {"g": golden_set_id}).rowcount
            self._store.pii.mark_scrub_pending()
        return removed

    def deleted_examples(self, dataset_id: str) -> list[dict]:
        """Examples in the bin, with how many frozen versions still list each."""
        return self._rows(
            """SELECT e.id, e.position,
                      (SELECT count(*) FROM dataset_version_examples m WHERE m.example_id = e.id) AS in_versions
                 FROM examples e WHERE e.dataset_id = ? AND e.deleted_at IS NOT NULL ORDER BY e.position""",
            [dataset_id])

    def purge_examples(self, example_ids: list[str]) -> int:
        """Delete examples for good with their revisions, findings, scan marks and undo
        steps; golden prompts made from them keep their text but lose the link."""
        with self.transaction():
            for start in range(0, len(example_ids), 500):
                chunk = example_ids[start:start + 500]
                marks = ",".join("?" * len(chunk))
                for table in ("pii_findings", "pii_scans", "example_revisions", "edit_log"):
                    self.db.execute(f"DELETE FROM {table} WHERE example_id IN ({marks})", chunk)
                self.db.execute(f"UPDATE golden_prompts SET source_example_id = NULL "
                                f"WHERE source_example_id IN ({marks})", chunk)
                self.db.execute(f"DELETE FROM examples WHERE id IN ({marks})", chunk)
            self._store.pii.mark_scrub_pending()
        return len(example_ids)

    def purge_rejections(self, dataset_id: str) -> int:
        with self.transaction():
            removed = self._store.pii.drop_rejections(dataset_id)
            self._store.pii.mark_scrub_pending()
        return removed
