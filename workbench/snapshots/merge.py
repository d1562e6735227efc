"""Merging a checked snapshot into the store, by UUID, in one transaction.

Rules, table by table in foreign-key order (parents first):
- a row whose key is new here is added; one equal to ours is left alone;
- a row with our key but other content is a conflict, and ours is kept (ratings, audit
  entries, gate verdicts: the first recorded wins), except examples, below;
- a row that clashes with one of ours on a second unique key (a dataset or golden set
  of the same name, the same rater on the same comparison, the same prompt in a session)
  is taken to be ours: their id is mapped to ours for the rows that point at it;
  a dataset or golden-set version with the same number but other content is added
  under the next free number;
- examples follow their revisions: if they have seen our current revision, theirs is
  newer and replaces ours (their newer revisions are added); if we have seen theirs,
  ours is kept; otherwise both sides edited it: a conflict, resolved at once with
  `prefer` (mine / theirs) or recorded for a person to decide (mine / theirs / both);
- revisions and audit entries from both sides are kept; an example redacted here takes
  none of their older history (it could hold the removed text).

Everything runs in one store transaction: an error or a kill leaves the store as it
was. A preview runs the same merge and rolls it back. Importing the same snapshot
twice changes nothing the second time.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from store import Store, StoreError
from store.examples import EDITABLE_COLUMNS
from workbench.errors import DataRefused, InvalidRequest
from workbench.snapshots.export import LOCAL_TABLES, author
from workbench.snapshots.safety import MAX_VALUE_BYTES, SnapshotInfo, open_checked

#: Tables that never merge: this machine's own (settings, undo stack, outbox, ...), the
#: models catalogue (local prices and limits) and what SQLite or the search index own.
SKIPPED = set(LOCAL_TABLES) | {"models", "_sqlite_migrations", "examples_fts"}
#: Version tables: (number column, scope columns, columns that identify the content).
RENUMBERED = {"dataset_versions": ("number", ("dataset_id",), ("train_sha256", "validation_sha256")),
              "golden_set_versions": ("number", ("golden_set_id",), ("sha256",))}
#: Columns a merge of "theirs" copies onto our example (what an edit changes).
EXAMPLE_CONTENT = (*EDITABLE_COLUMNS, "content_hash", "language", "turns", "findings", "errors", "warnings")
IGNORED_IN_COMPARISON = ("updated_at",)
PREFERENCES = ("mine", "theirs")
CHOICES = ("mine", "theirs", "both")


class SnapshotMergeError(DataRefused):
    """The merge stopped; the store is as it was."""


class _Preview(Exception):
    """Raised inside the transaction to roll a preview back."""


@dataclass
class TableChanges:
    new: int = 0
    changed: int = 0
    conflicting: int = 0
    unchanged: int = 0

    def total(self) -> int:
        return self.new + self.changed + self.conflicting + self.unchanged


@dataclass
class MergeReport:
    """What an import did (or, for a preview, would do)."""

    info: SnapshotInfo
    applied: bool
    tables: dict[str, TableChanges] = field(default_factory=lambda: defaultdict(TableChanges))
    conflicts: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    agreement: list[dict] = field(default_factory=list)
    writes: int = 0

    def as_dict(self) -> dict:
        return {"file": str(self.info.path), "sha256": self.info.sha256, "manifest": self.info.manifest,
                "migrated_from": self.info.migrated_from, "applied": self.applied,
                "tables": {t: vars(c) for t, c in sorted(self.tables.items()) if c.total()},
                "conflicts": self.conflicts, "notes": self.notes, "agreement": self.agreement,
                "changes": self.writes}


def table_order(store: Store) -> list[str]:
    """Our tables, parents before children."""
    tables = [t for t in store.snapshots.table_names() if t not in SKIPPED and not t.startswith("examples_fts")]
    parents = {t: {p for _c, p in store.snapshots.foreign_keys(t) if p != t and p in tables} for t in tables}
    ordered: list[str] = []
    while len(ordered) < len(tables):
        ready = sorted(t for t in tables if t not in ordered and parents[t] <= set(ordered))
        if not ready:  # a cycle: never in our schema, but do not loop forever
            ready = sorted(t for t in tables if t not in ordered)
        ordered.extend(ready)
    return ordered


def _same(mine: dict, theirs: dict, skip: tuple[str, ...] = ()) -> bool:
    return all(mine.get(c) == v for c, v in theirs.items() if c not in skip and c not in IGNORED_IN_COMPARISON)


class _Merger:
    def __init__(self, store: Store, reader, report: MergeReport, prefer: str | None, source: str):
        self.store, self.reader, self.report, self.prefer, self.source = store, reader, report, prefer, source
        self.q = store.snapshots
        self.idmap: dict[str, dict[str, str]] = defaultdict(dict)
        self.actor = author(store)

    def run(self) -> None:
        revisions: dict[str, list[dict]] = defaultdict(list)
        for row in self.reader.rows("example_revisions"):
            revisions[row["example_id"]].append(row)
        for table in table_order(self.store):
            if table == "example_revisions":
                continue  # merged with their examples
            fks = self.q.foreign_keys(table)
            pk, uniques = self.q.primary_key(table), self.q.unique_keys(table)
            for row in self.reader.rows(table):
                for column, parent in fks:
                    if row.get(column) in self.idmap[parent]:
                        row[column] = self.idmap[parent][row[column]]
                if table == "examples":
                    self.example(row, sorted(revisions.get(row["id"], []), key=lambda r: r["revision"]))
                else:
                    self.row(table, row, pk, uniques)

    def count(self, table: str, what: str) -> None:
        setattr(self.report.tables[table], what, getattr(self.report.tables[table], what) + 1)

    def insert(self, table: str, row: dict) -> None:
        self.q.insert(table, row)
        self.report.writes += 1

    # ------------------------------------------------------------------ any table

    def row(self, table: str, row: dict, pk: list[str], uniques: list[list[str]]) -> None:
        mine = self.q.find(table, pk, [row[c] for c in pk])
        if mine is not None:
            if _same(mine, row):
                self.count(table, "unchanged")
            else:
                self.count(table, "conflicting")
                self.note(f"{table} {self._key(row, pk)}: differs here and in the snapshot; kept ours.")
            return
        clash = next((c for c in (self.q.find(table, key, [row.get(k) for k in key]) for key in uniques) if c), None)
        if clash is None:
            self.insert(table, row)
            self.count(table, "new")
            return
        if table in RENUMBERED:
            number, scope, content = RENUMBERED[table]
            if all(clash.get(c) == row.get(c) for c in content):
                self.idmap[table][row["id"]] = clash["id"]
                self.count(table, "unchanged")
                return
            old = row[number]
            row[number] = self.q.max_number(table, number, {s: row[s] for s in scope}) + 1
            self.insert(table, row)
            self.count(table, "new")
            self.note(f"{table}: their version {old} differs from ours; added as version {row[number]}.")
            return
        if pk == ["id"]:
            self.idmap[table][row["id"]] = clash["id"]
            same = _same(clash, row, skip=("id", "created_at"))
            self.count(table, "unchanged" if same else "conflicting")
            if not same:
                self.note(f"{table} {self._key(row, pk)}: the same as our {clash['id'][:8]} by its unique key "
                          f"but different; kept ours.")
            return
        self.count(table, "conflicting")
        self.note(f"{table} {self._key(row, pk)}: clashes with one of ours; kept ours.")

    @staticmethod
    def _key(row: dict, pk: list[str]) -> str:
        return "/".join(str(row[c])[:8] for c in pk)

    def note(self, text: str) -> None:
        if len(self.report.notes) < 200:
            self.report.notes.append(text)

    # ------------------------------------------------------------------ examples

    def example(self, row: dict, revisions: list[dict]) -> None:
        mine = self.q.find("examples", ["id"], [row["id"]])
        if mine is None:
            self.insert("examples", row)
            for revision in revisions:
                self.insert("example_revisions", revision)
            self.count("examples", "new")
            return
        if _same(mine, {c: row.get(c) for c in EDITABLE_COLUMNS}):
            self.count("examples", "unchanged")
            return
        ours = self.q.revisions(row["id"])
        our_ids, their_ids = {r["id"] for r in ours}, {r["id"] for r in revisions}
        our_current = next((r["id"] for r in ours if r["revision"] == mine["revision"]), None)
        their_current = next((r["id"] for r in revisions if r["revision"] == row["revision"]), None)
        if their_current is not None and their_current in our_ids:
            self.count("examples", "unchanged")  # we have seen theirs: ours is newer
        elif our_current is not None and our_current in their_ids:
            self.fast_forward(mine, row, revisions, our_ids)
            self.count("examples", "changed")
        else:
            self.conflict(row, revisions, their_current or f"rev{row['revision']}")
            self.count("examples", "conflicting")

    def fast_forward(self, mine: dict, row: dict, revisions: list[dict], our_ids: set[str]) -> None:
        for revision in revisions:
            if revision["id"] in our_ids or revision["revision"] <= mine["revision"]:
                continue  # history we have, or older than our current state
            if self.q.find("example_revisions", ["example_id", "revision"], [row["id"], revision["revision"]]):
                revision = {**revision, "revision": self.q.max_number(
                    "example_revisions", "revision", {"example_id": row["id"]}) + 1}
            self.insert("example_revisions", revision)
        self.q.update("examples", {"id": row["id"]},
                      {c: v for c, v in row.items() if c not in ("id", "created_at")})
        self.report.writes += 1

    def conflict(self, row: dict, revisions: list[dict], their_revision: str) -> None:
        theirs = {"row": row, "revisions": revisions}
        entry = {"example_id": row["id"], "their_revision_id": their_revision}
        if self.prefer:
            apply_choice(self.store, row["id"], theirs, self.prefer, self.actor)
            self.report.writes += 1
            entry["resolved"] = self.prefer
        elif self.q.add_conflict(row["id"], their_revision, theirs, self.source):
            self.report.writes += 1
            entry["resolved"] = None
        else:
            entry["resolved"] = None
            entry["already_pending"] = True
        self.report.conflicts.append(entry)


def apply_choice(store: Store, example_id: str, theirs: dict, choice: str, actor: str | None) -> str | None:
    """Settle an example edited on both sides: keep ours, take theirs, or keep both (theirs
    becomes a new example next to ours). Their revisions join the history either way,
    unless the example was redacted here. Returns the id of the copy for "both"."""
    if choice not in CHOICES:
        raise InvalidRequest(f"Choose one of {', '.join(CHOICES)}, not {choice!r}.")
    q = store.snapshots
    ours = q.revisions(example_id)
    if not any(r["action"] == "redact" for r in ours):
        our_ids = {r["id"] for r in ours}
        for revision in theirs["revisions"]:
            if revision["id"] not in our_ids:
                q.insert("example_revisions", {**revision, "revision": q.max_number(
                    "example_revisions", "revision", {"example_id": example_id}) + 1})
    row = theirs["row"]
    if choice == "theirs":
        q.update("examples", {"id": example_id}, {c: row[c] for c in EXAMPLE_CONTENT if c in row})
    q.write_revision(example_id, "merge", actor)
    if choice != "both":
        return None
    copy_id = q.derived_id("copy", example_id, str(row.get("revision")), row.get("content_hash") or "")
    if q.find("examples", ["id"], [copy_id]) is None:
        from store.db import now

        mine = q.find("examples", ["id"], [example_id])
        stamp = now()
        q.insert("examples", {**row, "id": copy_id, "dataset_id": mine["dataset_id"],
                              "position": q.next_position(mine["dataset_id"]), "revision": 0,
                              "created_at": stamp, "updated_at": stamp})
        q.write_revision(copy_id, "merge_copy", actor)
    return copy_id


def _agreement(store: Store) -> list[dict]:
    """Krippendorff's alpha per rating session where two or more raters' ratings meet."""
    from workbench.eval import stats
    from workbench.eval.rating import AUTO_RATER, session_votes

    rows = []
    for session in store.ratings.list_rating_sessions():
        votes = [v for v in session_votes(store, session) if v.rater != AUTO_RATER]
        raters = sorted({v.rater for v in votes})
        if len(raters) < 2:
            continue
        agreement = stats.rater_agreement(votes)
        rows.append({"session": session["name"], "raters": raters, "units": agreement.units,
                     "alpha": agreement.alpha, "low_agreement": agreement.warning})
    return rows


def import_snapshot(store: Store, path: Path | str, *, prefer: str | None = None, preview: bool = False,
                    max_value_bytes: int = MAX_VALUE_BYTES) -> MergeReport:
    """Check the file, then merge it (or, with ``preview``, say what merging would do)."""
    if prefer is not None and prefer not in PREFERENCES:
        raise InvalidRequest(f"prefer must be one of {', '.join(PREFERENCES)}, not {prefer!r}.")
    with open_checked(path, max_value_bytes) as (reader, info):
        report = MergeReport(info, applied=not preview)
        manifest = info.manifest
        source = f"{manifest.get('author', '?')}@{str(manifest.get('workspace_id', '?'))[:8]}"
        try:
            with store.transaction():
                _Merger(store, reader, report, prefer, source).run()
                if report.writes:
                    store.audit("snapshot_import", "snapshot", info.sha256[:16],
                                {"file": Path(path).name, "from": source, "prefer": prefer,
                                 "tables": {t: vars(c) for t, c in report.tables.items() if c.new or c.changed
                                            or c.conflicting},
                                 "conflicts": len(report.conflicts)}, actor=author(store))
                report.agreement = _agreement(store)
                if preview:
                    raise _Preview
        except _Preview:
            pass
        except StoreError as exc:
            raise SnapshotMergeError(f"{path}: the merge stopped ({exc}); nothing was changed.",
                                     "The snapshot is inconsistent; ask the sender for a new one.") from exc
        except (KeyError, TypeError, ValueError) as exc:
            raise SnapshotMergeError(f"{path}: a row could not be read ({exc!r}); nothing was changed.",
                                     "The snapshot is inconsistent; ask the sender for a new one.") from exc
    return report


def inspect_snapshot(store: Store, path: Path | str, max_value_bytes: int = MAX_VALUE_BYTES) -> MergeReport:
    """The checks, the manifest and a preview of the merge; the store is not changed."""
    return import_snapshot(store, path, preview=True, max_value_bytes=max_value_bytes)


def pending_conflicts(store: Store) -> list[dict]:
    return store.snapshots.conflicts("pending")


def resolve_conflict(store: Store, conflict_id: str, choice: str) -> dict:
    """Settle one recorded conflict with mine / theirs / both."""
    conflict = store.snapshots.conflict(conflict_id)
    if conflict is None:
        raise InvalidRequest(f"No merge conflict {conflict_id!r}.", "`snapshot conflicts` lists them.")
    if conflict["status"] != "pending":
        raise InvalidRequest(f"Conflict {conflict['id'][:8]} was already settled ({conflict['status']}).")
    with store.transaction():
        copy_id = apply_choice(store, conflict["example_id"], conflict["theirs"], choice, author(store))
        store.snapshots.set_conflict_status(conflict["id"], choice)
        store.audit("merge_resolve", "example", conflict["example_id"], {"choice": choice, "copy": copy_id},
                    actor=author(store))
    return {**conflict, "status": choice, "copy_id": copy_id}
