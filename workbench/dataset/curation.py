"""Curating examples: the domain service behind the Examples screen and its editor.

Pages of a filtered view, full-text search, and every edit a user makes (messages,
status, tags, notes, create, duplicate, delete, restore), each written as a revision of
the example and recorded on the persistent undo/redo stack (the store's edit_log), so
undo and redo also work after a restart. When the content of an example changes, the
derived columns (content hash, turns, language, preflight findings) are recomputed here,
in one place, for every edit path; token counts, which need a tokenizer, are filled by
`fill_token_counts`, which callers run off the UI thread.

No Textual and no SQL here: the screens call this, this calls the store.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field, replace
from typing import Iterable, Sequence

from store import Store
from store import EDITABLE_COLUMNS
from workbench.chat.checks import check_record
from workbench.chat.records import columns_from_record, record_from_example
from workbench.chat.findings import Finding

STATUSES = ("draft", "approved", "rejected")
FLAGS = ("errors", "warnings", "over_limit", "notes", "from_ratings")
#: Columns whose change changes what is trained on (and so the hash and the counts).
CONTENT_COLUMNS = ("kind", "messages", "tools", "functions", "parallel_tool_calls", "preferred_output",
                   "non_preferred_output")
DEFAULT_AUTHOR = "tui"


@dataclass(frozen=True)
class ExampleView:
    """What the list shows: a filter over one dataset. Empty fields mean "any"."""

    status: str | None = None
    tag: str | None = None
    flag: str | None = None
    search: str = ""
    deleted: bool = False

    def with_(self, **changes) -> "ExampleView":
        return replace(self, **changes)

    @property
    def active(self) -> bool:
        return bool(self.status or self.tag or self.flag or self.search.strip() or self.deleted)

    def describe(self) -> str:
        parts = []
        if self.search.strip():
            parts.append(f"search “{self.search.strip()}”")
        if self.status:
            parts.append(f"status {self.status}")
        if self.tag:
            parts.append(f"tag {self.tag}")
        if self.flag:
            parts.append({"over_limit": "over the limit", "from_ratings": "from ratings"}.get(
                self.flag, f"with {self.flag}"))
        if self.deleted:
            parts.append("deleted")
        return ", ".join(parts) or "all"


def fts_query(text: str) -> str | None:
    """An FTS5 query for what a user typed: every word must occur, the last one as a
    prefix (so results follow the typing). Quoting each word means no input is ever an
    FTS syntax error."""
    words = re.findall(r"\w+", text, flags=re.UNICODE)
    if not words:
        return None
    quoted = [f'"{w}"' for w in words]
    quoted[-1] += "*"
    return " ".join(quoted)


@dataclass
class Preflight:
    """What the editor shows while typing: findings and token counts per encoding."""

    findings: list[Finding]
    tokens: dict[str, tuple[int, int]] = field(default_factory=dict)  # encoding -> (total, trained)

    @property
    def errors(self) -> int:
        return sum(f.is_error for f in self.findings)

    @property
    def warnings(self) -> int:
        return sum(not f.is_error for f in self.findings)


def derived_columns(example: dict) -> dict:
    """Hash, turns, language and preflight findings for an example's content."""
    record = record_from_example(example)
    columns = columns_from_record(record)
    findings = check_record(record)
    return {
        "content_hash": columns["content_hash"], "turns": columns["turns"], "language": columns["language"],
        "findings": [f.to_dict() for f in findings], "errors": sum(f.is_error for f in findings),
        "warnings": sum(not f.is_error for f in findings),
    }


def preflight(example: dict, messages: list, encodings: Iterable[str] | None = None) -> Preflight:
    """Findings and token counts of an example with these messages (loads tokenizers:
    call it from a worker)."""
    from workbench.budget import counting

    record = record_from_example({**example, "messages": messages})
    counts = counting.count_all(record, tuple(encodings or counting.ENCODINGS))
    return Preflight(check_record(record), {name: (c.total, c.trained) for name, c in counts.items()})


def quick_findings(example: dict, messages: list) -> list[Finding]:
    """Findings only (no tokenizer)."""
    return check_record(record_from_example({**example, "messages": messages}))


@dataclass(frozen=True)
class UndoStep:
    """What an undo or redo did: which action, on which examples."""

    action: str
    example_ids: tuple[str, ...]
    direction: str  # undo | redo

    def describe(self) -> str:
        n = len(self.example_ids)
        what = f"{n} examples" if n > 1 else "1 example"
        verb = "Undid" if self.direction == "undo" else "Redid"
        return f"{verb} {self.action} of {what}"


class Curation:
    """Edits on one store, each one undoable. Not thread-safe: one per thread."""

    def __init__(self, store: Store, author: str = DEFAULT_AUTHOR):
        self.store = store
        self.author = author

    # ------------------------------------------------------------------ reading

    def _filter_args(self, view: ExampleView, context_limit: int | None) -> dict:
        return {"status": view.status, "tag": view.tag, "flag": view.flag, "match": fts_query(view.search),
                "deleted": view.deleted, "context_limit": context_limit}

    def page(self, dataset_id: str, view: ExampleView, *, encoding: str, offset: int, limit: int,
             context_limit: int | None = None) -> list[dict]:
        return self.store.examples.example_page(dataset_id, encoding=encoding, offset=offset, limit=limit,
                                       **self._filter_args(view, context_limit))

    def count(self, dataset_id: str, view: ExampleView, *, encoding: str, context_limit: int | None = None) -> int:
        return self.store.examples.count_filtered(dataset_id, encoding=encoding, **self._filter_args(view, context_limit))

    def index_of(self, dataset_id: str, example_id: str, view: ExampleView, *, encoding: str,
                 context_limit: int | None = None) -> int | None:
        return self.store.examples.index_in_view(dataset_id, example_id, encoding=encoding,
                                        **self._filter_args(view, context_limit))

    def tags(self, dataset_id: str) -> list[str]:
        return self.store.datasets.dataset_tags(dataset_id)

    def get(self, example_id: str) -> dict | None:
        return self.store.examples.get_example(example_id)

    def can_undo(self) -> bool:
        return self.store.examples.edit_log_depth()[0] > 0

    def can_redo(self) -> bool:
        return self.store.examples.edit_log_depth()[1] > 0

    # ------------------------------------------------------------------ editing

    def _apply(self, action: str, changes_by_id: dict[str, dict]) -> list[str]:
        """Write each example's changes as a revision and log them as one undoable group."""
        entries, changed = [], []
        with self.store.transaction():
            for example_id, changes in changes_by_id.items():
                current = self.store.examples.get_example(example_id)
                if current is None:
                    raise KeyError(example_id)
                changes = {k: v for k, v in changes.items() if current.get(k) != v}
                if not changes:
                    continue
                if any(k in CONTENT_COLUMNS for k in changes):
                    changes.update(derived_columns({**current, **changes}))
                merged = self.store.examples.update_example(example_id, changes, action=action, author=self.author)
                entries.append({"example_id": example_id, "action": action,
                                "before_revision": current["revision"], "after_revision": merged["revision"]})
                changed.append(example_id)
            if entries:
                self.store.examples.log_edits(uuid.uuid4().hex, entries, author=self.author)
        return changed

    def set_status(self, example_ids: Sequence[str], status: str) -> list[str]:
        if status not in STATUSES:
            raise ValueError(f"status must be one of {', '.join(STATUSES)}, not {status!r}")
        return self._apply("status", {i: {"status": status} for i in example_ids})

    def change_tags(self, example_ids: Sequence[str], add: Iterable[str] = (), remove: Iterable[str] = ()) -> list[str]:
        add = [t.strip() for t in add if t.strip()]
        remove = {t.strip() for t in remove if t.strip()}
        changes = {}
        for example_id in example_ids:
            example = self.store.examples.get_example(example_id)
            if example is None:
                continue
            tags = [t for t in example["tags"] if t not in remove]
            tags += [t for t in add if t not in tags]
            changes[example_id] = {"tags": tags}
        return self._apply("tags", changes)

    def set_notes(self, example_id: str, notes: str) -> list[str]:
        return self._apply("notes", {example_id: {"notes": notes}})

    def save_messages(self, example_id: str, messages: list) -> list[str]:
        """Replace an example's conversation (edited text, roles, weights, turn order)."""
        return self._apply("edit", {example_id: {"messages": messages}})

    def delete(self, example_ids: Sequence[str]) -> list[str]:
        from store.db import now

        stamp = now()
        return self._apply("delete", {i: {"deleted_at": stamp} for i in example_ids})

    def restore(self, example_ids: Sequence[str]) -> list[str]:
        return self._apply("restore", {i: {"deleted_at": None} for i in example_ids})

    def create(self, dataset_id: str, messages: list | None = None, *, source: dict | None = None,
               action: str = "create") -> str:
        """A new draft example at the end of the dataset (a copy of `source` if given)."""
        base = dict(source or {"kind": "chat", "tools": None, "functions": None, "parallel_tool_calls": None,
                               "preferred_output": None, "non_preferred_output": None, "tags": [], "notes": ""})
        if messages is None:
            messages = [{"role": "system", "content": ""}, {"role": "user", "content": ""},
                        {"role": "assistant", "content": ""}]
        example_id = str(uuid.uuid4())
        row = {column: base.get(column) for column in EDITABLE_COLUMNS}
        row.update({"id": example_id, "dataset_id": dataset_id, "messages": messages, "status": "draft",
                    "deleted_at": None, "tags": list(base.get("tags") or []), "notes": base.get("notes") or "",
                    "kind": base.get("kind") or "chat"})
        row.update(derived_columns(row))
        with self.store.transaction():
            row["position"] = self.store.examples.next_position(dataset_id)
            self.store.examples.insert_examples([row], author=self.author)
            self.store.examples.log_edits(uuid.uuid4().hex, [{"example_id": example_id, "action": action,
                                                     "before_revision": None, "after_revision": 1}],
                                 author=self.author)
        return example_id

    def duplicate(self, example_id: str) -> str:
        source = self.store.examples.get_example(example_id)
        if source is None:
            raise KeyError(example_id)
        return self.create(source["dataset_id"], source["messages"], source=source, action="duplicate")

    # ------------------------------------------------------------------ undo / redo

    def _restore_revision(self, example_id: str, revision: int | None, action: str) -> None:
        current = self.store.examples.get_example(example_id)
        if current is None:
            return
        if revision is None:  # undoing a create: the example goes to the bin, restorable
            from store.db import now

            changes = {"deleted_at": now()}
        else:
            snapshot = self.store.examples.revision_snapshot(example_id, revision) or {}
            changes = {k: snapshot.get(k) for k in EDITABLE_COLUMNS if current.get(k) != snapshot.get(k)}
            if any(k in CONTENT_COLUMNS for k in changes):
                changes.update(derived_columns({**current, **changes}))
        self.store.examples.update_example(example_id, changes, action=action, author=self.author)

    def undo(self) -> UndoStep | None:
        """Revert the newest action (all examples of a bulk action at once)."""
        rows = self.store.examples.undo_group()
        if not rows:
            return None
        with self.store.transaction():
            for row in reversed(rows):
                self._restore_revision(row["example_id"], row["before_revision"], "undo")
            self.store.examples.set_group_state(rows[0]["group_id"], "undone")
        return UndoStep(rows[0]["action"], tuple(r["example_id"] for r in rows), "undo")

    def redo(self) -> UndoStep | None:
        """Re-apply the action undone last."""
        rows = self.store.examples.redo_group()
        if not rows:
            return None
        with self.store.transaction():
            for row in rows:
                self._restore_revision(row["example_id"], row["after_revision"], "redo")
            self.store.examples.set_group_state(rows[0]["group_id"], "done")
        return UndoStep(rows[0]["action"], tuple(r["example_id"] for r in rows), "redo")

    # ------------------------------------------------------------------ token counts

    def fill_token_counts(self, example_ids: Iterable[str]) -> int:
        """Count (every encoding) the examples whose content has no cached count yet.
        Loads tokenizers: run it in a worker. Returns how many were counted."""
        from workbench.budget import counting

        todo: dict[str, dict] = {}
        for example_id in example_ids:
            example = self.store.examples.get_example(example_id)
            if example is not None:
                todo[example["content_hash"]] = example
        if not todo:
            return 0
        rows = []
        for encoding in counting.ENCODINGS:
            known = self.store.examples.token_counts(todo, encoding)
            for digest, example in todo.items():
                if digest in known:
                    continue
                count = counting.count_all(record_from_example(example), (encoding,))[encoding]
                rows.append((digest, encoding, count.total, count.trained))
        self.store.examples.save_token_counts(rows)
        return len(rows)
