"""workbench.dataset.curation: views, search, edits as revisions, the persistent undo/redo stack."""

from __future__ import annotations

import pytest

from conftest import chat, many_chats, write_jsonl
from store import Store
from workbench.dataset.curation import Curation, ExampleView, fts_query
from workbench.dataset.importer import import_file

ENC = "o200k_base"


@pytest.fixture
def cur(store, tmp_path):
    records = many_chats(10)
    records[4] = chat("Où est mon colis?", "Il arrive demain.")
    import_file(store, write_jsonl(tmp_path / "d.jsonl", records), "d")
    return Curation(store)


@pytest.fixture
def ds(cur):
    return cur.store.datasets.get_dataset("d")["id"]


def ids(cur, ds, view=ExampleView()):
    return [r["id"] for r in cur.page(ds, view, encoding=ENC, offset=0, limit=100)]


@pytest.mark.parametrize("text, query", [
    ("", None),
    ("   ", None),
    ("colis", '"colis"*'),
    ("où est", '"où" "est"*'),
    ('a"b (c', '"a" "b" "c"*'),
    ("AND OR NOT", '"AND" "OR" "NOT"*'),
])
def test_fts_query_quotes_every_word(text, query):
    assert fts_query(text) == query


def test_pages_counts_and_search(cur, ds):
    assert cur.count(ds, ExampleView(), encoding=ENC) == 10
    page = cur.page(ds, ExampleView(), encoding=ENC, offset=8, limit=5)
    assert [r["position"] for r in page] == [9, 10]
    assert all(r["tokens"] > 0 for r in page)
    assert cur.count(ds, ExampleView(search="colis"), encoding=ENC) == 1
    assert cur.count(ds, ExampleView(search="col"), encoding=ENC) == 1  # prefix
    assert cur.count(ds, ExampleView(search="AND ("), encoding=ENC) == 0  # no syntax error


def test_filters_status_tag_flag_and_deleted(cur, ds):
    all_ids = ids(cur, ds)
    cur.set_status(all_ids[:3], "approved")
    cur.change_tags(all_ids[2:4], add=["vip"])
    cur.set_notes(all_ids[5], "odd")
    assert cur.count(ds, ExampleView(status="approved"), encoding=ENC) == 3
    assert ids(cur, ds, ExampleView(tag="vip")) == all_ids[2:4]
    assert ids(cur, ds, ExampleView(status="approved", tag="vip")) == all_ids[2:3]
    assert ids(cur, ds, ExampleView(flag="notes")) == [all_ids[5]]
    assert cur.count(ds, ExampleView(flag="over_limit"), encoding=ENC, context_limit=10) == 10
    assert cur.count(ds, ExampleView(flag="over_limit"), encoding=ENC, context_limit=10_000) == 0
    cur.delete(all_ids[:2])
    assert cur.count(ds, ExampleView(), encoding=ENC) == 8
    assert ids(cur, ds, ExampleView(deleted=True)) == all_ids[:2]
    assert cur.index_of(ds, all_ids[5], ExampleView(), encoding=ENC) == 3
    assert cur.index_of(ds, all_ids[0], ExampleView(), encoding=ENC) is None
    assert cur.tags(ds) == ["vip"]


def test_content_edit_recomputes_derived_columns_and_counts(cur, ds):
    example = cur.get(ids(cur, ds)[0])
    messages = example["messages"] + [{"role": "user", "content": "and?"}, {"role": "assistant", "content": ""}]
    cur.save_messages(example["id"], messages)
    after = cur.get(example["id"])
    assert after["turns"] == 5 and after["content_hash"] != example["content_hash"]
    assert after["errors"] >= 1 and any(f["severity"] == "error" for f in after["findings"])
    assert cur.store.examples.token_counts([after["content_hash"]], ENC) == {}
    assert cur.fill_token_counts([example["id"]]) == 2  # both encodings
    assert after["content_hash"] in cur.store.examples.token_counts([after["content_hash"]], ENC)
    assert cur.fill_token_counts([example["id"]]) == 0


def test_undo_redo_bulk_group_and_redo_tail(cur, ds):
    first, second, third = ids(cur, ds)[:3]
    cur.set_status([first, second], "approved")
    cur.change_tags([third], add=["x"])
    step = cur.undo()
    assert step.action == "tags" and cur.get(third)["tags"] == []
    step = cur.undo()
    assert step.example_ids == (first, second)
    assert cur.get(first)["status"] == cur.get(second)["status"] == "draft"
    assert cur.undo() is None
    cur.redo()
    assert cur.get(first)["status"] == "approved"
    cur.set_notes(first, "new branch")  # drops the redo of the tags edit
    assert not cur.can_redo() and cur.redo() is None
    assert cur.get(third)["tags"] == []
    assert [r["action"] for r in cur.store.examples.revisions(first)] == ["create", "status", "undo", "redo", "notes"]


def test_undo_of_content_edit_restores_hash(cur, ds):
    example = cur.get(ids(cur, ds)[0])
    messages = [dict(m) for m in example["messages"]]
    messages[1]["content"] = "changed"
    cur.save_messages(example["id"], messages)
    cur.undo()
    assert cur.get(example["id"])["content_hash"] == example["content_hash"]
    cur.redo()
    assert cur.get(example["id"])["messages"][1]["content"] == "changed"


def test_create_duplicate_and_their_undo(cur, ds):
    new = cur.create(ds)
    assert cur.count(ds, ExampleView(), encoding=ENC) == 11
    assert cur.get(new)["status"] == "draft" and cur.get(new)["turns"] == 3
    cur.undo()
    assert cur.get(new)["deleted_at"] is not None
    cur.redo()
    assert cur.get(new)["deleted_at"] is None
    source = ids(cur, ds)[0]
    cur.change_tags([source], add=["t"])
    copy = cur.duplicate(source)
    assert cur.get(copy)["messages"] == cur.get(source)["messages"]
    assert cur.get(copy)["tags"] == ["t"] and cur.get(copy)["position"] == 12


def test_the_stack_survives_reopening_the_file(cur, ds):
    first = ids(cur, ds)[0]
    cur.set_status([first], "rejected")
    path = cur.store.path
    with Store(path) as again:
        step = Curation(again).undo()
        assert step.example_ids == (first,) and again.examples.get_example(first)["status"] == "draft"


def test_restore_brings_back_deleted(cur, ds):
    first = ids(cur, ds)[0]
    cur.delete([first])
    cur.restore([first])
    assert cur.get(first)["deleted_at"] is None
    assert cur.set_status([first], "approved") == [first]
    assert cur.set_status([first], "approved") == []  # no change, no revision
    with pytest.raises(ValueError):
        cur.set_status([first], "nope")
