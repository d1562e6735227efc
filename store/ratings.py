"""Rating sessions, comparisons, side assignments and ratings. Each rating is one
INSERT, committed when it is made; UNIQUE(comparison_id, rater) makes a repeat a
no-op instead of a duplicate.

Reached as `store.ratings`; every method runs on the calling thread's connection.
"""

from __future__ import annotations

from typing import Any

from store.base import Queries, decode_json_columns
from store.db import new_id, now, to_json


class RatingQueries(Queries):
    """Queries of `store.ratings`."""

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
        return [decode_json_columns(r, "messages", "tags") for r in rows]

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
        return decode_json_columns(self._one("SELECT * FROM gate_verdicts WHERE session_id = ?", [session_id]),
                       "blocking_tags", "verdict")

    # ------------------------------------------------------------------ imported judgements

    JUDGEMENT_COLUMNS = ("session", "prompt", "model_a", "model_b", "winner", "rater", "shown_left", "judged_at",
                         "comment", "key")

    def add_judgements(self, rows: list[dict]) -> int:
        """Insert imported judgements in one transaction; a row whose key is already
        there is skipped. Returns how many were new."""
        stamp = now()
        values = [(new_id(), *(row.get(c) for c in self.JUDGEMENT_COLUMNS), stamp) for row in rows]
        marks = ",".join("?" * (len(self.JUDGEMENT_COLUMNS) + 2))
        with self.transaction():
            before = self._scalar("SELECT count(*) FROM imported_judgements")
            self.db.conn.executemany(
                f"INSERT OR IGNORE INTO imported_judgements(id, {', '.join(self.JUDGEMENT_COLUMNS)}, imported_at) "
                f"VALUES ({marks})", values)
            return self._scalar("SELECT count(*) FROM imported_judgements") - before

    def judgements(self, session: str | None = None) -> list[dict]:
        """Imported judgements (of one import session when given), in file order."""
        where, params = ("WHERE session = ?", [session]) if session is not None else ("", [])
        return self._rows(f"SELECT * FROM imported_judgements {where} ORDER BY rowid", params)

    def judgement_sessions(self) -> list[dict]:
        """Import sessions with their judgement counts."""
        return self._rows("""SELECT session, count(*) AS judgements, count(DISTINCT model_a) AS models_a,
                                    min(imported_at) AS imported_at
                               FROM imported_judgements GROUP BY session ORDER BY session""")
