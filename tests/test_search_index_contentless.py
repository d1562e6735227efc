"""The search index holds no copy of the text (migration 0021: contentless FTS5) and
stays exact: after an import (text computed in Python), edits, undo, deletes, a
discarded import and a publish into an existing dataset, it holds exactly the words of
every example's text as SQL computes it, word by word and place by place. (A redaction
is an update like an edit; tests/test_pii_leftovers.py checks it leaves no byte behind.)

An index that a 'delete' with other text had touched would keep words of the old text
(a redacted name among them) or lose words of the new one: the comparison below, with a
reference index built from scratch, sees either.
"""

from __future__ import annotations

import uuid

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import chat, many_chats, write_jsonl
from workbench.dataset.curation import Curation
from workbench.dataset.importer import import_file

#: an example's search text, as the migration's triggers compute it
SEARCH_TEXT = """(SELECT group_concat(coalesce(json_extract(m.value, '$.content'), ''), ' ')
                    FROM json_each(e.messages) AS m)
                 || ' ' || coalesce(e.preferred_output, '') || ' ' || coalesce(e.non_preferred_output, '')"""


def index_differences(store) -> tuple[set, set]:
    """(in the index but not in the text, in the text but not in the index): token
    instances (term, row, offset) of examples_fts against an index built from scratch."""
    conn = store.db.conn
    name = f"ref_{uuid.uuid4().hex}"
    conn.execute(f"CREATE VIRTUAL TABLE temp.{name} USING fts5(text, tokenize='unicode61 remove_diacritics 2')")
    conn.execute(f"INSERT INTO temp.{name}(rowid, text) SELECT e.rowid, {SEARCH_TEXT} FROM examples e")
    conn.execute(f"CREATE VIRTUAL TABLE temp.{name}_v USING fts5vocab('temp', '{name}', 'instance')")
    conn.execute(f"CREATE VIRTUAL TABLE temp.{name}_m USING fts5vocab('main', 'examples_fts', 'instance')")
    try:
        reference = set(conn.execute(f"SELECT term, doc, offset FROM temp.{name}_v"))
        index = set(conn.execute(f"SELECT term, doc, offset FROM temp.{name}_m"))
    finally:
        for table in (f"{name}_m", f"{name}_v", name):
            conn.execute(f"DROP TABLE temp.{table}")
    return index - reference, reference - index


def test_the_index_keeps_no_copy_of_the_text(store, tmp_path):
    import_file(store, write_jsonl(tmp_path / "d.jsonl", many_chats(50, prefix="parcel")), "d")
    tables = {r[0] for r in store.db.execute("SELECT name FROM sqlite_master WHERE name LIKE 'examples_fts%'")}
    assert "examples_fts_content" not in tables and "examples_fts_data" in tables
    dataset = store.datasets.get_dataset("d")
    assert len(store.examples.search_example_ids(dataset["id"], "parcel")) == 50
    assert index_differences(store) == (set(), set())


def test_the_differences_are_seen(store, tmp_path):
    """The comparison is not blind: an index row with other words than the example's."""
    import_file(store, write_jsonl(tmp_path / "d.jsonl", many_chats(3)), "d")
    rowid = store.db.execute("SELECT max(rowid) FROM examples").fetchone()[0]
    with store.transaction():
        store.db.execute("INSERT INTO examples_fts(rowid, text) VALUES (?, 'stray words')", [rowid + 100])
    extra, missing = index_differences(store)
    assert {term for term, _, _ in extra} == {"stray", "words"} and not missing


def test_edits_undo_deletes_and_imports_keep_it_exact(store, tmp_path):
    records = [chat(f"Where is parcel {i}? Ask Jan Peeters at jan.peeters@example.be", f"On its way {i}.")
               for i in range(40)]
    import_file(store, write_jsonl(tmp_path / "d.jsonl", records), "d")
    dataset = store.datasets.get_dataset("d")
    curation = Curation(store)
    ids = store.examples.search_example_ids(dataset["id"], "parcel")
    curation.save_messages(ids[0], [{"role": "user", "content": "something else entirely"},
                                    {"role": "assistant", "content": "fine"}])
    assert index_differences(store) == (set(), set())
    curation.undo()
    assert index_differences(store) == (set(), set())
    curation.delete([ids[1]])
    assert index_differences(store) == (set(), set())
    # a second import into the same dataset (moved in slices) and one discarded
    import_file(store, write_jsonl(tmp_path / "more.jsonl", many_chats(30, prefix="more")), "d")
    bad = many_chats(20, prefix="discarded") + [{"messages": "not a list"}]
    assert not import_file(store, write_jsonl(tmp_path / "bad.jsonl", bad), "d").committed
    assert index_differences(store) == (set(), set())
    assert store.examples.search_example_ids(dataset["id"], "discarded") == []
    assert len(store.examples.search_example_ids(dataset["id"], "more")) == 30


content = st.one_of(st.text(max_size=30), st.lists(st.fixed_dictionaries(
    {"type": st.just("text"), "text": st.text(max_size=20)}), min_size=1, max_size=2))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(users=st.lists(content, min_size=1, max_size=4), answer=st.text(min_size=1, max_size=30),
       dpo=st.booleans())
def test_imported_text_is_indexed_as_the_triggers_would(store, tmp_path, users, answer, dpo):
    records = []
    for i, user in enumerate(users):
        messages = [{"role": "user", "content": user if isinstance(user, list) or user.strip() else f"u{i}"}]
        if dpo:
            records.append({"input": {"messages": messages},
                            "preferred_output": [{"role": "assistant", "content": answer + " yes"}],
                            "non_preferred_output": [{"role": "assistant", "content": answer + " no"}]})
        else:
            records.append({"messages": messages + [{"role": "assistant", "content": f"{answer} {i}"}]})
    result = import_file(store, write_jsonl(tmp_path / "h.jsonl", records), f"h{uuid.uuid4().hex}",
                         skip_invalid=True)
    assert result.committed
    assert index_differences(store) == (set(), set())
