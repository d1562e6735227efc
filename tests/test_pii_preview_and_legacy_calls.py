"""Two gaps in the personal-data review found by the session-6 mutation run: the pseudonym
preview showed another fake value than the redaction then wrote (each example's own
locale against the locale of the first example holding the value), and a legacy
`function_call`'s arguments were never read, so personal data there was never found."""

from __future__ import annotations

import json

from conftest import chat, write_jsonl
from workbench.dataset.importer import import_file
from workbench.pii import review as pii_review

IBAN = "NL91ABNA0417164300"
MAIL = "ann.visser@example.com"


def test_the_pseudonym_preview_shows_what_the_redaction_will_write(store, tmp_path):
    # the same account number in a Dutch and an English example: one locale for both
    records = [chat(f"Mijn rekeningnummer is {IBAN}, kunt u het geld daarheen overmaken alstublieft?", "Dank u wel."),
               chat(f"Please send the refund to my account {IBAN} as soon as you can, thank you.", "Sure.")]
    import_file(store, write_jsonl(tmp_path / "iban.jsonl", records), "iban")
    dataset_id = store.datasets.get_dataset("iban")["id"]
    pii_review.scan_dataset(store, "iban")
    pii_review.decide(store, "iban", "redact", entity="IBAN_CODE")
    previewed = [r["after"] for r in pii_review.preview(store, "iban", "pseudonym")]
    assert len(previewed) == 2 and IBAN not in "".join(previewed)
    pii_review.apply_redactions(store, "iban", mode="pseudonym")
    assert [e["messages"][1]["content"] for e in store.examples.iter_examples(dataset_id)] == previewed


def _legacy_call(arguments: dict) -> dict:
    return {"messages": [{"role": "user", "content": "Book the table for tonight, please."},
                         {"role": "assistant", "content": None,
                          "function_call": {"name": "book", "arguments": json.dumps(arguments)}},
                         {"role": "function", "name": "book", "content": "booked"},
                         {"role": "assistant", "content": "Your table is booked."}],
            "functions": [{"name": "book", "parameters": {"type": "object", "properties": {"mail": {"type": "string"}}}}]}


def test_a_legacy_function_calls_arguments_are_scanned_and_redacted(store, tmp_path):
    import_file(store, write_jsonl(tmp_path / "calls.jsonl", [_legacy_call({"mail": MAIL, "seats": 2})]), "calls")
    pii_review.scan_dataset(store, "calls")
    [finding] = [f for f in store.pii.pii_findings(store.datasets.get_dataset("calls")["id"])
                 if f["entity"] == "EMAIL_ADDRESS"]
    assert finding["field"] == "function_call.arguments" and finding["message_index"] == 1
    pii_review.decide(store, "calls", "redact", entity="EMAIL_ADDRESS")
    [preview] = pii_review.preview(store, "calls")
    assert preview["after"] == json.dumps({"mail": "<EMAIL_ADDRESS>", "seats": 2})
    pii_review.apply_redactions(store, "calls")
    [example] = store.examples.iter_examples(store.datasets.get_dataset("calls")["id"])
    call = example["messages"][1]["function_call"]
    assert call == {"name": "book", "arguments": json.dumps({"mail": "<EMAIL_ADDRESS>", "seats": 2})}
    assert MAIL.encode() not in store.path.read_bytes()
