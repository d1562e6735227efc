"""Preflight checks: one row per code, the cookbook's known bugs, whole files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import SAMPLE_DATA, chat, many_chats, write_jsonl
from workbench.chat.checks import CODES, MIN_EXAMPLES, FileChecker, check_record, validate_path
from workbench.chat.format import parse_line

SYS = {"role": "system", "content": "You are Aurora Assist."}
USER = {"role": "user", "content": "Where is order AUR-1?"}
ANSWER = {"role": "assistant", "content": "It ships tomorrow."}
CALL = {"role": "assistant", "tool_calls": [
    {"id": "call_1", "type": "function", "function": {"name": "lookup_order", "arguments": "{\"order_id\": \"AUR-1\"}"}}]}
RESULT = {"role": "tool", "tool_call_id": "call_1", "content": "{\"status\": \"shipped\"}"}
CALL_2 = {"role": "assistant", "tool_calls": [
    {"id": "call_1", "type": "function", "function": {"name": "lookup_order", "arguments": "{\"order_id\": \"AUR-1\"}"}},
    {"id": "call_2", "type": "function", "function": {"name": "lookup_order", "arguments": "{\"order_id\": \"AUR-2\"}"}}]}
RESULT_2 = {"role": "tool", "tool_call_id": "call_2", "content": "{\"status\": \"processing\"}"}
FUNCTION_CALL = {"role": "assistant", "function_call": {"name": "lookup_order", "arguments": "{\"order_id\": \"AUR-1\"}"}}
FUNCTION_RESULT = {"role": "function", "name": "lookup_order", "content": "{\"status\": \"shipped\"}"}
TOOLS = [{"type": "function", "function": {"name": "lookup_order", "parameters": {
    "type": "object", "properties": {"order_id": {"type": "string"}}}}}]
DATA = Path(__file__).parent / "data"


def codes(record) -> list[str]:
    return sorted(f.code for f in check_record(record, 1))


@pytest.mark.parametrize("record, expected", [
    ({"messages": [SYS, USER, ANSWER]}, []),
    ({"messages": [SYS, USER, CALL, RESULT, ANSWER]}, []),
    ([SYS, USER, ANSWER], ["data_type"]),
    ("just text", ["data_type"]),
    ({"messages": [SYS, USER, ANSWER], "metadata": {"a": 1}}, ["unrecognized_key"]),
    ({"conversation": [SYS]}, ["missing_messages_list", "unrecognized_key"]),
    ({"messages": "hello"}, ["missing_messages_list"]),
    ({"messages": []}, ["missing_messages_list"]),
    ({"messages": [SYS, {"content": "hi"}, ANSWER]}, ["message_missing_key", "missing_user_message"]),
    ({"messages": [SYS, {**USER, "speaker": "bob"}, ANSWER]}, ["message_unrecognized_key"]),
    ({"messages": [SYS, {"role": "moderator", "content": "x"}, USER, ANSWER]}, ["unrecognized_role"]),
    ({"messages": [SYS, {"role": "user"}, ANSWER]}, ["missing_content"]),
    ({"messages": [SYS, {"role": "user", "content": None}, ANSWER]}, ["missing_content"]),
    ({"messages": [SYS, {"role": "user", "content": 42}, ANSWER]}, ["invalid_content_type"]),
    ({"messages": [SYS, {"role": "user", "content": {"text": "x"}}, ANSWER]}, ["invalid_content_type"]),
    ({"messages": [SYS, {"role": "user", "content": "   \n"}, ANSWER]}, ["empty_content"]),
    ({"messages": [SYS, USER, {"role": "assistant", "content": ""}]}, ["empty_content"]),
    ({"messages": [SYS, {**USER, "name": 7}, ANSWER]}, ["invalid_name"]),
    ({"messages": [SYS, USER, {**ANSWER, "weight": 0.5}]}, ["invalid_weight"]),
    ({"messages": [SYS, USER, {**ANSWER, "weight": True}]}, ["invalid_weight"]),
    ({"messages": [SYS, {**USER, "weight": 1}, ANSWER]}, ["weight_on_non_assistant"]),
    ({"messages": [SYS, USER, {**ANSWER, "weight": 0}, USER, ANSWER]}, []),
    ({"messages": [SYS, USER, ANSWER], "tools": {"a": 1}}, ["invalid_tools"]),
    ({"messages": [SYS, USER, ANSWER], "parallel_tool_calls": "yes"}, ["invalid_tools"]),
    ({"messages": [SYS, USER, {"role": "assistant", "tool_calls": [{"type": "function"}]}, ANSWER]},
     ["invalid_tool_call"]),
    ({"messages": [SYS, USER, {"role": "assistant", "tool_calls": [
        {"id": "call_1", "type": "function", "function": {"name": "lookup_order", "arguments": "{order"}}]},
        RESULT, ANSWER]}, ["invalid_tool_arguments"]),
    ({"messages": [SYS, USER, {"role": "assistant", "function_call": {"name": "f", "arguments": "[1]"}},
                   {"role": "function", "name": "f", "content": "ok"}, ANSWER]}, ["invalid_tool_arguments"]),
    ({"messages": [SYS, USER, CALL, ANSWER]}, ["tool_call_without_result"]),
    # Issue 20: ending with the call (no result) is the documented function-calling shape.
    ({"messages": [SYS, USER, CALL], "tools": TOOLS}, []),
    ({"messages": [SYS, USER, CALL_2], "tools": TOOLS, "parallel_tool_calls": True}, []),
    ({"messages": [SYS, USER, {**CALL, "content": "Let me check."}]}, []),
    ({"messages": [SYS, USER, CALL, RESULT, ANSWER, USER, CALL]}, []),
    ({"messages": [SYS, USER, FUNCTION_CALL], "functions": [TOOLS[0]["function"]]}, []),
    ({"messages": [SYS, USER, FUNCTION_CALL, FUNCTION_RESULT, ANSWER]}, []),
    # The real errors stay errors: further turns without the result, a result answering no call.
    ({"messages": [SYS, USER, CALL_2, RESULT, ANSWER]}, ["tool_call_without_result"]),
    ({"messages": [SYS, USER, CALL_2, RESULT]}, ["last_message_not_assistant", "tool_call_without_result"]),
    ({"messages": [SYS, USER, CALL, USER, ANSWER]}, ["tool_call_without_result"]),
    ({"messages": [SYS, USER, FUNCTION_CALL, ANSWER]}, ["tool_call_without_result"]),
    ({"messages": [SYS, USER, FUNCTION_CALL, USER, FUNCTION_CALL]}, ["tool_call_without_result"]),
    ({"messages": [SYS, USER, FUNCTION_RESULT, ANSWER]}, ["tool_result_without_call"]),
    ({"messages": [SYS, USER, FUNCTION_CALL, {**FUNCTION_RESULT, "name": "other"}, ANSWER]},
     ["tool_call_without_result", "tool_result_without_call"]),
    ({"messages": [SYS, USER, {**RESULT, "tool_call_id": "call_9"}, ANSWER]}, ["tool_result_without_call"]),
    ({"messages": [SYS, USER]}, ["example_missing_assistant_message"]),
    ({"messages": [SYS, USER, ANSWER, USER]}, ["last_message_not_assistant"]),
    ({"messages": [USER, ANSWER]}, ["missing_system_message"]),
    ({"messages": [SYS, ANSWER]}, ["missing_user_message"]),
    ({"input": {"messages": [SYS, USER]}, "preferred_output": [ANSWER],
      "non_preferred_output": [{"role": "assistant", "content": "No."}]}, []),
    ({"input": {"messages": [SYS, USER]}, "preferred_output": [ANSWER, ANSWER],
      "non_preferred_output": [ANSWER]}, ["invalid_dpo_output"]),
    ({"input": {"messages": [SYS, USER]}, "preferred_output": [USER],
      "non_preferred_output": [ANSWER]}, ["invalid_dpo_output"]),
    ({"input": {"messages": [SYS, USER]}, "preferred_output": [ANSWER]}, ["invalid_dpo_output"]),
    ({"preferred_output": [ANSWER], "non_preferred_output": [ANSWER]}, ["missing_messages_list"]),
    ({"input": {"messages": [SYS, USER], "tools": TOOLS}, "preferred_output": [CALL],
      "non_preferred_output": [ANSWER]}, []),
    ({"input": {"messages": [SYS, USER, CALL, RESULT], "tools": TOOLS}, "preferred_output": [ANSWER],
      "non_preferred_output": [{"role": "assistant", "content": "No."}]}, []),
    # In DPO the outputs continue the input: an unanswered call in the input is an error.
    ({"input": {"messages": [SYS, USER, CALL]}, "preferred_output": [ANSWER],
      "non_preferred_output": [{"role": "assistant", "content": "No."}]}, ["tool_call_without_result"]),
])
def test_check_record(record, expected):
    assert codes(record) == expected


FILE_LEVEL_CODES = {"bom", "invalid_utf8", "invalid_json", "file_too_large", "duplicate_example",
                    "too_few_examples", "example_too_long"}


def test_the_table_exercises_every_record_level_code():
    table = test_check_record.pytestmark[0].args[1]
    exercised = {code for _, expected in table for code in expected}
    assert exercised | FILE_LEVEL_CODES == set(CODES)


@pytest.mark.parametrize("message", [
    # The cookbook flags these; they are valid.
    {"role": "assistant", "tool_calls": CALL["tool_calls"]},
    {"role": "assistant", "content": None, "tool_calls": CALL["tool_calls"]},
    {"role": "assistant", "content": "", "tool_calls": CALL["tool_calls"]},
])
def test_cookbook_bugs_are_not_repeated(message):
    record = {"messages": [SYS, USER, message, RESULT, ANSWER]}
    assert codes(record) == []


@pytest.mark.parametrize("junk", [None, 1, 2.5, True, [], {}, [[1]], {"a": {"b": []}}])
def test_non_string_values_never_crash(junk):
    for record in ({"messages": [SYS, {"role": junk, "content": junk}, ANSWER]},
                   {"messages": [junk]}, {"messages": [SYS, USER, {"role": "assistant", "tool_calls": junk}]},
                   {"input": junk, "preferred_output": junk, "non_preferred_output": junk}):
        findings = check_record(record, 3)
        assert all(f.line == 3 and f.message.endswith(".") for f in findings)


def test_findings_say_where_and_how():
    [finding] = check_record({"messages": [SYS, USER, {**ANSWER, "weight": 2}]}, 7)
    assert (finding.code, finding.severity, finding.line, finding.message_index) == ("invalid_weight", "error", 7, 2)
    assert "0 or 1" in finding.message


def test_bytes_level_findings():
    bom = parse_line(1, b"\xef\xbb\xbf" + json.dumps(chat()).encode())
    assert [f.code for f in bom.findings] == ["bom"] and bom.record == chat()
    bad = parse_line(2, b'{"messages": "caf\xe9"}')
    assert [f.code for f in bad.findings] == ["invalid_utf8"] and not bad.parsed
    broken = parse_line(3, b'{"messages": [')
    assert [f.code for f in broken.findings] == ["invalid_json"]
    nan = parse_line(4, b'{"messages": NaN}')
    assert [f.code for f in nan.findings] == ["invalid_json"]
    assert parse_line(5, b"   ") is None


def test_file_checker_duplicates_and_length():
    checker = FileChecker(context_limit=10)
    first = parse_line(1, json.dumps(chat()).encode())
    again = parse_line(2, json.dumps(chat(), indent=None, separators=(", ", ": ")).encode())
    assert checker.check_line(first, tokens=5) == []
    dup = checker.check_line(again, tokens=50)
    assert sorted(f.code for f in dup) == ["duplicate_example", "example_too_long"]
    assert "line 1" in next(f for f in dup if f.code == "duplicate_example").message
    assert [f.code for f in checker.finish(size_bytes=600 * 2**20)] == ["file_too_large", "too_few_examples"]


def test_validate_toy_dataset_matches_cookbook(toy_dataset):
    report = validate_path(toy_dataset)
    assert report.examples == 5 and report.errors == 0
    assert report.counts_by_code() == {"missing_system_message": 1, "missing_user_message": 1, "too_few_examples": 1}


def test_validate_clean_file_has_no_findings(tmp_path):
    report = validate_path(write_jsonl(tmp_path / "ok.jsonl", many_chats(12)))
    assert report.findings == [] and report.valid_examples == 12


def test_broken_sample_file_shows_every_line_level_code():
    path = SAMPLE_DATA / "broken_examples.jsonl"
    expected = json.loads((SAMPLE_DATA / "broken_examples.expected.json").read_text())
    report = validate_path(path)
    found = {(f.line, f.code) for f in report.findings}
    for item in expected:
        assert (item["line"], item["code"]) in found, item
    not_plantable = {"file_too_large", "too_few_examples", "example_too_long"}
    assert {c for c in CODES if c not in not_plantable} <= {f.code for f in report.findings}


def test_sample_dataset_is_clean():
    report = validate_path(SAMPLE_DATA / "aurora_support.jsonl")
    assert report.errors == 0, [f for f in report.findings if f.is_error][:3]
    assert report.examples >= 60


@pytest.mark.parametrize("name", ["tools_agents.jsonl", "tools_final_call.jsonl", "tools_legacy_functions.jsonl",
                                  "tools_dpo.jsonl", "tools_nested_schemas.jsonl"])
def test_realistic_tool_files_have_no_false_errors(name):
    report = validate_path(DATA / name)
    assert report.examples >= 5
    assert report.errors == 0, [f for f in report.findings if f.is_error][:3]
    assert report.valid_examples == report.examples


def test_final_call_file_is_the_documented_shape():
    # Every example of the drone-style file ends with the assistant's call and no result.
    for line in open(DATA / "tools_final_call.jsonl", encoding="utf-8"):
        last = json.loads(line)["messages"][-1]
        assert last["role"] == "assistant" and (last.get("tool_calls") or last.get("function_call"))


def test_tool_call_errors_name_the_call_and_the_fix():
    finding = next(f for f in check_record({"messages": [SYS, USER, CALL_2, RESULT, ANSWER]}, 3)
                   if f.code == "tool_call_without_result")
    assert (finding.line, finding.message_index) == (3, 2)
    assert "call_2" in finding.message and "tool_call_id" in finding.message


def test_exactly_the_minimum_number_of_examples_is_enough():
    checker = FileChecker()
    for number in range(1, MIN_EXAMPLES + 1):
        checker.check_line(parse_line(number, json.dumps(chat(f"q{number}")).encode()))
    assert checker.finish() == []
    short = FileChecker()
    for number in range(1, MIN_EXAMPLES):
        short.check_line(parse_line(number, json.dumps(chat(f"q{number}")).encode()))
    assert [f.code for f in short.finish()] == ["too_few_examples"]


def test_an_example_exactly_at_the_context_limit_is_not_too_long():
    checker = FileChecker(context_limit=100)
    assert checker.check_line(parse_line(1, json.dumps(chat("a")).encode()), tokens=100) == []
    over = checker.check_line(parse_line(2, json.dumps(chat("b")).encode()), tokens=101)
    assert [f.code for f in over] == ["example_too_long"]
