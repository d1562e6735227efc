"""Issue 14 item 3: `pii scan` of an unchanged dataset answers from indexed lookups
(triggers keep the due examples, migration 0016), without building the analyzer or
fetching the hash key, and stays exact: every way an example changes makes it due."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

from conftest import ROOT, chat, many_chats, write_jsonl
from store import Store
from workbench.dataset.curation import Curation, derived_columns
from workbench.dataset.importer import import_file
from workbench.pii import review

MAIL = "Mail me at noor.smit@example.nl please."


def _dataset(store, tmp_path, records=None, name="d"):
    records = records if records is not None else many_chats(5) + [chat(MAIL, "Will do.")]
    import_file(store, write_jsonl(tmp_path / f"{name}.jsonl", records), name)
    return store.datasets.get_dataset(name)


def _examples(store, dataset):
    return sorted(store.examples.iter_examples(dataset["id"], include_deleted=True), key=lambda e: e["position"])


def _settled(store, tmp_path):
    """A dataset scanned once: nothing left to scan."""
    dataset = _dataset(store, tmp_path)
    assert review.scan_dataset(store, "d").scanned == 6
    assert review.scan_dataset(store, "d").scanned == 0
    return dataset


_PROBE = """
import json, sys
from store import Store
from workbench.pii import review, secret
from workbench.pii.names import name_lexicon
store = Store(sys.argv[1])
result = review.scan_dataset(store, "d")
print(json.dumps({"scanned": result.scanned, "engine": result.engine,
                  "analyzer_built": name_lexicon.cache_info().currsize > 0,
                  "key_fetched": secret._cached is not None}))
store.close()
"""


def _scan_in_fresh_process(path: Path) -> dict:
    done = subprocess.run([sys.executable, "-c", _PROBE, str(path)], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_unchanged_dataset_builds_no_analyzer_and_fetches_no_key(store, tmp_path):
    _settled(store, tmp_path)
    probe = _scan_in_fresh_process(store.path)
    assert probe == {"scanned": 0, "engine": review.engine_description(store),
                     "analyzer_built": False, "key_fetched": False}
    # and as soon as one example is due, the scan builds both
    dataset = store.datasets.get_dataset("d")
    Curation(store).set_notes(_examples(store, dataset)[0]["id"], "call Noor back")
    probe = _scan_in_fresh_process(store.path)
    assert probe["scanned"] == 1 and probe["analyzer_built"] and probe["key_fetched"]


def test_engine_id_without_building_matches_the_built_analyzer(store):
    assert review.engine_id(store) == review.analyzer_for(store).engine_id
    store.set_setting(review.DENY_SETTING, ["Noor Smit"])
    assert review.engine_id(store) == review.analyzer_for(store).engine_id


def test_an_edit_makes_the_example_due(store, tmp_path):
    dataset = _settled(store, tmp_path)
    example = _examples(store, dataset)[1]
    messages = example["messages"] + [{"role": "user", "content": "Or write to bram.de.wit@example.nl"},
                                      {"role": "assistant", "content": "Noted."}]
    Curation(store).save_messages(example["id"], messages)
    assert review.stale_count(store, dataset["id"]) == 1
    again = review.scan_dataset(store, "d")
    assert again.scanned == 1 and again.by_entity["EMAIL_ADDRESS"] == 1
    assert review.stale_count(store, dataset["id"]) == 0


def test_an_undo_makes_the_example_due(store, tmp_path):
    dataset = _settled(store, tmp_path)
    example = _examples(store, dataset)[5]  # the one with the address
    curation = Curation(store)
    curation.save_messages(example["id"], [{"role": "user", "content": "Mail me please."},
                                           {"role": "assistant", "content": "Will do."}])
    assert review.scan_dataset(store, "d").scanned == 1
    assert store.pii.pii_findings(dataset["id"], example_id=example["id"]) == []
    curation.undo(dataset["id"])
    again = review.scan_dataset(store, "d")
    assert again.scanned == 1 and again.by_entity["EMAIL_ADDRESS"] == 1


def test_an_import_into_the_dataset_makes_its_new_examples_due(store, tmp_path):
    dataset = _settled(store, tmp_path)
    import_file(store, write_jsonl(tmp_path / "more.jsonl", [chat("I am at jan.peeters@example.be", "Thanks.")]), "d")
    assert review.stale_count(store, dataset["id"]) == 1
    again = review.scan_dataset(store, "d")
    assert again.scanned == 1 and again.by_entity["EMAIL_ADDRESS"] == 1


def test_a_restore_from_the_bin_makes_the_example_due(store, tmp_path):
    """Fails before: the restored example's content hash is unchanged, so the join skipped it."""
    dataset = _settled(store, tmp_path)
    example = _examples(store, dataset)[2]
    curation = Curation(store)
    curation.delete([example["id"]])
    assert review.scan_dataset(store, "d").scanned == 0  # in the bin, still scanned as it was
    curation.restore([example["id"]])
    assert review.scan_dataset(store, "d").scanned == 1
    assert review.stale_count(store, dataset["id"]) == 0


def test_a_notes_change_makes_the_example_due(store, tmp_path):
    dataset = _settled(store, tmp_path)
    example = _examples(store, dataset)[0]
    Curation(store).set_notes(example["id"], "customer asked for a call on +31 6 4827 1953")
    again = review.scan_dataset(store, "d")
    assert again.scanned == 1 and again.by_entity["PHONE_NUMBER"] == 1


def test_a_change_made_during_a_scan_stays_due(store, tmp_path):
    """Fails before: notes written while the scan ran were older than its mark
    (updated_at < scanned_at), so no later scan read them."""
    dataset = _dataset(store, tmp_path)
    example = _examples(store, dataset)[0]
    curation = Curation(store)
    done = []

    def edit_once_meanwhile() -> bool:
        if not done:
            curation.set_notes(example["id"], "call +31 6 4827 1953")
            done.append(1)
        return False

    assert review.scan_dataset(store, "d", cancelled=edit_once_meanwhile).scanned == 6
    again = review.scan_dataset(store, "d")
    assert again.scanned == 1 and again.by_entity["PHONE_NUMBER"] == 1
    assert review.stale_count(store, dataset["id"]) == 0


def test_a_clean_scan_leaves_nothing_unscanned(store, tmp_path):
    """Fails before: the PII screen's count compared the marks with engine '' and so
    counted every example as unscanned, for ever."""
    dataset = _dataset(store, tmp_path, many_chats(4))
    assert review.stale_count(store, dataset["id"]) == 4
    assert review.scan_dataset(store, "d").findings == 0
    assert review.stale_count(store, dataset["id"]) == 0


def test_another_deny_list_rescans_everything_once(store, tmp_path):
    dataset = _settled(store, tmp_path)
    store.set_setting(review.DENY_SETTING, ["Noor Smit"])
    assert review.stale_count(store, dataset["id"]) == 6
    assert review.scan_dataset(store, "d").scanned == 6
    assert review.scan_dataset(store, "d").scanned == 0
    assert review.stale_count(store, dataset["id"]) == 0


def test_a_cancelled_full_scan_is_finished_by_the_next(store, tmp_path):
    dataset = _dataset(store, tmp_path, many_chats(30))
    calls = []

    def cancel_after_some() -> bool:
        calls.append(1)
        return len(calls) > 20

    partial = review.scan_dataset(store, "d", cancelled=cancel_after_some)
    assert 0 < partial.scanned < 30
    assert review.stale_count(store, dataset["id"]) == 30 - partial.scanned
    assert review.scan_dataset(store, "d").scanned == 30 - partial.scanned
    assert review.scan_dataset(store, "d").scanned == 0


def test_a_mark_by_another_engine_keeps_the_example_due(store, tmp_path):
    """A scan by another engine (another process, other lists) writing while this
    engine's full scan is settled leaves the example due for this engine."""
    dataset = _settled(store, tmp_path)
    example = _examples(store, dataset)[3]
    store.pii.replace_findings(example["id"], example["content_hash"], "another engine", [])
    assert review.stale_count(store, dataset["id"]) == 1
    assert review.scan_dataset(store, "d").scanned == 1
    assert review.stale_count(store, dataset["id"]) == 0


def test_purged_examples_leave_no_due_rows(store, tmp_path):
    dataset = _settled(store, tmp_path)
    import_file(store, write_jsonl(tmp_path / "more.jsonl", many_chats(3, "more")), "d")
    assert store.pii.scan_due_count(dataset["id"]) == 3
    ids = [e["id"] for e in _examples(store, dataset)[-2:]]
    Curation(store).delete(ids)
    store.doctor.purge_examples(ids)
    assert store.pii.scan_due_count(dataset["id"]) == 1
    assert review.scan_dataset(store, "d").scanned == 1


def test_a_dataset_never_scanned_gets_no_due_rows_and_one_full_scan(store, tmp_path):
    """An import's bulk insert writes no due rows (a second write per row): the dataset's
    first scan compares every example with its mark instead."""
    dataset = _dataset(store, tmp_path)
    assert store.pii.scan_due_count(dataset["id"]) == 0
    assert review.stale_count(store, dataset["id"]) == 6
    assert review.scan_dataset(store, "d").scanned == 6
    assert store.pii.scan_settled(dataset["id"], review.engine_id(store))


def test_a_status_change_does_not_make_the_example_due(store, tmp_path):
    dataset = _settled(store, tmp_path)
    Curation(store).set_status([e["id"] for e in _examples(store, dataset)], "approved")
    assert review.scan_dataset(store, "d").scanned == 0


def test_upgrade_to_0016_scans_once_what_was_due_and_then_settles(tmp_path):
    """A store scanned before 0016 has no due rows and no state: its first scan compares
    every example with its mark (only the changed one is read), later ones are lookups."""
    path = tmp_path / "old.db"
    store = Store(path)
    dataset = _dataset(store, tmp_path)
    review.scan_dataset(store, "d")
    example = _examples(store, dataset)[0]
    edited = {**example, "messages": example["messages"] + [{"role": "user", "content": "bram@example.nl"}]}
    store.examples.update_example(example["id"], {"messages": edited["messages"], **derived_columns(edited)})
    store.close()
    conn = sqlite3.connect(path)  # as the file was before 0016
    conn.executescript("""DROP TABLE pii_scan_due; DROP TABLE pii_scan_state; DROP TRIGGER pii_scan_due_insert;
                          DROP TRIGGER pii_scan_due_update; DROP TRIGGER pii_scan_due_delete;
                          DELETE FROM _sqlite_migrations WHERE name = '0016_pii_scan_due';""")
    conn.close()
    store = Store(path)
    try:
        assert store.pii.scan_due_count(dataset["id"]) == 0
        assert review.stale_count(store, dataset["id"]) == 1
        assert review.scan_dataset(store, "d").scanned == 1
        assert store.pii.scan_settled(dataset["id"], review.engine_id(store))
        assert review.scan_dataset(store, "d").scanned == 0
    finally:
        store.close()


def test_a_deleted_example_is_still_scanned_when_due(store, tmp_path):
    """Deleted examples stay in the file (restorable), so the scan reads them too."""
    dataset = _settled(store, tmp_path)
    import_file(store, write_jsonl(tmp_path / "more.jsonl", [chat("I am at jan.peeters@example.be", "Thanks.")]), "d")
    added = _examples(store, dataset)[-1]
    Curation(store).delete([added["id"]])
    assert review.scan_dataset(store, "d").scanned == 1
    found = store.pii.pii_findings(dataset["id"], example_id=added["id"])
    assert [(f["entity"], f["in_bin"]) for f in found] == [("EMAIL_ADDRESS", 1)]


async def test_the_pii_screen_says_nothing_found_after_a_clean_scan(store, tmp_path):
    """Fails before: the screen's unscanned count was every example, so after a scan that
    found nothing it still asked for a scan."""
    from test_tui_pii import PiiHost  # the PII screen on its own store (one host for both files)

    _dataset(store, tmp_path, many_chats(4))
    app = PiiHost(store.path)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert "press s to scan" in str(app.screen.query_one("#pii-summary").render())
        await pilot.press("s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "No personal data found." in str(app.screen.query_one("#pii-summary").render())
