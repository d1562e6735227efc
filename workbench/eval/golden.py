"""Golden sets: prompts to evaluate models on, their frozen versions, and model answers.

A golden prompt is a message list ending with the user's turn, optional tool
definitions (sent with the prompt when answers are generated), an optional reference
answer and tags (billing, returns, refusal, a language, ...). Prompts come from a JSONL
file (`{"id", "messages", "reference"?, "tags"?}`), a CSV (`prompt`, optional `system`,
`reference`, `tags` separated by `;` or `,`), or a dataset's examples (the conversation
up to its last assistant turn, whose content becomes the reference). A version freezes
the prompts as they are; answers and rating sessions always belong to a version.

Answers come from a JSONL file of `{"prompt_id", "model", "output", "latency_ms"?,
"tokens"?}` lines, or from an OpenAI-format file whose last assistant turn is the
answer and whose earlier turns match a prompt of the version.
"""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from store import Store
from workbench.chat import format as chatformat
from workbench.errors import InvalidRequest


class GoldenError(InvalidRequest, ValueError):
    """Bad input for a golden set or answers file; nothing was written. Names file and line."""


@dataclass
class GoldenImport:
    added: int = 0
    duplicates: int = 0
    problems: list[str] = field(default_factory=list)


def prompt_hash(messages: list) -> str:
    return hashlib.sha256(chatformat.dumps_compact(chatformat.canonical_record({"messages": messages})
                                                   ["messages"]).encode()).hexdigest()


def _check_prompt_messages(where: str, messages: Any) -> list:
    if not isinstance(messages, list) or not messages or not all(isinstance(m, dict) for m in messages):
        raise GoldenError(f"{where}: \"messages\" must be a non-empty list of messages.")
    if messages[-1].get("role") != "user":
        raise GoldenError(f"{where}: a golden prompt must end with the user's turn, not {messages[-1].get('role')!r}.")
    for index, message in enumerate(messages):
        if message.get("role") not in chatformat.ROLES:
            raise GoldenError(f"{where}: message {index} has role {message.get('role')!r}; "
                              "use system, user, assistant or tool.")
    return messages


def _tags(value: Any) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        value = [t for part in value.split(";") for t in part.split(",")]
    if not isinstance(value, list):
        raise ValueError("tags must be a list of strings")
    return sorted({str(t).strip() for t in value if str(t).strip()})


def read_prompt_file(path: Path) -> list[dict]:
    """Every prompt of a JSONL or CSV file; raises GoldenError naming every bad line."""
    if not path.is_file():
        raise GoldenError(f"{path}: no such file; check the path.")
    rows = _read_csv_prompts(path) if path.suffix.lower() == ".csv" else _read_jsonl_prompts(path)
    seen: dict[str, int] = {}
    for row in rows:
        ext = row.get("external_id")
        if ext is not None and ext in seen:
            raise GoldenError(f"{path}: line {row['_line']}: id {ext!r} repeats line {seen[ext]}; ids must be unique.")
        if ext is not None:
            seen[ext] = row["_line"]
    return rows


def _read_jsonl_prompts(path: Path) -> list[dict]:
    rows, problems = [], []
    for line in chatformat.iter_jsonl(path):
        where = f"{path}: line {line.number}"
        try:
            if line.findings and not line.parsed:
                raise GoldenError(f"{where}: {line.findings[0].message}")
            record = line.record
            if not isinstance(record, dict):
                raise GoldenError(f"{where}: each line must be a JSON object with \"messages\".")
            messages = _check_prompt_messages(where, record.get("messages"))
            reference = record.get("reference", record.get("reference_answer"))
            if reference is not None and not isinstance(reference, str):
                raise GoldenError(f"{where}: \"reference\" must be text.")
            try:
                tags = _tags(record.get("tags"))
            except ValueError as exc:
                raise GoldenError(f"{where}: {exc}.") from exc
            ext = record.get("id")
            tools = record.get("tools")
            if tools is not None and not (isinstance(tools, list) and all(isinstance(t, dict) for t in tools)):
                raise GoldenError(f"{where}: \"tools\" must be a list of tool definitions.")
            rows.append({"_line": line.number, "external_id": None if ext is None else str(ext),
                         "messages": messages, "reference_answer": reference, "tags": tags,
                         **({"tools": tools} if tools else {})})
        except GoldenError as exc:
            problems.append(str(exc))
    if problems:
        raise GoldenError("\n".join(problems))
    return rows


def _read_csv_prompts(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        header = [h.strip().lower() for h in reader.fieldnames or []]
        if "prompt" not in header:
            raise GoldenError(f"{path}: line 1: the CSV needs a prompt column (optional: id, system, reference, tags).")
        reader.fieldnames = header
        rows, line = [], reader.line_num + 1
        for row in reader:
            messages = ([{"role": "system", "content": row["system"]}] if (row.get("system") or "").strip() else [])
            if not (row.get("prompt") or "").strip():
                raise GoldenError(f"{path}: line {line}: the prompt is empty.")
            messages.append({"role": "user", "content": row["prompt"]})
            rows.append({"_line": line, "external_id": (row.get("id") or "").strip() or None, "messages": messages,
                         "reference_answer": (row.get("reference") or None), "tags": _tags(row.get("tags"))})
            line = reader.line_num + 1
    return rows


def import_prompts(store: Store, set_name: str, path: Path) -> GoldenImport:
    """Add a file's prompts to a golden set (created if new). All or nothing; a prompt
    already in the set (same messages) is skipped."""
    rows = read_prompt_file(path)
    return _add_prompts(store, set_name, rows)


def _add_prompts(store: Store, set_name: str, rows: list[dict]) -> GoldenImport:
    result = GoldenImport()
    with store.transaction():
        golden = store.golden.get_golden_set(set_name) or store.golden.create_golden_set(set_name)
        known = store.golden.golden_prompt_hashes(golden["id"])
        fresh = []
        for row in rows:
            digest = prompt_hash(row["messages"])
            if digest in known:
                result.duplicates += 1
                continue
            known.add(digest)
            fresh.append({k: v for k, v in row.items() if not k.startswith("_")} | {"content_hash": digest})
        result.added = store.golden.add_golden_prompts(golden["id"], fresh)
    return result


def prompt_from_example(example: dict) -> dict | None:
    """The conversation up to the example's last assistant turn, that turn as reference."""
    messages = example["messages"]
    last = max((i for i, m in enumerate(messages) if m.get("role") == "assistant"), default=None)
    if last is None or last == 0 or messages[last - 1].get("role") != "user":
        return None
    return {"messages": messages[:last], "reference_answer": chatformat.message_text(messages[last]) or None,
            "tags": list(example.get("tags") or []), "source_example_id": example["id"], "external_id": None}


def prompts_from_examples(store: Store, set_name: str, examples: list[dict]) -> GoldenImport:
    """Add prompts made from these examples (chat examples with a user turn right
    before an assistant turn) to a golden set, created if new."""
    rows, skipped = [], 0
    for example in sorted(examples, key=lambda e: e["position"]):  # dataset order, whatever was selected first
        prompt = prompt_from_example(example) if example["kind"] == "chat" else None
        if prompt is None:
            skipped += 1
            continue
        rows.append(prompt)
    result = _add_prompts(store, set_name, rows)
    if skipped:
        result.problems.append(f"{skipped} examples had no user turn right before an assistant turn; skipped.")
    return result


def prompts_from_dataset(store: Store, set_name: str, dataset_name: str, status: str | None = None,
                         tag: str | None = None) -> GoldenImport:
    dataset = store.datasets.get_dataset(dataset_name)
    if dataset is None:
        raise GoldenError(f"No dataset named {dataset_name!r}; run `workbench datasets`.")
    examples = [e for e in store.examples.iter_examples(dataset["id"], status=status) if not tag or tag in e["tags"]]
    return prompts_from_examples(store, set_name, examples)


def freeze(store: Store, set_name: str, changelog: str = "") -> tuple[dict, bool]:
    """Freeze the set's current prompts as a new version (or return the latest one when
    nothing changed). Returns (version, created)."""
    golden = _golden(store, set_name)
    prompts = store.golden.golden_prompts(golden["id"])
    if not prompts:
        raise GoldenError(f"Golden set {set_name!r} has no prompts to freeze; import some first.")
    digest = hashlib.sha256("\n".join(
        # tools join the digest only when present, so versions frozen before tools existed keep their sha256
        chatformat.dumps_compact([p["content_hash"], p.get("reference_answer"), p["tags"]]
                                 + ([p["tools"]] if p.get("tools") else [])) for p in prompts
    ).encode()).hexdigest()
    latest = store.golden.get_golden_version(golden["id"])
    if latest and latest["sha256"] == digest:
        return latest, False
    return store.golden.freeze_golden_version(golden["id"], changelog, digest, prompts), True


def _golden(store: Store, set_name: str) -> dict:
    golden = store.golden.get_golden_set(set_name)
    if golden is None:
        names = ", ".join(g["name"] for g in store.golden.list_golden_sets()) or "none yet"
        raise GoldenError(f"No golden set named {set_name!r} (golden sets: {names}).")
    return golden


def resolve_version(store: Store, set_name: str, number: int | None = None) -> dict:
    golden = _golden(store, set_name)
    version = store.golden.get_golden_version(golden["id"], number)
    if version is None:
        which = f"version {number}" if number else "a frozen version"
        raise GoldenError(f"Golden set {set_name!r} has no {which}; run `workbench golden freeze {set_name}`.")
    return version


# --------------------------------------------------------------------------- answers


def _answer_rows(path: Path, version: dict, prompts: list[dict], model: str | None,
                 skipped: list[str] | None = None) -> list[dict]:
    """The answer rows of a file; every bad line is named. With ``skipped`` (a list),
    bad lines are left out and their problems appended there instead of refusing."""
    by_external = {p["external_id"]: p for p in prompts if p.get("external_id")}
    by_id = {p["prompt_id"]: p for p in prompts}
    by_messages = {prompt_hash(p["messages"]): p for p in prompts}
    rows, problems = [], []
    for line in chatformat.iter_jsonl(path):
        where = f"{path}: line {line.number}"
        record = line.record
        if not line.parsed or not isinstance(record, dict):
            problems.append(f"{where}: not a JSON object.")
            continue
        try:
            rows.append(_answer_row(where, record, by_external, by_id, by_messages, model, version))
        except GoldenError as exc:
            problems.append(str(exc))
    if problems and skipped is not None:
        skipped.extend(problems)
    elif problems:
        raise GoldenError("\n".join(problems[:50]) + (f"\n... {len(problems) - 50} more" if len(problems) > 50 else ""))
    return rows


def _answer_row(where: str, record: dict, by_external: dict, by_id: dict, by_messages: dict,
                model: str | None, version: dict) -> dict:
    if "messages" in record:  # OpenAI format: the last assistant turn is the answer
        messages = record["messages"]
        if not isinstance(messages, list) or not messages or messages[-1].get("role") != "assistant":
            raise GoldenError(f"{where}: the conversation must end with the assistant's answer.")
        prompt = by_messages.get(prompt_hash(messages[:-1]))
        if prompt is None:
            raise GoldenError(f"{where}: the conversation before the answer matches no prompt of this version.")
        output = chatformat.message_text(messages[-1])
        name = model
        extra: dict[str, Any] = {}
    else:
        key = record.get("prompt_id")
        prompt = by_external.get(str(key)) or by_id.get(str(key))
        if prompt is None:
            raise GoldenError(f"{where}: prompt_id {key!r} is not in this golden-set version.")
        output = record.get("output")
        name = record.get("model") or model
        extra = {"latency_ms": record.get("latency_ms"), "completion_tokens": record.get("tokens")}
        for field_name, value in extra.items():
            if value is not None and (not isinstance(value, int) or value < 0):
                raise GoldenError(f"{where}: {field_name.replace('completion_tokens', 'tokens')} must be a whole number.")
    # An empty answer is a real result (the model said nothing; it should lose), so
    # only a missing or non-text one is refused.
    if not isinstance(output, str):
        raise GoldenError(f"{where}: the answer is missing or not text.")
    if not name:
        raise GoldenError(f"{where}: no model name; add \"model\" to the line or pass --model.")
    return {"golden_version_id": version["id"], "prompt_id": prompt["prompt_id"], "model": str(name),
            "output": output, **{k: v for k, v in extra.items() if v is not None}}


def import_answers(store: Store, set_name: str, path: Path, version_number: int | None = None,
                   model: str | None = None, skipped: list[str] | None = None) -> dict[str, int]:
    """Import answers for a golden-set version. Returns answers per model.

    All or nothing, unless ``skipped`` is a list: then the good lines are imported and
    each bad line's problem is appended to it. A file with no lines is an error."""
    if not path.is_file():
        raise GoldenError(f"{path}: no such file; check the path.")
    if path.stat().st_size == 0 or not path.read_bytes().strip():
        raise GoldenError(f"{path}: the file is empty: there are no answers to import.")
    version = resolve_version(store, set_name, version_number)
    rows = _answer_rows(path, version, store.golden.version_prompts(version["id"]), model, skipped)
    store.golden.upsert_generations(rows)
    counts: dict[str, int] = {}
    for row in rows:
        counts[row["model"]] = counts.get(row["model"], 0) + 1
    return counts


def list_sets(store: Store) -> list[dict]:
    """Every golden set with its latest version number."""
    return store.golden.list_golden_sets()


def answered_models(store: Store, version_id: str) -> list[dict]:
    """Models with answers for a golden set version, with how many."""
    return store.golden.generation_models(version_id)
