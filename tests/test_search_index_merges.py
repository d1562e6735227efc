"""The search index merges its segments less often (migration 0020: automerge 16): an
import's many small transactions cost less, and search stays exact."""

from __future__ import annotations

from conftest import many_chats, write_jsonl
from workbench.dataset.curation import Curation
from workbench.dataset.importer import import_file


def test_the_index_merges_at_sixteen_segments_and_finds_exactly_what_is_there(store, tmp_path):
    assert dict(store.db.execute("SELECT k, v FROM examples_fts_config").fetchall())["automerge"] == 16
    import_file(store, write_jsonl(tmp_path / "d.jsonl", many_chats(3000, prefix="parcel")), "d")
    dataset = store.datasets.get_dataset("d")
    ids = store.examples.search_example_ids(dataset["id"], '"question" "1234"')
    assert len(ids) == 1
    curation = Curation(store)
    curation.save_messages(ids[0], [{"role": "user", "content": "anything else"},
                                    {"role": "assistant", "content": "fine"}])
    assert store.examples.search_example_ids(dataset["id"], '"question" "1234"') == []
    curation.undo()
    assert store.examples.search_example_ids(dataset["id"], '"question" "1234"') == ids
    assert len(store.examples.search_example_ids(dataset["id"], "parcel", limit=5000)) == 3000
