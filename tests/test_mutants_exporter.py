"""Tests that kill the mutants mutmut left alive in workbench/dataset/exporter.py (issue 16 item 6).

`workbench export --json` prints ExportResult.to_dict: every field is what a script reads.
"""

from __future__ import annotations

import hashlib
import json

import pytest
from conftest import chat, many_chats, write_jsonl

from workbench.dataset.exporter import ExportRefused, export_dataset
from workbench.dataset.importer import import_file
from workbench.pii import review as pii_review
from workbench.pii.review import scan_and_export


def sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_json_of_an_export_names_every_file_count_and_hash(store, tmp_path):
    import_file(store, write_jsonl(tmp_path / "in.jsonl", many_chats(20)), "d")
    out = tmp_path / "out"
    result = scan_and_export(store, "d", out, validation_share=0.2, message="first cut")
    assert result.to_dict() == {
        "dataset": "d", "version": 1, "unchanged": False,
        "train_path": str(out / "train.jsonl"), "train_count": 16, "train_sha256": sha(out / "train.jsonl"),
        "validation_path": str(out / "validation.jsonl"), "validation_count": 4,
        "validation_sha256": sha(out / "validation.jsonl"),
        "changelog": "first cut", "warnings": [],
    }
    again = scan_and_export(store, "d", tmp_path / "out2", validation_share=0)
    as_dict = again.to_dict()
    assert as_dict["validation_path"] is None and as_dict["validation_count"] == 0
    assert as_dict["validation_sha256"] is None
    assert as_dict["version"] == 2 and as_dict["train_count"] == 20


# ----------------------------------------------------------------------- session 4: the full exporter.py run


def test_the_personal_data_refusal_lists_each_example_and_why(store, tmp_path):
    records = many_chats(21) + [chat("Mail lena.vos@example.nl or piet.jansen@example.org", "Done."),
                                chat("My email is ann.visser@example.com", "Thanks.")]
    import_file(store, write_jsonl(tmp_path / "d.jsonl", records), "d")
    ids = {e["position"]: e["id"] for e in store.examples.iter_examples(store.datasets.get_dataset("d")["id"])}
    with pytest.raises(ExportRefused) as unscanned:
        export_dataset(store, "d", tmp_path / "out")
    lines = [f"#{p} ({ids[p][:8]}): not scanned for personal data since its last change" for p in range(1, 21)]
    assert unscanned.value.message == ("23 examples may hold personal data that nobody reviewed:\n  "
                                       + "\n  ".join(lines) + "\n  ... and 3 more")
    assert unscanned.value.hint_key == "allow_pii"
    assert unscanned.value.hint == ("Scan and review them (the PII screen, or `workbench pii list d`, `workbench pii "
                                    "decide` and `workbench pii redact`), or export with unreviewed personal data.")
    pii_review.scan_dataset(store, "d")
    with pytest.raises(ExportRefused) as pending:
        export_dataset(store, "d", tmp_path / "out")
    assert pending.value.message == (
        "2 examples may hold personal data that nobody reviewed:\n"
        f"  #22 ({ids[22][:8]}): 2 unreviewed personal-data findings\n"
        f"  #23 ({ids[23][:8]}): 1 unreviewed personal-data finding")


def test_the_version_manifest_names_the_files_counts_and_hashes(store, tmp_path):
    import_file(store, write_jsonl(tmp_path / "in.jsonl", many_chats(20)), "d")
    out = tmp_path / "out"
    result = scan_and_export(store, "d", out, validation_share=0.2, message="first cut")
    manifest = json.loads((out / "version.json").read_text(encoding="utf-8"))
    v = result.version
    assert manifest == {
        "dataset": "d", "dataset_id": store.datasets.get_dataset("d")["id"], "version": 1, "version_id": v["id"],
        "created_at": v["created_at"], "changelog": "first cut",
        "files": {"train.jsonl": {"examples": 16, "sha256": sha(out / "train.jsonl")},
                  "validation.jsonl": {"examples": 4, "sha256": sha(out / "validation.jsonl")}},
    }
    assert not (out / "version.json.partial").exists()
    scan_and_export(store, "d", tmp_path / "out2", validation_share=0)
    only_train = json.loads((tmp_path / "out2" / "version.json").read_text(encoding="utf-8"))
    assert list(only_train["files"]) == ["train.jsonl"]


@pytest.mark.parametrize("n, last_line", [(20, "#20 ("), (21, "... and 1 more")])
def test_the_personal_data_refusal_shows_twenty_examples_then_counts_the_rest(store, tmp_path, n, last_line):
    import_file(store, write_jsonl(tmp_path / "d.jsonl", many_chats(n)), "d")
    with pytest.raises(ExportRefused) as refused:
        export_dataset(store, "d", tmp_path / "out")
    lines = refused.value.message.split("\n  ")
    assert lines[0] == f"{n} examples may hold personal data that nobody reviewed:"
    assert len(lines) == 21 + (n > 20) and lines[-1].startswith(last_line)


def test_the_manifest_is_indented_json_ending_with_a_newline(store, tmp_path):
    import_file(store, write_jsonl(tmp_path / "in.jsonl", many_chats(5)), "d")
    scan_and_export(store, "d", tmp_path / "out", validation_share=0)
    text = (tmp_path / "out" / "version.json").read_text(encoding="utf-8")
    assert text == json.dumps(json.loads(text), indent=2) + "\n"


def test_a_line_that_no_longer_matches_its_hash_is_refused_naming_the_example(store, tmp_path):
    import sqlite3

    import_file(store, write_jsonl(tmp_path / "in.jsonl", many_chats(5)), "d")
    changed = [e for e in store.examples.iter_examples(store.datasets.get_dataset("d")["id"])][3]
    outside = sqlite3.connect(store.path)  # an edit behind the workbench's back
    outside.execute("UPDATE examples SET messages = replace(messages, 'answer 3', 'answer 8') WHERE id = ?",
                    [changed["id"]])
    outside.commit()
    outside.close()
    with pytest.raises(ExportRefused) as refused:
        export_dataset(store, "d", tmp_path / "out", validation_share=0, allow_pii=True)
    assert refused.value.message == (
        f"Example #4 of 'd' ({changed['id'][:8]}) no longer matches its content hash: its stored text changed "
        "outside the workbench or the file is damaged; nothing was exported.")
    assert refused.value.hint == "Check the store with `workbench doctor`."


# ----------------------------------------------------------------------- session 5: exporter.py run again


def test_an_unmet_coverage_minimum_is_refused_line_by_line_and_an_override_is_audited_and_warned(store, tmp_path):
    from workbench.dataset import coverage

    import_file(store, write_jsonl(tmp_path / "in.jsonl", many_chats(10)), "d")
    dataset = store.datasets.get_dataset("d")
    coverage.declare(store, dataset["id"], "tag:refund", "3")
    refund = "tag:refund: 0 (0.0%); needs tag:refund ≥ 3: MISSING"
    for blank in (None, "", "   "):  # a blank reason is no reason
        with pytest.raises(ExportRefused) as refused:
            export_dataset(store, "d", tmp_path / "out", allow_pii=True, coverage_override=blank)
        assert refused.value.message == f"1 declared coverage minimum is not met:\n  {refund}"
    assert refused.value.hint == ("Add examples where coverage is missing, change the declared minimums, or export "
                                  "anyway giving a reason (it is recorded in the audit log).")
    assert refused.value.hint_key == "coverage_override"
    assert not (tmp_path / "out").exists()

    coverage.declare(store, dataset["id"], "escalations", "10%")
    escalations = "escalations: 0 (0.0%); needs escalations ≥ 10%: MISSING"
    with pytest.raises(ExportRefused) as refused:
        export_dataset(store, "d", tmp_path / "out", allow_pii=True)
    assert refused.value.message == f"2 declared coverage minimums are not met:\n  {escalations}\n  {refund}"
    assert not [e for e in store.audit_entries("dataset") if e["action"] == "coverage_override"]

    result = export_dataset(store, "d", tmp_path / "out", allow_pii=True, validation_share=0,
                            coverage_override="  refund examples arrive next sprint ")
    assert result.warnings == [f"Coverage minimum not met (exported anyway: refund examples arrive next sprint): {line}"
                               for line in (escalations, refund)]
    (entry,) = [e for e in store.audit_entries("dataset") if e["action"] == "coverage_override"]
    assert (entry["entity_id"], entry["details"]) == (dataset["id"], {
        "dataset": "d", "reason": "refund examples arrive next sprint",
        "unmet": [{"target": "escalations", "rule": "escalations ≥ 10%", "count": 0, "share": 0.0, "met": False},
                  {"target": "tag:refund", "rule": "tag:refund ≥ 3", "count": 0, "share": 0.0, "met": False}]})
    assert result.train_path.read_text(encoding="utf-8").count("\n") == 10


def test_legacy_functions_stored_out_of_key_order_are_exported_in_the_canonical_line(store, tmp_path):
    from workbench.chat import format as chatformat

    legacy = {"functions": [{"parameters": {"type": "object", "properties": {}}, "name": "track_parcel"}],
              "messages": [{"content": "Where is parcel 7?", "role": "user"},
                           {"role": "assistant", "content": "On its way."}]}
    import_file(store, write_jsonl(tmp_path / "in.jsonl", many_chats(10) + [legacy]), "d")
    result = export_dataset(store, "d", tmp_path / "out", validation_share=0, allow_pii=True)
    lines = result.train_path.read_text(encoding="utf-8").splitlines()
    assert lines[-1] == chatformat.canonical_line(legacy)
    assert json.loads(lines[-1])["functions"] == legacy["functions"]


def test_a_file_of_exactly_the_upload_limit_is_written_one_byte_over_is_refused(store, tmp_path, monkeypatch):
    """The provider refuses files *over* the limit (`workbench validate`'s file_too_large
    too): a file of exactly MAX_FILE_BYTES is written. (The limit is lowered to the size of
    a small export.)"""
    from workbench.dataset import exporter

    import_file(store, write_jsonl(tmp_path / "in.jsonl", many_chats(12)), "d")
    first = export_dataset(store, "d", tmp_path / "probe", validation_share=0.5, allow_pii=True)
    sizes = {first.train_path.stat().st_size, first.validation_path.stat().st_size}
    monkeypatch.setattr(exporter, "MAX_FILE_BYTES", max(sizes))
    again = export_dataset(store, "d", tmp_path / "exact", validation_share=0.5, allow_pii=True)
    assert again.unchanged and (tmp_path / "exact" / "train.jsonl").stat().st_size in sizes
    monkeypatch.setattr(exporter, "MAX_FILE_BYTES", min(sizes) - 1)
    with pytest.raises(ExportRefused) as refused:
        export_dataset(store, "d", tmp_path / "over", validation_share=0.5, allow_pii=True)
    assert refused.value.message.startswith("train.jsonl would be 0 MB, validation.jsonl would be 0 MB, over the ")
    assert not (tmp_path / "over" / "train.jsonl").exists()


def test_the_oversize_refusal_gives_the_size_in_mb_and_how_to_get_under_the_limit(store, tmp_path, monkeypatch):
    from workbench.dataset import exporter

    monkeypatch.setattr(exporter, "MAX_FILE_BYTES", 2**20)
    records = [chat(f"question {i}", "word " * 20_000) for i in range(32)]  # ~3.2 MB
    import_file(store, write_jsonl(tmp_path / "in.jsonl", records), "d")
    with pytest.raises(ExportRefused) as refused:
        export_dataset(store, "d", tmp_path / "out", validation_share=0, allow_pii=True)
    assert refused.value.message == ("train.jsonl would be 3 MB, over the provider's 1 MB upload limit; "
                                     "nothing was exported.")
    assert refused.value.hint == ("Export fewer examples (a status filter, a larger validation share) or split "
                                  "the dataset.")


@pytest.mark.parametrize("broken, more", [(20, []), (21, ["... and 1 more"])])
def test_errors_that_block_the_export_are_listed_twenty_then_counted(store, tmp_path, broken, more):
    import_file(store, write_jsonl(tmp_path / "in.jsonl", many_chats(25)), "d")
    examples = list(store.examples.iter_examples(store.datasets.get_dataset("d")["id"]))
    for example in examples[:broken]:
        store.examples.update_example(example["id"], {"messages": [{"role": "user", "content": "only a question"}]})
    with pytest.raises(ExportRefused) as refused:
        export_dataset(store, "d", tmp_path / "out", allow_pii=True)
    head, *lines = refused.value.message.split("\n  ")
    assert head == f"{broken} errors block the export; fix these examples first:"
    why = "The example has no assistant message, so there is nothing to learn; add the answer as an assistant message."
    assert lines[:20] == [f"#{e['position']} ({e['id'][:8]}): example_missing_assistant_message: {why}"
                          for e in examples[:20]]
    assert lines[20:] == more


def test_each_refusal_before_the_export_says_what_is_wrong_and_what_is_allowed(store, tmp_path):
    from workbench.dataset.curation import Curation

    def refusal(name="d", **options) -> str:
        with pytest.raises(ExportRefused) as refused:
            export_dataset(store, name, tmp_path / "out", allow_pii=True, **options)
        return refused.value.message

    assert refusal() == "No dataset named 'd' (datasets: none yet)."
    import_file(store, write_jsonl(tmp_path / "d.jsonl", many_chats(3)), "d")
    import_file(store, write_jsonl(tmp_path / "e.jsonl", many_chats(1)), "e")
    assert refusal("x") == "No dataset named 'x' (datasets: d, e)."
    assert refusal(status="done") == "The status filter must be one of draft, approved, rejected, not 'done'."
    assert refusal(validation_share=1) == "The validation share must be at least 0 and below 1, not 1."
    assert refusal(validation_share=-0.1) == "The validation share must be at least 0 and below 1, not -0.1."
    assert refusal(status="approved") == "Dataset 'd' has no approved examples to export."
    Curation(store).delete([e["id"] for e in store.examples.iter_examples(store.datasets.get_dataset("e")["id"])])
    assert refusal("e") == "Dataset 'e' has no live examples to export."
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("n, warning", [
    (1, "train.jsonl has 1 example; OpenAI needs at least 10 to train."),
    (9, "train.jsonl has 9 examples; OpenAI needs at least 10 to train."),
    (10, None)])
def test_fewer_than_ten_training_examples_is_a_warning_in_the_right_number(store, tmp_path, n, warning):
    import_file(store, write_jsonl(tmp_path / "d.jsonl", many_chats(n)), "d")
    result = export_dataset(store, "d", tmp_path / "out", allow_pii=True, validation_share=0)
    assert result.warnings == ([warning] if warning else [])
    assert result.to_dict()["warnings"] == result.warnings
    assert result.to_dict()["changelog"] == ""  # no message given: an empty changelog


def test_errors_come_before_the_personal_data_refusal_which_comes_before_coverage(store, tmp_path):
    from workbench.dataset import coverage

    import_file(store, write_jsonl(tmp_path / "in.jsonl", many_chats(12)), "d")
    dataset = store.datasets.get_dataset("d")
    coverage.declare(store, dataset["id"], "tag:refund", "3")

    def refusal(**options) -> str:
        with pytest.raises(ExportRefused) as refused:
            export_dataset(store, "d", tmp_path / "out", **options)
        return refused.value.message

    assert refusal().startswith("12 examples may hold personal data that nobody reviewed:")
    assert refusal(allow_pii=True).startswith("1 declared coverage minimum is not met:")
    first = next(store.examples.iter_examples(dataset["id"]))
    store.examples.update_example(first["id"], {"messages": [{"role": "user", "content": "only a question"}]})
    assert refusal().startswith("1 errors block the export; fix these examples first:\n  #1 (")
    assert refusal(allow_pii=True, coverage_override="later").startswith("1 errors block the export")
    assert list((tmp_path / "out").iterdir()) == []  # the folder is made, nothing is left in it


def test_json_stored_as_a_blob_by_another_sqlite_client_is_exported_like_the_text(store, tmp_path):
    """Another SQLite client may write the same JSON as bytes (a BLOB): the line is rebuilt
    from the decoded JSON and checked against the content hash like any other."""
    import sqlite3

    tool = {"type": "function", "function": {"name": "track_parcel", "parameters": {"type": "object"}}}
    records = many_chats(10) + [{"messages": [{"role": "user", "content": "Where is parcel 7?"},
                                              {"role": "assistant", "content": "On its way."}], "tools": [tool]}]
    import_file(store, write_jsonl(tmp_path / "in.jsonl", records), "d")
    as_text = export_dataset(store, "d", tmp_path / "text", validation_share=0, allow_pii=True)
    outside = sqlite3.connect(store.path)
    outside.execute("UPDATE examples SET messages = CAST(messages AS BLOB) WHERE position = 3")
    outside.execute("UPDATE examples SET tools = CAST(tools AS BLOB) WHERE position = 11")
    outside.commit()
    assert outside.execute("SELECT typeof(messages) FROM examples WHERE position = 3").fetchone() == ("blob",)
    outside.close()
    as_blob = export_dataset(store, "d", tmp_path / "blob", validation_share=0, allow_pii=True)
    assert as_blob.train_path.read_bytes() == as_text.train_path.read_bytes()
    assert as_blob.unchanged and as_blob.version["number"] == 1


def test_an_export_is_audited_with_the_version_and_where_it_went_into_a_new_nested_folder(store, tmp_path):
    import_file(store, write_jsonl(tmp_path / "in.jsonl", many_chats(10)), "d")
    out = tmp_path / "exports" / "2026" / "d"  # none of these folders exist yet
    result = export_dataset(store, "d", out, validation_share=0, allow_pii=True)
    assert result.train_path == out / "train.jsonl" and result.train_path.exists()
    (entry,) = [e for e in store.audit_entries("dataset_version") if e["action"] == "export"]
    assert entry["entity_id"] == result.version["id"]
    assert entry["details"] == {"dataset": "d", "number": 1, "out": str(out)}


def test_an_output_folder_that_is_a_file_is_refused_saying_why(store, tmp_path):
    import_file(store, write_jsonl(tmp_path / "in.jsonl", many_chats(10)), "d")
    blocker = tmp_path / "out"
    blocker.write_text("not a folder", encoding="utf-8")
    with pytest.raises(ExportRefused) as refused:
        export_dataset(store, "d", blocker, validation_share=0, allow_pii=True)
    assert refused.value.message == f"{blocker}: cannot write there (File exists)."
    assert refused.value.hint == "Choose another output folder."
    assert store.datasets.list_versions(store.datasets.get_dataset("d")["id"]) == []


def test_an_export_over_one_insert_batch_freezes_every_line_once(store, tmp_path):
    from workbench.dataset import exporter

    n = exporter._FREEZE_BATCH + 1
    import_file(store, write_jsonl(tmp_path / "in.jsonl", many_chats(n, "batch")), "d")
    result = export_dataset(store, "d", tmp_path / "out", validation_share=0, allow_pii=True)
    lines = result.train_path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == n and result.version["train_count"] == n
    assert list(store.datasets.version_lines(result.version["id"], "train")) == lines


def test_errors_after_an_example_that_is_not_json_are_still_listed(store, tmp_path):
    """The scan goes on past a row whose stored text is not JSON: the errors of the rows
    after it are what the user fixes first."""
    import sqlite3

    import_file(store, write_jsonl(tmp_path / "in.jsonl", many_chats(12)), "d")
    later = [e for e in store.examples.iter_examples(store.datasets.get_dataset("d")["id"])][7]
    store.examples.update_example(later["id"], {"messages": [{"role": "user", "content": "only a question"}]})
    outside = sqlite3.connect(store.path)
    outside.execute("UPDATE examples SET tools = 'not json' WHERE position = 5")
    outside.commit()
    outside.close()
    with pytest.raises(ExportRefused) as refused:
        export_dataset(store, "d", tmp_path / "out", validation_share=0, allow_pii=True)
    assert refused.value.message.startswith(f"1 errors block the export; fix these examples first:\n  #8 ({later['id'][:8]})")


def test_coverage_minimums_are_counted_among_the_examples_of_the_exported_status(store, tmp_path):
    """Three refund examples are drafts: the dataset meets "tag:refund ≥ 3", its approved
    examples do not, so exporting the approved ones is refused and exporting all is not."""
    from workbench.dataset import coverage

    import_file(store, write_jsonl(tmp_path / "in.jsonl", many_chats(13)), "d")
    dataset = store.datasets.get_dataset("d")
    examples = list(store.examples.iter_examples(dataset["id"]))
    for example in examples[:3]:
        store.examples.update_example(example["id"], {"tags": ["refund"]})
    for example in examples[3:]:
        store.examples.update_example(example["id"], {"status": "approved"}, action="status")
    coverage.declare(store, dataset["id"], "tag:refund", "3")
    with pytest.raises(ExportRefused) as refused:
        export_dataset(store, "d", tmp_path / "approved", status="approved", allow_pii=True)
    assert refused.value.message == ("1 declared coverage minimum is not met:\n"
                                     "  tag:refund: 0 (0.0%); needs tag:refund ≥ 3: MISSING")
    everything = export_dataset(store, "d", tmp_path / "all", validation_share=0, allow_pii=True)
    assert everything.version["train_count"] == 13 and everything.warnings == []


# ----------------------------------------------------------------------- session 6 (mut6): exporter.py never-run mutants


def test_the_validation_split_follows_the_seed_given(store, tmp_path):
    """The same seed gives the same split on any machine: the split is choose_validation's
    for that seed, not for a default one."""
    from workbench.dataset.exporter import choose_validation

    import_file(store, write_jsonl(tmp_path / "in.jsonl", many_chats(30, "seeded")), "d")
    dataset_id = store.datasets.get_dataset("d")["id"]
    examples = list(store.examples.iter_examples(dataset_id))
    text_of = {e["id"]: json.dumps(e["messages"][1]["content"]) for e in examples}
    result = export_dataset(store, "d", tmp_path / "out", validation_share=0.2, seed="fixed seed", allow_pii=True)
    expected = choose_validation([(e["id"], tuple(e["tags"])) for e in examples], 0.2, "fixed seed")
    written = result.validation_path.read_text(encoding="utf-8")
    assert len(expected) == 6
    assert {i for i in text_of if text_of[i] in written} == expected


def test_a_refused_export_of_one_status_does_not_report_errors_of_other_examples(store, tmp_path):
    """Exporting the approved examples: a draft with an error is not part of the export, so
    the refusal is the personal-data gate's, not the draft's error."""
    import_file(store, write_jsonl(tmp_path / "in.jsonl", many_chats(5)), "d")
    examples = list(store.examples.iter_examples(store.datasets.get_dataset("d")["id"]))
    for example in examples[:4]:
        store.examples.update_example(example["id"], {"status": "approved"}, action="status")
    store.examples.update_example(examples[4]["id"], {"messages": [{"role": "user", "content": "only a question"}]})
    with pytest.raises(ExportRefused) as refused:
        export_dataset(store, "d", tmp_path / "out", status="approved")
    assert refused.value.hint_key == "allow_pii"
    assert refused.value.message.startswith("4 examples may hold personal data that nobody reviewed:")


def test_a_write_that_fails_midway_is_refused_with_what_to_do(store, tmp_path):
    import_file(store, write_jsonl(tmp_path / "in.jsonl", many_chats(10)), "d")
    out = tmp_path / "out"
    (out / "train.jsonl").mkdir(parents=True)  # the file cannot be written: a folder holds its name
    with pytest.raises(ExportRefused) as refused:
        export_dataset(store, "d", out, validation_share=0, allow_pii=True)
    assert refused.value.message.startswith(f"{out}: could not write the export (")
    assert refused.value.message.endswith("); nothing was frozen.")
    assert refused.value.hint == "Free space or choose another output folder."
    assert store.datasets.list_versions(store.datasets.get_dataset("d")["id"]) == []


def _closed_store(tmp_path, records: list):
    """A store file holding `records` as dataset "d", closed (to be damaged by hand)."""
    from store import Store

    path = tmp_path / "s.db"
    store = Store(path)
    import_file(store, write_jsonl(tmp_path / "d.jsonl", records), "d")
    store.close()
    return path


def _export_refusal(path, tmp_path):
    """The ExportRefused an export of "d" from the store at `path` ends with."""
    from store import Store

    store = Store(path)
    try:
        with pytest.raises(ExportRefused) as refused:
            export_dataset(store, "d", tmp_path / "out", validation_share=0, allow_pii=True)
    finally:
        store.close()
    return refused


def test_a_damaged_store_is_refused_with_how_to_check_and_restore_it(tmp_path):
    import sqlite3


    path = _closed_store(tmp_path, [chat(f"question {i}", "word " * 400) for i in range(300)])
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    conn.close()
    # a page of the examples' rows whose damage stops SQLite's own check with an error
    # (a damaged b-tree page is reported as a list instead: the test below); the store
    # still opens (its other tables are sound)
    conn = sqlite3.connect(path)
    pages = [r[0] - 1 for r in conn.execute(
        "SELECT pageno FROM dbstat WHERE name = 'examples' AND pagetype IN ('leaf', 'overflow') ORDER BY pageno")]
    conn.close()
    sound = path.read_bytes()
    for page in pages[len(pages) // 2:] + pages[:len(pages) // 2]:
        with open(path, "r+b") as handle:
            handle.seek(page * page_size)
            handle.write(b"\xff" * page_size)
        check = sqlite3.connect(path)
        try:
            check.execute("PRAGMA quick_check(3)").fetchall()
        except sqlite3.DatabaseError:
            break
        finally:
            check.close()
        path.write_bytes(sound)
    else:
        pytest.fail("no page's damage made the check fail")
    refused = _export_refusal(path, tmp_path)
    assert refused.value.message == (f"{path}: the store is damaged (database disk image is malformed); "
                                     "nothing was exported.")
    assert refused.value.hint == "Check it with `workbench doctor` and restore a good copy."


def test_a_damaged_store_refusal_names_its_first_three_problems(tmp_path):
    """A lost free-page list leaves many pages "never used": the refusal quotes the first
    three problems SQLite reports, enough to recognise the damage without a wall of text."""
    import sqlite3
    import struct


    path = _closed_store(tmp_path, many_chats(10))
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE scratch(x)")
    conn.executemany("INSERT INTO scratch VALUES (?)", [("y" * 3000,) for _ in range(20)])
    conn.commit()
    conn.execute("DROP TABLE scratch")  # its pages go to the free list
    conn.commit()
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    with open(path, "r+b") as handle:  # the header's free list: first trunk page and count
        handle.seek(32)
        handle.write(struct.pack(">II", 0, 0))
    refused = _export_refusal(path, tmp_path)
    assert refused.value.message.startswith(f"{path}: the store is damaged (")
    assert refused.value.message.count("is never used") == 3
