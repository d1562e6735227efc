"""An import's share of the running token totals (store.token_totals.count_staged).

The importer's workers decide each example's tool and media flags (tokens.estimated_parts
of the record the example exports as) and the writer sums the batch in Python instead of
walking the staged rows' JSON in SQL. The totals must stay equal to a full recount for
every kind of record (chat and preference, tools in the input, calls and media in the
outputs), into new and existing datasets, with other encodings' counts already cached.
Imported rows also take ids from one sequence (store.db.IdSequence), so that the id
indexes grow at one place.
"""

from __future__ import annotations

import uuid

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from conftest import write_jsonl
from test_budget_totals import _json, _messages, _stored_messages, assert_totals_exact
from store.db import IdSequence, Pacer
from workbench.budget import tokens
from workbench.budget.tokens import ESTIMATE_MEDIA, ESTIMATE_TOOLS
from workbench.chat.records import columns_from_record, record_from_example
from workbench.dataset.importer import _estimated_parts, import_file

TOOL = {"type": "function", "function": {"name": "find_order", "parameters": {"type": "object"}}}
CALL = {"id": "c7", "type": "function", "function": {"name": "find_order", "arguments": "{\"order\": \"B-12\"}"}}
PICTURE = {"type": "image_url", "image_url": {"url": "https://shop.test/parcel.png"}}


def _chat(i: int, tools: bool = False, media: bool = False) -> dict:
    question = [{"type": "text", "text": f"Is parcel {i} damaged?"}, PICTURE] if media else f"Where is parcel {i}?"
    record = {"messages": [{"role": "user", "content": question},
                           {"role": "assistant", "content": f"Parcel {i} left the depot."}]}
    if tools:
        record["tools"] = [TOOL]
        record["messages"][1:1] = [{"role": "assistant", "content": None, "tool_calls": [CALL]},
                                   {"role": "tool", "tool_call_id": "c7", "content": "in transit"}]
    return record


def _preference(i: int, tools_in: str = "", media: bool = False) -> dict:
    prompt = [{"type": "text", "text": f"Describe box {i}."}, PICTURE] if media else f"Describe box {i}."
    good = [{"role": "assistant", "content": f"Box {i} is blue."}]
    if tools_in == "output":
        good = [{"role": "assistant", "content": None, "tool_calls": [CALL]}]
    record = {"input": {"messages": [{"role": "user", "content": prompt}]},
              "preferred_output": good,
              "non_preferred_output": [{"role": "assistant", "content": f"No idea about box {i}."}]}
    if tools_in == "input":
        record["input"]["tools"] = [TOOL]
    return record


def _mixed_records(start: int) -> list[dict]:
    return [_chat(start), _chat(start + 1, tools=True), _chat(start + 2, media=True),
            _chat(start + 3, tools=True, media=True), _preference(start + 4), _preference(start + 5, "input"),
            _preference(start + 6, "output"), _preference(start + 7, media=True)]


def test_import_totals_equal_a_full_recount_for_every_kind_of_record(store, tmp_path):
    first = import_file(store, write_jsonl(tmp_path / "a.jsonl", _mixed_records(0)), "parcels",
                        skip_invalid=True)
    assert first.added >= 6 and first.committed
    kinds = {r[0] for r in store.db.execute("SELECT kind FROM examples").fetchall()}
    assert kinds == {"chat", "preference"}
    assert_totals_exact(store)
    # another encoding's counts already cached for content the next import brings again
    hashes = [r[0] for r in store.db.execute("SELECT content_hash FROM examples ORDER BY rowid LIMIT 3")]
    with store.transaction():
        store.examples.save_token_counts((h, "cl100k_base", 40 + n, n) for n, h in enumerate(hashes))
    assert_totals_exact(store)
    second = import_file(store, write_jsonl(tmp_path / "b.jsonl", _mixed_records(0) + _mixed_records(100)),
                         "boxes", skip_invalid=True)
    assert second.added >= 12
    again = import_file(store, write_jsonl(tmp_path / "c.jsonl", _mixed_records(200)), "parcels",
                        skip_invalid=True, encodings=())
    assert again.added >= 6
    assert_totals_exact(store)


def test_import_parts_flags_are_counted(store, tmp_path):
    import_file(store, write_jsonl(tmp_path / "a.jsonl", [_chat(1), _chat(2, tools=True), _chat(3, media=True),
                                                         _preference(4, "input")]), "flags", skip_invalid=True)
    dataset = store.datasets.get_dataset("flags")
    parts = store.token_totals.parts(dataset["id"])
    added = store.db.execute("SELECT count(*) FROM examples WHERE dataset_id = ?", [dataset["id"]]).fetchone()[0]
    expected = [tokens.estimated_parts(record_from_example(e)) for e in store.examples.iter_examples(dataset["id"])]
    assert parts == {"examples": added, "with_tools": sum(ESTIMATE_TOOLS in p for p in expected),
                     "with_media": sum(ESTIMATE_MEDIA in p for p in expected)}
    assert parts["with_tools"] >= 1 and parts["with_media"] >= 1


@settings(max_examples=150, deadline=None)
@given(preference=st.booleans(), messages=_stored_messages, tools=_json, functions=_json,
       preferred=st.none() | _messages, non_preferred=st.none() | _messages)
def test_worker_flags_agree_with_the_exported_record(preference, messages, tools, functions, preferred,
                                                     non_preferred):
    body = {"messages": messages}
    for key, value in (("tools", tools), ("functions", functions)):
        if value is not None:
            body[key] = value
    record = {"input": body, "preferred_output": preferred, "non_preferred_output": non_preferred} \
        if preference else body
    columns = columns_from_record(record)
    try:
        expected = tokens.estimated_parts(record_from_example(columns))
    except TypeError:  # a content part whose "type" is a list or object: estimated_parts fails on it
        assume(False)
    assert _estimated_parts(columns) == (int(ESTIMATE_TOOLS in expected), int(ESTIMATE_MEDIA in expected))


def test_id_sequence_gives_distinct_uuids_that_sort_in_order():
    first, second = IdSequence(), IdSequence()
    ids = [first() for _ in range(1000)]
    assert ids == sorted(ids) and len(set(ids)) == 1000
    assert all(uuid.UUID(i).version == 4 and str(uuid.UUID(i)) == i for i in ids)
    others = [second() for _ in range(10)]
    assert not set(others) & set(ids)
    assert others[0][:24] != ids[0][:24]  # each sequence has its own prefix


def test_id_sequence_takes_a_new_prefix_when_its_counter_is_used_up():
    sequence = IdSequence()
    sequence._next = 0xFFFFFFFF
    last, after = sequence(), sequence()
    assert last.endswith("ffffffff") and after.endswith("00000000") and last[:24] != after[:24]


def test_imported_rows_ids_sort_in_file_order(store, tmp_path):
    """Rows of one import (and their first revisions) get ids that sort together, in file
    order: each id index is written at one place per batch, not a random page per row.
    (Before: uuid4 for each row.)"""
    import_file(store, write_jsonl(tmp_path / "a.jsonl", [_chat(i) for i in range(40)]), "order")
    ids = [r[0] for r in store.db.execute("SELECT id FROM examples ORDER BY position")]
    assert len(ids) == 40 and ids == sorted(ids)
    revisions = [r[0] for r in store.db.execute(
        "SELECT r.id FROM example_revisions r JOIN examples e ON e.id = r.example_id ORDER BY e.position")]
    assert revisions == sorted(revisions) and not set(revisions) & set(ids)


def test_counts_another_connection_saves_mid_import_keep_the_totals_exact(store, tmp_path):
    """An import lists its rows' budget_members once, sorted, after the last batch
    (token_totals.settle_staged_members). Counts another connection saves for staged
    content meanwhile (a replaced size, another encoding) reach the staged rows through
    the triggers; the settle must keep those rows and take sizes as they are then."""
    from store.store import Store

    path = write_jsonl(tmp_path / "a.jsonl", [_chat(i, tools=i % 3 == 0) for i in range(1500)])
    other = Store(store.path)
    saved = []

    def save_counts_for_staged_rows(done: int, total: int) -> None:
        hashes = [r[0] for r in other.db.execute(
            "SELECT e.content_hash FROM examples e JOIN import_staging s ON s.dataset_id = e.dataset_id "
            "ORDER BY e.rowid DESC LIMIT 40")]
        if not hashes or saved:
            return
        with other.transaction():
            other.examples.save_token_counts([(h, "o200k_base", 7, 3) for h in hashes[:20]]
                                             + [(h, "cl100k_base", 9, 4) for h in hashes[20:]])
        saved.extend(hashes)

    try:
        result = import_file(store, path, "mid", progress=save_counts_for_staged_rows)
    finally:
        other.close()
    assert result.added == 1500 and len(saved) == 40
    dataset_id = store.datasets.get_dataset("mid")["id"]
    assert [r["total"] for r in store.token_totals.largest(dataset_id, "cl100k_base", 100)] == [9] * 20
    assert sum(n for total, n, _ in store.token_totals.sizes(dataset_id, "o200k_base") if total == 7) == 20
    assert_totals_exact(store)


def test_rows_are_written_in_hash_order_and_keep_the_files_order(store, tmp_path, monkeypatch):
    """The importer writes each window of rows sorted by content hash (each transaction
    then covers a slice of the hash-keyed indexes' pages), while positions follow the
    file, and a line repeated within one window is still dropped (the first one stays)."""
    from workbench.dataset import importer

    monkeypatch.setattr(importer, "SORT_WINDOW", 300)
    monkeypatch.setattr(importer, "SORT_FROM", 0)
    records = [_chat(i) for i in range(1000)]
    records[650] = records[610]  # the same content twice in one window
    result = import_file(store, write_jsonl(tmp_path / "a.jsonl", records), "sorted")
    assert result.added == 999 and result.duplicates == 1
    rows = store.db.execute("SELECT rowid, position, source_line, content_hash FROM examples "
                            "ORDER BY position").fetchall()
    assert [r[1] for r in rows] == list(range(1, 1000))
    assert [r[2] for r in rows] == [line for line in range(1, 1001) if line != 651]  # file order
    hashes = [r[3] for r in sorted(rows)]  # in the order written
    # a few runs in hash order (one per window of about 300 rows; file order: about 500)
    assert sum(a > b for a, b in zip(hashes, hashes[1:])) <= 5
    assert_totals_exact(store)


class _CommitsOnFirstSlice(Pacer):
    """A pacer (small slices) that, before the first slice, lets another connection commit."""

    def __init__(self, commit) -> None:
        super().__init__(size=7, high=7)
        self.commit = commit

    def aim_for(self, conn) -> None:
        if self.commit:
            self.commit()
            self.commit = None


def test_settle_takes_rows_as_they_are_once_another_connection_commits(store, tmp_path):
    """settle_staged_members copies its sorted snapshot only while no other connection has
    committed; after a commit (a size replaced, a count deleted) it checks each row."""
    from store.store import Store

    import_file(store, write_jsonl(tmp_path / "a.jsonl", [_chat(i) for i in range(60)]), "settle")
    dataset_id = store.datasets.get_dataset("settle")["id"]
    hashes = [r[0] for r in store.db.execute(
        "SELECT content_hash FROM examples WHERE dataset_id = ? ORDER BY position", [dataset_id])]
    with store.transaction():  # as if the import had not listed them yet
        store.db.execute("DELETE FROM budget_members WHERE dataset_id = ?", [dataset_id])
    other = Store(store.path)

    def change_counts() -> None:
        with other.transaction():
            other.examples.save_token_counts([(hashes[0], "o200k_base", 999, 1)])
            other.db.execute("DELETE FROM token_counts WHERE content_hash = ?", [hashes[1]])

    try:
        written = store.token_totals.settle_staged_members(dataset_id, _CommitsOnFirstSlice(change_counts))
    finally:
        other.close()
    assert written == 58  # 60 rows: one counted by the trigger instead, one without a count now
    assert store.token_totals.largest(dataset_id, "o200k_base", 1)[0]["total"] == 999
    assert_totals_exact(store)


def test_the_files_last_ranges_are_written_as_they_come(store, tmp_path, monkeypatch):
    """Within TAIL_RANGES ranges of the file's end the window is written at once (while
    the workers parse the rest) and the last rows go out after it, batch by batch."""
    from workbench.chat import parallel
    from workbench.dataset import importer

    monkeypatch.setattr(parallel, "RANGE_BYTES", 8_000)
    monkeypatch.setattr(importer, "SORT_WINDOW", 100_000)  # never full: only the tail writes it
    monkeypatch.setattr(importer, "SORT_FROM", 0)
    monkeypatch.setattr(importer, "TAIL_RANGES", 2)
    path = write_jsonl(tmp_path / "a.jsonl", [_chat(i) for i in range(600)])
    assert import_file(store, path, "tail").added == 600
    rows = store.db.execute("SELECT content_hash, position FROM examples ORDER BY rowid").fetchall()
    # the last two ranges (8 KB: about 60 rows each) were written after the window
    assert min(p for _, p in rows[-100:]) > 400
    head = [h for h, _ in rows[:300]]
    assert head == sorted(head)  # the window before them, in hash order


def test_rows_are_sorted_only_once_the_store_is_large(store, tmp_path, monkeypatch):
    """Below SORT_FROM rows in the store (its rows before the import and the import's own)
    each batch is written as it comes, in file order; past it, in sorted windows."""
    from workbench.dataset import importer

    monkeypatch.setattr(importer, "SORT_WINDOW", 10_000)  # one window, written at the end
    monkeypatch.setattr(importer, "SORT_FROM", 800)
    import_file(store, write_jsonl(tmp_path / "a.jsonl", [_chat(i) for i in range(500)]), "small")
    import_file(store, write_jsonl(tmp_path / "b.jsonl", [_chat(i) for i in range(500, 1100)]), "large")

    def written_order(name: str) -> list[tuple[int, str]]:
        dataset_id = store.datasets.get_dataset(name)["id"]
        return store.db.execute("SELECT position, content_hash FROM examples WHERE dataset_id = ? ORDER BY rowid",
                                [dataset_id]).fetchall()

    small, large = written_order("small"), written_order("large")
    assert [p for p, _ in small] == list(range(1, 501))  # 500 rows in the store: as they come
    # the second import passes 800 rows in the store after 300 of its own: its first batch
    # (200 rows) goes in file order, its last 300 rows (at least) in the sorted window
    first = [p for p, _ in large[:150]]
    assert first == sorted(first)
    window = [h for _, h in large[-300:]]
    assert window == sorted(window)
