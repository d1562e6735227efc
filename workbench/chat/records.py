"""Converting between a JSONL record and the columns of a stored example."""

from __future__ import annotations

from typing import Any

from workbench.chat import format as chatformat
from workbench.chat.language import guess_language


def columns_from_record(record: dict, content_hash: str | None = None) -> dict[str, Any]:
    """The content columns of an example for a (valid) record (`content_hash`: the
    record's chatformat.content_hash when the caller has it already)."""
    content_hash = content_hash or chatformat.content_hash(record)
    if chatformat.record_kind(record) == "preference":
        inner = record.get("input") or {}
        return {
            "kind": "preference",
            "messages": inner.get("messages") or [],
            "tools": inner.get("tools"),
            "functions": inner.get("functions"),
            "parallel_tool_calls": inner.get("parallel_tool_calls"),
            "preferred_output": record.get("preferred_output"),
            "non_preferred_output": record.get("non_preferred_output"),
            "content_hash": content_hash,
            "turns": len(inner.get("messages") or []),
            "language": guess_language(chatformat.chat_messages(record)),
        }
    return {
        "kind": "chat",
        "messages": record.get("messages") or [],
        "tools": record.get("tools"),
        "functions": record.get("functions"),
        "parallel_tool_calls": record.get("parallel_tool_calls"),
        "preferred_output": None,
        "non_preferred_output": None,
        "content_hash": content_hash,
        "turns": len(record.get("messages") or []),
        "language": guess_language(record.get("messages") or []),
    }


def _optional(out: dict, key: str, value: Any) -> None:
    if value is not None:
        out[key] = value


def record_from_example(example: dict) -> dict:
    """The JSONL record an example exports as (keys in canonical order)."""
    body: dict[str, Any] = {"messages": example["messages"]}
    _optional(body, "tools", example.get("tools"))
    _optional(body, "functions", example.get("functions"))
    _optional(body, "parallel_tool_calls", example.get("parallel_tool_calls"))
    if example.get("kind") == "preference":
        return chatformat.canonical_record({
            "input": body,
            "preferred_output": example.get("preferred_output"),
            "non_preferred_output": example.get("non_preferred_output"),
        })
    return chatformat.canonical_record(body)
