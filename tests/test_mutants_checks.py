"""Tests that kill the mutants mutmut left alive in workbench/chat/checks.py (issue 16 item 6).

Each finding is something a user reads and acts on: its code, severity, which message it
points at and the wording of the fix. The golden corpus pins all of them for records that
reach every branch of the per-record checks; the rest pin the file-level rules at their
boundaries (512 MB, 10 examples, the context limit) and the report a whole file gives,
serial and split into byte ranges alike.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from workbench.chat.checks import (MAX_FILE_BYTES, MIN_EXAMPLES, FileChecker, check_record,
                                   validate_path)
from workbench.chat.format import parse_line

GOLDEN = Path(__file__).parent / "data" / "mutation" / "checks_findings.json"
CASES = json.loads(GOLDEN.read_text(encoding="utf-8"))

S = {"role": "system", "content": "be nice"}


def chat(question: str, answer: str) -> dict:
    return {"messages": [S, {"role": "user", "content": question}, {"role": "assistant", "content": answer}]}


@pytest.mark.parametrize("number", range(1, len(CASES) + 1))
def test_findings_of_each_record_are_exactly_as_documented(number):
    """Code, severity, line, message index and wording of every finding, in order."""
    case = CASES[number - 1]
    assert [f.to_dict() for f in check_record(case["record"], line=number)] == case["findings"]


def test_a_clean_example_has_no_findings():
    assert check_record(chat("q", "a")) == []


# ----------------------------------------------------------------------- file-level rules


def test_file_size_limit_is_inclusive_and_the_message_gives_megabytes():
    checker = FileChecker()
    checker.examples = MIN_EXAMPLES
    assert checker.finish(MAX_FILE_BYTES) == []
    [finding] = checker.finish(MAX_FILE_BYTES + 1)
    assert (finding.code, finding.severity, finding.line, finding.message_index) == \
        ("file_too_large", "error", None, None)
    assert finding.message == "The file is 512 MB, over the provider's 512 MB limit; split it into smaller files."
    [big] = checker.finish(3 * 2**30)
    assert big.message.startswith("The file is 3,072 MB,")
    assert checker.finish(None) == []


@pytest.mark.parametrize("examples, expected", [
    (0, "The file has 0 examples; OpenAI needs at least 10 to train, add more."),
    (1, "The file has 1 example; OpenAI needs at least 10 to train, add more."),
    (9, "The file has 9 examples; OpenAI needs at least 10 to train, add more."),
    (10, None), (11, None),
])
def test_too_few_examples_below_ten(examples, expected):
    checker = FileChecker()
    checker.examples = examples
    findings = checker.finish(100)
    if expected is None:
        assert findings == []
    else:
        [finding] = findings
        assert (finding.code, finding.severity, finding.line, finding.message_index, finding.message) == \
            ("too_few_examples", "warning", None, None, expected)


def line_of(number: int, record) -> object:
    return parse_line(number, json.dumps(record).encode())


def test_too_long_only_above_the_limit_and_the_message_has_thousands_separators():
    checker = FileChecker(context_limit=16_385)
    assert checker.check_line(line_of(1, chat("a", "b")), tokens=16_385) == []
    [finding] = checker.check_line(line_of(2, chat("c", "d")), tokens=16_386)
    assert (finding.code, finding.severity, finding.line, finding.message_index) == ("example_too_long", "warning", 2, None)
    assert finding.message == ("The example has 16,386 tokens, over the model's 16,385-token training limit, "
                               "so it will be truncated; shorten or split it.")
    assert FileChecker(context_limit=None).check_line(line_of(3, chat("e", "f")), tokens=10**9) == []
    assert checker.examples == 2


def test_duplicates_point_at_the_first_line_and_can_be_turned_off():
    checker = FileChecker()
    assert checker.check_line(line_of(4, chat("a", "b"))) == []
    assert checker.check_line(line_of(5, chat("x", "y"))) == []
    [finding] = checker.check_line(line_of(9, chat("a", "b")))
    assert (finding.code, finding.severity, finding.line, finding.message_index, finding.message) == \
        ("duplicate_example", "warning", 9, None, "This example is an exact duplicate of line 4; remove one of them.")
    quiet = FileChecker(track_duplicates=False)
    quiet.check_line(line_of(1, chat("a", "b")))
    assert quiet.check_line(line_of(2, chat("a", "b"))) == []


def test_a_line_that_does_not_parse_is_not_an_example():
    checker = FileChecker()
    findings = checker.check_line(parse_line(1, b"{not json"))
    assert [f.code for f in findings] == ["invalid_json"]
    assert checker.examples == 0
    assert [f.code for f in checker.check_line(parse_line(2, b"[1]"))] == ["data_type"]
    assert checker.examples == 1


# ----------------------------------------------------------------------- whole files


def tokens_by_length(record: dict) -> int:
    """A stand-in counter that is easy to reason about: characters of the JSON."""
    return len(json.dumps(record))


def write_lines(path: Path, lines: list) -> Path:
    with open(path, "wb") as handle:
        for line in lines:
            handle.write((line if isinstance(line, bytes) else json.dumps(line).encode()) + b"\n")
    return path


def mixed_file(tmp_path: Path) -> Path:
    long_answer = "z" * 400
    return write_lines(tmp_path / "mixed.jsonl", [
        chat("q1", "a1"),                      # 1 clean
        b"{oops",                              # 2 invalid json
        chat("q1", "a1"),                      # 3 duplicate of 1
        {"messages": [S, {"role": "user", "content": "q"}]},  # 4 no assistant
        b"",                                   # 5 blank: not an example
        chat("q5", long_answer),               # 6 too long
        chat("q5", long_answer),               # 7 too long and duplicate of 6
        {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}]},  # 8 warning only
        b"[1, 2]",                             # 9 data_type
    ])


def test_report_of_a_mixed_file(tmp_path):
    report = validate_path(mixed_file(tmp_path), count_tokens=tokens_by_length, context_limit=300)
    assert (report.lines, report.examples, report.valid_examples) == (9, 7, 5)
    assert (report.errors, report.warnings) == (3, 6)
    assert report.bad_lines == [2, 4, 9]
    assert [(f.line, f.code) for f in report.findings] == [
        (2, "invalid_json"), (3, "duplicate_example"), (4, "example_missing_assistant_message"),
        (6, "example_too_long"), (7, "duplicate_example"), (7, "example_too_long"),
        (8, "missing_system_message"), (9, "data_type"), (None, "too_few_examples")]
    assert report.counts_by_code() == {
        "data_type": 1, "duplicate_example": 2, "example_missing_assistant_message": 1, "example_too_long": 2,
        "invalid_json": 1, "missing_system_message": 1, "too_few_examples": 1}
    as_dict = report.to_dict()
    assert as_dict["errors"] == 3 and as_dict["warnings"] == 6 and as_dict["examples"] == 7
    assert as_dict["findings"][1] == {"code": "duplicate_example", "severity": "warning", "line": 3,
                                      "message_index": None,
                                      "message": "This example is an exact duplicate of line 1; remove one of them."}
    assert report.path == str(tmp_path / "mixed.jsonl")


def test_for_training_too_few_examples_is_an_error_saying_why(tmp_path):
    path = write_lines(tmp_path / "few.jsonl", [chat("q", "a")])
    relaxed = validate_path(path)
    assert [(f.code, f.severity) for f in relaxed.findings] == [("too_few_examples", "warning")]
    strict = validate_path(path, for_training=True)
    [finding] = strict.findings
    assert (finding.code, finding.severity, finding.line, finding.message_index) == ("too_few_examples", "error", None, None)
    assert finding.message == ("The file has 1 example; OpenAI needs at least 10 to train, add more. "
                               "The provider rejects a training file this small.")
    assert strict.errors == 1 and strict.bad_lines == []
    csv_path = tmp_path / "few.csv"
    csv_path.write_text("prompt,response\nhi,hello\n", encoding="utf-8")
    assert [(f.code, f.severity) for f in validate_path(csv_path, for_training=True).findings] == \
        [("missing_system_message", "warning"), ("too_few_examples", "error")]


def test_csv_report_counts_lines_examples_and_tokens(tmp_path):
    path = tmp_path / "d.csv"
    rows = ["prompt,response,system"] + [f"q{i},a{i},sys" for i in range(11)] + ["q0,a0,sys", ",,"]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    seen = []
    report = validate_path(path, count_tokens=lambda r: 5 if "q3" in json.dumps(r) else 1, context_limit=4,
                           progress=seen.append)
    assert (report.lines, report.examples) == (14, 13)
    codes = [(f.line, f.code) for f in report.findings]
    assert (5, "example_too_long") in codes and (13, "duplicate_example") in codes
    assert report.valid_examples == 13 - len(report.bad_lines)
    assert all(f.line != 1 for f in report.findings)


def test_a_file_over_several_byte_ranges_reports_like_one(tmp_path):
    """Duplicates across ranges, line numbers after the first ranges, progress per range."""
    filler = "f" * 330
    records = [chat(f"q{i} {filler}", f"a{i}") for i in range(13_000)]
    records[12_500] = records[3]           # duplicates in the third range of the first line
    records[12_501] = records[3]
    path = write_lines(tmp_path / "big.jsonl", records + [b"{bad"])
    assert path.stat().st_size > 4.2 * 1024 * 1024  # three byte ranges of 2 MiB
    seen: list[int] = []
    report = validate_path(path, parallel=False, progress=seen.append)
    assert (report.lines, report.examples, report.valid_examples) == (13_001, 13_000, 13_000)
    assert [(f.line, f.code, f.message) for f in report.findings] == [
        (12_501, "duplicate_example", "This example is an exact duplicate of line 4; remove one of them."),
        (12_502, "duplicate_example", "This example is an exact duplicate of line 4; remove one of them."),
        (13_001, "invalid_json", report.findings[2].message)]
    # progress after each byte range (three of 2 MiB here), then the last line
    assert len(seen) >= 3 and seen[0] < 13_000 and seen[-1] == 13_001
    assert seen == sorted(seen)
    assert validate_path(path, parallel=False).to_dict() == report.to_dict()  # no progress callback: same


def test_report_as_json_has_every_field(tmp_path):
    path = write_lines(tmp_path / "two.jsonl", [chat("q", "a"), b"{bad"])
    assert validate_path(path).to_dict() == {
        "path": str(path), "lines": 2, "examples": 1, "valid_examples": 1, "errors": 1, "warnings": 1,
        "counts_by_code": {"invalid_json": 1, "too_few_examples": 1},
        "findings": [f.to_dict() for f in validate_path(path).findings],
    }


def test_a_record_that_is_no_json_type_is_named_by_its_python_type():
    [finding] = check_record((1, 2))
    assert finding.message == 'Each line must be a JSON object, not tuple; wrap it as {"messages": [...]}.'


def test_csv_progress_every_thousand_rows_and_none_needed(tmp_path):
    path = tmp_path / "many.csv"
    path.write_text("prompt,response\n" + "".join(f"q{i},a{i}\n" for i in range(2_100)), encoding="utf-8")
    seen: list[int] = []
    report = validate_path(path, progress=seen.append)
    assert seen == [1000, 2000]
    assert report.path == str(path) and report.examples == 2_100 and report.lines == 2_101
    assert validate_path(path).to_dict() == report.to_dict()


@pytest.mark.parametrize("suffix", [".jsonl", ".csv"])
def test_a_file_over_the_size_limit_is_an_error(tmp_path, monkeypatch, suffix):
    """The real limit is 512 MB; the rule is the same at any limit, so the test lowers it
    (as test_importer does) instead of writing half a gigabyte."""
    from workbench.chat import checks

    path = tmp_path / f"d{suffix}"
    if suffix == ".csv":
        path.write_text("prompt,response\n" + "".join(f"q{i},a{i}\n" for i in range(12)), encoding="utf-8")
    else:
        write_lines(path, [chat(f"q{i}", f"a{i}") for i in range(12)])
    monkeypatch.setattr(checks, "MAX_FILE_BYTES", path.stat().st_size - 1)
    assert [(f.code, f.severity) for f in validate_path(path).findings if f.line is None] == \
        [("file_too_large", "error")]
    monkeypatch.setattr(checks, "MAX_FILE_BYTES", path.stat().st_size)
    assert [f.code for f in validate_path(path).findings if f.line is None] == []


def test_a_context_limit_without_a_counter_checks_no_length(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("prompt,response\nq,a\n", encoding="utf-8")
    assert "example_too_long" not in validate_path(path, context_limit=1).counts_by_code()
    jsonl = write_lines(tmp_path / "d.jsonl", [chat("q", "a")])
    assert "example_too_long" not in validate_path(jsonl, context_limit=1).counts_by_code()


# ----------------------------------------------------------------------- session 5: duplicates and key order


def tool_chat(function_keys: tuple, call_keys: tuple, call_function_keys: tuple, part_keys: tuple,
              legacy_keys: tuple) -> dict:
    """One chat record with a tool definition, a tool call, a legacy function and a content
    part, each object's keys written in the given order (same values whatever the order)."""
    def ordered(values: dict, keys: tuple) -> dict:
        return {key: values[key] for key in keys}

    function = ordered({"name": "lookup", "description": "Find a tea.",
                        "parameters": {"type": "object", "properties": {"q": {"type": "string"}}}}, function_keys)
    call_function = ordered({"name": "lookup", "arguments": '{"q": "sencha"}'}, call_function_keys)
    call = ordered({"id": "c1", "type": "function", "function": call_function}, call_keys)
    part = ordered({"type": "text", "text": "Which tea?"}, part_keys)
    return {"messages": [S, {"role": "user", "content": [part]},
                         {"role": "assistant", "tool_calls": [call]},
                         {"role": "tool", "content": "green", "tool_call_id": "c1"},
                         {"role": "assistant", "content": "Sencha."}],
            "tools": [{"type": "function", "function": function}],
            "functions": [ordered({"name": "legacy", "description": "Old style."}, legacy_keys)]}


CANONICAL = (("name", "description", "parameters"), ("id", "type", "function"), ("name", "arguments"),
             ("type", "text"), ("name", "description"))


@pytest.mark.parametrize("layer, keys", [
    (0, ("parameters", "description", "name")),  # a tool's function
    (1, ("function", "id", "type")),             # a tool call
    (2, ("arguments", "name")),                  # a tool call's function
    (3, ("text", "type")),                       # a content part
    (4, ("description", "name")),                # a legacy function definition
], ids=["tool-function", "tool-call", "call-function", "content-part", "legacy-function"])
def test_an_example_that_differs_only_in_key_order_is_a_duplicate(tmp_path, layer, keys):
    """Key order inside tools, calls and content parts is not content: the same example
    written with other key orders is flagged as a duplicate, whichever line comes first
    (validate_path's fast duplicate key checks the order instead of rewriting each record)."""
    shuffled = list(CANONICAL)
    shuffled[layer] = keys
    for first, second in ((CANONICAL, shuffled), (shuffled, CANONICAL)):
        path = write_lines(tmp_path / "pair.jsonl", [tool_chat(*first), tool_chat(*second)])
        report = validate_path(path, parallel=False)
        assert [(f.line, f.code) for f in report.findings if f.code != "too_few_examples"] == \
            [(2, "duplicate_example")]


@pytest.mark.parametrize("canonical, shuffled", [
    ({"type": "text", "text": "Which tea?"}, {"text": "Which tea?", "type": "text"}),
    ({"id": "c1", "type": "function", "function": {"name": "lookup", "arguments": "{}"}},
     {"id": "c1", "type": "function", "function": {"arguments": "{}", "name": "lookup"}}),
], ids=["only-a-content-part", "only-a-call-function"])
def test_a_single_object_out_of_order_still_makes_a_duplicate(tmp_path, canonical, shuffled):
    """The same rule when the record's only ordered object is the shuffled one."""
    def record(obj: dict) -> dict:
        if "text" in obj:
            return {"messages": [S, {"role": "user", "content": [obj]}, {"role": "assistant", "content": "ok"}]}
        return {"messages": [S, {"role": "user", "content": "hi"}, {"role": "assistant", "tool_calls": [obj]}]}

    for first, second in ((canonical, shuffled), (shuffled, canonical)):
        path = write_lines(tmp_path / "pair.jsonl", [record(first), record(second)])
        report = validate_path(path, parallel=False)
        assert [(f.line, f.code) for f in report.findings if f.code == "duplicate_example"] == \
            [(2, "duplicate_example")]


def no_system(question: str) -> dict:
    """An example with one warning (no system message)."""
    return {"messages": [{"role": "user", "content": question}, {"role": "assistant", "content": "a"}]}


def test_a_duplicate_warning_goes_after_its_lines_own_findings_wherever_the_line_is(tmp_path):
    codes = lambda report: [(f.line, f.code) for f in report.findings if f.code != "too_few_examples"]  # noqa: E731
    last = write_lines(tmp_path / "last.jsonl", [b"{bad", chat("q", "a"), chat("q", "a")])
    assert codes(validate_path(last, parallel=False)) == [(1, "invalid_json"), (3, "duplicate_example")]
    warned = write_lines(tmp_path / "warned.jsonl", [no_system("q"), no_system("q")])
    assert codes(validate_path(warned, parallel=False)) == [
        (1, "missing_system_message"), (2, "missing_system_message"), (2, "duplicate_example")]
    middle = write_lines(tmp_path / "middle.jsonl", [b"{bad", no_system("q"), no_system("q"), b"{worse"])
    assert codes(validate_path(middle, parallel=False)) == [
        (1, "invalid_json"), (2, "missing_system_message"), (3, "missing_system_message"),
        (3, "duplicate_example"), (4, "invalid_json")]


def test_blank_lines_are_never_duplicates_of_each_other(tmp_path):
    path = write_lines(tmp_path / "blanks.jsonl", [chat("q1", "a1"), b"", b"   ", chat("q2", "a2"), b""])
    report = validate_path(path, parallel=False)
    assert [f.code for f in report.findings] == ["too_few_examples"]


def test_in_a_file_a_count_equal_to_the_context_limit_is_not_too_long(tmp_path):
    path = write_lines(tmp_path / "limit.jsonl", [chat("q", "a")])
    size = tokens_by_length(chat("q", "a"))
    fits = validate_path(path, count_tokens=tokens_by_length, context_limit=size, parallel=False)
    assert [f.code for f in fits.findings] == ["too_few_examples"]
    over = validate_path(path, count_tokens=tokens_by_length, context_limit=size - 1, parallel=False)
    assert [f.code for f in over.findings] == ["example_too_long", "too_few_examples"]


def test_every_repeat_among_many_is_reported_once(tmp_path):
    """Duplicate keys are searched in four passes by their top bits; forty repeated
    examples spread over all of them (keys are hashes), each must be reported exactly once."""
    records = [chat(f"question {i}", f"answer {i}") for i in range(40)]
    path = write_lines(tmp_path / "repeats.jsonl", records + records)
    report = validate_path(path, parallel=False)
    assert [(f.line, f.message) for f in report.findings if f.code == "duplicate_example"] == [
        (41 + i, f"This example is an exact duplicate of line {1 + i}; remove one of them.") for i in range(40)]


# ------------------------------------------------------------------ session 5 (mutd): the last checks.py survivors


def test_a_call_left_open_before_a_last_message_that_reuses_another_id_is_still_an_error():
    """The last assistant message may end the example with its call; re-using the id of an
    earlier call there must not hide a different earlier call that was never answered."""
    call = lambda call_id: {"id": call_id, "type": "function",  # noqa: E731
                            "function": {"name": "lookup", "arguments": "{\"order\": 7}"}}
    record = {"messages": [S, {"role": "user", "content": "Where is order 7?"},
                           {"role": "assistant", "tool_calls": [call("call_a"), call("call_b")]},
                           {"role": "user", "content": "Any news?"},
                           {"role": "assistant", "tool_calls": [call("call_a")]}]}
    findings = [(f.code, f.message_index) for f in check_record(record) if f.code == "tool_call_without_result"]
    assert findings == [("tool_call_without_result", 2)]


def test_a_key_order_rule_built_anew_answers_like_the_shipped_ones():
    """checks' per-layer key-order rules are built at import; one built later (another
    layer) must answer the same, first time and remembered."""
    from workbench.chat.checks import _KeyOrder

    order = _KeyOrder(("role", "content"))
    for _ in range(2):
        assert order({"role": "user", "content": "hi", "extra": 1}) is True
        assert order({"content": "hi", "role": "user"}) is False


def test_without_a_writable_temporary_folder_duplicates_are_still_found(tmp_path, monkeypatch):
    """The duplicate keys go to a temporary file; with no temporary folder they stay in memory."""
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "no-such-folder"))
    path = write_lines(tmp_path / "twice.jsonl", [chat("q", "a"), chat("q2", "a2"), chat("q", "a")])
    report = validate_path(path, parallel=False)
    assert [(f.line, f.code) for f in report.findings if f.code == "duplicate_example"] == [(3, "duplicate_example")]


# ----------------------------------------------------------------------- session 6 (mut6): key order, left of session 5


def duplicate_lines(tmp_path, first: dict, second: dict) -> list[tuple[int, str]]:
    path = write_lines(tmp_path / "pair.jsonl", [first, second])
    return [(f.line, f.code) for f in validate_path(path, parallel=False).findings if f.code == "duplicate_example"]


def test_an_example_written_with_sorted_keys_is_a_duplicate_of_the_same_example(tmp_path):
    """json.dumps(sort_keys=True) puts "content" before "role" in every message (and
    "non_preferred_output" before "preferred_output"): the same example all the same."""
    chat_record = {"messages": [{"role": "user", "content": "Which tea?"}, {"role": "assistant", "content": "Sencha."}]}
    pair = {"input": {"messages": [{"role": "user", "content": "Which tea?"}]},
            "preferred_output": [{"role": "assistant", "content": "Sencha."}],
            "non_preferred_output": [{"role": "assistant", "content": "Coffee."}]}
    for record in (chat_record, pair):
        resorted = json.loads(json.dumps(record, sort_keys=True))
        assert duplicate_lines(tmp_path, record, resorted) == [(2, "duplicate_example")]
        assert duplicate_lines(tmp_path, resorted, record) == [(2, "duplicate_example")]


def test_an_example_with_its_tools_written_before_its_messages_is_a_duplicate(tmp_path):
    tools = [{"type": "function", "function": {"name": "lookup", "parameters": {"type": "object", "properties": {}}}}]
    messages = [{"role": "user", "content": "Which tea?"}, {"role": "assistant", "content": "Sencha."}]
    usual, tools_first = {"messages": messages, "tools": tools}, {"tools": tools, "messages": messages}
    assert duplicate_lines(tmp_path, usual, tools_first) == [(2, "duplicate_example")]
    assert duplicate_lines(tmp_path, tools_first, usual) == [(2, "duplicate_example")]


def test_a_legacy_function_call_written_in_another_key_order_is_a_duplicate(tmp_path):
    def record(function_call: dict) -> dict:
        return {"messages": [{"role": "user", "content": "Which tea?"},
                             {"role": "assistant", "content": None, "function_call": function_call},
                             {"role": "function", "name": "lookup", "content": "green"},
                             {"role": "assistant", "content": "Sencha."}],
                "functions": [{"name": "lookup", "parameters": {"type": "object", "properties": {}}}]}

    usual, swapped = record({"name": "lookup", "arguments": "{}"}), record({"arguments": "{}", "name": "lookup"})
    assert duplicate_lines(tmp_path, usual, swapped) == [(2, "duplicate_example")]
    assert duplicate_lines(tmp_path, swapped, usual) == [(2, "duplicate_example")]


def test_a_message_that_is_not_an_object_is_an_error_not_a_crash(tmp_path):
    path = write_lines(tmp_path / "odd.jsonl", [{"messages": ["hello", {"role": "assistant", "content": "hi"}]},
                                                 chat("q", "a")])
    codes = {f.code for f in validate_path(path, parallel=False).findings if f.line == 1}
    assert codes and all(code != "duplicate_example" for code in codes)
