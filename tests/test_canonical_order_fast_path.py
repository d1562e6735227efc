"""The importer's fast path for chat lines already in canonical key order
(chatformat.encoded_chat): each value is encoded once, for its column and for the
content hash. It must give exactly the canonical line for every record it accepts, and
accept every record canonical_record has put in order."""

from __future__ import annotations

import hashlib
import json

from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import write_jsonl
from workbench.chat import format as chatformat

_scalars = st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.text(max_size=6))


def _shuffled_dict(known: tuple[str, ...], values, extra=("x", "zz")):
    """A dict of some known and some other keys, in any order."""
    keys = st.lists(st.sampled_from(known + extra), unique=True, max_size=len(known) + 1)
    return keys.flatmap(lambda ks: st.permutations(ks)).flatmap(
        lambda ks: st.tuples(*[values for _ in ks]).map(lambda vs, ks=ks: dict(zip(ks, vs))))


_call_function = _shuffled_dict(chatformat.CALL_FUNCTION_KEYS, _scalars)
_tool_call = _shuffled_dict(chatformat.TOOL_CALL_KEYS, st.one_of(_scalars, _call_function))
_part = _shuffled_dict(chatformat.CONTENT_PART_KEYS, _scalars)
_message_value = st.one_of(_scalars, st.lists(st.one_of(_tool_call, _part, _scalars), max_size=3), _call_function)
_message = st.one_of(_shuffled_dict(chatformat.MESSAGE_KEYS, _message_value), _scalars)
_definition = _shuffled_dict(chatformat.TOOL_DEFINITION_KEYS,
                             st.one_of(_scalars, _shuffled_dict(chatformat.FUNCTION_DEFINITION_KEYS, _scalars)))
_chat_value = st.one_of(_scalars, st.lists(st.one_of(_message, _definition), max_size=4))
_records = _shuffled_dict(chatformat.CHAT_KEYS, _chat_value)


@settings(max_examples=600, deadline=None)
@given(_records)
def test_an_accepted_record_encodes_to_exactly_its_canonical_line(record):
    encoded = chatformat.encoded_chat(record)
    if encoded is None:
        return
    line, pieces = encoded
    assert line == chatformat.canonical_line(record)
    assert pieces == {key: chatformat.dumps_compact(value) for key, value in record.items()}
    assert hashlib.sha256(line.encode()).hexdigest() == chatformat.content_hash(record)


@settings(max_examples=600, deadline=None)
@given(_records)
def test_every_record_put_in_canonical_order_is_accepted(record):
    canonical = chatformat.canonical_record(record)
    assert chatformat.encoded_chat(canonical) is not None
    assert chatformat.chat_in_canonical_order(record) == (
        json.dumps(canonical) == json.dumps(record))  # in order exactly when ordering changes nothing


def test_an_import_stores_the_same_columns_and_hashes_either_way(store, tmp_path):
    from workbench.dataset.importer import import_file

    ordered = {"messages": [{"role": "user", "content": "Où est AUR-9 ?"},
                            {"role": "assistant", "content": "En route.", "weight": 1}],
               "tools": [{"type": "function", "function": {"name": "track", "parameters": {"b": 1, "a": 2}}}]}
    unordered = {"tools": [{"function": {"parameters": {"b": 1, "a": 2}, "name": "track"}, "type": "function"}],
                 "messages": [{"content": "Où est AUR-9 ?", "role": "user"},
                              {"weight": 1, "content": "En route.", "role": "assistant"}]}
    assert chatformat.encoded_chat(ordered) is not None and chatformat.encoded_chat(unordered) is None
    import_file(store, write_jsonl(tmp_path / "a.jsonl", [ordered]), "a")
    result = import_file(store, write_jsonl(tmp_path / "b.jsonl", [unordered]), "b")
    assert result.added == 1  # another dataset: not a duplicate there
    rows = {name: store.db.execute(
        "SELECT content_hash, messages, tools FROM examples WHERE dataset_id = ?",
        [store.datasets.get_dataset(name)["id"]]).fetchone() for name in ("a", "b")}
    assert rows["a"][0] == rows["b"][0] == chatformat.content_hash(unordered)
    assert json.loads(rows["a"][1]) == json.loads(rows["b"][1]) == ordered["messages"]
    assert rows["a"][1] == chatformat.dumps_compact(ordered["messages"])
    assert rows["b"][1] == chatformat.dumps_compact(unordered["messages"])  # stored as written
