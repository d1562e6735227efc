"""The PII evaluation: the generated corpus is well formed, the span-matching rule does
what docs/pii.md says, and on a small corpus the analyzer stays above floors set a
little under bench/pii_eval.py's targets. No timings are asserted."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"
sys.path.insert(0, str(BENCH))

import pii_corpus  # noqa: E402
import pii_eval  # noqa: E402

from workbench.pii import Span, build_analyzer  # noqa: E402
from workbench.pii.checksums import be_national_number_valid, bsn_valid, card_valid, iban_valid, nir_valid  # noqa: E402

CHECKED = {"IBAN_CODE": iban_valid, "CREDIT_CARD": card_valid, "NL_BSN": bsn_valid, "FR_NIR": nir_valid,
           "BE_NATIONAL_NUMBER": be_national_number_valid}


@pytest.fixture(scope="module")
def corpus():
    return pii_corpus.generate(300, seed=11)


@pytest.fixture(scope="module")
def report(corpus):
    analyzer = build_analyzer()
    return pii_eval.evaluate(corpus, [analyzer.analyze(m.text, m.language) for m in corpus])


def test_corpus_is_seeded_and_gold_spans_point_at_their_values(corpus):
    assert [m.text for m in pii_corpus.generate(30, seed=11)] == [m.text for m in corpus[:30]]
    assert {m.language for m in corpus} == {"en", "nl", "fr"}
    assert 0.4 < sum(m.has_pii for m in corpus) / len(corpus) < 0.8
    for message in corpus:
        for span in message.spans:
            assert message.text[span.start:span.end] == span.text
            if span.entity in CHECKED:  # the generator's own check digits agree with the analyzer's rules
                assert CHECKED[span.entity](span.text), span


def test_hard_negatives_carry_no_gold(corpus):
    negatives = [m for m in corpus if not m.has_pii]
    assert negatives and all(m.spans == [] for m in negatives)
    assert any("AUR" in m.text for m in negatives)


@pytest.mark.parametrize("gold, predicted, matched", [
    ((0, 10), (0, 10), True),
    ((0, 10), (0, 5), True),      # half the gold span is enough
    ((0, 10), (0, 4), False),
    ((0, 10), (5, 30), True),     # a longer prediction still overlaps half the gold
    ((0, 10), (6, 12), False),
])
def test_a_prediction_matches_when_it_overlaps_half_the_gold_span(gold, predicted, matched):
    text = "x" * 40
    message = pii_corpus.Message("t", "en", text, [pii_corpus.GoldSpan("PERSON", *gold, text[gold[0]:gold[1]])], True)
    span = Span("PERSON", *predicted, 0.9, "test", text[predicted[0]:predicted[1]])
    gold_hit, pred_hit = pii_eval.match(message, [span])
    assert bool(gold_hit) is matched and bool(pred_hit) is matched


def test_another_entity_never_matches():
    message = pii_corpus.Message("t", "en", "06-12345678", [pii_corpus.GoldSpan("PHONE_NUMBER", 0, 11, "06-12345678")],
                                 True)
    assert pii_eval.match(message, [Span("NL_BSN", 0, 11, 0.9, "test", "06-12345678")]) == (set(), set())


@pytest.mark.parametrize("entity", ["EMAIL_ADDRESS", "IBAN_CODE", "CREDIT_CARD", "PHONE_NUMBER"])
def test_recall_of_the_structured_entities(report, entity):
    assert report.total(entity).recall >= 0.9


@pytest.mark.parametrize("language", ["en", "nl", "fr"])
def test_person_recall_per_language_without_a_model(report, language):
    assert report.total("PERSON", language).recall >= 0.75


def test_overall_precision(report):
    assert report.total().precision >= 0.8


def test_targets_check_reports_a_miss():
    weak = pii_eval.Report()
    weak.by_cell[("EMAIL_ADDRESS", "en")] = pii_eval.Tally(gold=10, found=5, predicted=5, correct=5)
    assert pii_eval.targets_missed(weak, 100.0) == [
        "EMAIL_ADDRESS recall 0.500 < 0.95", "throughput 100 msg/s < 2,000"]


@pytest.mark.parametrize("name, at_least", [("pii_heldout_en.jsonl", 300), ("pii_heldout_nlfr.jsonl", 300),
                                            ("pii_tuning.jsonl", 20)])
def test_labelled_sets_load_with_spans_pointing_at_their_values(name, at_least):
    messages = pii_eval.load_jsonl(BENCH / "data" / name)
    assert len(messages) >= at_least
    entities = {s.entity for m in messages for s in m.spans}
    assert {"PERSON", "ADDRESS", "PHONE_NUMBER", "CREDIT_CARD"} <= entities


def test_a_span_that_misses_its_text_names_the_file_and_line(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"language": "en", "text": "hi Ann", "spans": [{"entity": "PERSON", "start": 0, "end": 2, '
                    '"text": "Ann"}]}\n', encoding="utf-8")
    with pytest.raises(ValueError, match="bad.jsonl:1"):
        pii_eval.load_jsonl(path)
