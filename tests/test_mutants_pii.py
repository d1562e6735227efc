"""Tests that kill the mutants mutmut left alive in workbench/pii/review.py (issue 16 item 6).

What the Personal data screen and `workbench pii` report around a redaction: how many
values in how many examples it would replace, the findings counted by entity and
decision, and which frozen copies made before it still hold the old text.
"""

from __future__ import annotations

import hashlib

import pytest

from conftest import chat, write_jsonl
from workbench.dataset.importer import import_file
from workbench.eval import golden
from workbench.pii import review as pii_review


@pytest.fixture
def emails(store, tmp_path):
    """Twelve examples; three mention an email address, one of them twice."""
    records = [chat(f"question {i}", f"answer {i}") for i in range(12)]
    records[2] = chat("Write to ann.visser@example.com please", "Done.")
    records[5] = chat("My address is bob.jansen@example.org", "Thanks.")
    records[7] = chat("Mail ann.visser@example.com or carl.de.wit@example.net", "Noted.")
    import_file(store, write_jsonl(tmp_path / "pii.jsonl", records), "mail")
    pii_review.scan_dataset(store, "mail")
    return store


def email_findings(store):
    dataset_id = store.datasets.get_dataset("mail")["id"]
    return [f for f in store.pii.pii_findings(dataset_id) if f["entity"] == "EMAIL_ADDRESS"]


def test_redaction_counts_values_and_examples(emails):
    assert pii_review.redaction_counts(emails, "mail") == (0, 0)
    assert pii_review.redaction_counts(emails, "no-such-dataset") == (0, 0)
    found = email_findings(emails)
    assert len(found) == 4
    pii_review.decide(emails, "mail", "redact", entity="EMAIL_ADDRESS")
    assert pii_review.redaction_counts(emails, "mail") == (4, 3)


def test_summary_counts_by_entity_and_decision(emails):
    dataset_id = emails.datasets.get_dataset("mail")["id"]
    one = email_findings(emails)[0]
    pii_review.decide(emails, "mail", "dismiss", finding_id=one["id"])
    rows = [r for r in pii_review.summary(emails, dataset_id) if r["entity"] == "EMAIL_ADDRESS"]
    assert [(r["decision"], r["findings"]) for r in rows] == [("dismiss", 1), ("pending", 3)]
    assert sum(r["examples"] for r in rows) >= 3


def test_copies_made_before_a_redaction_are_named(emails, tmp_path):
    assert pii_review.copies_before_redaction(emails, "mail") == []
    assert pii_review.copies_before_redaction(emails, "no-such-dataset") == []
    pii_review.decide(emails, "mail", "redact", entity="EMAIL_ADDRESS")
    pii_review.scan_and_export(emails, "mail", tmp_path / "out", allow_pii=True, validation_share=0)
    golden.prompts_from_dataset(emails, "support prompts", "mail")
    assert pii_review.copies_before_redaction(emails, "mail") == []  # no redaction yet
    pii_review.apply_redactions(emails, "mail")
    assert pii_review.copies_before_redaction(emails, "mail") == ["version v1", "golden set 'support prompts'"]


# ----------------------------------------------------------------------- session 5: review.py run


@pytest.mark.parametrize("digest", [hashlib.sha256(v.encode()).hexdigest() for v in ("ann", "bob", "carl", "dirk")])
def test_a_pseudonym_has_the_shape_of_its_kind_in_the_examples_locale(digest):
    import ipaddress
    import re

    pseudonym = pii_review.pseudonym
    assert pseudonym("EMAIL_ADDRESS", digest, "en").endswith("@example.invalid")
    assert re.fullmatch(r"https://[a-z0-9-]+\.example\.invalid/", pseudonym("URL", digest, "fr"))
    assert ipaddress.ip_address(pseudonym("IP_ADDRESS", digest, "en")).is_private
    assert re.fullmatch(r"4\d{15}", pseudonym("CREDIT_CARD", digest, "en"))  # a 16-digit Visa number
    assert re.search(r"\d", pseudonym("PHONE_NUMBER", digest, "nl")) and "<" not in pseudonym("PHONE_NUMBER", digest, "nl")
    assert pseudonym("PERSON", digest, "en") and "<" not in pseudonym("PERSON", digest, "en")
    assert pseudonym("IBAN_CODE", digest, "nl").startswith("NL")
    assert pseudonym("IBAN_CODE", digest, "fr").startswith("FR")
    for language in (None, "en", "de"):  # English, and what a language without a locale falls back to
        assert pseudonym("IBAN_CODE", digest, language).startswith("GB")
        address = pseudonym("ADDRESS", digest, language)
        assert "\n" not in address and ", " in address  # one line: it stays inside its sentence
        assert re.search(r"[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}$", address), address  # a UK postcode
    assert pseudonym("MEDICAL_LICENSE", digest, "en") == "<MEDICAL_LICENSE>"
    assert pseudonym("PERSON", digest, "nl") == pseudonym("PERSON", digest, "nl")
