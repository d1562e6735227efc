"""Import: all or nothing, --skip-invalid, idempotence, CSV, token counts, crash safety."""

from __future__ import annotations

import signal
import subprocess
import sys

import pytest

from conftest import chat, many_chats, write_jsonl
from workbench.dataset.importer import ImportCancelled, ImportFailed, import_file


def count(store, dataset="d"):
    row = store.datasets.get_dataset(dataset)
    return store.examples.count_examples(row["id"]) if row else 0


def test_import_stores_examples_with_counts_and_revisions(store, tmp_path):
    path = write_jsonl(tmp_path / "d.jsonl", many_chats(12))
    result = import_file(store, path, "d")
    assert result.committed and result.added == 12 and result.duplicates == 0
    dataset = store.datasets.get_dataset("d")
    examples = list(store.examples.iter_examples(dataset["id"]))
    assert [e["source_line"] for e in examples] == list(range(1, 13))
    assert all(e["status"] == "draft" and e["revision"] == 1 for e in examples)
    counts = store.examples.token_counts([e["content_hash"] for e in examples], "o200k_base")
    assert len(counts) == 12 and all(total > trained > 0 for total, trained in counts.values())
    # only the target model's encoding is counted at import; another is filled when first asked for
    assert store.examples.token_counts([examples[0]["content_hash"]], "cl100k_base") == {}
    from workbench.budget.counting import dataset_counts

    filled = list(dataset_counts(store, dataset["id"], "cl100k_base"))
    assert len(filled) == 12 and all(r["total"] > r["trained"] > 0 for r in filled)
    assert len(store.examples.token_counts([e["content_hash"] for e in examples], "cl100k_base")) == 12
    assert [r["action"] for r in store.examples.revisions(examples[0]["id"])] == ["create"]
    [entry] = store.audit_entries("dataset")
    assert (entry["action"], entry["details"]["added"]) == ("import", 12)


def test_an_import_counts_the_target_models_encoding(store, tmp_path):
    store.set_setting("tui.target_model", "gpt-3.5-turbo")
    path = write_jsonl(tmp_path / "d.jsonl", many_chats(3))
    import_file(store, path, "d")
    hashes = [e["content_hash"] for e in store.examples.iter_examples(store.datasets.get_dataset("d")["id"])]
    assert len(store.examples.token_counts(hashes, "cl100k_base")) == 3
    assert store.examples.token_counts(hashes, "o200k_base") == {}


def test_any_error_means_nothing_is_written(store, tmp_path):
    lines = many_chats(8) + ['{"messages": [', {"messages": [{"role": "user", "content": "x"}]}] + many_chats(3, "z")
    path = write_jsonl(tmp_path / "d.jsonl", lines)
    result = import_file(store, path, "d")
    assert not result.committed and result.added == 0
    assert result.bad_lines == [9, 10]
    assert store.datasets.get_dataset("d") is None  # not even the dataset row
    assert store.db.execute("SELECT count(*) FROM imports").fetchone()[0] == 0


def test_errors_leave_an_existing_dataset_untouched(store, tmp_path):
    import_file(store, write_jsonl(tmp_path / "a.jsonl", many_chats(5)), "d")
    before = store.db.execute("SELECT count(*), max(updated_at) FROM examples").fetchone()
    bad = write_jsonl(tmp_path / "b.jsonl", many_chats(600, "new") + [[1, 2]])
    result = import_file(store, bad, "d")
    assert not result.committed and result.bad_lines == [601]
    assert store.db.execute("SELECT count(*), max(updated_at) FROM examples").fetchone() == before


def test_skip_invalid_keeps_good_lines_and_records_rejections(store, tmp_path):
    lines = many_chats(4) + ["not json", {"messages": [{"role": "user", "content": "hi"}]}] + many_chats(2, "z")
    result = import_file(store, write_jsonl(tmp_path / "d.jsonl", lines), "d", skip_invalid=True)
    assert result.committed and result.added == 6 and result.rejected == 2
    rejections = store.datasets.rejections(result.import_id)
    assert [r["line"] for r in rejections] == [5, 6]
    assert rejections[0]["findings"][0]["code"] == "invalid_json" and rejections[0]["raw"] == "not json"
    assert rejections[1]["findings"][0]["code"] == "example_missing_assistant_message"


def test_importing_twice_adds_nothing(store, tmp_path):
    path = write_jsonl(tmp_path / "d.jsonl", many_chats(15))
    assert import_file(store, path, "d").added == 15
    again = import_file(store, path, "d")
    assert again.committed and again.added == 0 and again.duplicates == 15
    assert count(store) == 15


def test_duplicates_inside_a_file_are_kept_once(store, tmp_path):
    path = write_jsonl(tmp_path / "d.jsonl", [chat(), chat(), chat("other")])
    result = import_file(store, path, "d")
    assert result.added == 2 and result.duplicates == 1


def test_csv_import(store, tmp_path):
    path = tmp_path / "pairs.csv"
    path.write_text("prompt,response\nWhere is my parcel?,On its way.\nDo you ship to Lyon?,Yes.\n", encoding="utf-8")
    result = import_file(store, path, "pairs")
    assert result.added == 2
    [first, _] = store.examples.iter_examples(store.datasets.get_dataset("pairs")["id"])
    assert first["messages"][-1] == {"role": "assistant", "content": "On its way."}
    assert first["source_line"] == 2


def test_missing_file_is_a_clear_error(store, tmp_path):
    with pytest.raises(ImportFailed, match="no such file"):
        import_file(store, tmp_path / "nope.jsonl")


def test_cancel_rolls_back(store, tmp_path):
    path = write_jsonl(tmp_path / "d.jsonl", many_chats(1000))
    with pytest.raises(ImportCancelled):
        import_file(store, path, "d", cancelled=lambda: True)
    assert store.datasets.get_dataset("d") is None


def test_progress_reports_bytes(store, tmp_path):
    path = write_jsonl(tmp_path / "d.jsonl", many_chats(2500))
    seen = []
    import_file(store, path, "d", progress=lambda done, total: seen.append((done, total)))
    assert seen[-1] == (path.stat().st_size, path.stat().st_size)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)


def test_tags_by_line(store, tmp_path):
    path = write_jsonl(tmp_path / "d.jsonl", many_chats(3))
    import_file(store, path, "d", tags_by_line={2: ["returns", "nl"]})
    tags = [e["tags"] for e in store.examples.iter_examples(store.datasets.get_dataset("d")["id"])]
    assert tags == [[], ["returns", "nl"], []]


KILLER = """
import sys, time
from workbench.workspace import open_store
from workbench.dataset.importer import import_file
store = open_store(sys.argv[1])
import_file(store, sys.argv[2], "big", progress=lambda d, t: (print("progress", flush=True), time.sleep(0.2)))
"""


def test_kill_mid_import_loses_nothing_committed(store, tmp_path):
    # A committed dataset, then a second import killed half-way: the file keeps the
    # first and nothing of the second.
    import_file(store, write_jsonl(tmp_path / "first.jsonl", many_chats(20)), "big")
    big = write_jsonl(tmp_path / "second.jsonl", many_chats(20_000, "later"))
    proc = subprocess.Popen([sys.executable, "-c", KILLER, str(store.path), str(big)],
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().startswith("progress")  # inside the transaction, rows written
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert count(store, "big") == 20
    assert store.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


# The importer indexes staged rows itself (the insert trigger skips them): the text
# must be what the trigger would have written, for every content shape an import takes.
# The bulk search text against the triggers': tests/test_search_index_contentless.py


def test_a_source_file_over_the_upload_limit_imports(store, tmp_path, monkeypatch):
    # The provider's 512 MB limit is for the uploaded training file, not the store: a
    # 2 GB source was refused after all its rows had been written (and then deleted).
    from workbench.chat import checks

    monkeypatch.setattr(checks, "MAX_FILE_BYTES", 1000)
    path = write_jsonl(tmp_path / "big.jsonl", many_chats(30))
    assert path.stat().st_size > 1000
    result = import_file(store, path, "big")
    assert result.committed and result.added == 30
    assert "file_too_large" not in {f.code for f in result.findings}


KILLED_WHILE_PUBLISHING = """
import os, signal, sys
from workbench.workspace import open_store
from workbench.dataset.importer import import_file
store = open_store(sys.argv[1])
# the crash point: the import is decided (first slice moved), the other slices are not
store.datasets.finish_publishing = lambda *a, **k: os.kill(os.getpid(), signal.SIGKILL)
import_file(store, sys.argv[2], "big")
"""


def test_an_import_killed_while_publishing_into_a_dataset_is_finished_at_next_open(store, tmp_path):
    # Into an existing dataset the rows move in short slices after the deciding
    # transaction; a kill between them must not leave half an import: the next open
    # finishes it (the decision was committed, so all of it, not none).
    import_file(store, write_jsonl(tmp_path / "first.jsonl", many_chats(20)), "big")
    second = write_jsonl(tmp_path / "second.jsonl", many_chats(1500, "later") + many_chats(5))  # 5 known
    proc = subprocess.run([sys.executable, "-c", KILLED_WHILE_PUBLISHING, str(store.path), str(second)])
    assert proc.returncode == -signal.SIGKILL
    from workbench.workspace import open_store

    reopened = open_store(store.path)
    assert count(reopened, "big") == 1520
    assert reopened.datasets.staging_leftovers() == []
    dataset = reopened.datasets.get_dataset("big")
    positions = [e["position"] for e in reopened.examples.iter_examples(dataset["id"])]
    assert len(set(positions)) == 1520 and positions == sorted(positions)
    assert len(reopened.examples.search_example_ids(dataset["id"], "later", limit=5000)) == 1500
    [record] = [r for r in reopened.db.execute("SELECT dataset_id, added FROM imports ORDER BY started_at")][1:]
    assert record == (dataset["id"], 1500)
    reopened.close()


def test_importing_into_an_existing_dataset_moves_every_row(store, tmp_path):
    import_file(store, write_jsonl(tmp_path / "a.jsonl", many_chats(30)), "d")
    result = import_file(store, write_jsonl(tmp_path / "b.jsonl", many_chats(2000, "more") + many_chats(30)), "d")
    assert result.committed and result.added == 2000 and result.duplicates == 30
    dataset = store.datasets.get_dataset("d")
    examples = list(store.examples.iter_examples(dataset["id"]))
    assert len(examples) == 2030 and [e["source_line"] for e in examples[30:]] == list(range(1, 2001))
    assert store.datasets.staging_leftovers() == []
    assert store.db.execute("SELECT count(*) FROM datasets WHERE deleted_at IS NOT NULL").fetchone()[0] == 0


def test_rows_the_target_gained_meanwhile_are_dropped_and_counted_in_every_slice(store, tmp_path):
    # Another import (or the app) can add, while this one is staged, an example this one
    # also holds; publishing drops it. The drop in the deciding transaction's first
    # slice was not counted (a concurrent test saw `added` one slice too high).
    import_file(store, write_jsonl(tmp_path / "a.jsonl", many_chats(5, "old")), "d")
    target = store.datasets.get_dataset("d")
    staging = store.datasets.begin_staging("d", "host", 1)
    with store.transaction():
        import_id = store.datasets.start_import(staging, "x.jsonl", "jsonl")
    rows = [{"dataset_id": staging, "position": i + 1, "kind": "chat", "messages": c["messages"],
             "content_hash": f"h{i}", "import_id": import_id} for i, c in enumerate(many_chats(600, "new"))]
    store.examples.insert_examples(rows)
    store.datasets.finish_import(import_id, added=600, duplicates=0)
    # the target gains copies of a top row (first slice) and of a low one (a later slice)
    for position in (600, 3):
        store.examples.insert_examples([{**rows[position - 1], "dataset_id": target["id"], "position": 100 + position}])
    dataset_id, dropped = store.datasets.publish_staging(staging)
    assert (dataset_id, dropped) == (target["id"], 2)
    assert store.examples.count_examples(target["id"]) == 5 + 2 + 598
    record = store.db.execute("SELECT dataset_id, added, duplicates FROM imports WHERE id = ?", [import_id]).fetchone()
    assert record == (target["id"], 598, 2)


def test_a_line_handed_from_a_worker_arrives_whole():
    # workers hand good lines to the importing process pickled (as their fields in order)
    import pickle

    from workbench.chat.findings import Finding
    from workbench.dataset.importer import _Good

    good = _Good(line=7, kind="chat", messages='[{"role":"user","content":"é"}]', tools=None, functions=None,
                 parallel_tool_calls=1, preferred_output=None, non_preferred_output=None, content_hash="ab",
                 language="fr", turns=1, search_text="é", warnings=[Finding.warning("w", 7, None, "a warning")],
                 counts=[("o200k_base", 5, 0)], parts=(1, 0))
    good.line += 3  # the importing process shifts range-local line numbers
    assert pickle.loads(pickle.dumps(good)) == good
