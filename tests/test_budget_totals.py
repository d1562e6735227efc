"""Running token totals (store.token_totals, migration 0017): always equal to a full recount.

The reference is the slow way the budget used to work: every live example's cached count
read through the join (store.examples.dataset_token_counts) and every example decoded for
its estimated parts (tokens.estimated_parts), in Python. Random sequences of imports,
edits, status changes, deletes, restores, undo/redo, purges and cache writes must leave
the totals equal to it, and a budget priced from the totals equal to one priced from it.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import replace

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from conftest import write_jsonl
from workbench.budget import catalog, counting, sources, tokens
from workbench.budget.estimate import EpochsRule, ModelSpec, estimate_budget, estimate_from_sizes
from workbench.budget.tokens import ESTIMATE_MEDIA, ESTIMATE_TOOLS, TokenCount
from workbench.chat.records import record_from_example
from workbench.dataset.curation import Curation
from workbench.dataset.importer import import_file
from workbench.doctor.purge import purge_deleted

ENCODINGS = catalog.ENCODINGS
STATUSES = (None, "draft", "approved", "rejected")
WORDS = "order refund parcel invoice size colour delivery voucher account password".split()


def _reference(store, dataset_id: str, encoding: str, status: str | None):
    rows = list(store.examples.dataset_token_counts(dataset_id, encoding, status))
    counted = [r for r in rows if r["total"] is not None]
    by_size: dict[int, list[int]] = {}
    for r in counted:
        by_size.setdefault(r["total"], [0, 0])
        by_size[r["total"]][0] += 1
        by_size[r["total"]][1] += r["trained"]
    parts = [tokens.estimated_parts(record_from_example(e))
             for e in store.examples.iter_examples(dataset_id, status)]
    return {
        "sizes": sorted((t, n, trained) for t, (n, trained) in by_size.items()),
        "parts": {"examples": len(rows), "with_tools": sum(ESTIMATE_TOOLS in p for p in parts),
                  "with_media": sum(ESTIMATE_MEDIA in p for p in parts)},
        "uncounted": sorted(r["id"] for r in rows if r["total"] is None),
        "largest": [r["id"] for r in sorted(counted, key=lambda r: (-r["total"], r["position"]))],
    }


def assert_totals_exact(store) -> None:
    """Every dataset, encoding and status filter: the totals equal the full recount."""
    totals = store.token_totals
    for dataset in store.db.execute("SELECT id FROM datasets").fetchall():
        dataset_id = dataset[0]
        for encoding in ENCODINGS:
            for status in STATUSES:
                expected = _reference(store, dataset_id, encoding, status)
                assert totals.sizes(dataset_id, encoding, status) == expected["sizes"], (encoding, status)
                assert totals.parts(dataset_id, status) == expected["parts"], status
                assert sorted(r["id"] for r in totals.uncounted(dataset_id, encoding, status)) \
                    == expected["uncounted"], (encoding, status)
            members = totals.largest(dataset_id, encoding, 10**9)
            assert [r["id"] for r in members] == _reference(store, dataset_id, encoding, None)["largest"]
    # nothing left over for rows that are gone
    assert store.db.execute("SELECT count(*) FROM budget_uncounted u LEFT JOIN examples e "
                            "ON e.rowid = u.example_rowid WHERE e.rowid IS NULL").fetchone()[0] == 0


def _record(rng: random.Random, i: int) -> dict:
    words = " ".join(rng.choices(WORDS, k=rng.randint(1, 30)))
    record = {"messages": [{"role": "user", "content": f"q{i} {words}"},
                           {"role": "assistant", "content": f"a {words}"}]}
    if rng.random() < 0.2:
        record["tools"] = [{"type": "function", "function": {"name": "lookup", "parameters": {"type": "object"}}}]
        record["messages"][1] = {"role": "assistant", "content": None, "tool_calls": [
            {"id": "c1", "type": "function", "function": {"name": "lookup", "arguments": "{}"}}]}
        record["messages"].append({"role": "tool", "tool_call_id": "c1", "content": "ok"})
        record["messages"].append({"role": "assistant", "content": "done"})
    if rng.random() < 0.15:
        record["messages"][0]["content"] = [{"type": "text", "text": words},
                                            {"type": "image_url", "image_url": {"url": "https://x.test/a.png"}}]
    return record


def _random_ops(store, tmp_path, rng: random.Random, steps: int, backfill: bool = False) -> None:
    cur = Curation(store, author="test")
    n_files = 0

    def live_ids(deleted: bool = False):
        sql = "SELECT id FROM examples WHERE deleted_at IS " + ("NOT NULL" if deleted else "NULL")
        return [r[0] for r in store.db.execute(sql + " ORDER BY rowid").fetchall()]

    for _ in range(steps):
        op = rng.choice(["import", "import", "edit", "edit", "status", "delete", "restore", "undo", "redo",
                         "purge", "fill", "recount", "forget", "backfill" if backfill else "edit"])
        ids = live_ids()
        if op == "import" or not ids:
            n_files += 1
            records = [_record(rng, rng.randint(0, 10**6)) for _ in range(rng.randint(1, 12))]
            path = write_jsonl(tmp_path / f"f{n_files}.jsonl", records)
            import_file(store, path, rng.choice(["alpha", "beta"]), skip_invalid=True,
                        encodings=rng.choice([tuple(ENCODINGS), ("o200k_base",), ()]))
        elif op == "edit":
            example = store.examples.get_example(rng.choice(ids))
            record = _record(rng, rng.randint(0, 10**6))
            cur.save_messages(example["id"], record["messages"])
        elif op == "status":
            cur.set_status(rng.sample(ids, min(len(ids), rng.randint(1, 4))), rng.choice(["draft", "approved",
                                                                                          "rejected"]))
        elif op == "delete":
            cur.delete(rng.sample(ids, min(len(ids), rng.randint(1, 3))))
        elif op == "restore" and live_ids(deleted=True):
            cur.restore(rng.sample(live_ids(deleted=True), 1))
        elif op == "undo":
            cur.undo()
        elif op == "redo":
            cur.redo()
        elif op == "purge" and live_ids(deleted=True):
            name = store.db.execute("SELECT d.name FROM examples e JOIN datasets d ON d.id = e.dataset_id "
                                    "WHERE e.deleted_at IS NOT NULL LIMIT 1").fetchone()[0]
            purge_deleted(store, name)
        elif op == "fill":
            cur.fill_token_counts(rng.sample(ids, min(len(ids), 5)))
        elif op == "recount":  # the cache rewritten with other figures (a tokenizer rule changed)
            hashes = [r[0] for r in store.db.execute("SELECT content_hash FROM token_counts").fetchall()]
            with store.transaction():
                store.examples.save_token_counts(
                    (h, rng.choice(ENCODINGS), rng.randint(1, 500), rng.randint(0, 50))
                    for h in rng.sample(hashes, min(len(hashes), 3)))
        elif op == "forget":
            with store.transaction():  # a cached count dropped (migration 0006 did so)
                store.db.execute("DELETE FROM token_counts WHERE content_hash IN (SELECT content_hash "
                                 "FROM token_counts ORDER BY content_hash LIMIT 1 OFFSET ?)", [rng.randint(0, 20)])
        elif op == "backfill":
            store.token_totals.backfill_step(rows=rng.randint(1, 7))


@pytest.mark.parametrize("seed", range(6))
def test_totals_equal_a_full_recount_after_random_changes(store, tmp_path, seed):
    rng = random.Random(seed)
    _random_ops(store, tmp_path, rng, 40)
    assert store.token_totals.complete()
    assert_totals_exact(store)


@pytest.mark.parametrize("seed", range(4))
def test_rows_written_before_the_totals_are_counted_in_slices(store, tmp_path, seed):
    # An upgraded file: its rows predate the triggers. The backfill counts them in
    # slices while the user keeps changing examples, and ends exact.
    rng = random.Random(100 + seed)
    _random_ops(store, tmp_path, rng, 12)
    store.token_totals.reset()
    assert not store.token_totals.complete()
    _random_ops(store, tmp_path, rng, 40, backfill=True)
    sources.ensure_totals(store)
    assert_totals_exact(store)


def test_upgraded_file_is_counted_by_the_first_budget(tmp_path):
    from store import Store
    from store.db import connect
    from store.migrations import migrations

    old = tmp_path / "old.db"
    db = connect(old)
    migrations.apply(db, stop_before="0017_token_totals")
    stamp = "2026-01-01T00:00:00+00:00"
    db.execute("INSERT INTO datasets(id, name, created_at, updated_at) VALUES ('d1', 'old', ?, ?)", [stamp, stamp])
    for i in range(5):
        db.execute("INSERT INTO examples(id, dataset_id, position, messages, content_hash, created_at, updated_at) "
                   "VALUES (?, 'd1', ?, ?, ?, ?, ?)",
                   [f"e{i}", i, f'[{{"role":"user","content":"hi {i}"}}]', f"h{i}", stamp, stamp])
        db.execute("INSERT INTO token_counts VALUES (?, 'o200k_base', ?, 1)", [f"h{i}", 10 + i % 2])
    db.close()
    with Store(old) as store:
        assert not store.token_totals.complete()  # the migration itself read no example
        totals = sources.dataset_totals(store, "d1", ["o200k_base"])
        assert store.token_totals.complete()
        assert totals.sizes["o200k_base"] == [(10, 3, 3), (11, 2, 2)]
        assert totals.examples == 5


# --- the SQL flags agree with tokens.estimated_parts --------------------------------------

_json = st.recursive(st.none() | st.booleans() | st.integers(-2, 2) | st.sampled_from(["", "x", "file", "image_url"]),
                     lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
                         st.sampled_from(["type", "content", "tool_calls", "function_call", "text"]), inner,
                         max_size=3), max_leaves=8)
_message = st.fixed_dictionaries({"role": st.sampled_from(["user", "assistant"])}, optional={
    "content": st.one_of(st.text(max_size=5), st.lists(
        st.fixed_dictionaries({}, optional={"type": st.sampled_from(["text", "image_url", "input_audio", "file",
                                                                     "input_file", "input_image", "tool_calls"]),
                                            "text": st.just("hi")}) | _json, max_size=3)),
    "tool_calls": _json, "function_call": _json})
_messages = st.lists(_message | _json, max_size=3) | _json
# the stored messages column is always a list of objects (the search trigger reads each one's content)
_stored_messages = st.lists(_message | st.dictionaries(st.sampled_from(["role", "content", "tool_calls"]), _json),
                            max_size=3)


@pytest.fixture(scope="module")
def parts_store(tmp_path_factory):
    from workbench.workspace import open_store

    with open_store(tmp_path_factory.mktemp("parts") / "p.db") as store:
        yield store


@settings(max_examples=120, deadline=None)
@given(kind=st.sampled_from(["chat", "preference"]), messages=_stored_messages,
       tools=_json, functions=_json, preferred=st.none() | _messages, non_preferred=st.none() | _messages)
def test_sql_estimated_parts_agree_with_python(parts_store, kind, messages, tools, functions, preferred,
                                               non_preferred):
    store = parts_store
    dataset = store.datasets.create_dataset(f"d{store.db.execute('SELECT count(*) FROM datasets').fetchone()[0]}")
    store.examples.insert_examples([{
        "dataset_id": dataset["id"], "position": 1, "kind": kind, "messages": messages, "tools": tools,
        "functions": functions, "preferred_output": preferred, "non_preferred_output": non_preferred,
        "content_hash": "h"}])
    example = next(store.examples.iter_examples(dataset["id"]))
    try:
        expected = tokens.estimated_parts(record_from_example(example))
    except TypeError:  # a content part whose "type" is a list or object: estimated_parts fails on it
        assume(False)
    parts = store.token_totals.parts(dataset["id"])
    assert (parts["with_tools"], parts["with_media"]) == (ESTIMATE_TOOLS in expected, ESTIMATE_MEDIA in expected)


# --- pricing from sizes is pricing from every count ---------------------------------------

@settings(max_examples=200, deadline=None)
@given(counts=st.lists(st.tuples(st.integers(0, 5000), st.integers(0, 5000)), max_size=60),
       limit=st.integers(1, 6000), epochs=st.none() | st.integers(1, 30))
def test_estimate_from_sizes_equals_estimate_from_every_count(counts, limit, epochs):
    model = ModelSpec(name="m", encoding="o200k_base", training_context_limit=limit, price_training_per_1m=3.0)
    sizes: Counter = Counter()
    trained: Counter = Counter()
    for total, t in counts:
        sizes[total] += 1
        trained[total] += t
    rows = sorted((total, sizes[total], trained[total]) for total in sizes)
    expected = estimate_budget([TokenCount(total=a, trained=b) for a, b in counts], model, EpochsRule(), epochs)
    assert estimate_from_sizes(rows, model, EpochsRule(), epochs) == expected


def test_budget_for_dataset_equals_the_full_recount(store, tmp_path):
    rng = random.Random(3)
    _random_ops(store, tmp_path, rng, 30)
    rule = catalog.epochs_rule(store)
    for dataset in store.datasets.list_datasets():
        for name in ("gpt-4o-mini", "gpt-3.5-turbo"):
            model = replace(catalog.resolve_model(store, name), training_context_limit=60)
            for status in (None, "approved"):
                got, _ = sources.budget_for_dataset(store, dataset, model, status=status)
                rows = list(counting.dataset_counts(store, dataset["id"], model.encoding, status))
                parts = sources.dataset_estimated_parts(store, dataset["id"], status)
                assert got == sources.estimate_from_counts(rows, parts, model, rule)
                if status:
                    continue  # the screen lists the largest of every status
                assert sources.largest_in_dataset(store, dataset["id"], model.encoding, 20, 60) \
                    == [({k: r[k] for k in ("id", "position", "status", "turns", "total", "trained")}, why)
                        for r, why in sources.largest_examples(
                            [{**r, **_status_turns(store, r["id"])} for r in rows], 20, 60)]


def _status_turns(store, example_id):
    example = store.examples.get_example(example_id)
    return {"status": example["status"], "turns": example["turns"]}


# --- the work of a budget after one edit does not grow with the dataset --------------------

def _budget_work(store, tmp_path, n: int) -> int:
    """SQLite virtual-machine steps (in thousands) of a budget for another encoding's model
    after one edit, on a dataset of n examples: a count of work, not a timing."""
    name = f"size{n}"
    import_file(store, write_jsonl(tmp_path / f"{name}.jsonl", [_record(random.Random(i), i) for i in range(n)]),
                name, encodings=tuple(ENCODINGS))
    dataset = store.datasets.get_dataset(name)
    other = catalog.resolve_model(store, "gpt-3.5-turbo")
    sources.budget_for_dataset(store, dataset, other)  # the screen had shown it before
    example = next(store.examples.iter_examples(dataset["id"], batch=1))
    Curation(store, author="t").save_messages(example["id"], [{"role": "user", "content": "changed"},
                                                              {"role": "assistant", "content": "now"}])
    tokens.get_encoding(other.encoding)
    steps = [0]

    def tick():
        steps[0] += 1
        return 0

    store.db.conn.set_progress_handler(tick, 1000)
    try:
        estimate, _ = sources.budget_for_dataset(store, dataset, other)
        sources.largest_in_dataset(store, dataset["id"], other.encoding, 20, other.training_context_limit)
    finally:
        store.db.conn.set_progress_handler(None, 0)
    assert estimate.n_examples == store.examples.count_examples(dataset["id"]) > n * 0.9  # duplicates dropped
    return steps[0]


def test_budget_after_one_edit_does_not_read_every_example(store, tmp_path):
    small = _budget_work(store, tmp_path, 200)
    large = _budget_work(store, tmp_path, 3000)
    assert large <= small + 5  # the old budget read every row: about 15x more at 3,000


def test_totals_counted_again_when_their_state_is_gone(store, tmp_path):
    # A snapshot's copy empties budget_state (LOCAL_TABLES, first): the triggers then skip
    # every row, and the next budget counts the whole file again.
    _random_ops(store, tmp_path, random.Random(9), 15)
    store.db.execute("DELETE FROM budget_state")
    _random_ops(store, tmp_path, random.Random(10), 10)
    assert not store.token_totals.complete()
    sources.ensure_totals(store)
    assert_totals_exact(store)


# --- the Budget screen -------------------------------------------------------------------

async def test_budget_screen_counts_an_old_file_once_then_shows_an_edit(store, tmp_path):
    """An upgraded file's rows are counted by the screen's first load; shown again after
    an edit that makes one example the largest, it lists that example first."""
    from screens.app import make_app
    from test_tui_helpers import screen_text

    import_file(store, write_jsonl(tmp_path / "d.jsonl", [_record(random.Random(i), i) for i in range(30)]), "d",
                encodings=tuple(ENCODINGS))
    store.token_totals.reset()  # as after migration 0017 on a file that had these rows
    dataset = store.datasets.get_dataset("d")
    app = make_app(store)
    app.cursor_blink = False
    async with app.run_test(size=(120, 34)) as pilot:
        await pilot.press("2")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert store.token_totals.complete()
        expected, _ = sources.budget_for_dataset(store, dataset, app.target_model)
        assert f"{expected.total_tokens:,}" in screen_text(app)
        example = next(store.examples.iter_examples(dataset["id"]))
        Curation(store, author="t").save_messages(example["id"], [
            {"role": "user", "content": "long " * 400}, {"role": "assistant", "content": "ok"}])
        await pilot.press("1", "2")
        await app.workers.wait_for_complete()
        await pilot.pause()
        table = app.screen.query_one("#largest")
        assert table.coordinate_to_cell_key((0, 0)).row_key.value == example["id"]
        after, _ = sources.budget_for_dataset(store, dataset, app.target_model)
        assert after.total_tokens > expected.total_tokens and f"{after.total_tokens:,}" in screen_text(app)
    assert_totals_exact(store)
