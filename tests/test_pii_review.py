"""Personal data end to end on a real store: scan, review, redaction, purge, export gate."""

from __future__ import annotations

import json

import pytest

from conftest import SAMPLE_DATA, chat, many_chats, write_jsonl
from workbench.pii import review as pii_review
from workbench.dataset.exporter import ExportRefused
from workbench.pii.review import scan_and_export
from workbench.dataset.importer import import_file

# Fake personal details planted in sample_data/aurora_support.jsonl (see its README).
PLANTED = [
    "Sanne de Vries", "sanne.devries@example.nl", "+31 6 4827 1953",
    "Margaux Lefèvre", "margaux.lefevre@example.fr", "+33 6 12 47 80 35",
    "Oliver Bennett", "oliver.bennett@example.com", "+44 7700 900461",
    "Priya Raman", "priya.raman@example.com", "NL91ABNA0417164300",
    "Joost Bakker", "joost.bakker@example.nl", "NL39RABO0300065264",
    "Pieter Janssens", "pieter.janssens@example.com", "+32 470 12 34 56",
    "4111 1111 1111 1111", "5555 5555 5555 4444", "2223 0031 2200 3222",
]


@pytest.fixture
def sample(store):
    tags = {int(k): v for k, v in json.loads((SAMPLE_DATA / "aurora_support.tags.json").read_text()).items()}
    import_file(store, SAMPLE_DATA / "aurora_support.jsonl", "aurora", tags_by_line=tags)
    return store


def test_scan_is_incremental_and_stores_no_values(sample):
    first = pii_review.scan_dataset(sample, "aurora")
    assert first.scanned == 76 and first.findings >= 20
    for entity in ("EMAIL_ADDRESS", "PHONE_NUMBER", "IBAN_CODE", "CREDIT_CARD", "PERSON", "ADDRESS"):
        assert first.by_entity[entity] >= 1
    assert pii_review.scan_dataset(sample, "aurora").scanned == 0
    example = next(sample.examples.iter_examples(sample.datasets.get_dataset("aurora")["id"]))
    messages = example["messages"] + [{"role": "user", "content": "Mail me at new.person@example.org"},
                                      {"role": "assistant", "content": "Noted."}]
    from workbench.dataset.curation import derived_columns

    edited = {**example, "messages": messages}
    sample.examples.update_example(example["id"], {"messages": messages, **derived_columns(edited)})
    again = pii_review.scan_dataset(sample, "aurora")
    assert again.scanned == 1 and again.by_entity["EMAIL_ADDRESS"] == 1
    dump = "\n".join(sample.db.iterdump())
    findings_table = [line for line in dump.splitlines() if "pii_findings" in line]
    assert not any("priya.raman@example.com" in line for line in findings_table)


def test_decisions_per_finding_value_and_entity(sample):
    pii_review.scan_dataset(sample, "aurora")
    rows = pii_review.findings_with_context(sample, "aurora", entity="IBAN_CODE")
    repeated = [r for r in rows if r["value"].replace(" ", "") == "NL39RABO0300065264"]
    if repeated:
        n = pii_review.decide(sample, "aurora", "dismiss", value_of=repeated[0]["id"])
        assert n == len(repeated)
    assert pii_review.decide(sample, "aurora", "redact", entity="EMAIL_ADDRESS") >= 5
    dataset_id = sample.datasets.get_dataset("aurora")["id"]
    assert not sample.pii.pii_findings(dataset_id, decision="pending", entity="EMAIL_ADDRESS")
    one = pii_review.findings_with_context(sample, "aurora", decision="pending")[0]
    assert pii_review.decide(sample, "aurora", "dismiss", finding_id=one["id"]) == 1
    # a dismissed value stays dismissed when the example is scanned again
    sample.db.execute("DELETE FROM pii_scans")
    pii_review.scan_dataset(sample, "aurora")
    again = [f for f in sample.pii.pii_findings(dataset_id) if f["value_hash"] == one["value_hash"]]
    assert again and all(f["decision"] == "dismiss" for f in again)
    with pytest.raises(pii_review.PiiError):
        pii_review.decide(sample, "aurora", "maybe", entity="PERSON")


@pytest.mark.parametrize("mode", ["placeholder", "pseudonym"])
def test_redaction_leaves_no_original_value_anywhere(sample, tmp_path, mode):
    pii_review.scan_dataset(sample, "aurora")
    for entity in ("EMAIL_ADDRESS", "PHONE_NUMBER", "IBAN_CODE", "CREDIT_CARD", "PERSON", "ADDRESS"):
        pii_review.decide(sample, "aurora", "redact", entity=entity)
    pii_review.decide(sample, "aurora", "dismiss", entity="URL")
    before = pii_review.preview(sample, "aurora", mode)
    assert before and all(p["before"] != p["after"] for p in before)
    result = pii_review.apply_redactions(sample, "aurora", mode)
    assert result["examples"] >= 10 and result["revisions_purged"] >= result["examples"]
    out = scan_and_export(sample, "aurora", tmp_path / "out", validation_share=0.1)
    exported = out.train_path.read_text("utf-8") + out.validation_path.read_text("utf-8")
    sample.close()
    store_bytes = b"".join(p.read_bytes() for p in tmp_path.glob("test.db*"))
    for value in PLANTED:
        assert value not in exported, value
        assert value.encode() not in store_bytes, value
    if mode == "placeholder":
        assert "<EMAIL_ADDRESS>" in exported and "<PERSON>" in exported
    else:
        assert "@example.invalid" in exported and "<EMAIL_ADDRESS>" not in exported


def test_pseudonyms_are_consistent_and_local():
    a = pii_review.pseudonym("PERSON", "ab" * 32, "nl")
    assert a == pii_review.pseudonym("PERSON", "ab" * 32, "nl")
    assert a != pii_review.pseudonym("PERSON", "cd" * 32, "nl")
    assert pii_review.pseudonym("EMAIL_ADDRESS", "ab" * 32, "fr").endswith("@example.invalid")


def test_export_gate_names_blocking_examples(store, tmp_path):
    records = many_chats(10) + [chat("My email is lena.vos@example.nl, please update it.", "Done.")]
    import_file(store, write_jsonl(tmp_path / "d.jsonl", records), "d")
    with pytest.raises(ExportRefused, match="#11") as refused:
        scan_and_export(store, "d", tmp_path / "out")
    # The domain names no flag or key; each front end words the way out itself.
    assert "--allow-pii" not in str(refused.value) and refused.value.hint_key == "allow_pii"
    from screens.dialogs import app_message
    from workbench.cli.common import cli_message

    assert "--allow-pii" in cli_message(refused.value)
    assert "--allow-pii" not in app_message(refused.value) and "export even with" in app_message(refused.value)
    assert not (tmp_path / "out" / "train.jsonl").exists()
    allowed = scan_and_export(store, "d", tmp_path / "out", allow_pii=True)
    assert allowed.version["train_count"] + allowed.version["validation_count"] == 11
    pii_review.decide(store, "d", "dismiss", entity="EMAIL_ADDRESS")
    assert scan_and_export(store, "d", tmp_path / "out2").unchanged


def test_scan_never_touches_the_network(sample, monkeypatch):
    import socket

    def blocked(*args, **kwargs):
        raise OSError("network blocked by test")

    monkeypatch.setattr(socket.socket, "connect", blocked)
    monkeypatch.setattr(socket, "create_connection", blocked)
    monkeypatch.setattr(socket, "getaddrinfo", blocked)
    assert pii_review.scan_dataset(sample, "aurora").scanned == 76


def test_cancelled_scan_keeps_only_whole_examples(sample):
    calls = {"n": 0}

    def cancel_after_some() -> bool:
        calls["n"] += 1
        return calls["n"] > 50

    partial = pii_review.scan_dataset(sample, "aurora", cancelled=cancel_after_some)
    assert 0 < partial.scanned < 76
    rest = pii_review.scan_dataset(sample, "aurora")
    assert partial.scanned + rest.scanned == 76


def test_undo_after_a_redaction_says_it_is_final_and_keeps_the_redaction(store, tmp_path):
    """Undo across a redaction used to fail forever ("NOT NULL constraint failed:
    examples.kind"): the revisions it restored had been purged."""
    from workbench.dataset.curation import Curation, RedactionIsFinal

    records = many_chats(10) + [chat("Mail me at noor.smit@example.nl please.", "Will do.")]
    import_file(store, write_jsonl(tmp_path / "d.jsonl", records), "d")
    dataset = store.datasets.get_dataset("d")
    target = next(e for e in store.examples.iter_examples(dataset["id"]) if "noor.smit" in json.dumps(e["messages"]))
    curation = Curation(store)
    curation.set_status([target["id"]], "approved")
    pii_review.scan_dataset(store, "d")
    pii_review.decide(store, "d", "redact", entity="EMAIL_ADDRESS")
    pii_review.apply_redactions(store, "d")

    with pytest.raises(RedactionIsFinal, match="final"):
        curation.undo()
    with pytest.raises(RedactionIsFinal):  # and again: never a crash, never a restore
        curation.undo()
    after = store.examples.get_example(target["id"])
    assert "noor.smit" not in json.dumps(after["messages"]) and after["status"] == "approved"
    assert all("noor.smit" not in json.dumps(r["snapshot"]) for r in store.examples.revisions(target["id"]))
