"""Regenerate checks_findings.json: every finding check_record gives for a corpus of
records that reaches each branch of workbench/chat/checks.py. Run it only after a
deliberate change to a message, and read the diff: the test pins the wording users see.

    .venv/bin/python tests/data/mutation/make_checks_golden.py
"""

from __future__ import annotations

import json
from pathlib import Path

from workbench.chat.checks import check_record

U = {"role": "user", "content": "hi"}
S = {"role": "system", "content": "be nice"}
A = {"role": "assistant", "content": "hello"}


def call(cid="c1", name="f", arguments='{"x": 1}'):
    return {"id": cid, "type": "function", "function": {"name": name, "arguments": arguments}}


CORPUS = [
    None, True, 3, 2.5, "text", [1, 2], [],
    {},
    {"messages": []},
    {"messages": "hi"},
    {"messages": [S, U, A], "extra": 1, "other": 2},
    {"messages": [S, U, A], "tools": "x", "functions": [1], "parallel_tool_calls": "yes"},
    {"messages": [S, U, A], "tools": [{"type": "function"}], "parallel_tool_calls": True},
    {"messages": [U]},
    {"messages": [S, U, A, U]},
    {"messages": [A]},
    {"messages": [{"role": "developer", "content": "d"}, U, A]},
    {"messages": [S, U, "oops", None, 7, A]},
    {"messages": [S, {"content": "no role"}, A]},
    {"messages": [S, {"role": "robot", "content": "x"}, A]},
    {"messages": [S, {"role": "user", "content": "x", "foo": 1, "bar": 2}, A]},
    {"messages": [S, {"role": "user", "content": "x", "tool_calls": [call()]}, A]},
    {"messages": [S, {"role": "user", "content": "x", "tool_call_id": "c1"}, A]},
    {"messages": [S, {"role": "user", "content": "x", "name": ""}, {"role": "user", "content": "y", "name": 5},
                  {"role": "user", "content": "z", "name": "ok"}, A]},
    {"messages": [S, {"role": "user"}, {"role": "user", "content": None}, A]},
    {"messages": [S, {"role": "user", "content": "   "}, {"role": "user", "content": ""}, A]},
    {"messages": [S, {"role": "user", "content": 5}, {"role": "user", "content": {"a": 1}},
                  {"role": "user", "content": []}, {"role": "user", "content": [{"text": "x"}]},
                  {"role": "user", "content": [{"type": "text", "text": "x"}]}, {"role": "user", "content": True}, A]},
    {"messages": [S, U, {"role": "assistant", "content": None}]},
    {"messages": [S, U, {"role": "assistant", "content": "", "tool_calls": [call()]},
                  {"role": "tool", "tool_call_id": "c1", "content": "r"}, A]},
    {"messages": [S, {"role": "user", "content": "x", "weight": 1}, {"role": "system", "content": "y", "weight": 0}, A]},
    {"messages": [S, U, {"role": "assistant", "content": "a", "weight": 2}, U,
                  {"role": "assistant", "content": "b", "weight": True}, U,
                  {"role": "assistant", "content": "c", "weight": 0.5}, U,
                  {"role": "assistant", "content": "d", "weight": "1"}, U,
                  {"role": "assistant", "content": "e", "weight": 0}, U,
                  {"role": "assistant", "content": "f", "weight": 1}, U,
                  {"role": "assistant", "content": "g", "weight": None}]},
    {"messages": [S, U, {"role": "assistant", "content": None, "tool_calls": []}, U, A]},
    {"messages": [S, U, {"role": "assistant", "content": None, "tool_calls": "call"}, U, A]},
    {"messages": [S, U, {"role": "assistant", "content": None, "tool_calls": [
        "x", {"id": 1, "function": {"name": "f"}}, {"id": "a", "function": "f"}, {"id": "b", "function": {"name": 3}},
        {"id": "c", "function": {"name": "f", "arguments": "{bad"}}, {"id": "d", "function": {"name": "g", "arguments": "[1]"}},
        {"id": "e", "function": {"name": "h", "arguments": {"x": 1}}}, {"id": "f", "function": {"name": "i"}},
        {"id": "g", "function": {"name": "j", "arguments": "{\"a\": NaN}"}}]}]},
    {"messages": [S, U, {"role": "assistant", "content": None, "function_call": "f"}, U, A]},
    {"messages": [S, U, {"role": "assistant", "content": None, "function_call": {"arguments": "{}"}}, U, A]},
    {"messages": [S, U, {"role": "assistant", "content": None, "function_call": {"name": "f", "arguments": "nope"}},
                  {"role": "function", "name": "f", "content": "r"}, A]},
    # a call followed by more turns and no result; another call left open at the end (allowed)
    {"messages": [S, U, {"role": "assistant", "content": None, "tool_calls": [call("c1"), call("c2")]},
                  {"role": "tool", "tool_call_id": "c2", "content": "r"}, U,
                  {"role": "assistant", "content": None, "tool_calls": [call("c3")]}]},
    {"messages": [S, U, {"role": "tool", "tool_call_id": "zz", "content": "r"}, {"role": "tool", "content": "r"},
                  {"role": "tool", "tool_call_id": 5, "content": "r"}, A]},
    {"messages": [S, U, {"role": "assistant", "content": None, "function_call": {"name": "f", "arguments": "{}"}},
                  {"role": "assistant", "content": None, "function_call": {"name": "g", "arguments": "{}"}},
                  {"role": "function", "name": "g", "content": "r"}, {"role": "function", "name": "nope", "content": "r"},
                  U, A]},
    {"messages": [S, U, {"role": "assistant", "content": None, "function_call": {"name": "f", "arguments": "{}"}},
                  {"role": "assistant", "content": None, "function_call": {"name": "g", "arguments": "{}"}},
                  {"role": "function", "content": "r"}, U, A]},
    {"messages": [S, U, {"role": "assistant", "content": None, "function_call": {"name": "f", "arguments": "{}"}}]},
    {"messages": [S, U, {"role": "function", "name": "f", "content": "r"}, A]},
    # preference (DPO) records
    {"input": {"messages": [S, U]}, "preferred_output": [A], "non_preferred_output": [A]},
    {"input": {"messages": [U]}, "preferred_output": [A], "non_preferred_output": [A]},
    {"input": {"messages": []}, "preferred_output": "x", "non_preferred_output": None},
    {"input": "x", "preferred_output": [], "non_preferred_output": [A, A]},
    {"input": {"messages": "x"}, "preferred_output": [5], "non_preferred_output": [U]},
    {"input": {"messages": [S, U], "extra": 1, "tools": 3, "parallel_tool_calls": 1},
     "preferred_output": [{"role": "assistant", "content": "  "}], "non_preferred_output": [{"role": "assistant"}]},
    {"input": {"messages": [S, U, {"role": "assistant", "content": None, "tool_calls": [call()]}]},
     "preferred_output": [{"role": "assistant", "content": None, "tool_calls": [call("c9")]}],
     "non_preferred_output": [{"role": "assistant", "content": None, "function_call": {"name": "f", "arguments": "{}"}}]},
    {"input": {"messages": [S, U, "bad"]}, "preferred_output": [{"role": "assistant", "content": 5}],
     "non_preferred_output": [{"content": "x"}], "junk": 1},
]


def golden() -> list[dict]:
    return [{"record": record, "findings": [f.to_dict() for f in check_record(record, line=number)]}
            for number, record in enumerate(CORPUS, start=1)]


if __name__ == "__main__":
    out = Path(__file__).with_name("checks_findings.json")
    out.write_text(json.dumps(golden(), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {out}")
