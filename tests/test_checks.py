"""Preflight checks: one row per code, the cookbook's known bugs, whole files."""

from __future__ import annotations

import json

import pytest

from conftest import SAMPLE_DATA, chat, many_chats, write_jsonl
from workbench.chat.checks import CODES, FileChecker, check_record, validate_path
from workbench.chat.format import parse_line

SYS = {"role": "system", "content": "You are Aurora Assist."}
USER = {"role": "user", "content": "Where is order AUR-1?"}
ANSWER = {"role": "assistant", "content": "It ships tomorrow."}
CALL = {"role": "assistant", "tool_calls": [
    {"id": "call_1", "type": "function", "function": {"name": "lookup_order", "arguments": "{\"order_id\": \"AUR-1\"}"}}]}
RESULT = {"role": "tool", "tool_call_id": "call_1", "content": "{\"status\": \"shipped\"}"}


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
