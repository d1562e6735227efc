"""Reading and writing the fine-tuning JSONL format exactly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from workbench.chat import format as chatformat
from workbench.chat.records import columns_from_record, record_from_example

FULL_SFT = {
    "messages": [
        {"role": "system", "content": "You are Aurora Assist."},
        {"role": "user", "name": "sanne", "content": "Waar blijft mijn pakket? 📦"},
        {"role": "assistant", "weight": 0, "content": "Even kijken."},
        {"role": "assistant", "content": None, "tool_calls": [
            {"id": "call_a", "type": "function",
             "function": {"name": "lookup_order", "arguments": "{\"order_id\": \"AUR-10482\"}"}}]},
        {"role": "tool", "tool_call_id": "call_a", "content": "{\"status\": \"in transit\"}"},
        {"role": "assistant", "content": "Je pakket is onderweg.", "weight": 1},
    ],
    "tools": [{"type": "function", "function": {"name": "lookup_order", "description": "Find an order",
                                                  "parameters": {"type": "object", "properties": {
                                                      "order_id": {"type": "string"}}}}}],
    "parallel_tool_calls": False,
}
LEGACY = {
    "messages": [
        {"role": "user", "content": "Weather in Lille?"},
        {"role": "assistant", "function_call": {"name": "weather", "arguments": "{\"city\": \"Lille\"}"}},
        {"role": "function", "name": "weather", "content": "12C"},
        {"role": "assistant", "content": "12 degrees."},
    ],
    "functions": [{"name": "weather", "parameters": {"type": "object"}}],
}
DPO = {
    "input": {"messages": [{"role": "user", "content": "Puis-je retourner des boucles d'oreilles ?"}],
              "tools": []},
    "preferred_output": [{"role": "assistant", "content": "Non, pour des raisons d'hygiène."}],
    "non_preferred_output": [{"role": "assistant", "content": "Bien sûr !"}],
}
MULTIMODAL = {"messages": [
    {"role": "user", "content": [{"type": "text", "text": "What is this?"},
                                 {"type": "image_url", "image_url": {"url": "https://example.com/x.png"}}]},
    {"role": "assistant", "content": "A shoe."}]}


@pytest.mark.parametrize("record", [FULL_SFT, LEGACY, DPO, MULTIMODAL])
def test_store_round_trip_is_lossless(record):
    # import(export(x)) == x: columns -> record gives the same value back
    columns = columns_from_record(record)
    assert record_from_example(columns) == record
    assert json.loads(chatformat.canonical_line(record)) == record


def reverse_keys(value, parent=None):
    """Every object's keys reversed, except inside JSON-schema parameters (kept as authored)."""
    if isinstance(value, dict):
        if parent == "parameters":
            return value
        return {k: reverse_keys(value[k], k) for k in reversed(list(value))}
    if isinstance(value, list):
        return [reverse_keys(v, parent) for v in value]
    return value


@pytest.mark.parametrize("record", [FULL_SFT, LEGACY, DPO, MULTIMODAL])
def test_canonical_line_ignores_formatting_and_key_order(record):
    shuffled = reverse_keys(record)
    pretty = json.dumps(shuffled, ensure_ascii=True, indent=None, separators=(", ", ": "))
    again = chatformat.loads_strict(pretty)
    assert chatformat.canonical_line(again) == chatformat.canonical_line(record)
    assert chatformat.content_hash(again) == chatformat.content_hash(record)


def test_parameters_keep_their_authored_order():
    record = {"messages": [{"role": "user", "content": "x"}], "tools": [{"function": {"parameters": {
        "type": "object", "properties": {"z": {}, "a": {}}}, "name": "f"}, "type": "function"}]}
    line = chatformat.canonical_line(record)
    assert line.index('"z"') < line.index('"a"')
    assert line.startswith('{"messages":[{"role":"user","content":"x"}],"tools":[{"type":"function","function":{"name":"f"')


def test_canonical_line_shape():
    line = chatformat.canonical_line({"messages": [{"content": "hé", "role": "user"}]})
    assert line == '{"messages":[{"role":"user","content":"hé"}]}'


def test_reading_streams_with_line_numbers(tmp_path):
    path = tmp_path / "f.jsonl"
    path.write_bytes(b'{"messages": []}\r\n\n  \n[1]\n{"bad": \n')
    lines = list(chatformat.iter_jsonl(path))
    assert [l.number for l in lines] == [1, 4, 5]
    assert lines[0].record == {"messages": []} and lines[1].record == [1]
    assert [f.code for f in lines[2].findings] == ["invalid_json"]


def test_csv_prompt_response(tmp_path):
    path = tmp_path / "pairs.csv"
    path.write_text('prompt,response,system\n"Hoi, waar is mijn bestelling?","Die komt morgen.",Be kind\n'
                    '"multi\nline",ok,\n', encoding="utf-8")
    lines = list(chatformat.iter_csv(path))
    assert [l.number for l in lines] == [2, 3]
    assert lines[0].record["messages"][0] == {"role": "system", "content": "Be kind"}
    assert [m["role"] for m in lines[1].record["messages"]] == ["user", "assistant"]
    assert lines[1].record["messages"][0]["content"] == "multi\nline"


def test_csv_without_columns_names_the_fix(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("question,answer\nq,a\n", encoding="utf-8")
    with pytest.raises(chatformat.ChatFormatError, match="line 1: the CSV needs columns prompt and response"):
        list(chatformat.iter_csv(path))


def test_message_text_joins_text_parts():
    assert chatformat.message_text(MULTIMODAL["messages"][0]) == "What is this?"
    assert chatformat.message_text({"role": "assistant", "content": None}) == ""


TOOL_FILES = sorted((Path(__file__).parent / "data").glob("tools_*.jsonl"))


@pytest.mark.parametrize("path", TOOL_FILES, ids=lambda p: p.name)
def test_tool_calling_files_round_trip_through_the_columns(path):
    for line in path.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        assert record_from_example(columns_from_record(record)) == record
        assert json.loads(chatformat.canonical_line(record)) == record


@pytest.mark.parametrize("path", TOOL_FILES, ids=lambda p: p.name)
def test_tool_calling_files_import_and_export_losslessly(store, tmp_path, path):
    # Issue 20: every shape (final call without result included) imports with no
    # rejection and comes back out of an export as the same records, in order.
    from workbench.dataset.exporter import export_dataset
    from workbench.dataset.importer import import_file

    result = import_file(store, path, "tools")
    assert result.committed and result.rejected == 0
    export = export_dataset(store, "tools", tmp_path / "out", validation_share=0, allow_pii=True)
    exported = export.train_path.read_text(encoding="utf-8").splitlines()
    original = path.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in exported] == [json.loads(line) for line in original]
    assert exported == [chatformat.canonical_line(json.loads(line)) for line in original]
