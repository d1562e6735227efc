"""Queries behind the Examples screen: pages of examples, filters, search, edits, undo/redo.

A mixin of `store.Store`: methods use `self.db` (a sqlite-utils Database) and the
helpers `self._rows`, `self._one`, `self._scalar` defined there.

Pages are LIMIT/OFFSET over the (dataset_id, deleted_at, position) index, so a page
costs the same wherever it is and nothing ever reads all rows at once. The undo/redo
stack is the `edit_log` table: rows point at two revisions of an example, a bulk
action is one group, and undone rows are always the newest ones (a new edit discards
them), so "undo" is the newest done group and "redo" the oldest undone one.
"""

from __future__ import annotations

from typing import Any

from store.db import from_json, now

PAGE_COLUMNS = """e.id, e.position, e.status, e.tags, e.turns, e.language, e.errors, e.warnings,
                  e.content_hash, e.deleted_at, e.notes != '' AS has_notes, t.total AS tokens"""


class CurationQueries:
    """Mixed into Store."""

    # ------------------------------------------------------------------ pages and filters

    @staticmethod
    def _example_filter(dataset_id: str, status: str | None, tag: str | None, flag: str | None,
                        match: str | None, deleted: bool, context_limit: int | None) -> tuple[str, list[Any], bool]:
        """WHERE clause and params for a filtered view; the bool says whether the token
        counts must be joined to evaluate it."""
        clauses = ["e.dataset_id = ?", "e.deleted_at IS NOT NULL" if deleted else "e.deleted_at IS NULL"]
        params: list[Any] = [dataset_id]
        needs_tokens = False
        if status:
            clauses.append("e.status = ?")
            params.append(status)
        if tag:
            clauses.append("EXISTS (SELECT 1 FROM json_each(e.tags) j WHERE j.value = ?)")
            params.append(tag)
        if flag == "errors":
            clauses.append("e.errors > 0")
        elif flag == "warnings":
            clauses.append("e.warnings > 0")
        elif flag == "notes":
            clauses.append("e.notes != ''")
        elif flag == "over_limit" and context_limit:
            clauses.append("t.total > ?")
            params.append(context_limit)
            needs_tokens = True
        if match:
            clauses.append("e.rowid IN (SELECT rowid FROM examples_fts WHERE examples_fts MATCH ?)")
            params.append(match)
        return " AND ".join(clauses), params, needs_tokens

    def example_page(self, dataset_id: str, *, encoding: str, offset: int, limit: int, status: str | None = None,
                     tag: str | None = None, flag: str | None = None, match: str | None = None,
                     deleted: bool = False, context_limit: int | None = None) -> list[dict]:
        """One page of list rows (no message bodies), in dataset order.

        Two steps: the page's rowids come from the (dataset_id, deleted_at, position)
        index alone, then only those rows are joined to their token counts. A plain
        LIMIT/OFFSET over the join would join every skipped row (260 ms at row 99,800
        of 100k instead of 7 ms)."""
        where, params, needs_tokens = self._example_filter(dataset_id, status, tag, flag, match, deleted,
                                                           context_limit)
        join = "LEFT JOIN token_counts t ON t.content_hash = e.content_hash AND t.encoding = ?"
        inner_join, inner_params = (join, [encoding]) if needs_tokens else ("", [])
        hint = self._index_hint(status, match)
        rows = self._rows(
            f"""SELECT {PAGE_COLUMNS} FROM examples e {join}
                 WHERE e.rowid IN (SELECT e.rowid FROM examples e {hint} {inner_join}
                                    WHERE {where} ORDER BY e.position LIMIT ? OFFSET ?)
                 ORDER BY e.position""",
            [encoding, *inner_params, *params, limit, offset])
        for row in rows:
            row["tags"] = from_json(row["tags"], [])
        return rows

    #: Above this many full-text hits, walking the dataset's index beats looking up each hit.
    MANY_HITS = 5000

    def _index_hint(self, status: str | None, match: str | None) -> str:
        # SQLite looks up every full-text hit by rowid: right for a rare word (100 hits,
        # 1 ms) but 107 ms for a common one (69k hits of 100k), where walking the covering
        # (dataset_id, deleted_at, position) index and probing the hit set takes 31 ms.
        if not match or status:
            return ""
        return "INDEXED BY idx_examples_dataset_live" if self.fts_hits(match) > self.MANY_HITS else ""

    def fts_hits(self, match: str) -> int:
        """How many rows (any dataset) match a full-text query; a few ms even for 100k.
        Remembered for the last query only (a count and a page ask in turn); it only
        picks a query plan, so a slightly stale number is harmless."""
        cached = getattr(self, "_fts_hits_cache", None)
        if cached and cached[0] == match:
            return cached[1]
        hits = self._scalar("SELECT count(*) FROM examples_fts WHERE examples_fts MATCH ?", [match]) or 0
        self._fts_hits_cache = (match, hits)
        return hits

    def count_filtered(self, dataset_id: str, *, encoding: str, status: str | None = None, tag: str | None = None,
                       flag: str | None = None, match: str | None = None, deleted: bool = False,
                       context_limit: int | None = None) -> int:
        where, params, needs_tokens = self._example_filter(dataset_id, status, tag, flag, match, deleted,
                                                           context_limit)
        join, join_params = "", []
        if needs_tokens:
            join = "JOIN token_counts t ON t.content_hash = e.content_hash AND t.encoding = ?"
            join_params = [encoding]
        hint = self._index_hint(status, match)
        return self._scalar(f"SELECT count(*) FROM examples e {hint} {join} WHERE {where}", [*join_params, *params])

    def index_in_view(self, dataset_id: str, example_id: str, *, encoding: str, status: str | None = None,
                      tag: str | None = None, flag: str | None = None, match: str | None = None,
                      deleted: bool = False, context_limit: int | None = None) -> int | None:
        """Row number of an example within a filtered view, None when it is not in it."""
        where, params, needs_tokens = self._example_filter(dataset_id, status, tag, flag, match, deleted,
                                                           context_limit)
        join = "LEFT JOIN token_counts t ON t.content_hash = e.content_hash AND t.encoding = ?"
        hit = self._scalar(f"SELECT e.position FROM examples e {join} WHERE {where} AND e.id = ?",
                           [encoding, *params, example_id])
        if hit is None:
            return None
        return self._scalar(f"SELECT count(*) FROM examples e {join} WHERE {where} AND e.position < ?",
                            [encoding, *params, hit])

    def dataset_tags(self, dataset_id: str) -> list[str]:
        return [r[0] for r in self.db.execute(
            """SELECT DISTINCT j.value FROM examples e, json_each(e.tags) j
                WHERE e.dataset_id = ? AND e.deleted_at IS NULL ORDER BY 1""", [dataset_id])]

    def largest_examples(self, dataset_id: str, encoding: str, limit: int = 20,
                         over: int | None = None) -> list[dict]:
        """The biggest live examples by cached token total (or all above `over`)."""
        extra, params = ("AND t.total > ?", [over]) if over is not None else ("", [])
        return self._rows(
            f"""SELECT e.id, e.position, e.status, e.turns, t.total, t.trained
                  FROM examples e JOIN token_counts t ON t.content_hash = e.content_hash AND t.encoding = ?
                 WHERE e.dataset_id = ? AND e.deleted_at IS NULL {extra}
                 ORDER BY t.total DESC, e.position LIMIT ?""", [encoding, dataset_id, *params, limit])

    def first_dataset(self) -> dict | None:
        return self._one("SELECT * FROM datasets WHERE deleted_at IS NULL ORDER BY name LIMIT 1")

    def dataset_names(self) -> list[dict]:
        """Live datasets, cheaply (no counts): id and name."""
        return self._rows("SELECT id, name FROM datasets WHERE deleted_at IS NULL ORDER BY name")

    def revision_snapshot(self, example_id: str, revision: int) -> dict | None:
        row = self._one("SELECT snapshot FROM example_revisions WHERE example_id = ? AND revision = ?",
                        [example_id, revision])
        return from_json(row["snapshot"]) if row else None

    # ------------------------------------------------------------------ undo / redo stack

    def log_edits(self, group_id: str, entries: list[dict], author: str | None = None) -> None:
        """Record one user action (entries: example_id, action, before_revision,
        after_revision) and drop the redo tail it replaces."""
        self.db.execute("DELETE FROM edit_log WHERE state = 'undone'")
        stamp = now()
        self.db.conn.executemany(
            """INSERT INTO edit_log(group_id, example_id, action, before_revision, after_revision, author, created_at)
               VALUES (?,?,?,?,?,?,?)""",
            [(group_id, e["example_id"], e["action"], e.get("before_revision"), e["after_revision"], author, stamp)
             for e in entries])

    def _group(self, state: str, newest: bool) -> list[dict]:
        order = "DESC" if newest else "ASC"
        seq = self._scalar(f"SELECT seq FROM edit_log WHERE state = ? ORDER BY seq {order} LIMIT 1", [state])
        if seq is None:
            return []
        return self._rows(
            "SELECT * FROM edit_log WHERE group_id = (SELECT group_id FROM edit_log WHERE seq = ?) ORDER BY seq",
            [seq])

    def undo_group(self) -> list[dict]:
        """Rows of the action an undo reverts (the newest done group), [] if none."""
        return self._group("done", newest=True)

    def redo_group(self) -> list[dict]:
        """Rows of the action a redo re-applies (the oldest undone group), [] if none."""
        return self._group("undone", newest=False)

    def set_group_state(self, group_id: str, state: str) -> None:
        self.db.execute("UPDATE edit_log SET state = ? WHERE group_id = ?", [state, group_id])

    def edit_log_depth(self) -> tuple[int, int]:
        """(actions that can be undone, actions that can be redone)."""
        done = self._scalar("SELECT count(DISTINCT group_id) FROM edit_log WHERE state = 'done'") or 0
        undone = self._scalar("SELECT count(DISTINCT group_id) FROM edit_log WHERE state = 'undone'") or 0
        return done, undone
