"""What `workbench doctor` checks, each as a named result with a way out:

* integrity: SQLite's quick_check (page structure, records) and foreign keys;
* content hashes: every example's text still hashes to the content hash it was
  reviewed and exported under (a changed byte in the file shows up here);
* pending scrub: a redaction or purge whose scrub did not complete (it is retried);
* leftovers: imports that started and never finished (a killed run's staging data);
* personal-data copies: dataset versions and golden sets frozen before a redaction,
  and a value-hash key still kept inside the file by an older version.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from store import Store
from workbench.chat import format as chatformat
from workbench.chat.records import record_from_example
from workbench.pii import review


@dataclass
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""

    def to_dict(self) -> dict:
        return asdict(self)


def examine(store: Store) -> list[Check]:
    """Every check, in order; later checks are skipped when the file is damaged (reading
    a damaged file can report anything)."""
    checks = [_integrity(store)]
    if not checks[0].ok:
        return checks
    return checks + [_foreign_keys(store), _content_hashes(store), _pending_scrub(store),
                     _unfinished_imports(store), _key_in_file(store), *_copies_before_redaction(store)]


def _integrity(store: Store) -> Check:
    problems = store.integrity_problems(limit=10)
    if not problems:
        return Check("integrity", True, "quick_check: ok")
    return Check("integrity", False, "quick_check: " + "; ".join(problems),
                 "Restore the store from a good copy (a snapshot or backup); do not write to this one.")


def _foreign_keys(store: Store) -> Check:
    problems = store.doctor.foreign_key_problems()
    if not problems:
        return Check("references", True, "every row points at a row that exists")
    shown = ", ".join(f"{p['table']} row {p['rowid']} -> {p['parent']}" for p in problems[:5])
    return Check("references", False, f"{len(problems)} rows point at missing rows ({shown})",
                 "Restore the store from a good copy.")


def _content_hashes(store: Store) -> Check:
    bad = []
    for dataset in store.datasets.list_datasets():
        for example in store.examples.iter_examples(dataset["id"], include_deleted=True):
            if chatformat.content_hash(record_from_example(example)) != example["content_hash"]:
                bad.append(f"{dataset['name']} #{example['position']}")
    if not bad:
        return Check("content hashes", True, "every example matches its content hash")
    more = f" and {len(bad) - 10} more" if len(bad) > 10 else ""
    return Check("content hashes", False, f"{len(bad)} examples changed outside the workbench: "
                 f"{', '.join(bad[:10])}{more}", "Restore them from a good copy, or open and save each one.")


def _pending_scrub(store: Store) -> Check:
    if not review.scrub_pending(store):
        return Check("pending scrub", True, "no redaction or purge is waiting to be wiped from the file")
    if review.run_pending_scrub(store):
        return Check("pending scrub", True, "a redaction's scrub was pending; it has now completed")
    return Check("pending scrub", False, "removed values are still in the file: another program holds a read "
                 "on the store", "Close the other workbench sessions; the scrub runs when the store is next opened.")


def _unfinished_imports(store: Store) -> Check:
    rows = store.doctor.unfinished_imports()
    if not rows:
        return Check("leftovers", True, "no unfinished imports")
    shown = ", ".join(f"{r['source_path']} into {r['dataset']} ({r['started_at'][:19]})" for r in rows[:5])
    return Check("leftovers", False, f"{len(rows)} imports never finished: {shown}",
                 "Import those files again; the unfinished rows hold no examples.")


def _key_in_file(store: Store) -> Check:
    if store.get_setting(review.KEY_SETTING):
        return Check("value-hash key", False, "the key of the personal-data hashes is stored in this file, so "
                     "anyone with the file can test guesses against them",
                     "Run a personal-data scan with the OS keyring available: the key moves there.")
    return Check("value-hash key", True, "kept outside the file")


def _copies_before_redaction(store: Store) -> list[Check]:
    checks = []
    for dataset in store.datasets.list_datasets():
        stamp = store.pii.last_redaction(dataset["id"])
        copies = store.pii.copies_made_before(dataset["id"], stamp) if stamp else []
        if copies:
            names = ", ".join(f"version {c['name']}" if c["kind"] == "version" else f"golden set {c['name']!r}"
                              for c in copies)
            checks.append(Check(f"copies of {dataset['name']}", False,
                                f"frozen before its last redaction, these still hold the old text: {names}",
                                "Purge them (workbench purge version / golden) if the old values must go."))
    return checks
