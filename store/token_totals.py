"""Running token totals per dataset, encoding and status (migration 0017), for budgets.

Triggers on `examples` and `token_counts` keep four tables exact as rows change:
`budget_sizes` (live examples and trained tokens per example size), `budget_members`
(each counted live example by size, biggest first: the largest examples and those over
a context limit), `budget_parts` (live examples, and how many hold tool or media parts)
and `budget_uncounted` (live examples with no cached count for an encoding yet). A budget
then reads a few hundred rows whatever the dataset's size.

Rows written before the triggers existed are counted by `backfill_step`, in slices of
the examples' rowids (budget_state.upto says how far; the triggers ignore rows above it),
so opening an old file never waits for it; the first budget does it once.

Reached as `store.token_totals`; every method runs on the calling thread's connection.
"""

from __future__ import annotations

from typing import Any

from store.base import Queries
from store.db import Pacer
from store.migrations import BUDGET_ALL_ROWS, BUDGET_COUNTED_SQL, budget_media_sql, budget_tools_sql

_UPSERT_SIZES = ("ON CONFLICT DO UPDATE SET examples = examples + excluded.examples, "
                 "trained = trained + excluded.trained")
_UPSERT_PARTS = ("ON CONFLICT DO UPDATE SET examples = examples + excluded.examples, "
                 "with_tools = with_tools + excluded.with_tools, with_media = with_media + excluded.with_media")
# settle_staged_members' slices (seq range, staging dataset id): the sorted snapshot as it
# is, or checked against the rows and counts as they are now
_SETTLE_COPY = """INSERT OR IGNORE INTO budget_members(dataset_id, encoding, total, position, example_rowid)
    SELECT ?3, encoding, total, position, example_rowid FROM temp.staged_members WHERE seq > ?1 AND seq <= ?2"""
_SETTLE_CHECKED = f"""INSERT OR IGNORE INTO budget_members(dataset_id, encoding, total, position, example_rowid)
    SELECT e.dataset_id, t.encoding, t.total, e.position, e.rowid
      FROM temp.staged_members m CROSS JOIN main.examples e ON e.rowid = m.example_rowid
      JOIN main.token_counts t ON t.content_hash = e.content_hash AND t.encoding = m.encoding
     WHERE m.seq > ?1 AND m.seq <= ?2 AND e.dataset_id = ?3 AND e.deleted_at IS NULL AND e.rowid <= {BUDGET_COUNTED_SQL}"""
_SLICE = "e.rowid > :low AND e.rowid <= :high AND e.deleted_at IS NULL {only}"
# The same sums the triggers keep, over one slice of rowids (store.migrations 0017).
_BACKFILL_SQL = (
    f"""INSERT INTO budget_sizes(dataset_id, encoding, status, total, examples, trained)
        SELECT e.dataset_id, t.encoding, e.status, t.total, count(*), sum(t.trained)
          FROM examples e JOIN token_counts t ON t.content_hash = e.content_hash
         WHERE {_SLICE} GROUP BY e.dataset_id, t.encoding, e.status, t.total {_UPSERT_SIZES}""",
    f"""INSERT INTO budget_members(dataset_id, encoding, total, position, example_rowid)
        SELECT e.dataset_id, t.encoding, t.total, e.position, e.rowid
          FROM examples e JOIN token_counts t ON t.content_hash = e.content_hash WHERE {_SLICE}""",
    f"""INSERT INTO budget_parts(dataset_id, status, examples, with_tools, with_media)
        SELECT e.dataset_id, e.status, count(*), sum({budget_tools_sql('e')}), sum({budget_media_sql('e')})
          FROM examples e WHERE {_SLICE} GROUP BY e.dataset_id, e.status {_UPSERT_PARTS}""",
    f"""INSERT INTO budget_uncounted(encoding, example_rowid)
        SELECT b.encoding, e.rowid FROM examples e CROSS JOIN budget_encodings b
         WHERE {_SLICE} AND NOT EXISTS (SELECT 1 FROM token_counts t
                                         WHERE t.content_hash = e.content_hash AND t.encoding = b.encoding)""",
)
_BACKFILL = tuple(sql.replace("{only}", "") for sql in _BACKFILL_SQL)


def _status_clause(status: str | None, column: str = "status") -> tuple[str, list[Any]]:
    return (f" AND {column} = ?", [status]) if status else ("", [])


class TokenTotalsQueries(Queries):
    """Queries of `store.token_totals`."""

    #: examples counted per backfill transaction (about a second of write lock at 1M rows)
    BACKFILL_SLICE = 10_000

    # ------------------------------------------------------------------ backfill

    def pending(self) -> tuple[int, int]:
        """(rows counted so far, highest examples rowid): equal (or more) once complete."""
        upto = self._scalar("SELECT upto FROM budget_state") or 0
        if upto >= BUDGET_ALL_ROWS:
            return 1, 1
        return upto, self._scalar("SELECT max(rowid) FROM examples") or 0

    def complete(self) -> bool:
        return (self._scalar("SELECT upto FROM budget_state") or 0) >= BUDGET_ALL_ROWS

    def backfill_step(self, rows: int | None = None) -> bool:
        """Count the next slice of rows written before the totals existed, in one short
        transaction; True once every row is counted (from then on the triggers do it all)."""
        with self.transaction():
            upto = self._scalar("SELECT upto FROM budget_state")
            if upto is None:  # a snapshot's copy emptied the state: count everything again
                self.reset()
                upto = 0
            if upto >= BUDGET_ALL_ROWS:
                return True
            highest = self._scalar("SELECT max(rowid) FROM examples") or 0
            if upto >= highest:
                self.db.execute("UPDATE budget_state SET upto = ?", [BUDGET_ALL_ROWS])
                return True
            high = min(highest, upto + (rows or self.BACKFILL_SLICE))
            for sql in _BACKFILL:
                self.db.execute(sql, {"low": upto, "high": high})
            self.db.execute("UPDATE budget_state SET upto = ?", [high])
            if high >= highest:
                self.db.execute("UPDATE budget_state SET upto = ?", [BUDGET_ALL_ROWS])
                return True
            return False

    def count_staged(self, first_rowid: int, rows: list[tuple[str, str, str, int, int]]) -> None:
        """Add rows just bulk-inserted into a staging dataset (store.examples.insert_encoded)
        to the totals. `rows` are (dataset_id, status, content_hash, with_tools, with_media)
        of live rows with consecutive rowids from `first_rowid`; the two flags come from the
        importer's workers (tokens.estimated_parts, the rule 0017's SQL walk follows). The
        sums are made here and written as a few upserts (plus a budget_uncounted row per
        example missing a count), instead of the insert trigger's per-row work or an SQL
        walk of the rows' JSON (most of the import's cost of the totals). The rows'
        budget_members are left to settle_staged_members, once, in their own order.
        Call inside the inserting transaction, after the rows' token counts are saved."""
        upto = self._scalar("SELECT upto FROM budget_state")
        if upto is None or upto < first_rowid or not rows:  # not counted yet: the backfill will be
            return
        rows = rows[:upto - first_rowid + 1]
        counts = self._counts_of({row[2] for row in rows})
        tracked = [r[0] for r in self.db.execute("SELECT encoding FROM budget_encodings")]
        sizes: dict[tuple, list[int]] = {}
        parts: dict[tuple, list[int]] = {}
        uncounted: list[tuple] = []
        for rowid, (dataset_id, status, content_hash, with_tools, with_media) in enumerate(rows, first_rowid):
            found = counts.get(content_hash, ())
            for encoding, total, trained in found:
                size = sizes.setdefault((dataset_id, encoding, status, total), [0, 0])
                size[0] += 1
                size[1] += trained
            part = parts.setdefault((dataset_id, status), [0, 0, 0])
            part[0] += 1
            part[1] += bool(with_tools)
            part[2] += bool(with_media)
            have = {c[0] for c in found}
            uncounted.extend((encoding, rowid) for encoding in tracked if encoding not in have)
        conn = self.db.conn
        conn.executemany("INSERT INTO budget_sizes(dataset_id, encoding, status, total, examples, trained) "
                         f"VALUES (?, ?, ?, ?, ?, ?) {_UPSERT_SIZES}", [(*k, *v) for k, v in sizes.items()])
        conn.executemany("INSERT INTO budget_parts(dataset_id, status, examples, with_tools, with_media) "
                         f"VALUES (?, ?, ?, ?, ?) {_UPSERT_PARTS}", [(*k, *v) for k, v in parts.items()])
        conn.executemany("INSERT INTO budget_uncounted(encoding, example_rowid) VALUES (?, ?)", uncounted)

    def settle_staged_members(self, staging_id: str, pacer: Pacer | None = None) -> int:
        """Write the budget_members rows of a staging dataset's rows (count_staged leaves
        them out), in the table's own order, one short transaction per slice (sized by
        `pacer`); call once every row is staged, before the import is decided. Returns the
        rows written.

        budget_members is ordered by size: written with each batch, every row took a random
        page, and at 1M rows a batch dirtied nearly as many pages as it had rows (a third
        of a 1M import's 67 GB of writes). Sorted first, each page is written about once.

        The sort reads the staged rows once, in rowid order (the file's pages in turn, and
        token_counts in hash order within each of the importer's sorted windows). It is a
        snapshot: a slice copies it as it is only while no other connection has committed
        since (PRAGMA data_version, read before the sort); after such a commit each slice
        takes rows and sizes as they are then, and keeps a row the triggers already listed
        (a count another process saved meanwhile): a staged row missing here was never in
        the table, so a trigger's delete of it changed nothing."""
        pacer = pacer or Pacer()
        self.db.execute("CREATE TEMP TABLE staged_members (seq INTEGER PRIMARY KEY, encoding TEXT, total INTEGER, "
                        "position INTEGER, example_rowid INTEGER)")
        try:
            version = self._scalar("PRAGMA data_version")
            low, high = self.db.execute("SELECT min(rowid), max(rowid) FROM examples WHERE dataset_id = ?",
                                        [staging_id]).fetchone()
            self.db.execute(
                f"""INSERT INTO temp.staged_members(encoding, total, position, example_rowid)
                    SELECT t.encoding, t.total, e.position, e.rowid FROM main.examples e NOT INDEXED
                      JOIN main.token_counts t ON t.content_hash = e.content_hash
                     WHERE e.rowid BETWEEN ? AND ? AND e.dataset_id = ? AND e.deleted_at IS NULL
                       AND e.rowid <= {BUDGET_COUNTED_SQL}
                     ORDER BY t.encoding, t.total DESC, e.position, e.rowid""", [low or 0, high or 0, staging_id])
            last = self._scalar("SELECT max(seq) FROM temp.staged_members") or 0
            done = written = 0
            while done < last:
                pacer.aim_for(self.db.conn)
                end = done + pacer.size
                with self.transaction():
                    unchanged = self._scalar("PRAGMA data_version") == version  # the write lock is held
                    written += self.db.execute(_SETTLE_COPY if unchanged else _SETTLE_CHECKED,
                                               [done, end, staging_id]).rowcount
                pacer.record(min(end, last) - done, self.db.conn.last_hold_s)
                done = end
            return written
        finally:
            self.db.execute("DROP TABLE IF EXISTS temp.staged_members")

    def _counts_of(self, hashes: set[str]) -> dict[str, list[tuple[str, int, int]]]:
        """{content hash: [(encoding, total, trained)]}: every cached count of these hashes
        (the rows the triggers' join with token_counts would find)."""
        found: dict[str, list[tuple[str, int, int]]] = {}
        hashes_list = list(hashes)
        for start in range(0, len(hashes_list), 500):
            chunk = hashes_list[start:start + 500]
            for content_hash, encoding, total, trained in self.db.execute(
                    f"SELECT content_hash, encoding, total, trained FROM token_counts "
                    f"WHERE content_hash IN ({','.join('?' * len(chunk))})", chunk):
                found.setdefault(content_hash, []).append((encoding, total, trained))
        return found

    def reset(self) -> None:
        """Forget the totals; the next backfill counts every row again (a repair)."""
        with self.transaction():
            for table in ("budget_sizes", "budget_members", "budget_parts", "budget_uncounted", "budget_state"):
                self.db.execute(f"DELETE FROM {table}")
            self.db.execute("INSERT INTO budget_state(id, upto) VALUES (1, 0)")

    # ------------------------------------------------------------------ reads

    def sizes(self, dataset_id: str, encoding: str, status: str | None = None) -> list[tuple[int, int, int]]:
        """(tokens, live examples of that size, their trained tokens), smallest first."""
        clause, params = _status_clause(status)
        return [tuple(r) for r in self.db.execute(
            f"""SELECT total, sum(examples), sum(trained) FROM budget_sizes
                 WHERE dataset_id = ? AND encoding = ?{clause} GROUP BY total HAVING sum(examples) > 0
                 ORDER BY total""", [dataset_id, encoding, *params])]

    def parts(self, dataset_id: str, status: str | None = None) -> dict[str, int]:
        """{examples, with_tools, with_media} over the live examples."""
        clause, params = _status_clause(status)
        row = self.db.execute(
            f"SELECT coalesce(sum(examples), 0), coalesce(sum(with_tools), 0), coalesce(sum(with_media), 0) "
            f"FROM budget_parts WHERE dataset_id = ?{clause}", [dataset_id, *params]).fetchone()
        return {"examples": row[0], "with_tools": row[1], "with_media": row[2]}

    def tracks_uncounted(self, encoding: str) -> bool:
        """Whether budget_uncounted lists the examples missing a count for this encoding."""
        return self._scalar("SELECT 1 FROM budget_encodings WHERE encoding = ?", [encoding]) is not None

    def uncounted(self, dataset_id: str, encoding: str, status: str | None = None) -> list[dict]:
        """{id, content_hash} of the live examples with no cached count for the encoding."""
        clause, params = _status_clause(status, "e.status")
        return self._rows(
            f"""SELECT e.id, e.content_hash FROM budget_uncounted u JOIN examples e ON e.rowid = u.example_rowid
                 WHERE u.encoding = ? AND e.dataset_id = ?{clause}""", [encoding, dataset_id, *params])

    def largest(self, dataset_id: str, encoding: str, limit: int, above: int = -1) -> list[dict]:
        """Up to `limit` live examples with more than `above` tokens, biggest first (then by
        position): {id, position, status, turns, total, trained}."""
        return self._rows(
            """SELECT e.id, e.position, e.status, e.turns, m.total, t.trained
                 FROM budget_members m JOIN examples e ON e.rowid = m.example_rowid
                 JOIN token_counts t ON t.content_hash = e.content_hash AND t.encoding = m.encoding
                WHERE m.dataset_id = ? AND m.encoding = ? AND m.total > ?
                ORDER BY m.total DESC, m.position, m.example_rowid LIMIT ?""",
            [dataset_id, encoding, above, limit])
