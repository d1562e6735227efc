"""Rules users rely on, each pinned by a test that fails when the rule is broken (the
audit of issue 16 planted these bugs and the suite let them pass)."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import chat, many_chats, write_jsonl
from workbench.chat.checks import MAX_FILE_BYTES, FileChecker
from workbench.dataset.exporter import choose_validation
from workbench.dataset.importer import import_file
from workbench.pii import review as pii_review
from workbench.pii.review import scan_and_export

TAG_SETS = [(), ("returns",), ("billing", "nl"), ("refunds", "fr"), ("escalation",)]


@settings(max_examples=200, deadline=None)
@given(sizes=st.lists(st.integers(min_value=0, max_value=60), min_size=len(TAG_SETS), max_size=len(TAG_SETS)),
       share=st.sampled_from([0.05, 0.1, 0.2, 0.25, 0.5]), seed=st.text(min_size=1, max_size=8))
def test_split_is_stratified_for_every_mix_of_tags_and_seed(sizes, share, seed):
    items = [(f"{i}-{j}", tags) for i, (tags, n) in enumerate(zip(TAG_SETS, sizes)) for j in range(n)]
    chosen = choose_validation(items, share, seed)
    total = len(items)
    # the whole split rounds to the nearest example (floor would lose one often)
    assert len(chosen) == int(share * total + 0.5)
    # and every tag set gets its share, within one example
    by_tags = Counter(tags for item_id, tags in items if item_id in chosen)
    for tags, n in zip(TAG_SETS, sizes):
        assert abs(by_tags[tags] - share * n) <= 1


def test_a_file_over_the_size_limit_is_an_error_that_fails_validation():
    checker = FileChecker()
    findings = checker.finish(MAX_FILE_BYTES + 1)
    too_large = [f for f in findings if f.code == "file_too_large"]
    assert too_large and too_large[0].is_error
    assert not [f for f in checker.finish(MAX_FILE_BYTES) if f.code == "file_too_large"]


def test_same_value_dismissal_dismisses_every_finding_of_that_value(store, tmp_path):
    email = "kim.de.wit@example.nl"
    records = many_chats(10) + [chat(f"Mail {email} about order 1.", "Done."),
                                chat(f"Second order: still {email}.", "Done."),
                                chat("Other mail: lou.peeters@example.be", "Done.")]
    import_file(store, write_jsonl(tmp_path / "d.jsonl", records), "d")
    pii_review.scan_dataset(store, "d")
    rows = [r for r in pii_review.findings_with_context(store, "d", entity="EMAIL_ADDRESS")]
    kim = [r for r in rows if r["value"] == email]
    assert len(kim) == 2
    assert pii_review.decide(store, "d", "dismiss", value_of=kim[0]["id"]) == 2
    after = {r["value"]: r["decision"] for r in pii_review.findings_with_context(store, "d", entity="EMAIL_ADDRESS")}
    assert after == {email: "dismiss", "lou.peeters@example.be": "pending"}


def test_export_removes_a_stale_validation_file_from_an_earlier_export(store, tmp_path):
    import_file(store, write_jsonl(tmp_path / "d.jsonl", many_chats(20)), "d")
    out = tmp_path / "out"
    first = scan_and_export(store, "d", out, validation_share=0.2)
    assert first.validation_path is not None and (out / "validation.jsonl").exists()
    second = scan_and_export(store, "d", out, validation_share=0, message="no validation")
    assert second.validation_path is None
    assert not (out / "validation.jsonl").exists()
    assert sum(1 for _ in (out / "train.jsonl").open()) == 20


@pytest.mark.parametrize("n, errors", [(9, 0), (10, 0)])
def test_ten_examples_is_enough_nine_is_a_warning(tmp_path, n, errors):
    from workbench.chat.checks import validate_path

    report = validate_path(write_jsonl(tmp_path / "f.jsonl", many_chats(n)))
    codes = {f.code for f in report.findings}
    assert ("too_few_examples" in codes) == (n < 10)


def test_one_example_is_not_written_one_examples(tmp_path):
    from workbench.chat.checks import validate_path

    report = validate_path(write_jsonl(tmp_path / "one.jsonl", many_chats(1)))
    (message,) = [f.message for f in report.findings if f.code == "too_few_examples"]
    assert "has 1 example;" in message
