"""Examples: rows, revisions, token counts, pages and filters for the Examples screen, search,
and the undo/redo log.

Pages are LIMIT/OFFSET over the (dataset_id, deleted_at, position) index, so a page
costs the same wherever it is and nothing ever reads all rows at once. The undo/redo
stack is the `edit_log` table: rows point at two revisions of an example, a bulk
action is one group, and undone rows are always the newest ones (a new edit discards
them), so "undo" is the newest done group and "redo" the oldest undone one.

Reached as `store.examples`; every method runs on the calling thread's connection.
"""

from __future__ import annotations

from typing import Any, Iterable, Iterator

from store.base import Queries
from store.db import from_json, new_id, now, to_json

EXAMPLE_JSON_COLUMNS = ("messages", "tools", "functions", "preferred_output", "non_preferred_output", "tags", "findings")
#: Columns of an example a user edits; a revision snapshots these.
EDITABLE_COLUMNS = ("kind", "messages", "tools", "functions", "parallel_tool_calls", "preferred_output",
                    "non_preferred_output", "tags", "status", "notes", "deleted_at")
PAGE_COLUMNS = """e.id, e.position, e.status, e.tags, e.turns, e.language, e.errors, e.warnings,
                  e.content_hash, e.deleted_at, e.notes != '' AS has_notes, t.total AS tokens"""


#: Column order of the tuples `insert_encoded` takes.
BULK_EXAMPLE_COLUMNS = ("id", "dataset_id", "position", "kind", "messages", "tools", "functions",
                        "parallel_tool_calls", "preferred_output", "non_preferred_output", "tags", "status",
                        "notes", "content_hash", "language", "turns", "findings", "errors", "warnings",
                        "import_id", "source_line", "revision", "created_at", "updated_at")
BULK_REVISION_COLUMNS = ("id", "example_id", "revision", "action", "snapshot", "author", "created_at")
_BULK_EXAMPLE_SQL = (f"INSERT INTO examples(rowid, {', '.join(BULK_EXAMPLE_COLUMNS)}) "
                     f"VALUES (?, {', '.join('?' * len(BULK_EXAMPLE_COLUMNS))})")
_BULK_REVISION_SQL = (f"INSERT INTO example_revisions({', '.join(BULK_REVISION_COLUMNS)}) "
                      f"VALUES ({', '.join('?' * len(BULK_REVISION_COLUMNS))})")


def fts_text(messages: list, preferred_output: str | None, non_preferred_output: str | None) -> str | None:
    """The search text the examples_fts_insert trigger computes for a row, in Python:
    each message's content (a string as is, null or missing as '', true/false as 1/0,
    anything else as its compact JSON) joined by spaces, then the two DPO outputs' JSON."""
    if not messages:
        return None  # group_concat over no rows is NULL, and NULL || ... is NULL
    parts = [_sql_json_text(m.get("content") if isinstance(m, dict) else None) for m in messages]
    return " ".join(parts) + " " + (preferred_output or "") + " " + (non_preferred_output or "")


def _sql_json_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value.split("\x00", 1)[0]  # json_extract hands SQL the C string: it ends at a NUL
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    return to_json(value)


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


class ExampleQueries(Queries):
    """Queries of `store.examples`."""

    #: a search with more full-text hits than this walks the dataset index instead
    MANY_HITS = 5000

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

    def insert_encoded(self, examples: list[tuple], fts_texts: list[str | None], revisions: list[tuple],
                       counts: list[tuple[str, str, int, int]]) -> None:
        """Bulk insert into a staging dataset (see store.datasets.begin_staging), in one
        short transaction with prepared statements: `examples` are tuples in
        BULK_EXAMPLE_COLUMNS order (JSON already encoded), `fts_texts` their search text
        (fts_text), `revisions` tuples in BULK_REVISION_COLUMNS order, `counts`
        token-count rows."""
        with self.transaction():
            # counts first: the running-totals triggers (0017) then find them as each row lands
            self.save_token_counts(counts)
            # rows of a staging dataset skip the per-row index trigger: give them rowids
            # here (the write lock is held) and index their text in one statement
            first = (self._scalar("SELECT max(rowid) FROM examples") or 0) + 1
            self.db.conn.executemany(_BULK_EXAMPLE_SQL, ((first + i, *row) for i, row in enumerate(examples)))
            self.db.conn.executemany("INSERT INTO examples_fts(rowid, text) VALUES (?, ?)",
                                     ((first + i, text) for i, text in enumerate(fts_texts)))
            self.db.conn.executemany(_BULK_REVISION_SQL, revisions)
            self._store.token_totals.count_staged(first, first + len(examples) - 1)

    def known_hashes_in(self, dataset_ids: list[str], hashes: Iterable[str]) -> set[str]:
        """Which of these content hashes any of the datasets already holds."""
        hashes = list(hashes)
        found: set[str] = set()
        datasets = ",".join("?" * len(dataset_ids))
        for start in range(0, len(hashes), 500):
            chunk = hashes[start:start + 500]
            marks = ",".join("?" * len(chunk))
            found.update(r[0] for r in self.db.execute(
                f"SELECT content_hash FROM examples WHERE dataset_id IN ({datasets}) AND content_hash IN ({marks})",
                [*dataset_ids, *chunk]))
        return found

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
        elif flag == "from_ratings":  # drafts written from a rating (table example_sources)
            clauses.append("e.id IN (SELECT example_id FROM example_sources)")
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

    def revision_snapshot(self, example_id: str, revision: int) -> dict | None:
        row = self._one("SELECT snapshot FROM example_revisions WHERE example_id = ? AND revision = ?",
                        [example_id, revision])
        return from_json(row["snapshot"]) if row else None

    def log_edits(self, group_id: str, entries: list[dict], author: str | None = None) -> None:
        """Record one user action (entries: example_id, action, before_revision,
        after_revision) and drop the redo tail it replaces."""
        # A new edit drops the redo tail of its own dataset only: undo and redo are per
        # dataset, so work in another dataset keeps its redo steps.
        dataset_id = self._scalar("SELECT dataset_id FROM examples WHERE id = ?", [entries[0]["example_id"]]) \
            if entries else None
        self.db.execute(f"DELETE FROM edit_log WHERE state = 'undone' AND {self._IN_DATASET}", [dataset_id])
        stamp = now()
        self.db.conn.executemany(
            """INSERT INTO edit_log(group_id, example_id, action, before_revision, after_revision, author, created_at)
               VALUES (?,?,?,?,?,?,?)""",
            [(group_id, e["example_id"], e["action"], e.get("before_revision"), e["after_revision"], author, stamp)
             for e in entries])

    def forget_edits(self, example_id: str) -> None:
        """Drop an example's undo/redo history (its revisions were purged)."""
        self.db.execute("DELETE FROM edit_log WHERE example_id = ?", [example_id])

    #: edit_log rows of one dataset (the log has no dataset column: the example has it)
    _IN_DATASET = "example_id IN (SELECT id FROM examples WHERE dataset_id = ?)"

    def _group(self, state: str, newest: bool, dataset_id: str | None = None) -> list[dict]:
        order = "DESC" if newest else "ASC"
        where, params = "state = ?", [state]
        if dataset_id is not None:
            where += f" AND {self._IN_DATASET}"
            params.append(dataset_id)
        seq = self._scalar(f"SELECT seq FROM edit_log WHERE {where} ORDER BY seq {order} LIMIT 1", params)
        if seq is None:
            return []
        return self._rows(
            "SELECT * FROM edit_log WHERE group_id = (SELECT group_id FROM edit_log WHERE seq = ?) ORDER BY seq",
            [seq])

    def undo_group(self, dataset_id: str | None = None) -> list[dict]:
        """Rows of the action an undo reverts (the newest done group, of one dataset
        when given), [] if none."""
        return self._group("done", newest=True, dataset_id=dataset_id)

    def redo_group(self, dataset_id: str | None = None) -> list[dict]:
        """Rows of the action a redo re-applies (the oldest undone group, of one dataset
        when given), [] if none."""
        return self._group("undone", newest=False, dataset_id=dataset_id)

    def set_group_state(self, group_id: str, state: str) -> None:
        self.db.execute("UPDATE edit_log SET state = ? WHERE group_id = ?", [state, group_id])

    def edit_log_depth(self, dataset_id: str | None = None) -> tuple[int, int]:
        """(actions that can be undone, actions that can be redone), of one dataset when given."""
        extra, params = (f" AND {self._IN_DATASET}", [dataset_id]) if dataset_id is not None else ("", [])
        done = self._scalar(f"SELECT count(DISTINCT group_id) FROM edit_log WHERE state = 'done'{extra}", params) or 0
        undone = self._scalar(f"SELECT count(DISTINCT group_id) FROM edit_log WHERE state = 'undone'{extra}",
                              params) or 0
        return done, undone
