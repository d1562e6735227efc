"""An imported example's first revision is written as "the same as the row" (migration
0019) and filled in when the row first changes: by the app, a snapshot merge or a user's
sqlite3 shell. History, undo and merges must see exactly what was imported."""

from __future__ import annotations

import json
import sqlite3

from conftest import SAMPLE_DATA, chat, write_jsonl
from store.examples import FIRST_SNAPSHOT_IS_ROW, snapshot_of_row
from workbench.dataset.curation import Curation
from workbench.dataset.importer import import_file
from workbench.snapshots.export import export_snapshot
from workbench.snapshots.merge import import_snapshot
from workbench.workspace import open_store

#: records with every editable column in play: tools, parallel tool calls, DPO outputs,
#: non-ASCII text, a null content, weights
RECORDS = [
    chat("Où est ma commande AUR-7 ?", "Elle part demain — merci !"),
    {"messages": [{"role": "user", "content": "Weather in Gent?"},
                  {"role": "assistant", "content": None, "tool_calls": [
                      {"id": "c1", "type": "function", "function": {"name": "weather", "arguments": "{\"city\":\"Gent\"}"}}]},
                  {"role": "tool", "tool_call_id": "c1", "content": "12°C"},
                  {"role": "assistant", "content": "12°C in Gent.", "weight": 1}],
     "tools": [{"type": "function", "function": {"name": "weather", "description": "Weather now",
                                                 "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}}],
     "parallel_tool_calls": False},
    {"input": {"messages": [{"role": "user", "content": "Summarise: the parcel is late."}],
               "parallel_tool_calls": True},
     "preferred_output": [{"role": "assistant", "content": "The parcel is late."}],
     "non_preferred_output": [{"role": "assistant", "content": "Parcels are great."}]},
]


def _imported(store, tmp_path, records=RECORDS) -> list[dict]:
    import_file(store, write_jsonl(tmp_path / "d.jsonl", records), "d")
    dataset = store.datasets.get_dataset("d")
    return list(store.examples.iter_examples(dataset["id"]))


def _raw_snapshots(path, example_id: str) -> list[str]:
    with sqlite3.connect(path) as conn:
        return [r[0] for r in conn.execute(
            "SELECT snapshot FROM example_revisions WHERE example_id = ? ORDER BY revision", [example_id])]


def _raw_row(path, example_id: str) -> dict:
    with sqlite3.connect(path) as conn:
        conn.row_factory = sqlite3.Row
        return dict(conn.execute("SELECT * FROM examples WHERE id = ?", [example_id]).fetchone())


def _as_imported(example: dict) -> dict:
    return {c: example[c] for c in ("kind", "messages", "tools", "functions", "parallel_tool_calls",
                                     "preferred_output", "non_preferred_output", "tags", "status", "notes",
                                     "deleted_at")}


def test_an_import_writes_no_second_copy_and_history_shows_what_was_imported(store, tmp_path):
    examples = _imported(store, tmp_path)
    for example in examples:
        assert _raw_snapshots(store.path, example["id"]) == [FIRST_SNAPSHOT_IS_ROW]
        [revision] = store.examples.revisions(example["id"])
        assert revision["snapshot"] == _as_imported(example)
        assert store.examples.revision_snapshot(example["id"], 1) == _as_imported(example)


def test_every_kind_of_change_fills_the_first_revision_in_with_the_imported_row(store, tmp_path):
    examples = _imported(store, tmp_path)
    curator = Curation(store)
    ids = [e["id"] for e in examples]
    curator.save_messages(ids[0], [{"role": "user", "content": "changed"}, {"role": "assistant", "content": "ok"}])
    curator.set_status([ids[1]], "approved")
    curator.change_tags([ids[2]], add=["late"])
    for example in examples:
        first = json.loads(_raw_snapshots(store.path, example["id"])[0])
        assert first == _as_imported(example)  # written out, equal to what was imported
    # and undo brings each back to exactly that
    for _ in range(3):
        curator.undo()
    for example in examples:
        assert _as_imported(store.examples.get_example(example["id"])) == _as_imported(example)


def test_a_change_made_in_a_sqlite3_shell_keeps_the_imported_text_in_history(store, tmp_path):
    [example] = _imported(store, tmp_path, RECORDS[1:2])
    with sqlite3.connect(store.path) as conn:  # outside the app: only the trigger sees it
        conn.execute("UPDATE examples SET messages = '[]', parallel_tool_calls = 1 WHERE id = ?", [example["id"]])
    first = json.loads(_raw_snapshots(store.path, example["id"])[0])
    assert first == _as_imported(example)
    assert first["parallel_tool_calls"] is False and first["messages"][1]["tool_calls"][0]["id"] == "c1"


def test_the_trigger_writes_the_snapshot_the_app_would_for_every_sample_record(store, tmp_path):
    lines = [json.loads(line) for name in ("aurora_support.jsonl", "aurora_dpo.jsonl")
             for line in (SAMPLE_DATA / name).read_text(encoding="utf-8").splitlines() if line.strip()]
    examples = _imported(store, tmp_path, lines + RECORDS)
    expected = {e["id"]: snapshot_of_row(_raw_row(store.path, e["id"])) for e in examples}
    with store.transaction():
        store.db.execute("UPDATE examples SET notes = 'seen' WHERE dataset_id = ?",
                         [store.datasets.get_dataset("d")["id"]])
    for example_id, snapshot in expected.items():
        assert json.loads(_raw_snapshots(store.path, example_id)[0]) == snapshot


def test_a_team_snapshot_carries_the_imported_text_both_ways(tmp_path):
    mine = open_store(tmp_path / "mine.db")
    examples = _imported(mine, tmp_path)
    export_snapshot(mine, tmp_path / "base.snap")
    theirs = open_store(tmp_path / "theirs.db")
    import_snapshot(theirs, tmp_path / "base.snap")
    target = examples[0]["id"]
    assert theirs.examples.revisions(target)[0]["snapshot"] == _as_imported(examples[0])
    Curation(theirs).set_notes(target, "checked")
    export_snapshot(theirs, tmp_path / "theirs.snap")
    import_snapshot(mine, tmp_path / "theirs.snap")  # ours is at the first revision: fast-forward
    history = mine.examples.revisions(target)
    assert [r["snapshot"]["notes"] for r in history] == ["", "checked"]
    assert history[0]["snapshot"] == _as_imported(examples[0])
    mine.close()
    theirs.close()
