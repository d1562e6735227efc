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
from workbench.errors import InvalidRequest

from workbench.dataset import STATUSES
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
    counts = counting.count_all(record, tuple(encodings or counting.ENCODINGS), small=True)
    return Preflight(check_record(record), {name: (c.total, c.trained) for name, c in counts.items()})


def quick_findings(example: dict, messages: list) -> list[Finding]:
    """Findings only (no tokenizer)."""
    return check_record(record_from_example({**example, "messages": messages}))


#: Up to this many examples to count after an edit, the Python encoder counts them (no
#: tiktoken encoder built in the app); more, and tiktoken's is built once and counts faster.
SMALL_COUNT = 50

#: Actions undo never reverts (see Curation.apply_final).
FINAL_ACTIONS = ("redact",)


class RedactionIsFinal(InvalidRequest):
    """Undo reached a redaction: personal data removed for good cannot come back."""


@dataclass(frozen=True)
class UndoStep:
    """What an undo or redo did: which action, on which examples, and what changed
    (``changes``: one "#24 rejected → draft" line per example, in dataset order)."""

    action: str
    example_ids: tuple[str, ...]
    direction: str  # undo | redo
    changes: tuple[str, ...] = ()

    def describe(self) -> str:
        verb = "Undid" if self.direction == "undo" else "Redid"
        if self.changes:
            shown = ", ".join(self.changes[:3])
            more = f" and {len(self.changes) - 3} more" if len(self.changes) > 3 else ""
            return f"{verb}: {shown}{more}"
        n = len(self.example_ids)
        what = f"{n} examples" if n > 1 else "1 example"
        return f"{verb} {self.action} of {what}"


class ExampleChanged(InvalidRequest):
    """An example changed since the copy an edit started from (another session, a
    redaction): the edit was not written, so it cannot silently undo that change."""

    def __init__(self, example: dict, expected_revision: int):
        super().__init__(f"Example #{example.get('position')} changed since it was opened (revision "
                         f"{expected_revision} -> {example['revision']}); the edit was not saved.",
                         "Review the change and re-apply the edit.")
        self.example = example
        self.expected_revision = expected_revision


def changed_turns(before: list, after: list) -> list[int]:
    """Indexes of the messages that differ between two versions of a conversation."""
    return [i for i in range(max(len(before), len(after)))
            if i >= len(before) or i >= len(after) or before[i] != after[i]]


def reapply(base: list, mine: list, theirs: list) -> list:
    """My edit (base -> mine) applied on top of their change (base -> theirs): the turns I
    changed take my text, the others keep theirs. When I added or removed turns, the
    turns cannot be matched, so my whole conversation is the result."""
    if not (len(base) == len(mine) == len(theirs)):
        return [dict(m) for m in mine]
    mine_changed = set(changed_turns(base, mine))
    return [dict(mine[i]) if i in mine_changed else dict(theirs[i]) for i in range(len(base))]


def change_summary(position: int, before: dict, after: dict) -> str:
    """One line saying how an example went from `before` to `after` (two snapshots):
    "#24 rejected → draft", "#3 tags a → a, b", "#7 messages edited"."""
    parts = []
    if before.get("deleted_at") != after.get("deleted_at"):
        parts.append("deleted" if after.get("deleted_at") else "restored")
    if before.get("status") != after.get("status"):
        parts.append(f"{before.get('status')} → {after.get('status')}")
    if before.get("tags") != after.get("tags"):
        parts.append(f"tags {', '.join(before.get('tags') or []) or '-'} → {', '.join(after.get('tags') or []) or '-'}")
    if before.get("notes") != after.get("notes"):
        parts.append("notes changed")
    if any(before.get(k) != after.get(k) for k in CONTENT_COLUMNS):
        parts.append("messages edited")
    return f"#{position} " + ("; ".join(parts) or "unchanged")


#: An edit of an approved example's content sends it back to draft: what was approved
#: is no longer what would be exported, so it needs review again (docs/curation.md).
REVIEW_AGAIN_STATUS = "draft"


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

    def count(self, dataset_id: str, view: ExampleView, *, encoding: str, context_limit: int | None = None,
              cap: int | None = None) -> int:
        """Examples in the view; with `cap`, cap + 1 means "more than cap" (a few ms at any size)."""
        return self.store.examples.count_filtered(dataset_id, encoding=encoding, cap=cap,
                                                  **self._filter_args(view, context_limit))

    def index_of(self, dataset_id: str, example_id: str, view: ExampleView, *, encoding: str,
                 context_limit: int | None = None) -> int | None:
        return self.store.examples.index_in_view(dataset_id, example_id, encoding=encoding,
                                        **self._filter_args(view, context_limit))

    def tags(self, dataset_id: str) -> list[str]:
        return self.store.datasets.dataset_tags(dataset_id)

    def get(self, example_id: str) -> dict | None:
        return self.store.examples.get_example(example_id)

    def can_undo(self, dataset_id: str | None = None) -> bool:
        return self.store.examples.edit_log_depth(dataset_id)[0] > 0

    def can_redo(self, dataset_id: str | None = None) -> bool:
        return self.store.examples.edit_log_depth(dataset_id)[1] > 0

    # ------------------------------------------------------------------ editing

    def _apply(self, action: str, changes_by_id: dict[str, dict],
               expected: dict[str, int] | None = None) -> list[str]:
        """Write each example's changes as a revision and log them as one undoable group.
        `expected`: the revision each edit started from; a newer one refuses the write
        (checked inside the write transaction, so nothing can slip in between)."""
        entries, changed = [], []
        with self.store.transaction():
            for example_id, changes in changes_by_id.items():
                current = self.store.examples.get_example(example_id)
                if current is None:
                    raise KeyError(example_id)
                if expected and expected.get(example_id) not in (None, current["revision"]):
                    raise ExampleChanged(current, expected[example_id])
                changes = {k: v for k, v in changes.items() if current.get(k) != v}
                if not changes:
                    continue
                if any(k in CONTENT_COLUMNS for k in changes):
                    changes.update(derived_columns({**current, **changes}))
                    if current["status"] == "approved" and "status" not in changes:
                        changes["status"] = REVIEW_AGAIN_STATUS
                merged = self.store.examples.update_example(example_id, changes, action=action, author=self.author)
                entries.append({"example_id": example_id, "action": action,
                                "before_revision": current["revision"], "after_revision": merged["revision"]})
                changed.append(example_id)
            if entries:
                self.store.examples.log_edits(uuid.uuid4().hex, entries, author=self.author)
        return changed

    def apply_final(self, action: str, changes_by_id: dict[str, dict]) -> int:
        """Write changes that must never be undone (a redaction): each becomes a revision,
        every older revision of those examples is purged (they hold the removed text),
        their undo history is forgotten, and the action is logged as a barrier that undo
        stops at with a clear message. Returns how many revisions were purged."""
        entries, purged = [], 0
        with self.store.transaction():
            for example_id, changes in changes_by_id.items():
                current = self.store.examples.get_example(example_id)
                if current is None:
                    raise KeyError(example_id)
                if any(k in CONTENT_COLUMNS for k in changes):
                    changes = {**changes, **derived_columns({**current, **changes})}
                merged = self.store.examples.update_example(example_id, changes, action=action, author=self.author)
                purged += self.store.pii.purge_revisions_before(example_id, merged["revision"])
                self.store.examples.forget_edits(example_id)
                entries.append({"example_id": example_id, "action": action,
                                "before_revision": merged["revision"], "after_revision": merged["revision"]})
            if entries:
                self.store.examples.log_edits(uuid.uuid4().hex, entries, author=self.author)
        return purged

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

    def set_notes(self, example_id: str, notes: str, expected_revision: int | None = None) -> list[str]:
        return self._apply("notes", {example_id: {"notes": notes}}, {example_id: expected_revision})

    def save_messages(self, example_id: str, messages: list, expected_revision: int | None = None) -> list[str]:
        """Replace an example's conversation (edited text, roles, weights, turn order).
        With `expected_revision` (the revision the edit started from), raises
        ExampleChanged instead of writing over a change made meanwhile."""
        return self._apply("edit", {example_id: {"messages": messages}}, {example_id: expected_revision})

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

    def _step(self, rows: list[dict], direction: str) -> UndoStep:
        """Describe an undo/redo of these edit_log rows (read before they are applied)."""
        lines = []
        for row in rows:
            example = self.store.examples.get_example(row["example_id"]) or {}
            before = self.store.examples.revision_snapshot(row["example_id"], row["before_revision"]) \
                if row["before_revision"] is not None else {"deleted_at": "(new)"}
            after = self.store.examples.revision_snapshot(row["example_id"], row["after_revision"]) or {}
            old, new = (after, before or {}) if direction == "undo" else (before or {}, after)
            if row["before_revision"] is None:  # a created example: undo bins it, redo brings it back
                old, new = ({}, {"deleted_at": "x"}) if direction == "undo" else ({"deleted_at": "x"}, {})
            lines.append((example.get("position", 0), change_summary(example.get("position", 0), old, new)))
        return UndoStep(rows[0]["action"], tuple(r["example_id"] for r in rows), direction,
                        tuple(line for _, line in sorted(lines)))

    def undo(self, dataset_id: str | None = None) -> UndoStep | None:
        """Revert the newest action (all examples of a bulk action at once), within one
        dataset when given: the screen passes the dataset on screen, so an undo never
        changes examples the user cannot see."""
        rows = self.store.examples.undo_group(dataset_id)
        if not rows:
            return None
        if rows[0]["action"] in FINAL_ACTIONS:
            n = len(rows)
            raise RedactionIsFinal(
                f"The newest change is a redaction of {n} example{'s' if n > 1 else ''}; it is final: the personal "
                "data it removed is gone for good, with the older revisions, so nothing before it can be undone.")
        step = self._step(rows, "undo")
        with self.store.transaction():
            for row in reversed(rows):
                self._restore_revision(row["example_id"], row["before_revision"], "undo")
            self.store.examples.set_group_state(rows[0]["group_id"], "undone")
        return step

    def redo(self, dataset_id: str | None = None) -> UndoStep | None:
        """Re-apply the action undone last (within one dataset when given)."""
        rows = self.store.examples.redo_group(dataset_id)
        if not rows:
            return None
        step = self._step(rows, "redo")
        with self.store.transaction():
            for row in rows:
                self._restore_revision(row["example_id"], row["after_revision"], "redo")
            self.store.examples.set_group_state(rows[0]["group_id"], "done")
        return step

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
        small = len(todo) <= SMALL_COUNT  # an edit or two: no Rust encoder to build (see count_all)
        for encoding in counting.ENCODINGS:
            known = self.store.examples.token_counts(todo, encoding)
            for digest, example in todo.items():
                if digest in known:
                    continue
                count = counting.count_all(record_from_example(example), (encoding,), small=small)[encoding]
                rows.append((digest, encoding, count.total, count.trained))
        self.store.examples.save_token_counts(rows)
        return len(rows)


# ------------------------------------------------------------------ reads the screens need
# Front ends ask the feature, never the store's query objects directly.

def list_datasets(store: Store) -> list[dict]:
    """Every live dataset with its example counts by status."""
    return store.datasets.list_datasets()


def find_dataset(store: Store, name_or_id: str) -> dict | None:
    return store.datasets.get_dataset(name_or_id)


def first_dataset(store: Store) -> dict | None:
    return store.datasets.first_dataset()


def get_example(store: Store, example_id: str) -> dict | None:
    return store.examples.get_example(example_id)


def count_live(store: Store, dataset_id: str) -> int:
    """Live (not deleted) examples of a dataset."""
    return store.examples.count_examples(dataset_id)
