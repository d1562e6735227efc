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
    return _scanned(store, tmp_path, "mail", records)


def _scanned(store, tmp_path, name: str, records: list):
    """The store with `records` imported as dataset `name` and scanned."""
    import_file(store, write_jsonl(tmp_path / f"{name}.jsonl", records), name)
    pii_review.scan_dataset(store, name)
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
    result = pii_review.apply_redactions(emails, "mail")
    assert pii_review.copies_before_redaction(emails, "mail") == ["version v1", "golden set 'support prompts'"]
    assert [(c["kind"], c["name"]) for c in result["copies"]] == [("version", "v1"), ("golden", "support prompts")]


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


# ----------------------------------------------------------------------- session 5: review.py survivors (mutc)


def test_equal_values_written_differently_hash_alike_and_different_values_do_not():
    """Names, e-mails, URLs and addresses keep their inner spaces and punctuation (one space
    each); numbers lose spaces, dashes, dots, slashes and brackets."""
    normalise = pii_review.normalise
    assert normalise("PERSON", "  Ann \t Visser ") == "ann visser"
    assert normalise("EMAIL_ADDRESS", "Ann.Visser@Example.COM") == "ann.visser@example.com"
    assert normalise("URL", "https://Shop.example.com/a-b  c") == "https://shop.example.com/a-b c"
    assert normalise("ADDRESS", "1 High St.\n  London") == "1 high st. london"
    assert normalise("IBAN_CODE", "NL91 ABNA-0417.1643/00 (x)") == "nl91abna0417164300x"
    key = b"k" * 32
    assert pii_review.value_hash(key, "PERSON", "Ann Visser") == pii_review.value_hash(key, "PERSON", "ann  visser")
    assert pii_review.value_hash(key, "PERSON", "Ann Visser") != pii_review.value_hash(key, "PERSON", "AnnVisser")


def rich_example() -> dict:
    """An example with every kind of user text: notes, plain and multi-part content, tool
    call arguments, and both preference outputs."""
    return {
        "notes": "note text",
        "messages": [{"role": "user", "content": "plain text"},
                     {"role": "user", "content": [{"type": "text", "text": "part zero"},
                                                  {"type": "text", "text": "part one"}]},
                     {"role": "assistant", "content": None,
                      "tool_calls": [{"function": {"name": "f", "arguments": "{\"a\": 1}"}}]}],
        "preferred_output": [{"role": "assistant", "content": [{"type": "text", "text": "good part"}]}],
        "non_preferred_output": [{"role": "assistant", "content": "bad answer"}],
    }


def test_every_text_a_scan_reads_is_written_back_in_its_own_place():
    example = rich_example()
    fields = list(pii_review.text_fields(example))
    assert len(fields) == 7
    for index, name, text in fields:
        pii_review._set_text(example, index, name, f"new {name} {index}")
    assert [(i, n, t) for i, n, t in pii_review.text_fields(example)] == [
        (i, n, f"new {n} {i}") for i, n, _ in fields]
    assert sorted(example) == ["messages", "non_preferred_output", "notes", "preferred_output"]
    assert example["messages"][0] == {"role": "user", "content": "new content 0"}
    assert example["messages"][1]["content"][0] == {"type": "text", "text": "new content.0 1"}
    with pytest.raises(KeyError) as missing:
        pii_review._get_text(example, 5, "content")
    assert missing.value.args[0] == (5, "content")


@pytest.fixture
def long_mail(store, tmp_path):
    """An e-mail address deep in a sentence, one near the start, and a phone number."""
    records = [chat(f"question {i}", f"answer {i}") for i in range(4)]
    records[1] = chat("Please write to me at the address ann.visser@example.com because the phone line is down", "Ok.")
    records[2] = chat("My mail bob.jansen@example.org", "Thanks.")
    records[3] = chat("Call me on +31 6 12345678 tonight", "Will do.")
    return _scanned(store, tmp_path, "long", records)


def test_review_shows_thirty_characters_either_side_of_a_value(long_mail):
    found = {f["value"]: f for f in pii_review.findings_with_context(long_mail, "long", entity="EMAIL_ADDRESS")}
    assert sorted(found) == ["ann.visser@example.com", "bob.jansen@example.org"]
    ann = found["ann.visser@example.com"]
    assert ann["before"] == "Please write to me at the address "[-30:]
    assert ann["after"] == " because the phone line is down"[:30]
    assert found["bob.jansen@example.org"]["before"] == "My mail "
    narrow = pii_review.findings_with_context(long_mail, "long", entity="EMAIL_ADDRESS", width=4)
    assert {f["before"] for f in narrow} == {"ess ", "ail "}
    everything = pii_review.findings_with_context(long_mail, "long")
    assert {f["entity"] for f in everything} >= {"EMAIL_ADDRESS", "PHONE_NUMBER"}
    pii_review.decide(long_mail, "long", "redact", finding_id=ann["id"])
    assert [f["value"] for f in pii_review.findings_with_context(long_mail, "long", decision="redact")] == [
        "ann.visser@example.com"]


def test_a_decision_the_tool_cannot_apply_says_why(long_mail):
    with pytest.raises(pii_review.PiiError, match=r"^decision must be one of pending, redact, dismiss$"):
        pii_review.decide(long_mail, "long", "maybe", entity="PERSON")
    with pytest.raises(pii_review.PiiError, match=r"^say which findings: a finding id, a value \(by one"):
        pii_review.decide(long_mail, "long", "redact")
    with pytest.raises(pii_review.PiiError, match=r"^No such finding in this dataset; `workbench pii list`"):
        pii_review.decide(long_mail, "long", "redact", value_of="no-such-id")
    with pytest.raises(pii_review.PiiError, match=r"^No such finding"):
        pii_review.decide(long_mail, "long", "redact", finding_id="no-such-id")


def test_a_decision_is_audited_with_its_dataset_decision_and_count(long_mail):
    dataset_id = long_mail.datasets.get_dataset("long")["id"]
    assert pii_review.decide(long_mail, "long", "dismiss", entity="EMAIL_ADDRESS") == 2
    entry = [e for e in long_mail.audit_entries("dataset") if e["action"] == "pii_decide"][-1]
    assert entry["entity_id"] == dataset_id and entry["details"] == {"decision": "dismiss", "findings": 2}


def test_the_preview_says_where_each_replacement_goes_and_uses_the_mode(long_mail):
    pii_review.decide(long_mail, "long", "redact", entity="EMAIL_ADDRESS")
    rows = pii_review.preview(long_mail, "long")
    assert sorted((r["position"], r["message_index"], r["field"]) for r in rows) == [
        (2, 1, "content"), (3, 1, "content")]  # the two e-mails: examples 2 and 3 (from 1), the user's message
    assert all(set(r) == {"position", "message_index", "field", "before", "after"} for r in rows)
    assert all("<EMAIL_ADDRESS>" in r["after"] for r in rows)
    fake = pii_review.preview(long_mail, "long", "pseudonym")
    assert all("@example.invalid" in r["after"] and "<" not in r["after"] for r in fake)
    assert len(pii_review.preview(long_mail, "long", limit=1)) == 1


def test_a_redaction_reports_what_it_did_keeps_the_rest_and_is_audited(long_mail):
    dataset = long_mail.datasets.get_dataset("long")
    nothing = pii_review.apply_redactions(long_mail, "long")
    assert nothing == {"examples": 0, "values": 0, "revisions_purged": 0, "rejections_dropped": 0,
                       "scrubbed": True, "copies": []}
    example = next(e for e in long_mail.examples.iter_examples(dataset["id"]) if "ann.visser" in str(e["messages"]))
    notes = {**example, "notes": "customer asked twice", "preferred_output": None}
    from workbench.dataset.curation import derived_columns

    long_mail.examples.update_example(example["id"], {"notes": "customer asked twice", **derived_columns(notes)})
    pii_review.scan_dataset(long_mail, "long")
    pii_review.decide(long_mail, "long", "redact", entity="EMAIL_ADDRESS")
    pii_review.decide(long_mail, "long", "redact", entity="PHONE_NUMBER")
    done = pii_review.apply_redactions(long_mail, "long")
    assert (done["examples"], done["values"], done["rejections_dropped"], done["scrubbed"], done["copies"]) == (
        3, 3, 0, True, [])
    assert done["revisions_purged"] >= 3
    after = long_mail.examples.get_example(example["id"])
    assert after["notes"] == "customer asked twice"
    assert "<EMAIL_ADDRESS>" in after["messages"][1]["content"]
    entry = [e for e in long_mail.audit_entries("dataset") if e["action"] == "pii_redact"][-1]
    assert entry["entity_id"] == dataset["id"]
    assert entry["details"] == {"examples": 3, "values": 3, "mode": "placeholder"}


def test_examples_to_scan_are_counted_until_a_scan_and_again_after_an_edit(store, tmp_path):
    import_file(store, write_jsonl(tmp_path / "few.jsonl", [chat(f"q {i}", f"a {i}") for i in range(5)]), "few")
    dataset_id = store.datasets.get_dataset("few")["id"]
    assert pii_review.stale_count(store, dataset_id) == 5
    pii_review.scan_dataset(store, "few")
    assert pii_review.stale_count(store, dataset_id) == 0
    from workbench.dataset.curation import derived_columns

    example = next(store.examples.iter_examples(dataset_id))
    messages = example["messages"] + [{"role": "user", "content": "one more"}]
    store.examples.update_example(example["id"], {"messages": messages,
                                                  **derived_columns({**example, "messages": messages})})
    assert pii_review.stale_count(store, dataset_id) == 1


def test_a_redaction_reaches_the_notes_and_both_answers_of_a_preference_pair(store, tmp_path):
    pair = {"input": {"messages": [{"role": "user", "content": "Which answer is kinder?"}]},
            "preferred_output": [{"role": "assistant", "content": "Ask dana.smit@example.com for help."}],
            "non_preferred_output": [{"role": "assistant", "content": "Write to erik.bos@example.org yourself."}]}
    import_file(store, write_jsonl(tmp_path / "pairs.jsonl", [pair]), "pairs")
    dataset_id = store.datasets.get_dataset("pairs")["id"]
    example = next(store.examples.iter_examples(dataset_id))
    store.examples.update_example(example["id"], {"notes": "from fay.de.vries@example.net"})
    pii_review.scan_dataset(store, "pairs")
    assert pii_review.decide(store, "pairs", "redact", entity="EMAIL_ADDRESS") == 3
    assert pii_review.apply_redactions(store, "pairs")["values"] == 3
    after = store.examples.get_example(example["id"])
    assert after["notes"] == "from <EMAIL_ADDRESS>"
    assert after["preferred_output"][0]["content"] == "Ask <EMAIL_ADDRESS> for help."
    assert after["non_preferred_output"][0]["content"] == "Write to <EMAIL_ADDRESS> yourself."


# ----------------------------------------------------------------------- session 6: review.py survivors (mut6)


import json
import re

from workbench.dataset.curation import Curation, derived_columns
from workbench.snapshots.export import export_snapshot

PAIR_VALUES = ("dana.smit@example.com", "erik.bos@example.org", "fay.de.vries@example.net")


def test_no_revision_of_a_redacted_preference_pair_holds_the_old_values(store, tmp_path):
    """The redaction revision is what undo and snapshots keep: it must hold the new text of
    both answers and the notes, be signed by the tool, and the example's hash must be that
    of its new content (a scan or an export compares it)."""
    pair = {"input": {"messages": [{"role": "user", "content": "Which answer is kinder?"}]},
            "preferred_output": [{"role": "assistant", "content": f"Ask {PAIR_VALUES[0]} for help."}],
            "non_preferred_output": [{"role": "assistant", "content": f"Write to {PAIR_VALUES[1]} yourself."}]}
    import_file(store, write_jsonl(tmp_path / "pairs.jsonl", [pair]), "pairs")
    example = next(store.examples.iter_examples(store.datasets.get_dataset("pairs")["id"]))
    store.examples.update_example(example["id"], {"notes": f"from {PAIR_VALUES[2]}"})
    pii_review.scan_dataset(store, "pairs")
    pii_review.decide(store, "pairs", "redact", entity="EMAIL_ADDRESS")
    pii_review.apply_redactions(store, "pairs")
    after = store.examples.get_example(example["id"])
    revisions = store.examples.revisions(example["id"])
    kept = json.dumps([r["snapshot"] for r in revisions])
    assert not [value for value in PAIR_VALUES if value in kept]
    last = revisions[-1]
    assert (last["action"], last["author"]) == ("redact", "pii")
    assert last["snapshot"]["notes"] == "from <EMAIL_ADDRESS>"
    assert last["snapshot"]["preferred_output"] == after["preferred_output"]
    assert last["snapshot"]["non_preferred_output"] == after["non_preferred_output"]
    assert after["content_hash"] == derived_columns(after)["content_hash"]


def test_a_redaction_purges_every_older_revision_and_the_rejected_lines_of_the_dataset(store, tmp_path):
    """A value typed and later removed by hand lives on in an older revision of another
    example, and a rejected import line keeps its raw text: both go, and are counted."""
    records = [chat("Mail ann.visser@example.com please", "Ok."), chat("first draft", "Fine."), chat("q", "a")]
    path = write_jsonl(tmp_path / "h.jsonl", records)
    with path.open("a", encoding="utf-8") as out:
        out.write('{"messages": "bob.jansen@example.org broke this line"}\n')
    imported = import_file(store, path, "h", skip_invalid=True)
    assert imported.rejected == 1 and len(store.datasets.rejections(imported.import_id)) == 1
    dataset_id = store.datasets.get_dataset("h")["id"]
    by_position = {e["position"]: e for e in store.examples.iter_examples(dataset_id)}
    draft = by_position[2]
    typed = [*draft["messages"][:1], {"role": "user", "content": "call carl.de.wit@example.net"},
             draft["messages"][2]]
    Curation(store, author="tui").save_messages(draft["id"], typed)
    Curation(store, author="tui").save_messages(draft["id"], draft["messages"])  # removed again by hand
    pii_review.scan_dataset(store, "h")
    pii_review.decide(store, "h", "redact", entity="EMAIL_ADDRESS")
    result = pii_review.apply_redactions(store, "h")
    # the draft's two older revisions and the redacted example's pre-redaction one
    assert (result["examples"], result["values"], result["revisions_purged"], result["rejections_dropped"]) == (
        1, 1, 3, 1)
    assert store.datasets.rejections(imported.import_id) == []
    assert "carl.de.wit" not in json.dumps([r["snapshot"] for r in store.examples.revisions(draft["id"])])


def test_a_redaction_drops_the_snapshot_conflicts_that_hold_the_other_sides_old_text(tmp_path):
    from workbench.snapshots.merge import import_snapshot
    from workbench.workspace import open_store

    mine = open_store(tmp_path / "mine.db")
    import_file(mine, write_jsonl(tmp_path / "d.jsonl", [chat("Mail dirk.smit@example.com", "Ok."), chat("q", "a")]),
                "d")
    export_snapshot(mine, tmp_path / "base.snap")
    theirs = open_store(tmp_path / "theirs.db")
    import_snapshot(theirs, tmp_path / "base.snap")
    for side, note in ((theirs, "their note on dirk.smit@example.com"), (mine, "my note")):
        example = next(e for e in side.examples.iter_examples(side.datasets.get_dataset("d")["id"])
                       if e["position"] == 1)
        side.examples.update_example(example["id"], {"notes": note})
    export_snapshot(theirs, tmp_path / "t.snap")
    import_snapshot(mine, tmp_path / "t.snap")
    assert len(mine.snapshots.conflicts()) == 1
    pii_review.scan_dataset(mine, "d")
    pii_review.decide(mine, "d", "redact", entity="EMAIL_ADDRESS")
    pii_review.apply_redactions(mine, "d")
    assert mine.snapshots.conflicts(status=None) == []
    mine.close()
    theirs.close()


def subset_dismissals(store, tmp_path, dataset: str) -> int:
    """Dismissed values a snapshot of one dataset carries."""
    manifest = export_snapshot(store, tmp_path / f"{dataset}.snap", datasets=[dataset])
    return manifest["row_counts"].get("pii_dismissals", 0)


def test_a_remembered_dismissal_belongs_to_its_dataset(emails, tmp_path):
    """A snapshot of another dataset does not carry the values dismissed in this one."""
    import_file(emails, write_jsonl(tmp_path / "other.jsonl", [chat("other set", "fine")]), "other")
    pii_review.decide(emails, "mail", "dismiss", finding_id=email_findings(emails)[0]["id"])
    assert subset_dismissals(emails, tmp_path, "mail") == 1
    assert subset_dismissals(emails, tmp_path, "other") == 0


def findings_by_text(store, dataset: str) -> dict[str, str]:
    """value -> decision of every finding of a dataset."""
    return {f["value"]: f["decision"] for f in pii_review.findings_with_context(store, dataset)}


def test_only_findings_inside_the_fake_values_just_written_are_dismissed(store, tmp_path):
    """After a pseudonym redaction the next scan would flag our own fake account number; it
    is dismissed (and remembered for this dataset), but a finding that merely touches a
    replacement, or sits at the same place in another example, stays for review."""
    # deny-listed words that match only once the number next to them is replaced
    store.set_setting(pii_review.DENY_SETTING, ["bsn:", ";Zork", "Quux"])
    records = [chat("my bsn:111222333;Zork account NL91ABNA0417164300", "Ok."),
               chat("my id:Quux is the one", "Ok.")]
    import_file(store, write_jsonl(tmp_path / "ids.jsonl", records), "ids")
    import_file(store, write_jsonl(tmp_path / "other.jsonl", [chat("other set", "fine")]), "other")
    pii_review.scan_dataset(store, "ids")
    assert findings_by_text(store, "ids") == {"111222333": "pending", "NL91ABNA0417164300": "pending",
                                              "Quux": "pending"}
    pii_review.decide(store, "ids", "redact", entity="NL_BSN")
    pii_review.decide(store, "ids", "redact", entity="IBAN_CODE")
    pii_review.apply_redactions(store, "ids", mode="pseudonym")
    after = findings_by_text(store, "ids")
    [fake] = [value for value in after if value not in ("bsn:", ";Zork", "Quux")]
    assert ibans(fake) == [fake] and fake != "NL91ABNA0417164300"
    assert after == {"bsn:": "pending", ";Zork": "pending", fake: "dismiss", "Quux": "pending"}
    assert subset_dismissals(store, tmp_path, "ids") == 1
    assert subset_dismissals(store, tmp_path, "other") == 0


IBAN = "NL91ABNA0417164300"


def ibans(text: str) -> list[str]:
    return re.findall(r"\b[A-Z]{2}\d{2}[A-Z0-9]{10,30}\b", text)


def test_a_pseudonym_uses_the_locale_of_the_first_example_holding_the_value(store, tmp_path):
    """The same account number becomes the same fake one everywhere, in the locale of the
    first example that holds it: a Dutch example first gives a Dutch IBAN in both."""
    records = [chat(f"Mijn rekeningnummer is {IBAN}, kunt u het geld daarheen overmaken alstublieft?", "Dank u wel."),
               chat(f"Please send the refund to my account {IBAN} as soon as you can, thank you.", "Sure.")]
    import_file(store, write_jsonl(tmp_path / "iban.jsonl", records), "iban")
    dataset_id = store.datasets.get_dataset("iban")["id"]
    assert [e["language"] for e in store.examples.iter_examples(dataset_id)] == ["nl", "en"]
    pii_review.scan_dataset(store, "iban")
    pii_review.decide(store, "iban", "redact", entity="IBAN_CODE")
    dutch = pii_review.preview(store, "iban", "pseudonym")[0]
    assert dutch["position"] == 1 and ibans(dutch["after"])[0].startswith("NL")
    pii_review.apply_redactions(store, "iban", mode="pseudonym")
    written = [ibans(e["messages"][1]["content"]) for e in store.examples.iter_examples(dataset_id)]
    assert written[0] == written[1] and len(written[0]) == 1
    assert written[0][0].startswith("NL") and written[0][0] != IBAN


def test_examples_scanned_by_another_engine_count_as_due(store, tmp_path):
    """Changing the deny list changes the engine: every example must be scanned again."""
    import_file(store, write_jsonl(tmp_path / "few.jsonl", [chat(f"q {i}", f"a {i}") for i in range(3)]), "few")
    dataset_id = store.datasets.get_dataset("few")["id"]
    pii_review.scan_dataset(store, "few")
    assert pii_review.stale_count(store, dataset_id) == 0
    store.set_setting(pii_review.DENY_SETTING, ["Quux"])
    assert pii_review.stale_count(store, dataset_id) == 3


def test_an_example_without_notes_has_no_notes_text():
    messages = [{"role": "user", "content": "hello"}]
    assert list(pii_review.text_fields({"messages": messages})) == [(0, "content", "hello")]
    assert list(pii_review.text_fields({"messages": messages, "notes": ""})) == [(0, "content", "hello")]


def test_an_unknown_redaction_mode_names_the_modes(store):
    with pytest.raises(pii_review.PiiError) as refused:
        pii_review.apply_redactions(store, "no-such-dataset", mode="blur")
    assert str(refused.value) == "mode must be one of placeholder, pseudonym"


def test_the_preview_shows_the_first_twenty_examples(store, tmp_path):
    records = [chat(f"Mail user{i}@example.com please", "Ok.") for i in range(21)]
    import_file(store, write_jsonl(tmp_path / "many.jsonl", records), "many")
    pii_review.scan_dataset(store, "many")
    pii_review.decide(store, "many", "redact", entity="EMAIL_ADDRESS")
    assert [r["position"] for r in pii_review.preview(store, "many")] == list(range(1, 21))


def test_the_engine_description_names_the_spacy_pipeline_of_the_setting(store, tmp_path):
    pipeline = tmp_path / "my_pipeline"
    pipeline.mkdir()
    (pipeline / "meta.json").write_text('{"lang": "nl", "name": "core_news_sm"}', "utf-8")
    assert pii_review.engine_description(store) == "rules only (no NER model), offline"
    store.set_setting(pii_review.SPACY_SETTING, str(pipeline))
    assert pii_review.engine_description(store) == "rules + spaCy NER (nl_core_news_sm), offline"


@pytest.mark.parametrize("language, locale", [("en", "en_GB"), ("nl", "nl_NL"), ("fr", "fr_FR")])
def test_a_fake_address_is_the_locales_address_on_one_line(language, locale):
    from faker import Faker

    digest = hashlib.sha256(b"address").hexdigest()
    fake = Faker(locale)
    fake.seed_instance(int(digest[:16], 16))
    assert pii_review.pseudonym("ADDRESS", digest, language) == ", ".join(fake.address().splitlines())


def plain_chats(texts: list[str]) -> list[dict]:
    """Examples of two texts each (a question and its answer, no system message)."""
    return [chat(text, f"answer {i}", system=None) for i, text in enumerate(texts)]


def test_a_scan_reports_progress_every_two_hundred_texts_and_at_the_end(store, tmp_path):
    import_file(store, write_jsonl(tmp_path / "p.jsonl", plain_chats([f"question {i}" for i in range(125)])), "p")
    calls = []
    result = pii_review.scan_dataset(store, "p", progress=lambda done, total: calls.append((done, total)))
    assert calls == [(200, 250), (250, 250)]
    assert (result.scanned, result.findings) == (125, 0)


def test_a_cancelled_scan_counts_only_the_examples_it_read_completely(store, tmp_path):
    import_file(store, write_jsonl(tmp_path / "c.jsonl", plain_chats([f"question {i}" for i in range(4)])), "c")
    dataset_id = store.datasets.get_dataset("c")["id"]
    asked = []
    # cancelled after the third text: the second example's answer was never read
    result = pii_review.scan_dataset(store, "c", cancelled=lambda: asked.append(1) or len(asked) >= 3)
    assert result.scanned == 1
    assert pii_review.stale_count(store, dataset_id) == 3
    assert pii_review.scan_dataset(store, "c").scanned == 3
    assert pii_review.stale_count(store, dataset_id) == 0


def test_a_scan_counts_values_dismissed_earlier_and_findings_per_entity(store, tmp_path):
    """A value dismissed once is dismissed again wherever a later scan finds it."""
    import_file(store, write_jsonl(tmp_path / "a.jsonl", plain_chats(["Mail ann.visser@example.com"])), "a")
    pii_review.scan_dataset(store, "a")
    pii_review.decide(store, "a", "dismiss", entity="EMAIL_ADDRESS")
    texts = ["Write to ann.visser@example.com", "or carl.de.wit@example.net", "again ann.visser@example.com"]
    import_file(store, write_jsonl(tmp_path / "b.jsonl", plain_chats(texts)), "b")
    result = pii_review.scan_dataset(store, "b")
    assert (result.scanned, result.findings, result.auto_dismissed) == (3, 3, 2)
    assert result.by_entity == {"EMAIL_ADDRESS": 3}
    found = store.pii.pii_findings(store.datasets.get_dataset("b")["id"])
    assert sorted(f["decision"] for f in found) == ["dismiss", "dismiss", "pending"]
    assert all(f["decided_at"] for f in found if f["decision"] == "dismiss")


def test_addresses_that_differ_by_a_dot_are_different_values(store, tmp_path):
    texts = ["Mail ann.visser@example.com", "Mail annvisser@example.com"]
    import_file(store, write_jsonl(tmp_path / "d.jsonl", plain_chats(texts)), "d")
    pii_review.scan_dataset(store, "d")
    first = email_findings_of(store, "d")[0]
    assert pii_review.decide(store, "d", "redact", value_of=first["id"]) == 1


def email_findings_of(store, dataset: str) -> list[dict]:
    dataset_id = store.datasets.get_dataset(dataset)["id"]
    return [f for f in store.pii.pii_findings(dataset_id) if f["entity"] == "EMAIL_ADDRESS"]


def test_the_users_allow_list_and_the_shipped_one_keep_values_out_of_the_findings(store, tmp_path):
    store.set_setting(pii_review.ALLOW_SETTING, ["help@shop.example.com"])
    texts = ["Aurora Assist says: mail help@shop.example.com or ann.visser@example.com"]
    import_file(store, write_jsonl(tmp_path / "w.jsonl", plain_chats(texts)), "w")
    pii_review.scan_dataset(store, "w")
    assert [f["value"] for f in pii_review.findings_with_context(store, "w")] == ["ann.visser@example.com"]


def test_choosing_a_spacy_pipeline_makes_every_example_due_again(store, tmp_path):
    import_file(store, write_jsonl(tmp_path / "s.jsonl", plain_chats(["one", "two"])), "s")
    dataset_id = store.datasets.get_dataset("s")["id"]
    pii_review.scan_dataset(store, "s")
    assert pii_review.stale_count(store, dataset_id) == 0
    pipeline = tmp_path / "nl_pipeline"
    pipeline.mkdir()
    store.set_setting(pii_review.SPACY_SETTING, str(pipeline))
    assert pii_review.stale_count(store, dataset_id) == 2


def test_scanning_an_unknown_dataset_says_how_to_list_them(store):
    with pytest.raises(pii_review.PiiError) as refused:
        pii_review.scan_dataset(store, "nope")
    assert str(refused.value) == "No dataset named 'nope'; run `workbench datasets`."


def scan_audits(store, dataset_id: str) -> list[dict]:
    return [e["details"] for e in store.audit_entries("dataset")
            if e["action"] == "pii_scan" and e["entity_id"] == dataset_id]


def test_every_scan_is_audited_and_a_scan_with_nothing_to_do_says_so(store, tmp_path):
    texts = ["Mail ann.visser@example.com", "nothing here"]
    import_file(store, write_jsonl(tmp_path / "u.jsonl", plain_chats(texts)), "u")
    dataset_id = store.datasets.get_dataset("u")["id"]
    first = pii_review.scan_dataset(store, "u")
    assert first.engine == "rules only (no NER model), offline"
    calls = []
    again = pii_review.scan_dataset(store, "u", progress=lambda done, total: calls.append((done, total)))
    assert (again.scanned, again.findings, again.engine) == (0, 0, first.engine)
    assert calls == [(0, 0)]
    assert scan_audits(store, dataset_id) == [{"scanned": 2, "findings": 1}, {"scanned": 0, "findings": 0}]


def test_a_scan_with_the_callers_analyzer_reports_that_analyzers_engine(store, tmp_path):
    """The Personal data screen passes its own analyzer; the result names what found the
    values, even when the store's setting would build another one."""
    from workbench.pii.analyzer import build_analyzer

    import_file(store, write_jsonl(tmp_path / "e.jsonl", plain_chats(["one"])), "e")
    pipeline = tmp_path / "nl_pipeline"
    pipeline.mkdir()
    store.set_setting(pii_review.SPACY_SETTING, str(pipeline))
    analyzer = build_analyzer()
    assert pii_review.scan_dataset(store, "e", analyzer=analyzer).engine == analyzer.engine_description
    repeat = pii_review.scan_dataset(store, "e", analyzer=analyzer)
    assert (repeat.scanned, repeat.engine) == (0, "rules only (no NER model), offline")
    # the marks name the engine that read the example: the store's own (spaCy) engine has not
    dataset_id = store.datasets.get_dataset("e")["id"]
    assert pii_review.stale_count(store, dataset_id) == 1


def test_an_edited_example_stops_being_due_once_scanned_again(store, tmp_path):
    import_file(store, write_jsonl(tmp_path / "r.jsonl", plain_chats(["one", "two"])), "r")
    dataset_id = store.datasets.get_dataset("r")["id"]
    pii_review.scan_dataset(store, "r")
    example = next(store.examples.iter_examples(dataset_id))
    Curation(store, author="tui").save_messages(example["id"], [{"role": "user", "content": "one, edited"},
                                                                example["messages"][1]])
    assert pii_review.stale_count(store, dataset_id) == 1
    assert pii_review.scan_dataset(store, "r").scanned == 1
    assert pii_review.stale_count(store, dataset_id) == 0


def test_without_a_keyring_an_old_key_stays_in_the_file_for_a_later_move(store, tmp_path):
    """Only a key safely in the keyring may leave the file: without one, wiping it would
    lose every earlier decision for good."""
    import keyring
    from keyring.backends import fail

    from workbench.pii import secret

    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    secret.forget_cached()
    try:
        store.set_setting(pii_review.KEY_SETTING, "ab" * 32)  # as an older version left it
        import_file(store, write_jsonl(tmp_path / "k.jsonl", plain_chats(["Mail ann.visser@example.com"])), "k")
        pii_review.scan_dataset(store, "k")
        assert store.get_setting(pii_review.KEY_SETTING) == "ab" * 32
    finally:
        keyring.set_keyring(previous)
        secret.forget_cached()


@pytest.mark.skipif(__import__("os").environ.get("WORKBENCH_REAL_KEYRING") != "1",
                    reason="needs the throwaway keyring that `tasks.py test` and `tasks.py mutate` start "
                           "(tests/keyring_session.py)")
def test_an_old_key_in_the_file_moves_to_the_keyring_and_earlier_hashes_keep_matching(store, tmp_path):
    import keyring
    from keyring.errors import PasswordDeleteError

    from workbench.pii import secret

    old = "ab" * 32
    try:  # the throwaway keyring of this session (WORKBENCH_REAL_KEYRING), never the user's
        keyring.delete_password(secret.SERVICE, secret.ACCOUNT)
    except PasswordDeleteError:
        pass
    secret.forget_cached()
    try:
        store.set_setting(pii_review.KEY_SETTING, old)
        import_file(store, write_jsonl(tmp_path / "k.jsonl", plain_chats(["Mail ann.visser@example.com"])), "k")
        pii_review.scan_dataset(store, "k")
        assert store.get_setting(pii_review.KEY_SETTING) is None
        assert keyring.get_password(secret.SERVICE, secret.ACCOUNT) == old
        [finding] = email_findings_of(store, "k")
        assert finding["value_hash"] == pii_review.value_hash(bytes.fromhex(old), "EMAIL_ADDRESS",
                                                              "ann.visser@example.com")
        assert old.encode() not in __import__("pathlib").Path(store.path).read_bytes()
    finally:
        secret.forget_cached()


def test_after_a_cancel_an_example_without_any_text_still_counts_as_scanned(store, tmp_path):
    """A draft the editor kept with only an image in it has no text to read: nothing of it
    is left unread, so it is scanned even when the scan stops early."""
    import_file(store, write_jsonl(tmp_path / "t.jsonl", plain_chats(["first question", "second question"])), "t")
    dataset_id = store.datasets.get_dataset("t")["id"]
    image = {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}}
    Curation(store, author="tui").create(dataset_id, [{"role": "user", "content": [image]}])
    assert [len(list(pii_review.text_fields(e))) for e in store.examples.iter_examples(dataset_id)] == [2, 2, 0]
    result = pii_review.scan_dataset(store, "t", cancelled=lambda: True)  # stops after the first text
    assert result.scanned == 1
    assert pii_review.stale_count(store, dataset_id) == 2


def test_a_new_deny_list_makes_the_next_scan_read_every_example_again(store, tmp_path):
    import_file(store, write_jsonl(tmp_path / "n.jsonl", plain_chats(["ask Quux", "nothing"])), "n")
    assert pii_review.scan_dataset(store, "n").findings == 0
    store.set_setting(pii_review.DENY_SETTING, ["Quux"])
    again = pii_review.scan_dataset(store, "n")
    assert (again.scanned, again.findings) == (2, 1)


def test_each_example_is_read_in_its_own_language_and_an_unknown_one_as_english(store, tmp_path):
    """Context words depend on the language: "burgerservicenummer" makes nine digits a BSN
    in Dutch only. A language the scan has no rules for (German) is read as English."""
    from workbench.pii.analyzer import build_analyzer

    texts = ["Mijn burgerservicenummer is 111222333, kunt u mijn gegevens aanpassen alstublieft?",
             "Guten Tag, meine Nummer ist 020 123 4567, rufen Sie mich bitte morgen an."]
    import_file(store, write_jsonl(tmp_path / "l.jsonl", plain_chats(texts)), "l")
    dataset_id = store.datasets.get_dataset("l")["id"]
    assert [e["language"] for e in store.examples.iter_examples(dataset_id)] == ["nl", "de"]
    pii_review.scan_dataset(store, "l")
    found = [(f["position"], f["entity"], f["start"], f["end"], f["score"])
             for f in store.pii.pii_findings(dataset_id) if f["message_index"] == 0]
    analyzer = build_analyzer()
    expected = [(position, s.entity, s.start, s.end, s.score)
                for position, (text, language) in enumerate(zip(texts, ["nl", "en"]), start=1)
                for s in analyzer.analyze(text, language)]
    assert found == expected
    assert [f[1] for f in found] == ["NL_BSN", "PHONE_NUMBER"]


def test_a_scan_reads_what_it_can_of_an_example_saved_with_errors():
    """The editor keeps an example with errors; its malformed parts are skipped, not fatal."""
    example = {"messages": ["not a message", {"role": "user", "content": "still read"},
                            {"role": "assistant", "content": None,
                             "tool_calls": ["not a call", {"function": {"name": "f", "arguments": "{\"a\": 2}"}}]}]}
    assert list(pii_review.text_fields(example)) == [(1, "content", "still read"),
                                                     (2, "tool_calls.1.arguments", "{\"a\": 2}")]


def test_the_pseudonym_preview_shows_what_the_redaction_will_write(store, tmp_path):
    records = [chat(f"Mijn rekeningnummer is {IBAN}, kunt u het geld daarheen overmaken alstublieft?", "Dank u wel."),
               chat(f"Please send the refund to my account {IBAN} as soon as you can, thank you.", "Sure.")]
    import_file(store, write_jsonl(tmp_path / "iban.jsonl", records), "iban")
    dataset_id = store.datasets.get_dataset("iban")["id"]
    pii_review.scan_dataset(store, "iban")
    pii_review.decide(store, "iban", "redact", entity="IBAN_CODE")
    previewed = [r["after"] for r in pii_review.preview(store, "iban", "pseudonym")]
    pii_review.apply_redactions(store, "iban", mode="pseudonym")
    assert [e["messages"][1]["content"] for e in store.examples.iter_examples(dataset_id)] == previewed


def test_a_legacy_function_calls_arguments_are_scanned_too():
    example = {"messages": [{"role": "user", "content": "book it"},
                            {"role": "assistant", "content": None,
                             "function_call": {"name": "book", "arguments": "{\"mail\": \"ann.visser@example.com\"}"}}]}
    assert any("ann.visser@example.com" in text for _, _, text in pii_review.text_fields(example))


def test_a_large_scan_in_worker_processes_finds_what_one_process_finds(store, tmp_path, recwarn):
    """From 2,000 texts the scan spreads over worker processes, each building its analyzer
    from the store's settings (here a deny list): the findings are those of a scan in this
    process, and the workers did the work (no fall-back to one process)."""
    store.set_setting(pii_review.DENY_SETTING, ["Quux"])
    texts = [f"Mail user{i}@example.com" if i % 100 == 0 else ("ask Quux" if i % 250 == 1 else f"question {i}")
             for i in range(pii_review.PARALLEL_FROM // 2)]
    import_file(store, write_jsonl(tmp_path / "big.jsonl", plain_chats(texts)), "big")
    result = pii_review.scan_dataset(store, "big", workers=2)
    assert (result.scanned, result.findings) == (1000, 14)
    assert result.by_entity == {"EMAIL_ADDRESS": 10, "PERSON": 4}
    assert not [w for w in recwarn if "PII scan workers stopped" in str(w.message)]


LEGACY_CALL_MAIL = "ann.visser@example.com"


def _legacy_call(arguments: dict) -> dict:
    return {"messages": [{"role": "user", "content": "Book the table for tonight, please."},
                         {"role": "assistant", "content": None,
                          "function_call": {"name": "book", "arguments": json.dumps(arguments)}},
                         {"role": "function", "name": "book", "content": "booked"},
                         {"role": "assistant", "content": "Your table is booked."}],
            "functions": [{"name": "book", "parameters": {"type": "object", "properties": {"mail": {"type": "string"}}}}]}


def test_a_legacy_function_calls_arguments_are_scanned_and_redacted(store, tmp_path):
    import_file(store, write_jsonl(tmp_path / "calls.jsonl", [_legacy_call({"mail": LEGACY_CALL_MAIL, "seats": 2})]), "calls")
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
    assert LEGACY_CALL_MAIL.encode() not in store.path.read_bytes()
