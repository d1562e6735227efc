"""Preflight checks for fine-tuning data, line by line and for a whole file.

Covers every check of the OpenAI cookbook's chat data-prep notebook (data_type,
missing_messages_list, message_missing_key, message_unrecognized_key,
unrecognized_role, missing_content, example_missing_assistant_message, the missing
system/user warnings and over-length examples) without its known bugs: tool_calls,
tool_call_id, weight and the legacy function_call are known keys; non-string values
give a finding instead of a crash; an assistant message that only calls a tool needs
no content. Adds the checks the provider enforces that the notebook lacks (weights,
tool call pairing, tool arguments, last message, empty content, duplicates, file
size, encoding, too few examples, DPO outputs). Tool calls follow the provider's
function-calling fine-tuning rules: an example may end with the assistant's call and
no result (docs/checks.md lists the accepted shapes and their sources).

`check_record` is pure. `FileChecker` accumulates what needs the whole file
(duplicates, example count). `validate_path` runs both over a file, streaming.
"""

from __future__ import annotations

import io
import json
import marshal
import os
import tempfile
from array import array
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from workbench.chat import format as chatformat
from workbench.chat import parallel as chatparallel
from workbench.chat.format import MESSAGE_KEYS, ROLES, Line
from workbench.chat.findings import Finding

MAX_FILE_BYTES = 512 * 1024 * 1024
MIN_EXAMPLES = 10
TOP_LEVEL_KEYS = frozenset(chatformat.CHAT_KEYS + chatformat.PREFERENCE_KEYS)
INPUT_KEYS = frozenset(chatformat.INPUT_KEYS)

#: Every code this module can emit, with its severity; docs and tests read this.
CODES: dict[str, str] = {
    "bom": "error",
    "invalid_utf8": "error",
    "invalid_json": "error",
    "data_type": "error",
    "unrecognized_key": "error",
    "missing_messages_list": "error",
    "message_missing_key": "error",
    "message_unrecognized_key": "error",
    "unrecognized_role": "error",
    "missing_content": "error",
    "invalid_content_type": "error",
    "empty_content": "error",
    "invalid_name": "error",
    "invalid_weight": "error",
    "weight_on_non_assistant": "error",
    "invalid_tools": "error",
    "invalid_tool_call": "error",
    "invalid_tool_arguments": "error",
    "tool_call_without_result": "error",
    "tool_result_without_call": "error",
    "example_missing_assistant_message": "error",
    "last_message_not_assistant": "error",
    "invalid_dpo_output": "error",
    "file_too_large": "error",
    "missing_system_message": "warning",
    "missing_user_message": "warning",
    "example_too_long": "warning",
    "duplicate_example": "warning",
    "too_few_examples": "warning",
}


class _Collector:
    """Findings of one record, with the line number filled in."""

    def __init__(self, line: int | None):
        self.line = line
        self.findings: list[Finding] = []

    def error(self, code: str, index: int | None, message: str) -> None:
        self.findings.append(Finding.error(code, self.line, index, message))

    def warning(self, code: str, index: int | None, message: str) -> None:
        self.findings.append(Finding.warning(code, self.line, index, message))


def check_record(record: Any, line: int | None = None) -> list[Finding]:
    """All per-example findings for one parsed JSON value."""
    out = _Collector(line)
    if not isinstance(record, dict):
        out.error("data_type", None,
                  f"Each line must be a JSON object, not {_json_type(record)}; wrap it as {{\"messages\": [...]}}.")
        return out.findings
    unknown = [key for key in record if key not in TOP_LEVEL_KEYS]
    if unknown:
        out.error("unrecognized_key", None,
                  f"Unknown top-level key {_names(unknown)}; only messages, tools, functions and "
                  "parallel_tool_calls (or input/preferred_output/non_preferred_output for DPO) are allowed, remove it.")
    if chatformat.record_kind(record) == "preference":
        _check_preference(record, out)
    else:
        _check_chat(record, out)
    return out.findings


def _check_chat(record: dict, out: _Collector) -> None:
    messages = record.get("messages")
    if not isinstance(messages, list) or not messages:
        out.error("missing_messages_list", None,
                  'The example needs a non-empty "messages" list; add the conversation as {"messages": [...]}.')
        return
    _check_tools(record, out)
    _check_messages(messages, out)
    roles = [m.get("role") for m in messages if isinstance(m, dict)]
    if "assistant" not in roles:
        out.error("example_missing_assistant_message", None,
                  "The example has no assistant message, so there is nothing to learn; add the answer as an assistant message.")
    elif roles and roles[-1] != "assistant":
        out.error("last_message_not_assistant", len(messages) - 1,
                  "The conversation ends after the last assistant message; remove the trailing turns or add the assistant's reply.")
    _check_missing_roles(roles, out)


def _check_missing_roles(roles: list, out: _Collector) -> None:
    if "system" not in roles and "developer" not in roles:
        out.warning("missing_system_message", None,
                    "No system message; add one if the model will see a system prompt in production.")
    if "user" not in roles:
        out.warning("missing_user_message", None,
                    "No user message; most examples should show what the user asked.")


def _check_preference(record: dict, out: _Collector) -> None:
    inner = record.get("input")
    messages = inner.get("messages") if isinstance(inner, dict) else None
    if not isinstance(messages, list) or not messages:
        out.error("missing_messages_list", None,
                  'A preference example needs "input": {"messages": [...]} with the conversation so far.')
    else:
        unknown = [key for key in inner if key not in INPUT_KEYS]
        if unknown:
            out.error("unrecognized_key", None, f"Unknown key {_names(unknown)} in input; remove it.")
        _check_tools(inner, out)
        _check_messages(messages, out, final_call_allowed=False)
        _check_missing_roles([m.get("role") for m in messages if isinstance(m, dict)], out)
    for key in ("preferred_output", "non_preferred_output"):
        _check_dpo_output(key, record.get(key), out)


def _check_dpo_output(key: str, value: Any, out: _Collector) -> None:
    fix = f'"{key}" must be a list holding exactly one assistant message with content or tool calls'
    if not isinstance(value, list) or len(value) != 1 or not isinstance(value[0], dict):
        out.error("invalid_dpo_output", None, f"{fix}; found {_describe_list(value)}.")
        return
    message = value[0]
    if message.get("role") != "assistant":
        out.error("invalid_dpo_output", None, f"{fix}; its role is {message.get('role')!r}.")
        return
    has_call = bool(message.get("tool_calls") or message.get("function_call"))
    content = message.get("content")
    if not has_call and (not isinstance(content, str) or not content.strip()):
        out.error("invalid_dpo_output", None, f"{fix}; its content is empty or not text.")


def _check_tools(container: dict, out: _Collector) -> None:
    for key in ("tools", "functions"):
        if key in container and not (
            isinstance(container[key], list) and all(isinstance(t, dict) for t in container[key])
        ):
            out.error("invalid_tools", None, f'"{key}" must be a list of tool definition objects; fix or remove it.')
    if "parallel_tool_calls" in container and not isinstance(container["parallel_tool_calls"], bool):
        out.error("invalid_tools", None, '"parallel_tool_calls" must be true or false.')


def _check_messages(messages: list, out: _Collector, final_call_allowed: bool = True) -> None:
    """Per-message checks plus the pairing of tool calls with their results.

    The provider's rule (OpenAI's and Azure's function-calling fine-tuning guides): an
    example may *end* with the assistant's call and no result, which teaches when and
    how to call. A call followed by further turns without its result, or a result
    answering no call, is an error. `final_call_allowed` is False for a DPO input, whose
    conversation the outputs continue.
    """
    pairing = _CallPairing()
    for index, message in enumerate(messages):
        if _is_plain_message(message):
            continue  # the common case, which no check below can fault (see _is_plain_message)
        if not isinstance(message, dict):
            out.error("data_type", index,
                      f"Message {index} is {_json_type(message)}, not an object; write it as {{\"role\": ..., \"content\": ...}}.")
            continue
        _check_message(index, message, out)
        pairing.see(index, message, out)
    last = len(messages) - 1
    for call_id, index in pairing.pending_calls.items():
        if final_call_allowed and index == last:
            continue
        out.error("tool_call_without_result", index,
                  f"Tool call {call_id!r} is followed by more turns but no tool message with its result; "
                  f"add {{\"role\": \"tool\", \"tool_call_id\": \"{call_id}\", ...}} after it, or end the example with the call.")
    for name, index in pairing.pending_functions:
        if final_call_allowed and index == last:
            continue
        out.error("tool_call_without_result", index,
                  f"Function call {name!r} is followed by more turns but no function message with its result; "
                  f"add {{\"role\": \"function\", \"name\": \"{name}\", ...}} after it, or end the example with the call.")


#: Roles of a plain message: not tool/function, which need a call id or name.
_PLAIN_ROLES = frozenset({"system", "developer", "user", "assistant"})


def _is_plain_message(message: Any) -> bool:
    """{"role": one of _PLAIN_ROLES, "content": non-blank text} and nothing else.

    Speed only: _check_message finds nothing in such a message (known role, known keys,
    no name, weight or calls, text content) and _CallPairing ignores it, so the checks
    skip it. `not text.strip()` is `not text or text.isspace()` without copying the text."""
    if type(message) is not dict or len(message) != 2:
        return False
    content = message.get("content")
    role = message.get("role")
    return (type(content) is str and type(role) is str and role in _PLAIN_ROLES
            and content != "" and not content.isspace())


class _CallPairing:
    """Open tool calls (by id) and legacy function calls (by name) of one conversation."""

    def __init__(self) -> None:
        self.pending_calls: dict[str, int] = {}  # tool call id -> index of the assistant message
        self.pending_functions: list[tuple[str, int]] = []  # (function name, index), oldest first

    def see(self, index: int, message: dict, out: _Collector) -> None:
        role = message.get("role")
        if role == "assistant":
            for call_id in _call_ids(message.get("tool_calls")):
                self.pending_calls[call_id] = index
            name = _function_call_name(message.get("function_call"))
            if name is not None:
                self.pending_functions.append((name, index))
        elif role == "tool":
            self._tool_result(index, message.get("tool_call_id"), out)
        elif role == "function":
            self._function_result(index, message.get("name"), out)

    def _tool_result(self, index: int, call_id: Any, out: _Collector) -> None:
        if call_id in self.pending_calls:
            del self.pending_calls[call_id]
        else:
            out.error("tool_result_without_call", index,
                      f"Tool message answers tool_call_id {call_id!r}, which no earlier assistant message called; fix the id or remove it.")

    def _function_result(self, index: int, name: Any, out: _Collector) -> None:
        # The legacy format pairs by name; a result without a name answers the oldest call.
        for position, (called, _) in enumerate(self.pending_functions):
            if name is None or called == name:
                del self.pending_functions[position]
                return
        out.error("tool_result_without_call", index,
                  f"Function message for {name!r} answers no earlier function_call; fix the name or remove it.")


def _function_call_name(function_call: Any) -> str | None:
    if isinstance(function_call, dict) and isinstance(function_call.get("name"), str):
        return function_call["name"]
    return None


def _call_ids(tool_calls: Any) -> list[str]:
    if not isinstance(tool_calls, list):
        return []
    return [c["id"] for c in tool_calls if isinstance(c, dict) and isinstance(c.get("id"), str)]


def _check_message(index: int, message: dict, out: _Collector) -> None:
    role = message.get("role")
    if "role" not in message:
        out.error("message_missing_key", index, 'The message has no "role"; add one of system, user, assistant or tool.')
    elif role not in ROLES:
        out.error("unrecognized_role", index,
                  f"Role {role!r} is not one of system, developer, user, assistant, tool, function; fix the role.")
    unknown = [key for key in message if key not in MESSAGE_KEYS]
    if unknown:
        out.error("message_unrecognized_key", index,
                  f"Unknown key {_names(unknown)} in the message; allowed are {', '.join(MESSAGE_KEYS)}; remove or rename it.")
    if "tool_calls" in message and role not in ("assistant", None):
        out.error("message_unrecognized_key", index, f'Only assistant messages may carry "tool_calls", not {role}; move or remove it.')
    if "tool_call_id" in message and role not in ("tool", None):
        out.error("message_unrecognized_key", index, f'Only tool messages may carry "tool_call_id", not {role}; remove it.')
    if "name" in message and not (isinstance(message["name"], str) and message["name"].strip()):
        out.error("invalid_name", index, '"name" must be a non-empty string; fix or remove it.')
    _check_content(index, message, out)
    _check_weight(index, message, out)
    if role == "assistant":
        _check_tool_calls(index, message, out)
    if role == "tool" and not isinstance(message.get("tool_call_id"), str):
        out.error("message_missing_key", index, 'A tool message needs the "tool_call_id" of the call it answers.')


def _check_content(index: int, message: dict, out: _Collector) -> None:
    calls = bool(message.get("tool_calls") or message.get("function_call"))
    content = message.get("content")
    if content is None:
        if not (message.get("role") == "assistant" and calls):
            out.error("missing_content", index, 'The message has no "content"; add the text of this turn.')
        return
    if isinstance(content, str):
        if not content.strip() and not calls:
            out.error("empty_content", index, "The message content is empty or only whitespace; write the text or remove the message.")
        return
    if isinstance(content, list) and content and all(_is_content_part(p) for p in content):
        return
    out.error("invalid_content_type", index,
              f"Content must be a string (or a list of content parts), not {_json_type(content)}; quote it as text.")


def _is_content_part(part: Any) -> bool:
    return isinstance(part, dict) and isinstance(part.get("type"), str)


def _check_weight(index: int, message: dict, out: _Collector) -> None:
    if "weight" not in message:
        return
    if message.get("role") != "assistant":
        out.error("weight_on_non_assistant", index,
                  f'"weight" is only allowed on assistant messages, not {message.get("role")}; remove it.')
        return
    weight = message["weight"]
    if isinstance(weight, bool) or weight not in (0, 1):
        out.error("invalid_weight", index, f'"weight" must be 0 or 1, not {json.dumps(weight)}; use 0 to skip training on this turn.')


def _check_tool_calls(index: int, message: dict, out: _Collector) -> None:
    calls = message.get("tool_calls")
    if calls is not None:
        if not isinstance(calls, list) or not calls:
            out.error("invalid_tool_call", index, '"tool_calls" must be a non-empty list of calls; fix or remove it.')
            calls = []
        for call in calls:
            _check_one_call(index, call, out)
    function_call = message.get("function_call")
    if function_call is not None:
        if not isinstance(function_call, dict) or not isinstance(function_call.get("name"), str):
            out.error("invalid_tool_call", index, '"function_call" needs a "name" and "arguments"; fix it.')
        else:
            _check_arguments(index, function_call.get("name"), function_call.get("arguments"), out)


def _check_one_call(index: int, call: Any, out: _Collector) -> None:
    function = call.get("function") if isinstance(call, dict) else None
    if not isinstance(call, dict) or not isinstance(call.get("id"), str) or not isinstance(function, dict) \
            or not isinstance(function.get("name"), str):
        out.error("invalid_tool_call", index,
                  'Each tool call needs "id", "type": "function" and "function": {"name", "arguments"}; fix the call.')
        return
    _check_arguments(index, function["name"], function.get("arguments"), out)


def _check_arguments(index: int, name: str, arguments: Any, out: _Collector) -> None:
    parsed: Any = None
    if isinstance(arguments, str):
        try:
            parsed = chatformat.loads_strict(arguments)
        except ValueError:
            parsed = None
    if not isinstance(parsed, dict):
        out.error("invalid_tool_arguments", index,
                  f"The arguments of the call to {name!r} are not a JSON object encoded as a string; write them like \"{{\\\"id\\\": 1}}\".")


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    return {bool: "a boolean", int: "a number", float: "a number", str: "a string",
            list: "a list", dict: "an object"}.get(type(value), type(value).__name__)


def _names(keys: Iterable[str]) -> str:
    return ", ".join(repr(k) for k in keys)


def _describe_list(value: Any) -> str:
    if isinstance(value, list):
        return f"a list of {len(value)}"
    return _json_type(value)


# --------------------------------------------------------------------------- files


@dataclass
class FileReport:
    """What validating one file found."""

    path: str
    lines: int = 0
    examples: int = 0
    valid_examples: int = 0
    findings: list[Finding] = field(default_factory=list)

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f.is_error)

    @property
    def warnings(self) -> int:
        return len(self.findings) - self.errors

    @property
    def bad_lines(self) -> list[int]:
        return sorted({f.line for f in self.findings if f.is_error and f.line is not None})

    def counts_by_code(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for finding in self.findings:
            counts[finding.code] = counts.get(finding.code, 0) + 1
        return dict(sorted(counts.items()))

    def to_dict(self) -> dict:
        return {
            "path": self.path, "lines": self.lines, "examples": self.examples,
            "valid_examples": self.valid_examples, "errors": self.errors, "warnings": self.warnings,
            "counts_by_code": self.counts_by_code(), "findings": [f.to_dict() for f in self.findings],
        }


class FileChecker:
    """Checks lines one at a time and remembers what needs the whole file.

    `track_duplicates` keeps one hash per example in memory; the importer turns it off
    and asks the store instead, so its memory stays flat on huge files.
    """

    def __init__(self, context_limit: int | None = None, track_duplicates: bool = True):
        self.context_limit = context_limit
        self.track_duplicates = track_duplicates
        self.examples = 0
        self._first_line_of: dict[str, int] = {}

    def check_line(self, line: Line, tokens: int | None = None) -> list[Finding]:
        """Findings for one line: byte/JSON level, record, duplicate, length."""
        findings = list(line.findings)
        if not line.parsed:
            return findings
        self.examples += 1
        findings.extend(check_record(line.record, line.number))
        if isinstance(line.record, dict):
            findings.extend(self._duplicate(line))
        if tokens is not None and self.context_limit is not None and tokens > self.context_limit:
            findings.append(_too_long(line.number, tokens, self.context_limit))
        return findings

    def _duplicate(self, line: Line) -> list[Finding]:
        if not self.track_duplicates:
            return []
        key = chatformat.content_hash(line.record)
        first = self._first_line_of.setdefault(key, line.number)
        if first == line.number:
            return []
        return [Finding.warning("duplicate_example", line.number, None,
                                f"This example is an exact duplicate of line {first}; remove one of them.")]

    def finish(self, size_bytes: int | None = None) -> list[Finding]:
        """File-level findings once every line has been seen."""
        findings = []
        if size_bytes is not None and size_bytes > MAX_FILE_BYTES:
            findings.append(Finding.error(
                "file_too_large", None, None,
                f"The file is {size_bytes / 2**20:,.0f} MB, over the provider's 512 MB limit; split it into smaller files."))
        if self.examples < MIN_EXAMPLES:
            findings.append(Finding.warning(
                "too_few_examples", None, None,
                f"The file has {self.examples} example{'' if self.examples == 1 else 's'}; OpenAI needs at least "
                f"{MIN_EXAMPLES} to train, add more."))
        return findings


TokenCounter = Callable[[dict], int]


def validate_path(path: Path, count_tokens: TokenCounter | None = None,
                  context_limit: int | None = None, parallel: bool | None = None, for_training: bool = False,
                  progress: Callable[[int], None] | None = None) -> FileReport:
    """Run every check over a JSONL or CSV file, streaming.

    A large JSONL file is split by byte ranges over the cores (see chat.parallel):
    workers return the findings of the lines that have any, counts, and one 8-byte
    duplicate key per line; this process merges them in line order and finds the
    duplicates. The report is the same either way.

    ``for_training`` judges the file as one a provider will train on (what `workbench
    validate` checks): fewer than MIN_EXAMPLES examples, an empty file included, is
    then an error, since the provider rejects it. Importing a few examples as work in
    progress stays a warning. `progress`, if given, gets the line number reached after
    every range (about a thousand lines)."""
    if path.suffix.lower() == ".csv":
        return _training_rule(_validate_serial(path, count_tokens, context_limit, progress), for_training)
    report = FileReport(str(path))
    checker = FileChecker(context_limit=context_limit)
    lines_before = 0
    duplicates = _DuplicateFinder()
    work = _RangeValidator(count_tokens, context_limit)
    try:
        for chunk, first in chatparallel.map_ranges(path, work, parallel=parallel):
            shift = chatparallel.shift_for(lines_before, first)
            for number, findings in chunk.findings:
                line = number + shift
                report.findings.extend(replace(f, line=line) for f in findings)
            if chunk.last_line:
                report.lines = chunk.last_line + shift
            duplicates.extend(chunk.keys)
            checker.examples += chunk.examples
            report.valid_examples += chunk.valid_examples
            lines_before += chunk.physical_lines
            if progress is not None:
                progress(report.lines)
        report.findings = duplicates.insert_findings(report.findings)
    finally:
        duplicates.close()  # the keys' temporary file
    report.examples = checker.examples
    report.findings.extend(checker.finish(os.path.getsize(path)))
    return _training_rule(report, for_training)


def _training_rule(report: FileReport, for_training: bool) -> FileReport:
    """For a file meant for training, too few examples is an error, not a warning."""
    if for_training:
        report.findings = [_as_error(f) if f.code == "too_few_examples" else f for f in report.findings]
    return report


class _DuplicateFinder:
    """Exact duplicates among a million examples, in flat memory.

    One 64-bit key per physical line (0 for a line without a record), so the line
    number is the position and nothing else is kept per line. The keys go to an
    unnamed temporary file (8 MB at 1M examples) rather than memory: the parent's
    memory then stays flat from 100k to 1M examples (a dict of keys would take ~100
    MB). Repeats are found at the end by reading the keys back a quarter of the key
    space at a time and sorting a sixteenth at a time; the warnings then go where
    FileChecker.check_line puts them."""

    PASSES = 4  # key >> 62: a quarter of the keys held at once
    BLOCK = 1 << 20  # bytes read at a time

    def __init__(self) -> None:
        try:
            self._file: Any = tempfile.TemporaryFile(prefix="workbench-keys-")
        except OSError:  # no writable temporary folder: keep the keys in memory instead
            self._file = io.BytesIO()

    def extend(self, keys: array) -> None:
        self._file.write(keys.tobytes())

    def _blocks(self) -> Iterator[array]:
        self._file.flush()
        self._file.seek(0)
        while True:
            data = self._file.read(self.BLOCK)
            if not data:
                return
            block = array("Q")
            block.frombytes(data)
            yield block

    def _repeated_keys(self) -> set[int]:
        repeated: set[int] = set()
        for quarter in range(self.PASSES):
            buckets = [array("Q") for _ in range(4)]
            for block in self._blocks():
                for key in block:
                    if key >> 62 == quarter and key:
                        buckets[(key >> 60) & 3].append(key)
            while buckets:
                ordered = sorted(buckets.pop())  # a sixteenth of the keys as Python ints
                repeated.update(a for a, b in zip(ordered, ordered[1:]) if a == b)
        return repeated

    def repeats(self) -> list[tuple[int, int]]:
        """(line, first line with the same content) for every repeat, in line order."""
        repeated = self._repeated_keys()
        if not repeated:
            return []
        first_line: dict[int, int] = {}
        out = []
        line = 0
        for block in self._blocks():
            for key in block:
                line += 1
                if key in repeated:
                    seen = first_line.setdefault(key, line)
                    if seen != line:
                        out.append((line, seen))
        return out

    def close(self) -> None:
        self._file.close()

    def insert_findings(self, findings: list[Finding]) -> list[Finding]:
        """The findings with a duplicate warning inserted for every repeat: after the
        line's own findings, before its over-length warning (check_line's order)."""
        repeats = self.repeats()
        if not repeats:
            return findings
        merged: list[Finding] = []
        done = 0
        for line, first in repeats:
            while done < len(findings) and findings[done].line is not None and findings[done].line < line:
                merged.append(findings[done])
                done += 1
            while done < len(findings) and findings[done].line == line and findings[done].code != "example_too_long":
                merged.append(findings[done])
                done += 1
            merged.append(_duplicate_finding(line, first))
        merged.extend(findings[done:])
        return merged


def _duplicate_finding(line: int, first: int) -> Finding:
    return Finding.warning("duplicate_example", line, None,
                           f"This example is an exact duplicate of line {first}; remove one of them.")


_KEY_MASK = (1 << 64) - 1


def _duplicate_key(record: dict) -> int:
    """64 bits standing for the record's canonical line (equal content, equal key).

    The canonical line (chat.format) is compact JSON of the record with its keys put
    in canonical order; what is hashed here is the same ordered record serialised by
    marshal's version 0 (no back-references, so equal values give equal bytes), four
    times faster than JSON and just as exact: both are one-to-one on JSON values in a
    given key order. Most records are already in canonical order and are not copied.
    The hash is Python's (SipHash), not sha256: keys never leave the run, and the worker
    processes are forked, so they share this process's hash secret. A collision (about
    1 in 10^7 among a million examples) would only add a wrong warning."""
    ordered = record if _in_canonical_order(record) else chatformat.canonical_record(record)
    try:
        blob = marshal.dumps(ordered, 0)
    except ValueError:  # nested deeper than marshal goes
        blob = chatformat.canonical_line(record).encode("utf-8", "surrogatepass")
    return (hash(blob) & _KEY_MASK) or 1  # 0 means "no record"


class _KeyOrder:
    """Whether a mapping's keys are in chat.format's canonical order for one layer
    (known keys first in their order, the rest as they came); answers are remembered
    per key tuple, for a bounded number of distinct tuples."""

    LIMIT = 10_000

    def __init__(self, known: tuple[str, ...]):
        self.known = known
        self.seen: dict[tuple, bool] = {}

    def __call__(self, mapping: dict) -> bool:
        keys = tuple(mapping)
        ordered = self.seen.get(keys)
        if ordered is None:
            expected = tuple(k for k in self.known if k in mapping) + tuple(k for k in keys if k not in self.known)
            ordered = expected == keys
            if len(self.seen) < self.LIMIT:
                self.seen[keys] = ordered
        return ordered


_record_order = _KeyOrder(chatformat.CHAT_KEYS)
_message_order = _KeyOrder(chatformat.MESSAGE_KEYS)
_call_order = _KeyOrder(chatformat.TOOL_CALL_KEYS)
_call_function_order = _KeyOrder(chatformat.CALL_FUNCTION_KEYS)
_part_order = _KeyOrder(chatformat.CONTENT_PART_KEYS)
_definition_order = _KeyOrder(chatformat.TOOL_DEFINITION_KEYS)
_function_definition_order = _KeyOrder(chatformat.FUNCTION_DEFINITION_KEYS)


def _in_canonical_order(record: dict) -> bool:
    """True when chat.format.canonical_record would change no key order of this chat
    record (every layer it reorders is checked); False for preference records."""
    if chatformat.record_kind(record) != "chat" or not _record_order(record):
        return False
    messages = record.get("messages")
    if isinstance(messages, list):
        for message in messages:
            if isinstance(message, dict) and not _message_in_order(message):
                return False
    tools = record.get("tools")
    if isinstance(tools, list) and not _list_in_order(tools, _definition_order, "function", _function_definition_order):
        return False
    functions = record.get("functions")
    return not isinstance(functions, list) or _list_in_order(functions, _function_definition_order)


def _message_in_order(message: dict) -> bool:
    if not _message_order(message):
        return False
    calls = message.get("tool_calls")
    if isinstance(calls, list) and not _list_in_order(calls, _call_order, "function", _call_function_order):
        return False
    function_call = message.get("function_call")
    if isinstance(function_call, dict) and not _call_function_order(function_call):
        return False
    content = message.get("content")
    return not isinstance(content, list) or _list_in_order(content, _part_order)


def _list_in_order(items: list, order: _KeyOrder, inner: str | None = None,
                   inner_order: _KeyOrder | None = None) -> bool:
    """chat.format._ordered_list's layers: each object, and one nested object in it."""
    for item in items:
        if isinstance(item, dict):
            if not order(item):
                return False
            nested = item.get(inner) if inner else None
            if inner_order is not None and isinstance(nested, dict) and not inner_order(nested):
                return False
    return True


@dataclass
class _RangeReport:
    """What a worker found in one byte range; line numbers are range-local.

    Compact, since it is pickled back to the parent: the findings of lines that have
    any, and one duplicate key per physical line (0 where there is no record)."""

    findings: list[tuple[int, list[Finding]]] = field(default_factory=list)
    keys: array = field(default_factory=lambda: array("Q"))
    examples: int = 0
    valid_examples: int = 0
    physical_lines: int = 0
    last_line: int = 0  # range-local number of the last non-blank line, 0 if none


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


#: chat.format.loads_strict without building a decoder per line
_decode_strict = json.JSONDecoder(parse_constant=_no_constant).decode


def _parse(number: int, raw: bytes) -> Line | None:
    """chat.format.parse_line, fast for a good line: a line that fails to decode or
    parse (or line 1, which may start with a byte-order mark) goes through parse_line,
    which words the finding."""
    if number != 1:
        try:
            text = raw.decode("utf-8")
            return Line(number, _decode_strict(text), text)
        except ValueError:  # UnicodeDecodeError and JSONDecodeError included
            pass
    return chatformat.parse_line(number, raw)


class _RangeValidator:
    """Checks one byte range (runs in a worker process): FileChecker.check_line's
    findings, in its order, without the duplicate warning (the parent adds it)."""

    def __init__(self, count_tokens: TokenCounter | None, context_limit: int | None):
        self.count_tokens = count_tokens
        self.context_limit = context_limit

    def __call__(self, path: Path, start: int, end: int, first: bool) -> _RangeReport:
        out = _RangeReport()
        keys = out.keys
        count, limit = self.count_tokens, self.context_limit
        for index, raw in enumerate(chatparallel.range_lines(path, start, end)):
            number = chatparallel.local_number(index, first)
            line = _parse(number, raw)
            if line is None:
                keys.append(0)
                continue
            out.last_line = number
            findings = line.findings
            key = 0
            if line.parsed:
                out.examples += 1
                record = line.record
                findings = findings + check_record(record, number)
                if isinstance(record, dict):
                    key = _duplicate_key(record)
                    if count is not None and limit is not None:
                        tokens = count(record)
                        if tokens > limit:
                            findings.append(_too_long(number, tokens, limit))
                if not any(f.is_error for f in findings):
                    out.valid_examples += 1
            keys.append(key)
            if findings:
                out.findings.append((number, findings))
        out.physical_lines = len(keys)
        return out


def _too_long(line: int, tokens: int, limit: int) -> Finding:
    return Finding.warning(
        "example_too_long", line, None,
        f"The example has {tokens:,} tokens, over the model's {limit:,}-token training "
        "limit, so it will be truncated; shorten or split it.")


def _validate_serial(path: Path, count_tokens: TokenCounter | None, context_limit: int | None,
                     progress: Callable[[int], None] | None = None) -> FileReport:
    report = FileReport(str(path))
    checker = FileChecker(context_limit=context_limit)
    for line in chatformat.iter_records(path):
        report.lines = max(report.lines, line.number)
        if progress is not None and line.number % 1000 == 0:
            progress(line.number)
        tokens = None
        if count_tokens is not None and isinstance(line.record, dict) and line.parsed:
            tokens = count_tokens(line.record)
        findings = checker.check_line(line, tokens)
        report.findings.extend(findings)
        if line.parsed and not any(f.is_error for f in findings):
            report.valid_examples += 1
    report.examples = checker.examples
    report.findings.extend(checker.finish(os.path.getsize(path)))
    return report


def _as_error(finding: Finding) -> Finding:
    return Finding.error(finding.code, finding.line, finding.message_index,
                         finding.message + " The provider rejects a training file this small.")
