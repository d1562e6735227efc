"""Team snapshots on real files: export, inspect, merge both ways through the CLI, and
every hostile file refused with the store's bytes unchanged."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys

import pytest

from conftest import SAMPLE_DATA, chat, write_jsonl
from workbench.dataset.importer import import_file
from workbench.eval.rating import RatingRun
from workbench.snapshots.export import export_snapshot
from workbench.snapshots.merge import import_snapshot, inspect_snapshot, resolve_conflict
from workbench.snapshots.safety import SnapshotRefused, manifest_path
from workbench.workspace import open_store

WORKBENCH = [sys.executable, "-m", "workbench.cli"]
GOLDEN = SAMPLE_DATA / "golden"
CANDIDATE = "ft:gpt-4.1-mini-2025-04-14:aurora::aurora-v3"
BASELINE = "gpt-4.1-mini-2025-04-14"


def cli(db, *args) -> subprocess.CompletedProcess:
    return subprocess.run([*WORKBENCH, "--db", str(db), *map(str, args)], capture_output=True, text=True,
                          timeout=300, env=os.environ.copy())


def ok(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 0, result.stderr + result.stdout
    return result.stdout


def store_digest(path) -> str:
    """sha256 of the store file and its WAL: the bytes a refused import must not touch."""
    digest = hashlib.sha256()
    for suffix in ("", "-wal"):
        part = path.with_name(path.name + suffix)
        digest.update(part.read_bytes() if part.exists() else b"-")
    return digest.hexdigest()


def ratings_of(store) -> set[tuple]:
    return {(r["comparison_id"], r["rater"], r["outcome"], r["id"])
            for s in store.ratings.list_rating_sessions() for r in store.ratings.session_ratings(s["id"])}


def rate_all(db, rater: str, pick) -> None:
    """A rater works through the session in the app's way (RatingRun: one INSERT per key)."""
    store = open_store(db)
    run = RatingRun.open(store, "team", rater=rater)
    for pair in run.next_pairs(100):
        candidate_side = "left" if pair.candidate_left else "right"
        other_side = "right" if pair.candidate_left else "left"
        run.rate(pair, {"candidate": candidate_side, "baseline": other_side}.get(pick(pair), pick(pair)))
    store.close()


# ------------------------------------------------------------------ the "done when"


def test_two_raters_exchange_snapshots_and_agree_on_the_ratings(tmp_path):
    a, b = tmp_path / "alice.db", tmp_path / "bob.db"
    # Alice curates: the golden set, both models' answers, a session; Bob gets it as a snapshot.
    ok(cli(a, "golden", "import", GOLDEN / "aurora_golden.jsonl", "--set", "aurora-golden"))
    for name in ("answers_baseline.jsonl", "answers_candidate.jsonl"):
        ok(cli(a, "answers", "import", GOLDEN / name, "--set", "aurora-golden"))
    ok(cli(a, "rate", "new", "--set", "aurora-golden", "--candidate", CANDIDATE, "--baseline", BASELINE,
           "--target-n", "40", "--name", "team"))
    ok(cli(a, "snapshot", "export", tmp_path / "setup.db"))
    assert "comparisons" in ok(cli(b, "snapshot", "inspect", tmp_path / "setup.db"))
    ok(cli(b, "snapshot", "import", tmp_path / "setup.db"))

    # They rate separately: Alice always prefers the candidate; Bob mostly does, not always.
    rate_all(a, "alice", lambda pair: "candidate")
    rate_all(b, "bob", lambda pair: "candidate" if int(hashlib.sha256(pair.prompt_id.encode()).hexdigest(), 16) % 4
             else "baseline")

    ok(cli(a, "snapshot", "export", tmp_path / "alice.snap"))
    ok(cli(b, "snapshot", "export", tmp_path / "bob.snap"))
    to_alice = ok(cli(a, "snapshot", "import", tmp_path / "bob.snap"))
    to_bob = ok(cli(b, "snapshot", "import", tmp_path / "alice.snap"))
    assert "Krippendorff's alpha" in to_alice and "Krippendorff's alpha" in to_bob

    store_a, store_b = open_store(a), open_store(b)
    assert ratings_of(store_a) == ratings_of(store_b)
    assert {r[1] for r in ratings_of(store_a)} == {"alice", "bob"}
    report_a = json.loads(ok(cli(a, "rate", "report", "team", "--json")))
    report_b = json.loads(ok(cli(b, "rate", "report", "team", "--json")))
    assert report_a["agreement"] == report_b["agreement"]
    assert report_a["agreement"]["units"] >= 30 and report_a["agreement"]["alpha"] is not None
    store_a.close()
    store_b.close()

    # idempotent: the same snapshots again change nothing, to the byte
    before = store_digest(a)
    again = ok(cli(a, "snapshot", "import", tmp_path / "bob.snap"))
    assert "Nothing to change" in again
    assert store_digest(a) == before


# ------------------------------------------------------------------ what a snapshot never holds


@pytest.fixture
def sample(tmp_path):
    store = open_store(tmp_path / "mine.db", seed_sample=True)
    yield store
    store.close()


def test_snapshot_never_holds_api_keys(sample, tmp_path, monkeypatch):
    planted = "sk-proj-PLANTEDkey0123456789abcdefSNAPSHOT"
    monkeypatch.setenv("OPENAI_API_KEY", planted)
    try:
        import keyring

        keyring.set_password("ft-workbench-test", "openai", planted)
        in_keyring = keyring.get_password("ft-workbench-test", "openai") == planted
    except Exception:  # noqa: BLE001 - no keyring daemon here: the env var still stands
        in_keyring = False
    manifest = export_snapshot(sample, tmp_path / "keys.snap")
    data = (tmp_path / "keys.snap").read_bytes() + manifest_path(tmp_path / "keys.snap").read_bytes()
    assert planted.encode() not in data and b"sk-proj-" not in data
    assert manifest["row_counts"]["examples"] == 76
    if in_keyring:
        import keyring

        keyring.delete_password("ft-workbench-test", "openai")


def test_snapshot_never_holds_redacted_text(tmp_path):
    from workbench.pii import review

    store = open_store(tmp_path / "r.db")
    secret_name, secret_mail = "Quirinus Zebedaeus", "quirinus.zebedaeus@example.org"
    write_jsonl(tmp_path / "d.jsonl", [chat(f"I am {secret_name}, mail me at {secret_mail} about order AUR-7.")]
                + [chat(f"question {i}") for i in range(5)])
    import_file(store, tmp_path / "d.jsonl", "d")
    review.scan_dataset(store, "d")
    review.decide(store, "d", "redact", entity="EMAIL_ADDRESS")
    review.decide(store, "d", "redact", entity="PERSON")
    assert review.apply_redactions(store, "d")["examples"] == 1
    export_snapshot(store, tmp_path / "r.snap")
    data = (tmp_path / "r.snap").read_bytes()
    assert b"quirinus.zebedaeus" not in data and b"Zebedaeus" not in data.replace(b"\x00", b"")
    assert b"question 3" in data  # the rest is there
    store.close()


def test_subset_export_keeps_only_what_was_chosen(sample, tmp_path):
    import_file(sample, write_jsonl(tmp_path / "other.jsonl", [chat("other set")]), "other")
    manifest = export_snapshot(sample, tmp_path / "sub.snap", datasets=["other"])
    assert manifest["row_counts"]["examples"] == 1 and "golden_prompts" not in manifest["row_counts"]
    assert manifest["subset"] == {"datasets": ["other"], "golden_sets": []}
    other = open_store(tmp_path / "other.db")
    import_snapshot(other, tmp_path / "sub.snap")
    assert [d["name"] for d in other.datasets.list_datasets()] == ["other"]
    other.close()


# ------------------------------------------------------------------ merging examples


def _two_sides(tmp_path):
    mine = open_store(tmp_path / "mine.db")
    import_file(mine, write_jsonl(tmp_path / "d.jsonl", [chat(f"q{i}", f"a{i}") for i in range(3)]), "d")
    export_snapshot(mine, tmp_path / "base.snap")
    theirs = open_store(tmp_path / "theirs.db")
    import_snapshot(theirs, tmp_path / "base.snap")
    return mine, theirs


def _edit(store, position: int, note: str) -> str:
    dataset = store.datasets.get_dataset("d")
    example = next(e for e in store.examples.iter_examples(dataset["id"]) if e["position"] == position)
    store.examples.update_example(example["id"], {"notes": note})
    return example["id"]


def test_one_sided_edit_fast_forwards_and_both_sided_edit_is_a_conflict(tmp_path):
    mine, theirs = _two_sides(tmp_path)
    only_theirs = _edit(theirs, 1, "their note")
    both = _edit(theirs, 2, "their edit")
    _edit(mine, 2, "my edit")
    export_snapshot(theirs, tmp_path / "t.snap")

    preview = inspect_snapshot(mine, tmp_path / "t.snap").as_dict()
    assert preview["tables"]["examples"]["changed"] == 1 and preview["tables"]["examples"]["conflicting"] == 1
    assert mine.examples.get_example(only_theirs)["notes"] == ""  # a preview changes nothing

    report = import_snapshot(mine, tmp_path / "t.snap")
    assert mine.examples.get_example(only_theirs)["notes"] == "their note"
    assert mine.examples.get_example(both)["notes"] == "my edit"
    [conflict] = mine.snapshots.conflicts()
    assert report.conflicts[0]["resolved"] is None
    resolve_conflict(mine, conflict["id"], "theirs")
    assert mine.examples.get_example(both)["notes"] == "their edit"
    # revisions of both sides are kept; a second import changes nothing
    notes = {json.loads(r["snapshot"])["notes"] for r in mine.snapshots.revisions(both)}
    assert {"my edit", "their edit"} <= notes
    assert import_snapshot(mine, tmp_path / "t.snap").writes == 0
    # the other way round, theirs takes our resolution as newer
    export_snapshot(mine, tmp_path / "m.snap")
    import_snapshot(theirs, tmp_path / "m.snap")
    assert theirs.examples.get_example(both)["notes"] == "their edit" and not theirs.snapshots.conflicts()
    mine.close()
    theirs.close()


@pytest.mark.parametrize("choice", ["mine", "theirs", "both"])
def test_prefer_and_both(tmp_path, choice):
    mine, theirs = _two_sides(tmp_path)
    example = _edit(theirs, 1, "theirs")
    _edit(mine, 1, "mine")
    export_snapshot(theirs, tmp_path / "t.snap")
    if choice == "both":
        import_snapshot(mine, tmp_path / "t.snap")
        copy = resolve_conflict(mine, mine.snapshots.conflicts()[0]["id"], "both")["copy_id"]
        assert mine.examples.get_example(example)["notes"] == "mine"
        assert mine.examples.get_example(copy)["notes"] == "theirs"
    else:
        import_snapshot(mine, tmp_path / "t.snap", prefer=choice)
        assert mine.examples.get_example(example)["notes"] == choice and not mine.snapshots.conflicts()
    assert import_snapshot(mine, tmp_path / "t.snap").writes == 0
    mine.close()
    theirs.close()


def test_older_snapshot_is_migrated_in_a_copy(tmp_path):
    from store.db import connect
    from store.migrations import migrations

    old = tmp_path / "old.snap"
    db = connect(old)
    migrations.apply(db, stop_before="0005_gate_verdicts")
    stamp = "2026-01-01T00:00:00+00:00"
    db.execute("INSERT INTO datasets(id, name, created_at, updated_at) VALUES ('d-old', 'legacy', ?, ?)", [stamp, stamp])
    db.execute("PRAGMA journal_mode = DELETE")
    db.close()
    before = hashlib.sha256(old.read_bytes()).hexdigest()
    store = open_store(tmp_path / "s.db")
    report = import_snapshot(store, old)
    assert report.info.migrated_from == "0004_curation"
    assert store.datasets.get_dataset("legacy")["id"] == "d-old"
    assert hashlib.sha256(old.read_bytes()).hexdigest() == before  # the sender's file is untouched
    store.close()


# ------------------------------------------------------------------ hostile snapshots


def _tamper(path, *statements: str) -> None:
    manifest_path(path).unlink(missing_ok=True)
    conn = sqlite3.connect(path, isolation_level=None)
    for statement in statements:
        conn.execute(statement)
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.close()


def _truncated(path):
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _wrong_magic(path):
    path.write_bytes(b"PK\x03\x04 this is a zip, not a snapshot" + b"\x00" * 4000)


def _other_product(path):
    path.unlink()
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")
    conn.execute("INSERT INTO customers(name) VALUES ('Ada')")
    conn.commit()
    conn.close()


HOSTILE = {
    "truncated": (_truncated, "truncated"),
    "wrong magic": (_wrong_magic, "wrong magic"),
    "other product": (_other_product, "another program's database"),
    "future schema": (lambda p: _tamper(p, "INSERT INTO _sqlite_migrations(migration_set, name, applied_at) "
                                           "VALUES ('ft-workbench', '0099_future', '2030-01-01')"),
                      "needs schema migration '0099_future'"),
    "trigger": (lambda p: _tamper(p, "CREATE TRIGGER wipe AFTER INSERT ON ratings BEGIN DELETE FROM examples; END"),
                "trigger 'wipe'"),
    "view shadowing a table": (lambda p: _tamper(p, "DROP TABLE ratings",
                                                 "CREATE VIEW ratings AS SELECT * FROM comparison_sides"),
                               "view 'ratings'"),
    "unknown table": (lambda p: _tamper(p, "CREATE TABLE payload (x)"), "unknown table 'payload'"),
    "unknown column": (lambda p: _tamper(p, "ALTER TABLE examples ADD COLUMN payload TEXT"),
                       "its table 'examples' differs"),
    "changed trigger": (lambda p: _tamper(p, "DROP TRIGGER examples_fts_insert",
                                          "CREATE TRIGGER examples_fts_insert AFTER INSERT ON examples "
                                          "BEGIN DELETE FROM datasets; END"),
                        "differs from ft-workbench's own definition"),
    "edited after export": (lambda p: (sqlite3.connect(p).execute("UPDATE examples SET notes = 'x'").connection
                                       .commit()), "the file changed after export"),
}


@pytest.mark.parametrize("case", list(HOSTILE), ids=list(HOSTILE))
def test_hostile_snapshot_is_refused_and_the_store_unchanged(sample, tmp_path, case):
    spoil, message = HOSTILE[case]
    snap = tmp_path / "hostile.snap"
    export_snapshot(sample, snap)
    spoil(snap)
    other = open_store(tmp_path / "victim.db")
    import_file(other, write_jsonl(tmp_path / "v.jsonl", [chat("keep me")]), "victim")
    other.close()
    before = store_digest(tmp_path / "victim.db")
    result = cli(tmp_path / "victim.db", "snapshot", "import", snap)
    assert result.returncode == 1, result.stdout + result.stderr
    assert message in result.stderr and "Traceback" not in result.stderr
    assert store_digest(tmp_path / "victim.db") == before


def test_one_gigabyte_blob_is_refused_without_reading_it(sample, tmp_path):
    snap = tmp_path / "huge.snap"
    export_snapshot(sample, snap)
    # ~1 GB: SQLite's own limit for a whole row is 1,000,000,000 bytes
    _tamper(snap, "UPDATE examples SET notes = zeroblob(999000000) WHERE position = 1")
    before = store_digest(sample.path)
    with pytest.raises(SnapshotRefused, match=r"examples.notes holds a value of 999,000,000 bytes"):
        import_snapshot(sample, snap)
    assert store_digest(sample.path) == before
    snap.unlink()


def test_duplicate_uuids_with_other_content_merge_safely(sample, tmp_path):
    snap = tmp_path / "dup.snap"
    export_snapshot(sample, snap)
    example = next(sample.examples.iter_examples(sample.datasets.get_dataset("aurora-support")["id"]))
    # same UUID, other content, a history we never saw
    _tamper(snap, f"UPDATE examples SET messages = '[{{\"role\":\"user\",\"content\":\"forged\"}}]', revision = 9 "
                  f"WHERE id = '{example['id']}'",
            f"UPDATE example_revisions SET id = 'forged-rev', revision = 9 WHERE example_id = '{example['id']}'",
            "UPDATE audit_log SET details = '{\"forged\":true}'")
    report = import_snapshot(sample, snap)
    assert sample.examples.get_example(example["id"])["messages"] == example["messages"]
    assert report.tables["examples"].conflicting == 1 and report.conflicts[0]["resolved"] is None
    assert report.tables["audit_log"].conflicting >= 1
    assert all(e["details"] != {"forged": True} for e in sample.audit_entries())


def test_a_failing_merge_leaves_the_store_as_it_was(tmp_path):
    source = open_store(tmp_path / "src.db")
    import_file(source, write_jsonl(tmp_path / "d.jsonl", [chat("q")]), "d")
    from workbench.eval import golden
    from workbench.eval.rating import create_session

    golden.import_prompts(source, "g", GOLDEN / "aurora_golden.jsonl")
    golden.freeze(source, "g")
    for name in ("answers_baseline.jsonl", "answers_candidate.jsonl"):
        golden.import_answers(source, "g", GOLDEN / name)
    create_session(source, "g", CANDIDATE, BASELINE, target_n=40, name="team")
    rate_all(tmp_path / "src.db", "ann", lambda pair: "candidate")
    export_snapshot(source, tmp_path / "s.snap")
    source.close()
    # a rating whose comparison is missing: the merge gets as far as the ratings, then stops
    _tamper(tmp_path / "s.snap", "DELETE FROM comparisons WHERE rowid = 1")
    victim = open_store(tmp_path / "victim.db")
    before = store_digest(victim.path)
    with pytest.raises(Exception, match="nothing was changed"):
        import_snapshot(victim, tmp_path / "s.snap")
    assert store_digest(victim.path) == before
    assert victim.datasets.list_datasets() == []
    victim.close()


def test_snapshot_cli_refuses_to_overwrite_and_lists_conflicts(sample, tmp_path):
    ok(cli(sample.path, "snapshot", "export", tmp_path / "x.snap"))
    again = cli(sample.path, "snapshot", "export", tmp_path / "x.snap")
    assert again.returncode == 2 and "already exists" in again.stderr
    assert "No merge conflicts." in ok(cli(sample.path, "snapshot", "conflicts"))
    manifest = json.loads(manifest_path(tmp_path / "x.snap").read_text())
    assert manifest["sha256"] == hashlib.sha256((tmp_path / "x.snap").read_bytes()).hexdigest()
    assert {"author", "created_at", "workspace_id", "schema_version", "row_counts"} <= set(manifest)
    shutil.rmtree(tmp_path / "home", ignore_errors=True)
