"""Tool-calling data: false errors and tool-token counts against the cookbook's rule.

For each file of a shape (multi-turn agents, final call without result, legacy
functions, DPO with tools, nested schemas) prints the examples with errors and the
token totals of the workbench next to the OpenAI cookbook's `num_tokens_for_tools`
("How to count tokens with tiktoken"), transcribed below independently of
workbench.budget.tokens so a bug there is not mirrored here. Not a timing benchmark.

    .venv/bin/python bench/tool_tokens.py [FILE ...]

Reference rule (cookbook): per function func_init + tokens("name:description"), and
if it has properties prop_init + per top-level property prop_key +
tokens("key:type:description") (+ enum_init + per item enum_item + tokens(item));
func_end once per request. Messages: 3 per message + tokens of each value + 1 per
name + 3 priming. The cookbook reads only top-level properties and has no rule for
tool calls inside messages; we count a call as tokens(name) + tokens(arguments),
a missing description as "". On nested schemas the reference undercounts by design.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from workbench import chatformat  # noqa: E402
from workbench.chat.checks import validate_path  # noqa: E402
from workbench.budget.tokens import count_example, get_encoding  # noqa: E402

# The cookbook's constants: gpt-4o / gpt-4o-mini (o200k_base) and gpt-3.5-turbo / gpt-4 (cl100k_base).
COOKBOOK = {
    "o200k_base": dict(func_init=7, prop_init=3, prop_key=3, enum_init=-3, enum_item=3, func_end=12),
    "cl100k_base": dict(func_init=10, prop_init=3, prop_key=3, enum_init=-3, enum_item=3, func_end=12),
}
SHAPES = ["tools_agents.jsonl", "tools_final_call.jsonl", "tools_legacy_functions.jsonl", "tools_dpo.jsonl",
          "tools_nested_schemas.jsonl"]


def cookbook_functions(functions: list, enc, c: dict) -> int:
    count = 0
    if len(functions) > 0:
        for function in functions:
            count += c["func_init"]
            desc = function.get("description", "")
            if desc.endswith("."):
                desc = desc[:-1]
            count += len(enc.encode(function["name"] + ":" + desc))
            properties = function.get("parameters", {}).get("properties", {})
            if len(properties) > 0:
                count += c["prop_init"]
                for key, prop in properties.items():
                    count += c["prop_key"]
                    if "enum" in prop:
                        count += c["enum_init"]
                        for item in prop["enum"]:
                            count += c["enum_item"] + len(enc.encode(item))
                    p_desc = prop.get("description", "")
                    if p_desc.endswith("."):
                        p_desc = p_desc[:-1]
                    count += len(enc.encode(f"{key}:{prop.get('type', '')}:{p_desc}"))
        count += c["func_end"]
    return count


def cookbook_messages(messages: list, enc) -> int:
    count = 0
    for message in messages:
        count += 3
        for key, value in message.items():
            if key == "weight" or value is None:
                continue
            if key == "tool_calls":
                count += sum(len(enc.encode(t["function"]["name"])) + len(enc.encode(t["function"]["arguments"])) for t in value)
            elif key == "function_call":
                count += len(enc.encode(value["name"])) + len(enc.encode(value["arguments"]))
            else:
                count += len(enc.encode(value))
            if key == "name":
                count += 1
    return count


def definitions_of(container: dict) -> list:
    return [t["function"] for t in container.get("tools", [])] + list(container.get("functions", []))


def cookbook_example(record: dict, enc, c: dict) -> tuple[int, int]:
    """(total tokens, tool-definition tokens) by the cookbook's rule."""
    if "input" in record:
        inner = record["input"]
        longer = max(cookbook_messages(record["preferred_output"], enc), cookbook_messages(record["non_preferred_output"], enc))
        defs = cookbook_functions(definitions_of(inner), enc, c)
        return cookbook_messages(inner["messages"], enc) + longer + 3 + defs, defs
    defs = cookbook_functions(definitions_of(record), enc, c)
    return cookbook_messages(record["messages"], enc) + 3 + defs, defs


def without_definitions(record: dict) -> dict:
    if "input" in record:
        inner = {k: v for k, v in record["input"].items() if k not in ("tools", "functions")}
        return {**record, "input": inner}
    return {k: v for k, v in record.items() if k not in ("tools", "functions")}


def measure(path: Path, encoding_name: str) -> dict:
    enc = get_encoding(encoding_name)
    c = COOKBOOK[encoding_name]
    ours_total = ref_total = ours_defs = ref_defs = 0
    for line in chatformat.iter_records(path):
        record = line.record
        ours = count_example(record, enc).total
        ours_total += ours
        ours_defs += ours - count_example(without_definitions(record), enc).total
        total, defs = cookbook_example(record, enc, c)
        ref_total += total
        ref_defs += defs
    return {"ours_total": ours_total, "ref_total": ref_total, "ours_defs": ours_defs, "ref_defs": ref_defs}


def pct(ours: int, ref: int) -> str:
    return f"{(ours - ref) / ref * 100:+.1f}%" if ref else "n/a"


def main(argv: list[str]) -> int:
    paths = [Path(a) for a in argv] or [ROOT / "tests" / "data" / name for name in SHAPES]
    print("| file | examples | with errors | encoding | total ours / cookbook | diff | tool defs ours / cookbook | diff |")
    print("| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: |")
    for path in paths:
        report = validate_path(path)
        with_errors = len(report.bad_lines)
        for name in ("o200k_base", "cl100k_base"):
            m = measure(path, name)
            print(f"| {path.name} | {report.examples} | {with_errors} | {name} | {m['ours_total']:,} / {m['ref_total']:,} | "
                  f"{pct(m['ours_total'], m['ref_total'])} | {m['ours_defs']:,} / {m['ref_defs']:,} | {pct(m['ours_defs'], m['ref_defs'])} |")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
