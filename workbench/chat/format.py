"""The OpenAI fine-tuning JSONL format: reading lines, canonical writing, record shapes.

Two record kinds live in the same files:

* chat (SFT):  ``{"messages": [...], "tools"?: [...], "functions"?: [...],
  "parallel_tool_calls"?: bool}``
* preference (DPO): ``{"input": {"messages": [...], "tools"?: [...]},
  "preferred_output": [assistant], "non_preferred_output": [assistant]}``

The *canonical line* of a record is compact JSON (no spaces, UTF-8 kept as is) with
the keys the format knows in a fixed order, so two files that differ only in
whitespace, escapes or key order give the same bytes and the same content hash.
Reading is streaming: one line in memory at a time, with its 1-based line number,
and the problems a line has at the byte and JSON level (BOM, invalid UTF-8, not
JSON) reported as findings instead of exceptions.
"""

from __future__ import annotations

import csv
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from workbench.chat.findings import Finding
from workbench.errors import WorkbenchError

BOM = b"\xef\xbb\xbf"

#: Keys of a chat record, in canonical order.
CHAT_KEYS = ("messages", "tools", "functions", "parallel_tool_calls")
#: Keys of a preference (DPO) record, in canonical order.
PREFERENCE_KEYS = ("input", "preferred_output", "non_preferred_output")
#: Keys of a DPO "input" object, in canonical order.
INPUT_KEYS = ("messages", "tools", "functions", "parallel_tool_calls")
#: Keys a message may carry, in canonical order.
MESSAGE_KEYS = ("role", "name", "content", "tool_calls", "tool_call_id", "function_call", "weight")
ROLES = ("system", "developer", "user", "assistant", "tool", "function")
TOOL_CALL_KEYS = ("id", "type", "function")
CALL_FUNCTION_KEYS = ("name", "arguments")
TOOL_DEFINITION_KEYS = ("type", "function")
FUNCTION_DEFINITION_KEYS = ("name", "description", "parameters", "strict")
CONTENT_PART_KEYS = ("type",)


class ChatFormatError(WorkbenchError, ValueError):
    """A file or CSV that cannot be read as the format at all (not a per-line finding)."""


@dataclass
class Line:
    """One physical line of a JSONL file, parsed as far as it goes."""

    number: int
    record: Any = None  # the parsed JSON value, None when it did not parse
    text: str | None = None  # the decoded line, None when it is not UTF-8
    findings: list[Finding] = field(default_factory=list)

    @property
    def parsed(self) -> bool:
        return not any(f.code in {"invalid_utf8", "invalid_json"} for f in self.findings)


def record_kind(record: dict) -> str:
    """'preference' for DPO-shaped records, else 'chat'."""
    if any(key in record for key in ("input", "preferred_output", "non_preferred_output")):
        return "preference"
    return "chat"


def _ordered(mapping: dict, known: tuple[str, ...]) -> dict:
    """Known keys first in canonical order, anything else after in its own order."""
    out = {key: mapping[key] for key in known if key in mapping}
    out.update((key, value) for key, value in mapping.items() if key not in out)
    return out


def _ordered_list(items: Any, known: tuple[str, ...], inner: str | None = None,
                  inner_known: tuple[str, ...] = ()) -> Any:
    """Order the keys of each object in a list (and of one nested object)."""
    if not isinstance(items, list):
        return items
    out = []
    for item in items:
        if isinstance(item, dict):
            item = _ordered(item, known)
            if inner and isinstance(item.get(inner), dict):
                item[inner] = _ordered(item[inner], inner_known)
        out.append(item)
    return out


def _canonical_message(message: Any) -> Any:
    # Known layers get a fixed key order; user-authored JSON inside them (tool
    # arguments, JSON-schema parameters) keeps its own order: it can matter to a model.
    if not isinstance(message, dict):
        return message
    out = _ordered(message, MESSAGE_KEYS)
    if "tool_calls" in out:
        out["tool_calls"] = _ordered_list(out["tool_calls"], TOOL_CALL_KEYS, "function", CALL_FUNCTION_KEYS)
    if isinstance(out.get("function_call"), dict):
        out["function_call"] = _ordered(out["function_call"], CALL_FUNCTION_KEYS)
    if isinstance(out.get("content"), list):
        out["content"] = _ordered_list(out["content"], CONTENT_PART_KEYS)
    return out


def _canonical_definitions(container: dict) -> None:
    if "tools" in container:
        container["tools"] = _ordered_list(container["tools"], TOOL_DEFINITION_KEYS, "function",
                                           FUNCTION_DEFINITION_KEYS)
    if "functions" in container:
        container["functions"] = _ordered_list(container["functions"], FUNCTION_DEFINITION_KEYS)


def _canonical_messages(messages: Any) -> Any:
    if isinstance(messages, list):
        return [_canonical_message(m) for m in messages]
    return messages


def canonical_record(record: dict) -> dict:
    """The record with keys in canonical order (values untouched)."""
    if record_kind(record) == "preference":
        out = _ordered(record, PREFERENCE_KEYS)
        if isinstance(out.get("input"), dict):
            inner = _ordered(out["input"], INPUT_KEYS)
            if "messages" in inner:
                inner["messages"] = _canonical_messages(inner["messages"])
            _canonical_definitions(inner)
            out["input"] = inner
        for key in ("preferred_output", "non_preferred_output"):
            if key in out:
                out[key] = _canonical_messages(out[key])
        return out
    out = _ordered(record, CHAT_KEYS)
    if "messages" in out:
        out["messages"] = _canonical_messages(out["messages"])
    _canonical_definitions(out)
    return out


def _rank(keys: tuple[str, ...]) -> dict[str, int]:
    return {key: i for i, key in enumerate(keys)}


_RANKS = {keys: _rank(keys) for keys in (CHAT_KEYS, MESSAGE_KEYS, TOOL_CALL_KEYS, CALL_FUNCTION_KEYS,
                                         TOOL_DEFINITION_KEYS, FUNCTION_DEFINITION_KEYS, CONTENT_PART_KEYS)}


def _keys_in_order(mapping: dict, known: tuple[str, ...]) -> bool:
    """Whether _ordered(mapping, known) would keep the keys where they are: the known
    ones first, in canonical order, then the rest."""
    rank, last, others = _RANKS[known], -1, False
    for key in mapping:
        position = rank.get(key)
        if position is None:
            others = True
        elif others or position < last:
            return False
        else:
            last = position
    return True


def _list_in_order(items: Any, known: tuple[str, ...], inner: str | None = None,
                   inner_known: tuple[str, ...] = ()) -> bool:
    """Whether _ordered_list would change nothing."""
    if not isinstance(items, list):
        return True
    for item in items:
        if isinstance(item, dict):
            if not _keys_in_order(item, known):
                return False
            if inner and isinstance(item.get(inner), dict) and not _keys_in_order(item[inner], inner_known):
                return False
    return True


def _message_in_order(message: Any) -> bool:
    """Whether _canonical_message would change nothing."""
    if not isinstance(message, dict):
        return True
    return (_keys_in_order(message, MESSAGE_KEYS)
            and ("tool_calls" not in message
                 or _list_in_order(message["tool_calls"], TOOL_CALL_KEYS, "function", CALL_FUNCTION_KEYS))
            and (not isinstance(message.get("function_call"), dict)
                 or _keys_in_order(message["function_call"], CALL_FUNCTION_KEYS))
            and (not isinstance(message.get("content"), list)
                 or _list_in_order(message["content"], CONTENT_PART_KEYS)))


def chat_in_canonical_order(record: dict) -> bool:
    """Whether a chat record's keys already stand in canonical order at every layer
    canonical_record orders: then its canonical line is its own compact JSON."""
    messages = record.get("messages")
    return (record_kind(record) == "chat" and _keys_in_order(record, CHAT_KEYS)
            and (not isinstance(messages, list) or all(map(_message_in_order, messages)))
            and ("tools" not in record
                 or _list_in_order(record["tools"], TOOL_DEFINITION_KEYS, "function", FUNCTION_DEFINITION_KEYS))
            and ("functions" not in record or _list_in_order(record["functions"], FUNCTION_DEFINITION_KEYS)))


def encoded_chat(record: dict) -> tuple[str, dict[str, str]] | None:
    """(canonical line, {key: its value's compact JSON}) of a chat record already in
    canonical order, each value encoded once: an import stores the messages' and tools'
    JSON and hashes the line. None for any other record (use canonical_line)."""
    if not chat_in_canonical_order(record):
        return None
    pieces = {key: dumps_compact(value) for key, value in record.items()}
    # what json.dumps writes for the whole object, with the compact separators
    return "{" + ",".join(f"{dumps_compact(key)}:{piece}" for key, piece in pieces.items()) + "}", pieces


def dumps_compact(value: Any) -> str:
    """Compact JSON with non-ASCII kept: the one serialisation used for stored JSON."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def canonical_line(record: dict) -> str:
    """The canonical JSONL line for a record, without the trailing newline."""
    return dumps_compact(canonical_record(record))


def content_hash(record: dict) -> str:
    """sha256 of the canonical line: equal content, equal hash."""
    return hashlib.sha256(canonical_line(record).encode("utf-8")).hexdigest()


def _reject_constant(name: str) -> Any:
    # JSON has no NaN/Infinity; Python's json accepts them, the provider would not.
    raise ValueError(f"{name} is not valid JSON")


def loads_strict(text: str) -> Any:
    return json.loads(text, parse_constant=_reject_constant)


def parse_line(number: int, raw: bytes) -> Line | None:
    """Decode and parse one raw line (without its newline). None for a blank line."""
    line = Line(number)
    if number == 1 and raw.startswith(BOM):
        raw = raw[len(BOM):]
        line.findings.append(Finding.error(
            "bom", number, None,
            "The file starts with a UTF-8 byte-order mark; save it as UTF-8 without BOM."))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line.findings.append(Finding.error(
            "invalid_utf8", number, None,
            f"Byte {exc.start + 1} of this line is not valid UTF-8; re-save the file as UTF-8."))
        return line
    if not text.strip():
        return None if not line.findings else line
    line.text = text
    try:
        line.record = loads_strict(text)
    except ValueError as exc:
        line.findings.append(Finding.error(
            "invalid_json", number, None,
            f"This line is not valid JSON ({_json_error_text(exc)}); each line must be one JSON object."))
    return line


def _json_error_text(exc: ValueError) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"{exc.msg} at column {exc.colno}"
    return str(exc)


def iter_raw_lines(path: Path) -> Iterator[tuple[int, bytes]]:
    """(line number, bytes without newline) for every line, streaming."""
    with open(path, "rb") as handle:
        for number, raw in enumerate(handle, start=1):
            yield number, raw.rstrip(b"\r\n")


def iter_jsonl(path: Path) -> Iterator[Line]:
    """Every non-blank line of a JSONL file, parsed, with byte/JSON-level findings."""
    for number, raw in iter_raw_lines(path):
        line = parse_line(number, raw)
        if line is not None:
            yield line


#: CSV columns accepted for simple prompt/response data.
CSV_COLUMNS = ("prompt", "response", "system")


def iter_csv(path: Path) -> Iterator[Line]:
    """Rows of a prompt/response[/system] CSV as chat records.

    Line numbers are the CSV's physical line where the row starts (header is line 1).
    """
    try:
        handle = open(path, newline="", encoding="utf-8-sig")
    except OSError as exc:
        raise ChatFormatError(f"{path}: cannot open ({exc.strerror})") from exc
    with handle:
        reader = csv.DictReader(handle)
        try:
            header = [h.strip().lower() for h in (reader.fieldnames or [])]
        except UnicodeDecodeError as exc:
            raise ChatFormatError(f"{path}: not valid UTF-8; re-save the CSV as UTF-8.") from exc
        missing = [c for c in ("prompt", "response") if c not in header]
        if missing:
            raise ChatFormatError(
                f"{path}: line 1: the CSV needs columns prompt and response (optional system); "
                f"missing {', '.join(missing)}; found {', '.join(header) or 'no header'}.")
        reader.fieldnames = header
        start = reader.line_num + 1
        try:
            for row in reader:
                record = _csv_row_record(row)
                yield Line(start, record=record, text=dumps_compact(record))
                start = reader.line_num + 1
        except UnicodeDecodeError as exc:
            raise ChatFormatError(f"{path}: line {start}: not valid UTF-8; re-save the CSV as UTF-8.") from exc


def _csv_row_record(row: dict) -> dict:
    messages = []
    system = (row.get("system") or "").strip()
    if system:
        messages.append({"role": "system", "content": row["system"]})
    messages.append({"role": "user", "content": row.get("prompt") or ""})
    messages.append({"role": "assistant", "content": row.get("response") or ""})
    return {"messages": messages}


def iter_records(path: Path) -> Iterator[Line]:
    """JSONL or CSV by file extension."""
    if path.suffix.lower() == ".csv":
        return iter_csv(path)
    return iter_jsonl(path)


def chat_messages(record: dict) -> list:
    """The conversation of a record: messages, or input.messages for DPO."""
    if record_kind(record) == "preference":
        inner = record.get("input")
        messages = inner.get("messages") if isinstance(inner, dict) else None
    else:
        messages = record.get("messages")
    return messages if isinstance(messages, list) else []


def message_text(message: Any, placeholders: bool = False) -> str:
    """The plain text of a message's content (text parts joined), '' when none. With
    `placeholders`, a part that is not text shows as its type in brackets ("[image_url]"),
    so a reader sees that something is there. The one rendering of message text: the
    screens, golden sets and exports all use it."""
    if not isinstance(message, dict):
        return ""
    content = message.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        texts = []
        for part in content:
            if isinstance(part, dict) and isinstance(part.get("text"), str):
                texts.append(part["text"])
            elif placeholders and isinstance(part, dict):
                texts.append(f"[{part.get('type', 'part')}]")
        return "\n".join(texts)
    return ""
