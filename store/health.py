"""Dataset health: coverage rules (declared minimums), near-duplicate groups, the link
from a draft example back to the rating it came from, and the read-only figures the
stakeholder report gathers (versions, answers' latency, training jobs' metrics).

Reached as `store.health`; every method runs on the calling thread's connection.
"""

from __future__ import annotations

from typing import Any, Iterable, Iterator

from store.base import Queries
from store.db import from_json, new_id, now


class HealthQueries(Queries):
    """Queries of `store.health`."""

    # ------------------------------------------------------------------ coverage rules

    def set_rule(self, dataset_id: str, target: str, min_count: int | None, min_share: float | None) -> dict:
        """Declare (or replace) a minimum for one target of a dataset."""
        row = {"id": new_id(), "dataset_id": dataset_id, "target": target, "min_count": min_count,
               "min_share": min_share, "created_at": now()}
        self.db.execute(
            """INSERT INTO coverage_rules(id, dataset_id, target, min_count, min_share, created_at)
               VALUES (:id, :dataset_id, :target, :min_count, :min_share, :created_at)
               ON CONFLICT(dataset_id, target) DO UPDATE SET min_count = excluded.min_count,
                      min_share = excluded.min_share""", row)
        return row

    def remove_rule(self, dataset_id: str, target: str) -> bool:
        cursor = self.db.execute("DELETE FROM coverage_rules WHERE dataset_id = ? AND target = ?",
                                 [dataset_id, target])
        return cursor.rowcount > 0

    def rules(self, dataset_id: str) -> list[dict]:
        return self._rows("SELECT * FROM coverage_rules WHERE dataset_id = ? ORDER BY target", [dataset_id])

    # ------------------------------------------------------------------ examples, as health reads them

    def health_rows(self, dataset_id: str, encoding: str, status: str | None = None,
                    batch: int = 2000) -> Iterator[dict]:
        """Live examples with what health needs: tags, language, turns, messages and the
        cached token total for an encoding (NULL where not counted yet), in pages."""
        extra, params = ("AND e.status = ?", [status]) if status else ("", [])
        last = -1
        while True:
            rows = self._rows(
                f"""SELECT e.id, e.position, e.tags, e.language, e.turns, e.messages, e.kind,
                           e.preferred_output, t.total AS tokens
                      FROM examples e LEFT JOIN token_counts t
                        ON t.content_hash = e.content_hash AND t.encoding = ?
                     WHERE e.dataset_id = ? AND e.deleted_at IS NULL {extra} AND e.position > ?
                     ORDER BY e.position LIMIT ?""", [encoding, dataset_id, *params, last, batch])
            if not rows:
                return
            for row in rows:
                for column in ("tags", "messages", "preferred_output"):
                    row[column] = from_json(row[column]) if row[column] is not None else None
                yield row
            last = rows[-1]["position"]

    def example_texts(self, dataset_id: str, batch: int = 5000) -> Iterator[tuple[str, int, Any]]:
        """(id, position, messages JSON text) of every live example, for near-duplicate
        search; the JSON is left undecoded so the caller decides what text counts."""
        last = -1
        while True:
            rows = self.db.execute(
                """SELECT id, position, messages FROM examples
                    WHERE dataset_id = ? AND deleted_at IS NULL AND position > ?
                    ORDER BY position LIMIT ?""", [dataset_id, last, batch]).fetchall()
            if not rows:
                return
            yield from rows
            last = rows[-1][1]

    # ------------------------------------------------------------------ near-duplicate groups

    def replace_duplicate_groups(self, dataset_id: str, threshold: float,
                                 groups: Iterable[list[tuple[str, float]]]) -> int:
        """Replace the dataset's open groups with a new finding (resolved ones stay as
        history). groups: lists of (example id, similarity). Returns how many were stored."""
        stamp = now()
        count = 0
        with self.transaction():
            open_ids = [r[0] for r in self.db.execute(
                "SELECT id FROM near_duplicate_groups WHERE dataset_id = ? AND state = 'open'", [dataset_id])]
            for group_id in open_ids:
                self.db.execute("DELETE FROM near_duplicate_members WHERE group_id = ?", [group_id])
                self.db.execute("DELETE FROM near_duplicate_groups WHERE id = ?", [group_id])
            for members in groups:
                group_id = new_id()
                self.db.execute(
                    """INSERT INTO near_duplicate_groups(id, dataset_id, threshold, size, found_at)
                       VALUES (?,?,?,?,?)""", [group_id, dataset_id, threshold, len(members), stamp])
                self.db.conn.executemany(
                    "INSERT INTO near_duplicate_members(group_id, example_id, similarity) VALUES (?,?,?)",
                    [(group_id, example_id, similarity) for example_id, similarity in members])
                count += 1
        return count

    def duplicate_groups(self, dataset_id: str, state: str | None = "open") -> list[dict]:
        extra, params = ("AND g.state = ?", [state]) if state else ("", [])
        return self._rows(
            f"""SELECT g.*, (SELECT min(e.position) FROM near_duplicate_members m JOIN examples e
                               ON e.id = m.example_id WHERE m.group_id = g.id) AS first_position
                  FROM near_duplicate_groups g WHERE g.dataset_id = ? {extra}
                 ORDER BY g.size DESC, first_position""", [dataset_id, *params])

    def group_members(self, group_id: str) -> list[dict]:
        rows = self._rows(
            """SELECT m.example_id, m.similarity, e.position, e.status, e.messages, e.tags, e.deleted_at
                 FROM near_duplicate_members m JOIN examples e ON e.id = m.example_id
                WHERE m.group_id = ? ORDER BY e.position""", [group_id])
        for row in rows:
            row["messages"] = from_json(row["messages"])
            row["tags"] = from_json(row["tags"], [])
        return rows

    def group_dataset(self, group_id: str) -> str | None:
        return self._scalar("SELECT dataset_id FROM near_duplicate_groups WHERE id = ?", [group_id])

    def set_group_state(self, group_id: str, state: str, kept_example_id: str | None) -> None:
        self.db.execute(
            "UPDATE near_duplicate_groups SET state = ?, kept_example_id = ?, resolved_at = ? WHERE id = ?",
            [state, kept_example_id, now() if state == "resolved" else None, group_id])

    # ------------------------------------------------------------------ examples written from ratings

    def link_example_to_rating(self, example_id: str, rating_id: str | None, comparison_id: str | None,
                               prompt_id: str | None) -> None:
        self.db.execute(
            """INSERT OR REPLACE INTO example_sources(example_id, rating_id, comparison_id, prompt_id, created_at)
               VALUES (?,?,?,?,?)""", [example_id, rating_id, comparison_id, prompt_id, now()])

    def example_source(self, example_id: str) -> dict | None:
        return self._one("SELECT * FROM example_sources WHERE example_id = ?", [example_id])

    def examples_from_rating(self, rating_id: str) -> list[str]:
        return [r[0] for r in self.db.execute(
            "SELECT example_id FROM example_sources WHERE rating_id = ?", [rating_id])]

    def count_from_ratings(self, dataset_id: str) -> int:
        return self._scalar(
            """SELECT count(*) FROM example_sources s JOIN examples e ON e.id = s.example_id
                WHERE e.dataset_id = ? AND e.deleted_at IS NULL""", [dataset_id]) or 0

    # ------------------------------------------------------------------ what the report reads

    def version_rows(self, version_id: str) -> Iterator[dict]:
        """Every example of a frozen version: the exact line written (JSON text) with the
        example's tags and detected language (tags are not part of the exported line)."""
        cursor = self.db.execute(
            """SELECT m.line, m.split, e.tags, e.language FROM dataset_version_examples m
                 JOIN examples e ON e.id = m.example_id
                WHERE m.version_id = ? ORDER BY m.split, m.position""", [version_id])
        for line, split, tags, language in cursor:
            yield {"line": line, "split": split, "tags": from_json(tags, []), "language": language}

    def answer_latencies(self) -> list[dict]:
        """Every generated answer's model, latency and tokens (for p95 per model)."""
        return self._rows(
            "SELECT model, latency_ms, prompt_tokens, completion_tokens FROM generations ORDER BY model")

    def training_jobs(self) -> list[dict]:
        rows = self._rows(
            """SELECT j.id, j.base_model, j.fine_tuned_model, j.status, j.trained_tokens, j.hyperparameters,
                      j.created_at, v.number AS version_number, d.name AS dataset
                 FROM jobs j LEFT JOIN dataset_versions v ON v.id = j.dataset_version_id
                 LEFT JOIN datasets d ON d.id = v.dataset_id ORDER BY j.created_at""")
        for row in rows:
            row["hyperparameters"] = from_json(row["hyperparameters"], {})
        return rows

    def job_losses(self, job_id: str) -> list[dict]:
        return self._rows(
            """SELECT step, train_loss, coalesce(full_valid_loss, valid_loss) AS valid_loss
                 FROM job_metrics WHERE job_id = ? ORDER BY step""", [job_id])
