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

import re
from typing import Any, Iterable, Iterator

from store.base import Queries
from store.db import from_json, new_id, now, to_json
from store.migrations import FIRST_SNAPSHOT_IS_ROW_0019, SEARCH_TEXT_0021

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
#: The snapshot an import writes for an example's first revision: "the same as the row".
#: It holds until the row first changes, when a trigger fills it in from the old row
#: (migration 0019); readers fill it in from the row (snapshot_of_row).
FIRST_SNAPSHOT_IS_ROW = FIRST_SNAPSHOT_IS_ROW_0019
BULK_REVISION_COLUMNS = ("id", "example_id", "revision", "action", "snapshot", "author", "created_at")
_DATASET, _STATUS, _HASH = (BULK_EXAMPLE_COLUMNS.index(c) for c in ("dataset_id", "status", "content_hash"))
_BULK_EXAMPLE_SQL = (f"INSERT INTO examples(rowid, {', '.join(BULK_EXAMPLE_COLUMNS)}) "
                     f"VALUES (?, {', '.join('?' * len(BULK_EXAMPLE_COLUMNS))})")
#: the Examples search's last word: `"word"*` at the end of a full-text query
_TRAILING_PREFIX = re.compile(r'"([A-Za-z0-9]+)"\*$')
_BULK_REVISION_SQL = (f"INSERT INTO example_revisions({', '.join(BULK_REVISION_COLUMNS)}) "
                      f"VALUES ({', '.join('?' * len(BULK_REVISION_COLUMNS))})")


#: Column order of the tuples `iter_export_rows` yields.
EXPORT_COLUMNS = ("id", "position", "kind", "messages", "tools", "functions", "parallel_tool_calls",
                  "preferred_output", "non_preferred_output", "content_hash")


def _live_filter(dataset_id: str, status: str | None) -> tuple[str, list[Any]]:
    clauses, params = ["dataset_id = ?", "deleted_at IS NULL"], [dataset_id]
    if status:
        clauses.append("status = ?")
        params.append(status)
    return " AND ".join(clauses), params


#: the search index built again from the examples (contentless: FTS5's 'rebuild' has no text to read)
REBUILD_SEARCH_INDEX = (
    "INSERT INTO examples_fts(examples_fts) VALUES ('delete-all')",
    f"INSERT INTO examples_fts(rowid, text) SELECT e.rowid, {SEARCH_TEXT_0021.format(r='e')} FROM examples e",
)


def fts_text(messages: list, preferred_output: str | None, non_preferred_output: str | None) -> str | None:
    """The search text the examples_fts_insert trigger computes for a row, in Python:
    each message's content (a string as is, null or missing as '', true/false as 1/0,
    anything else as its compact JSON) joined by spaces, then the two DPO outputs' JSON.
    It must be exactly that text: the index is contentless (migration 0021), and the
    triggers take a row's words out with the text SQL computes."""
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


def snapshot_of_row(row: dict) -> dict:
    """The snapshot of an example row as stored (JSON columns encoded, parallel_tool_calls
    0/1): what a revision records, and what a first revision written as
    FIRST_SNAPSHOT_IS_ROW stands for while the row is unchanged."""
    decoded = _decode_example({c: row.get(c) for c in EDITABLE_COLUMNS})
    return {c: decoded[c] for c in EDITABLE_COLUMNS}


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

    #: a search with more full-text hits than this (in the whole store) walks the
    #: dataset index (see _walk_hits); fewer are looked up by rowid and sorted
    MANY_HITS = 20_000
    #: rows of the view read per step of that walk, and the rowid gap that splits a
    #: step's full-text range query in two
    WALK_STEP = 1000
    WALK_GAP = 64
    #: a trailing prefix word spelled as its terms when it has at most this many longer ones
    MAX_PREFIX_TERMS = 16

    def next_position(self, dataset_id: str) -> int:
        return (self._scalar("SELECT max(position) FROM examples WHERE dataset_id = ?", [dataset_id]) or 0) + 1

    def highest_rowid(self) -> int:
        """The examples' highest rowid: about how many rows the store has ever held."""
        return self._scalar("SELECT max(rowid) FROM examples") or 0

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
                       counts: list[tuple[str, str, int, int]], parts: list[tuple[int, int]]) -> None:
        """Bulk insert into a staging dataset (see store.datasets.begin_staging), in one
        short transaction with prepared statements: `examples` are tuples in
        BULK_EXAMPLE_COLUMNS order (JSON already encoded), `fts_texts` their search text
        (fts_text), `revisions` tuples in BULK_REVISION_COLUMNS order, `counts`
        token-count rows, `parts` each example's (with tools, with media) flags
        (tokens.estimated_parts) for the running token totals."""
        with self.transaction():
            # counts first: the running totals below read them
            self.save_token_counts(counts)
            # rows of a staging dataset skip the per-row index and totals triggers: give
            # them rowids here (the write lock is held), index their text and count them in bulk
            first = self.highest_rowid() + 1
            self.db.conn.executemany(_BULK_EXAMPLE_SQL, ((first + i, *row) for i, row in enumerate(examples)))
            self.db.conn.executemany("INSERT INTO examples_fts(rowid, text) VALUES (?, ?)",
                                     ((first + i, text) for i, text in enumerate(fts_texts)))
            self.db.conn.executemany(_BULK_REVISION_SQL, revisions)
            self._store.token_totals.count_staged(first, [
                (row[_DATASET], row[_STATUS], row[_HASH], *flags)
                for row, flags in zip(examples, parts)])

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

    def iter_export_rows(self, dataset_id: str, status: str | None = None,
                         batch: int = 1000) -> Iterator[tuple]:
        """Live examples in dataset order as raw tuples in EXPORT_COLUMNS order (JSON left
        encoded, no dicts): the exporter rebuilds each line from the stored text."""
        where, params = _live_filter(dataset_id, status)
        sql = (f"SELECT {', '.join(EXPORT_COLUMNS)} FROM examples WHERE {where} AND position > ? "
               "ORDER BY position LIMIT ?")
        last = -1
        while True:
            rows = self.db.conn.execute(sql, [*params, last, batch]).fetchall()
            if not rows:
                return
            yield from rows
            last = rows[-1][1]

    def export_tags(self, dataset_id: str, status: str | None = None) -> list[tuple[str, str]]:
        """(id, tags JSON) of the live examples in dataset order: what the export split needs."""
        where, params = _live_filter(dataset_id, status)
        return self.db.conn.execute(f"SELECT id, tags FROM examples WHERE {where} ORDER BY position",
                                    params).fetchall()

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
            row["snapshot"] = self._snapshot(example_id, row["snapshot"])
        return rows

    def _snapshot(self, example_id: str, text: str) -> dict:
        """A revision's snapshot; an imported first revision not yet filled in (the row
        has not changed since) is the row's."""
        if text != FIRST_SNAPSHOT_IS_ROW:
            return from_json(text)
        row = self._one("SELECT * FROM examples WHERE id = ?", [example_id])
        return snapshot_of_row(row) if row else {}

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
        join = "LEFT JOIN token_counts t ON t.content_hash = e.content_hash AND t.encoding = ?"
        if match and self._walk_applies(match, deleted):
            rowids = self._walk_page(dataset_id, offset, limit, encoding=encoding, status=status, tag=tag,
                                     flag=flag, match=match, context_limit=context_limit)
            if not rowids:
                return []
            marks = ",".join("?" * len(rowids))
            rows = self._rows(f"SELECT {PAGE_COLUMNS} FROM examples e {join} WHERE e.rowid IN ({marks}) "
                              f"ORDER BY e.position, e.rowid", [encoding, *rowids])
        else:
            where, params, needs_tokens = self._example_filter(
                dataset_id, status, tag, flag, self.expand_prefix(match) if match else None, deleted, context_limit)
            inner_join, inner_params = (join, [encoding]) if needs_tokens else ("", [])
            hint = self._index_hint(status, match)
            rows = self._rows(
                f"""SELECT {PAGE_COLUMNS} FROM examples e {join}
                     WHERE e.rowid IN (SELECT e.rowid FROM examples e {hint} {inner_join}
                                        WHERE {where} ORDER BY e.position, e.rowid LIMIT ? OFFSET ?)
                     ORDER BY e.position, e.rowid""",
                [encoding, *inner_params, *params, limit, offset])
        for row in rows:
            row["tags"] = from_json(row["tags"], [])
        return rows

    def _index_hint(self, status: str | None, match: str | None) -> str:
        # SQLite looks up every full-text hit by rowid: right for a rare word (100 hits,
        # 1 ms) but 107 ms for a common one (69k hits of 100k), where walking the covering
        # (dataset_id, deleted_at, position) index and probing the hit set takes 31 ms.
        # (Only the deleted view still gets here with many hits: the others walk.)
        if not match or status:
            return ""
        return "INDEXED BY idx_examples_dataset_live" if self.fts_hits(match) > self.MANY_HITS else ""

    def fts_hits(self, match: str) -> int:
        """How many rows (any dataset) match a full-text query, counted up to MANY_HITS + 1
        (more only says "many"). It only picks a query plan."""
        return self._unchanged_since("hits", match, lambda: self._scalar(
            "SELECT count(*) FROM (SELECT rowid FROM examples_fts WHERE examples_fts MATCH ? LIMIT ?)",
            [self.expand_prefix(match), self.MANY_HITS + 1]) or 0)

    def _unchanged_since(self, kind: str, match: str, compute):
        """compute(), remembered for the last query of each kind while the store is
        unchanged: the key holds this connection's own change count and SQLite's
        data_version (which moves when another connection commits), so a new word in
        any example forgets it. A count and a page ask in turn for the same query."""
        conn = self.db.conn
        key = (kind, match, id(conn), conn.total_changes, conn.execute("PRAGMA data_version").fetchone()[0])
        cache = self.__dict__.setdefault("_last_answers", {})
        if cache.get(kind, (None,))[0] != key:
            cache[kind] = (key, compute())
        return cache[kind][1]

    def expand_prefix(self, match: str) -> str:
        """The same full-text query with a trailing prefix word (`"refund"*`, as the
        Examples search writes it) spelled as the terms it matches: `("refund" OR
        "refunds")`. FTS5 answers a prefix by merging the whole posting list of every
        term that starts with it before it returns a row (60–90 ms for a word in 69% of
        1M examples, whatever the LIMIT or rowid range), where an OR of terms is read
        lazily. Same hits: the terms come from the index's own term list. Only for a
        plain ASCII word of 3+ letters (tokenized as its lower case) with at most
        MAX_PREFIX_TERMS longer terms; anything else is returned unchanged."""
        found = _TRAILING_PREFIX.search(match)
        if not found or len(found.group(1)) < 3:
            return match
        return self._unchanged_since("terms", match, lambda: self._expand(match, found))

    def _expand(self, match: str, found: re.Match) -> str:
        term = found.group(1).lower()
        self.db.conn.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.examples_fts_terms "
                             "USING fts5vocab(main, examples_fts, row)")
        # strictly longer terms only: the vocabulary reads a term's whole posting list to
        # count it, so the word itself (the common case, and the costly one) is skipped
        longer = [row[0] for row in self.db.conn.execute(
            "SELECT term FROM temp.examples_fts_terms WHERE term >= ? AND term <= ? LIMIT ?",
            [term + "\x01", term + "\U0010ffff", self.MAX_PREFIX_TERMS + 1])]
        longer = [t for t in longer if t.startswith(term) and t != term]
        if len(longer) > self.MAX_PREFIX_TERMS or any('"' in t for t in longer):
            return match
        terms = " OR ".join(f'"{t}"' for t in [term, *longer])
        if not longer:
            return match[:found.start()] + f'"{term}"'
        before = match[:found.start()].rstrip()
        return f"{before} AND ({terms})" if before else f"({terms})"  # FTS5 wants the AND before a group

    # ------------------------------------------------------------------ search by walking the index
    #
    # A word in most examples: its hits in dataset order are found by reading the view's
    # rows from the (dataset_id, deleted_at, position) index in steps of WALK_STEP and
    # asking the full-text index which of each step's rowids match (one rowid range
    # query, read lazily). The first page costs a step or two whatever the hit count; the
    # old plan (every hit probed, or the hit set built) grew with the hits (1.2 s for
    # 690k hits of 1M).

    def _walk_applies(self, match: str | None, deleted: bool) -> bool:
        # Not for the deleted view (deleted_at varies, so that index is not in dataset
        # order there), nor for a prefix that stayed a prefix (each step would merge the
        # prefix's whole posting list again).
        return bool(match) and not deleted and "*" not in self.expand_prefix(match) \
            and self.fts_hits(match) > self.MANY_HITS

    def _walk_steps(self, dataset_id: str, *, encoding: str, status: str | None, tag: str | None,
                    flag: str | None, match: str, context_limit: int | None) -> Iterator[tuple[list, set[int]]]:
        """The view's rows without the search, step by step in dataset order (position,
        then rowid) as (rowid, position) tuples, each step with the set of its rowids
        that match."""
        where, params, needs_tokens = self._example_filter(dataset_id, status, tag, flag, None, False,
                                                           context_limit)
        join = ("LEFT JOIN token_counts t ON t.content_hash = e.content_hash AND t.encoding = ?"
                if needs_tokens else "")
        join_params = [encoding] if needs_tokens else []
        match = self.expand_prefix(match)
        sql = (f"SELECT e.rowid, e.position FROM examples e INDEXED BY idx_examples_dataset_live {join} "
               f"WHERE {where} AND e.position >= ? AND NOT (e.position = ? AND e.rowid <= ?) "
               f"ORDER BY e.position, e.rowid LIMIT ?")
        last_position, last_rowid = -(2 ** 63), -(2 ** 63)
        while True:
            rows = self.db.conn.execute(sql, [*join_params, *params, last_position, last_position, last_rowid,
                                              self.WALK_STEP]).fetchall()
            if not rows:
                return
            yield rows, self._fts_rowids_among(match, [r[0] for r in rows])
            if len(rows) < self.WALK_STEP:
                return
            last_rowid, last_position = rows[-1]

    def _fts_rowids_among(self, match: str, rowids: list[int]) -> set[int]:
        """Which of these rowids match: one rowid-range query per run of nearby rowids
        (rows imported together sit together, so usually one)."""
        ordered = sorted(rowids)
        runs, start = [], ordered[0]
        for previous, rowid in zip(ordered, ordered[1:]):
            if rowid - previous > self.WALK_GAP:
                runs.append((start, previous))
                start = rowid
        runs.append((start, ordered[-1]))
        wanted = set(rowids)
        found: set[int] = set()
        for low, high in runs:
            found.update(wanted.intersection(r[0] for r in self.db.conn.execute(
                "SELECT rowid FROM examples_fts WHERE examples_fts MATCH ? AND rowid BETWEEN ? AND ?",
                [match, low, high])))
        return found

    def _walk_page(self, dataset_id: str, offset: int, limit: int, **view) -> list[int]:
        before = 0  # hits in the steps skipped whole
        collected: list[int] = []
        for rows, hits in self._walk_steps(dataset_id, **view):
            if not collected and before + len(hits) <= offset:
                before += len(hits)
                continue
            collected += [rowid for rowid, _position in rows if rowid in hits]
            if before + len(collected) >= offset + limit:
                break
        start = offset - before
        return collected[start:start + limit]

    def _walk_count(self, dataset_id: str, cap: int | None, **view) -> int:
        n = 0
        for _rows, hits in self._walk_steps(dataset_id, **view):
            n += len(hits)
            if cap is not None and n > cap:
                return cap + 1
        return n

    def count_filtered(self, dataset_id: str, *, encoding: str, status: str | None = None, tag: str | None = None,
                       flag: str | None = None, match: str | None = None, deleted: bool = False,
                       context_limit: int | None = None, cap: int | None = None) -> int:
        """Rows in the view. With `cap`, counting stops past it: a result over `cap`
        (cap + 1) only says "more than cap" (a few ms for any hit count; exact up to cap).
        Without, one SQL statement even for a common word (seconds at 1M, meant for a
        worker thread: SQLite lets go of the GIL while it runs, where the walk's Python
        loop held it and slowed the UI thread's repaint 10-50x)."""
        if match and cap is not None and self._walk_applies(match, deleted):
            return self._walk_count(dataset_id, cap, encoding=encoding, status=status, tag=tag, flag=flag,
                                    match=match, context_limit=context_limit)
        where, params, needs_tokens = self._example_filter(dataset_id, status, tag, flag,
                                                           self.expand_prefix(match) if match else None, deleted,
                                                           context_limit)
        join, join_params = "", []
        if needs_tokens:
            join = "JOIN token_counts t ON t.content_hash = e.content_hash AND t.encoding = ?"
            join_params = [encoding]
        hint = self._index_hint(status, match)
        if cap is not None:
            return self._scalar(f"SELECT count(*) FROM (SELECT 1 FROM examples e {hint} {join} WHERE {where} "
                                f"LIMIT ?)", [*join_params, *params, cap + 1])
        return self._scalar(f"SELECT count(*) FROM examples e {hint} {join} WHERE {where}", [*join_params, *params])

    def index_in_view(self, dataset_id: str, example_id: str, *, encoding: str, status: str | None = None,
                      tag: str | None = None, flag: str | None = None, match: str | None = None,
                      deleted: bool = False, context_limit: int | None = None) -> int | None:
        """Row number of an example within a filtered view, None when it is not in it."""
        if match and self._walk_applies(match, deleted):
            target = self._scalar("SELECT rowid FROM examples WHERE id = ?", [example_id])
            seen = 0  # hits before this step
            for rows, hits in self._walk_steps(dataset_id, encoding=encoding, status=status, tag=tag, flag=flag,
                                               match=match, context_limit=context_limit):
                if target in hits:
                    return seen + sum(1 for rowid, _position in rows[:[r[0] for r in rows].index(target)]
                                      if rowid in hits)
                seen += len(hits)
            return None
        where, params, needs_tokens = self._example_filter(dataset_id, status, tag, flag,
                                                           self.expand_prefix(match) if match else None, deleted,
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
        return self._snapshot(example_id, row["snapshot"]) if row else None

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
