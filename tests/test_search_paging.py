"""Search pages and capped counts (store.examples) against the plain full query.

The Examples search pages through its hits in dataset order by walking the position
index step by step (many hits) or by looking the hits up (few), spells a trailing prefix
word as the terms it matches, and counts up to a cap. Whatever the plan, the hits and
their order must be those of the one-statement query the screen always promised:
every live example of the dataset whose text matches, by position.
"""

from __future__ import annotations

import random
import uuid

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from store.db import now
from workbench.chat.records import columns_from_record
from workbench.dataset.curation import fts_query

VOCAB = ["refund", "refunds", "refunded", "ref", "order", "orders", "zeppelin", "café", "cafe", "parcel",
         "re", "r2d2", "foo_bar"]
QUERIES = ["refund", "Refund", "ref", "refu", "refunds", "re", "order ref", "ord", "zep", "zeppelin", "caf",
           "café", "parcel order", "r2", "foo_b", "nothing", "order refunds"]

ENC = "o200k_base"


def full_query(store, dataset_id: str, match: str) -> list[str]:
    """What the screen shows, in one statement: the reference."""
    return [r[0] for r in store.db.execute(
        """SELECT e.id FROM examples e
            WHERE e.dataset_id = ? AND e.deleted_at IS NULL
              AND e.rowid IN (SELECT rowid FROM examples_fts WHERE examples_fts MATCH ?)
            ORDER BY e.position, e.rowid""", [dataset_id, match]).fetchall()]


def build(store, texts: list[list[str]], other: list[bool], deleted: list[bool], seed: int) -> str:
    """A dataset from `texts` (positions shuffled, so dataset order is not rowid
    order), with rows of another dataset inserted in between (rowids interleave) and
    some of its rows deleted."""
    a = store.datasets.create_dataset(f"a{uuid.uuid4().hex[:8]}")["id"]
    b = store.datasets.create_dataset(f"b{uuid.uuid4().hex[:8]}")["id"]
    positions = list(range(1, len(texts) + 1))
    random.Random(seed).shuffle(positions)
    rows = []
    for i, words in enumerate(texts):
        for dataset_id, position in ([(b, i + 1)] if other[i] else []) + [(a, positions[i])]:
            record = {"messages": [{"role": "user", "content": " ".join(words) or "empty"},
                                   {"role": "assistant", "content": f"answer {i} {dataset_id}"}]}
            rows.append({**columns_from_record(record), "dataset_id": dataset_id, "position": position,
                         "tags": [], "status": "draft", "notes": "", "findings": [], "errors": 0, "warnings": 0})
    store.examples.insert_examples(rows)
    rows = store.db.execute("SELECT id FROM examples WHERE dataset_id = ? ORDER BY rowid", [a]).fetchall()
    for (example_id,), gone in zip(rows, deleted):
        if gone:
            store.examples.update_example(example_id, {"deleted_at": now()}, action="delete")
    return a


def paged(store, dataset_id: str, match: str, size: int) -> list[str]:
    out, offset = [], 0
    while True:
        rows = store.examples.example_page(dataset_id, encoding=ENC, offset=offset, limit=size, match=match)
        out += [r["id"] for r in rows]
        if len(rows) < size:
            return out
        offset += size


texts_st = st.lists(st.lists(st.sampled_from(VOCAB), max_size=6), min_size=1, max_size=40)


@pytest.mark.parametrize("plan", ["walk", "lookup"])
@settings(max_examples=20, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(data=st.data(), texts=texts_st, seed=st.integers(0, 1000))
def test_paged_search_matches_the_full_query(store, plan, data, texts, seed):
    """One store for all the generated cases: each builds two new datasets in it, so
    the full-text index also holds the earlier cases' rows."""
    n = len(texts)
    other = data.draw(st.lists(st.booleans(), min_size=n, max_size=n))
    deleted = data.draw(st.lists(st.booleans(), min_size=n, max_size=n))
    size = data.draw(st.integers(1, 7))
    examples = store.examples
    if plan == "walk":  # every search walks the index, in small steps split into several runs
        examples.MANY_HITS, examples.WALK_STEP, examples.WALK_GAP = 0, 3, 1
    dataset_id = build(store, texts, other, deleted, seed)
    for text in QUERIES:
        match = fts_query(text)
        expected = full_query(store, dataset_id, match)
        assert paged(store, dataset_id, match, size) == expected, text
        assert examples.count_filtered(dataset_id, encoding=ENC, match=match) == len(expected), text
        capped = examples.count_filtered(dataset_id, encoding=ENC, match=match, cap=size)
        assert capped == min(len(expected), size + 1), text
    for text in ("refund", "ref", "order ref"):  # the row an edited example is found at again
        match = fts_query(text)
        expected = full_query(store, dataset_id, match)
        every = [r[0] for r in store.db.execute("SELECT id FROM examples WHERE dataset_id = ?", [dataset_id])]
        for example_id in every:
            found = examples.index_in_view(dataset_id, example_id, encoding=ENC, match=match)
            assert found == (expected.index(example_id) if example_id in expected else None), text


def test_prefix_word_is_spelled_as_its_terms(store):
    """`"ref"*` becomes the terms that start with it, read from the index (so a word
    added later is found on the next search, not remembered stale)."""
    a = build(store, [["refund", "order"], ["refunds"], ["parcel"]], [False] * 3, [False] * 3, 1)
    examples = store.examples
    assert examples.expand_prefix('"order" "Ref"*') == '"order" AND ("ref" OR "refund" OR "refunds")'
    assert examples.expand_prefix('"parcel"*') == '"parcel"'
    assert examples.expand_prefix('"re"*') == '"re"*'  # too short: left to FTS5
    assert examples.expand_prefix('"café"*') == '"café"*'  # not plain ASCII: left to FTS5
    example = next(examples.iter_examples(a))
    messages = [dict(m) for m in example["messages"]]
    messages[0]["content"] += " refunded"
    examples.update_example(example["id"], {"messages": messages})
    assert examples.expand_prefix('"ref"*') == '("ref" OR "refund" OR "refunded" OR "refunds")'


def test_capped_count_of_a_common_word_stops_at_the_cap(store):
    """More than the cap: cap + 1, which the screen shows as "N+"; below it, exact."""
    a = build(store, [["refund"]] * 30 + [["parcel"]] * 5, [False] * 35, [False] * 35, 3)
    examples = store.examples
    examples.MANY_HITS, examples.WALK_STEP = 10, 4
    assert examples.count_filtered(a, encoding=ENC, match='"refund"*', cap=12) == 13
    assert examples.count_filtered(a, encoding=ENC, match='"refund"*', cap=100) == 30
    assert examples.count_filtered(a, encoding=ENC, match='"parcel"*', cap=3) == 4
    assert examples.count_filtered(a, encoding=ENC, cap=20) == 21
    assert examples.count_filtered(a, encoding=ENC) == 35
