"""Queries for golden sets, generations (model answers), rating sessions and ratings.

A mixin of `store.Store`: methods use `self.db` (a sqlite-utils Database) and the
helpers `self._rows`, `self._one`, `self._scalar` defined there. Each rating is one
INSERT, committed when it is made; UNIQUE(comparison_id, rater) makes a repeat a
no-op instead of a duplicate.
"""

from __future__ import annotations

from typing import Any, Iterable

from store.db import from_json, new_id, now, to_json


def _decode(row: dict | None, *columns: str) -> dict | None:
    if row is None:
        return None
    for column in columns:
        if row.get(column) is not None:
            row[column] = from_json(row[column])
    return row


class EvaluationQueries:
    """Mixed into Store."""

    # ------------------------------------------------------------------ golden sets

    def get_golden_set(self, name_or_id: str) -> dict | None:
        return self._one("SELECT * FROM golden_sets WHERE name = ? OR id = ?", [name_or_id, name_or_id])

    def create_golden_set(self, name: str, description: str = "") -> dict:
        stamp = now()
        row = {"id": new_id(), "name": name, "description": description, "created_at": stamp, "updated_at": stamp}
        self.db["golden_sets"].insert(row)
        return row

    def list_golden_sets(self) -> list[dict]:
        return self._rows(
            """SELECT g.*, (SELECT count(*) FROM golden_prompts p WHERE p.golden_set_id = g.id
                                AND p.deleted_at IS NULL) AS prompts,
                      (SELECT max(number) FROM golden_set_versions v WHERE v.golden_set_id = g.id) AS latest_version
                 FROM golden_sets g ORDER BY g.name""")

    def golden_prompt_hashes(self, golden_set_id: str) -> set[str]:
        return {r[0] for r in self.db.execute(
            "SELECT content_hash FROM golden_prompts WHERE golden_set_id = ? AND deleted_at IS NULL",
            [golden_set_id])}

    def add_golden_prompts(self, golden_set_id: str, prompts: Iterable[dict]) -> int:
        """Insert prompts (messages, reference_answer, tags, external_id, content_hash,
        source_example_id) at the end of the set, in one transaction."""
        with self.transaction():
            position = (self._scalar("SELECT max(position) FROM golden_prompts WHERE golden_set_id = ?",
                                     [golden_set_id]) or 0)
            rows = []
            for prompt in prompts:
                position += 1
                rows.append({"id": new_id(), "golden_set_id": golden_set_id, "position": position,
                             "created_at": now(), **prompt,
                             "messages": to_json(prompt["messages"]), "tags": to_json(prompt.get("tags", []))})
            self.db["golden_prompts"].insert_all(rows, batch_size=200)
            self.db["golden_sets"].update(golden_set_id, {"updated_at": now()})
        return len(rows)

    def golden_prompts(self, golden_set_id: str) -> list[dict]:
        rows = self._rows("SELECT * FROM golden_prompts WHERE golden_set_id = ? AND deleted_at IS NULL "
                          "ORDER BY position", [golden_set_id])
        return [_decode(r, "messages", "tags") for r in rows]

    def freeze_golden_version(self, golden_set_id: str, changelog: str, sha256: str,
                              prompts: list[dict]) -> dict:
        with self.transaction():
            number = (self._scalar("SELECT max(number) FROM golden_set_versions WHERE golden_set_id = ?",
                                   [golden_set_id]) or 0) + 1
            version = {"id": new_id(), "golden_set_id": golden_set_id, "number": number, "changelog": changelog,
                       "sha256": sha256, "prompt_count": len(prompts), "created_at": now()}
            self.db["golden_set_versions"].insert(version)
            self.db["golden_version_prompts"].insert_all(
                ({"version_id": version["id"], "prompt_id": p["id"], "position": i, "content_hash": p["content_hash"],
                  "messages": to_json(p["messages"]), "reference_answer": p.get("reference_answer"),
                  "tags": to_json(p.get("tags", []))} for i, p in enumerate(prompts, start=1)), batch_size=200)
        return version

    def golden_versions(self, golden_set_id: str) -> list[dict]:
        return self._rows("SELECT * FROM golden_set_versions WHERE golden_set_id = ? ORDER BY number",
                          [golden_set_id])

    def get_golden_version(self, golden_set_id: str, number: int | None = None) -> dict | None:
        if number is None:
            return self._one("SELECT * FROM golden_set_versions WHERE golden_set_id = ? ORDER BY number DESC LIMIT 1",
                             [golden_set_id])
        return self._one("SELECT * FROM golden_set_versions WHERE golden_set_id = ? AND number = ?",
                         [golden_set_id, number])

    def version_prompts(self, version_id: str) -> list[dict]:
        rows = self._rows(
            """SELECT v.*, p.external_id FROM golden_version_prompts v JOIN golden_prompts p ON p.id = v.prompt_id
                WHERE v.version_id = ? ORDER BY v.position""", [version_id])
        return [_decode(r, "messages", "tags") for r in rows]

    # ------------------------------------------------------------------ generations

    def upsert_generations(self, rows: list[dict]) -> None:
        """Insert answers; an answer for the same (version, prompt, model) replaces the old one."""
        with self.transaction():
            for row in rows:
                self.db.execute(
                    """INSERT INTO generations(id, golden_version_id, prompt_id, model, output, latency_ms,
                                               prompt_tokens, completion_tokens, source, created_at)
                       VALUES (?,?,?,?,?,?,?,?,?,?)
                       ON CONFLICT(golden_version_id, prompt_id, model) DO UPDATE SET
                           output = excluded.output, latency_ms = excluded.latency_ms,
                           prompt_tokens = excluded.prompt_tokens, completion_tokens = excluded.completion_tokens,
                           source = excluded.source, created_at = excluded.created_at""",
                    [new_id(), row["golden_version_id"], row["prompt_id"], row["model"], row["output"],
                     row.get("latency_ms"), row.get("prompt_tokens"), row.get("completion_tokens"),
                     row.get("source", "import"), now()])

    def generations(self, version_id: str, model: str) -> dict[str, dict]:
        """prompt_id -> generation for one model on one golden-set version."""
        return {r["prompt_id"]: r for r in self._rows(
            "SELECT * FROM generations WHERE golden_version_id = ? AND model = ?", [version_id, model])}

    def generation_models(self, version_id: str) -> list[dict]:
        return self._rows("SELECT model, count(*) AS answers FROM generations WHERE golden_version_id = ? "
                          "GROUP BY model ORDER BY model", [version_id])

    # ------------------------------------------------------------------ sessions

    def create_rating_session(self, session: dict, comparisons: list[dict]) -> dict:
        with self.transaction():
            row = {"id": new_id(), "created_at": now(), "status": "open", **session}
            self.db["rating_sessions"].insert(row)
            self.db["comparisons"].insert_all(
                ({"id": new_id(), "session_id": row["id"], **c} for c in comparisons), batch_size=200)
        return row

    def get_rating_session(self, name_or_id: str) -> dict | None:
        return self._one("SELECT * FROM rating_sessions WHERE id = ? OR name = ? ORDER BY created_at DESC LIMIT 1",
                         [name_or_id, name_or_id])

    def list_rating_sessions(self) -> list[dict]:
        return self._rows(
            """SELECT s.*, (SELECT count(*) FROM comparisons c WHERE c.session_id = s.id) AS pairs,
                      (SELECT count(*) FROM ratings r JOIN comparisons c ON c.id = r.comparison_id
                        WHERE c.session_id = s.id) AS ratings
                 FROM rating_sessions s ORDER BY s.created_at""")

    def session_comparisons(self, session_id: str) -> list[dict]:
        """Every comparison with its prompt (frozen copy), both answers and tags."""
        rows = self._rows(
            """SELECT c.id, c.prompt_id, c.position, c.identical, vp.messages, vp.tags, vp.reference_answer,
                      gp.external_id, cg.output AS candidate_output, bg.output AS baseline_output
                 FROM comparisons c
                 JOIN rating_sessions s ON s.id = c.session_id
                 JOIN golden_version_prompts vp ON vp.version_id = s.golden_version_id AND vp.prompt_id = c.prompt_id
                 JOIN golden_prompts gp ON gp.id = c.prompt_id
                 JOIN generations cg ON cg.id = c.candidate_generation_id
                 JOIN generations bg ON bg.id = c.baseline_generation_id
                WHERE c.session_id = ? ORDER BY c.position""", [session_id])
        return [_decode(r, "messages", "tags") for r in rows]

    def sides(self, session_id: str, rater: str) -> dict[str, bool]:
        return {cid: bool(left) for cid, left in self.db.execute(
            """SELECT cs.comparison_id, cs.candidate_left FROM comparison_sides cs
                 JOIN comparisons c ON c.id = cs.comparison_id WHERE c.session_id = ? AND cs.rater = ?""",
            [session_id, rater])}

    def save_sides(self, rater: str, sides: dict[str, bool]) -> None:
        """Store side assignments; an assignment already stored is never changed."""
        with self.transaction():
            self.db.conn.executemany(
                "INSERT OR IGNORE INTO comparison_sides(comparison_id, rater, candidate_left) VALUES (?,?,?)",
                [(cid, rater, int(left)) for cid, left in sides.items()])

    # ------------------------------------------------------------------ ratings

    def add_rating(self, rating: dict) -> bool:
        """Commit one rating; False when this rater already rated the comparison."""
        cursor = self.db.execute(
            """INSERT OR IGNORE INTO ratings(id, comparison_id, rater, verdict, candidate_left, outcome, flagged,
                                             comment, time_ms, created_at)
               VALUES (?,?,?,?,?,?,?,?,?,?)""",
            [new_id(), rating["comparison_id"], rating["rater"], rating["verdict"], int(rating["candidate_left"]),
             rating["outcome"], int(rating.get("flagged", False)), rating.get("comment", ""),
             rating.get("time_ms"), now()])
        return cursor.rowcount == 1

    def delete_last_rating(self, session_id: str, rater: str) -> dict | None:
        """Remove this rater's most recent rating in the session and return it."""
        with self.transaction():
            row = self._one(
                """SELECT r.* FROM ratings r JOIN comparisons c ON c.id = r.comparison_id
                    WHERE c.session_id = ? AND r.rater = ? ORDER BY r.created_at DESC, r.rowid DESC LIMIT 1""",
                [session_id, rater])
            if row:
                self.db.execute("DELETE FROM ratings WHERE id = ?", [row["id"]])
        return row

    def session_ratings(self, session_id: str, rater: str | None = None) -> list[dict]:
        sql = """SELECT r.*, c.prompt_id FROM ratings r JOIN comparisons c ON c.id = r.comparison_id
                  WHERE c.session_id = ?"""
        params: list[Any] = [session_id]
        if rater is not None:
            sql += " AND r.rater = ?"
            params.append(rater)
        return self._rows(sql + " ORDER BY r.created_at, r.rowid", params)

    # ------------------------------------------------------------------ gate verdicts

    def save_gate_verdict(self, verdict: dict) -> dict:
        """Record a session's final verdict unless one is already there, and return the
        stored one: the first verdict wins, so two processes deciding at once agree."""
        with self.transaction():
            self.db.execute(
                """INSERT OR IGNORE INTO gate_verdicts(session_id, decision, mode, test, n, decided_at_n, prompts,
                                                       rate, lower_bound, blocking_tags, verdict, decided_at)
                   VALUES (?,?,?,?,?,?,?,?,?,?,?,?)""",
                [verdict["session_id"], verdict["decision"], verdict["mode"], verdict["test"], verdict["n"],
                 verdict.get("decided_at_n"), verdict["prompts"], verdict.get("rate"), verdict.get("lower_bound"),
                 to_json(verdict.get("blocking_tags", [])), to_json(verdict["verdict"]),
                 verdict.get("decided_at") or now()])
        stored = self.gate_verdict(verdict["session_id"])
        assert stored is not None
        return stored

    def gate_verdict(self, session_id: str) -> dict | None:
        return _decode(self._one("SELECT * FROM gate_verdicts WHERE session_id = ?", [session_id]),
                       "blocking_tags", "verdict")
