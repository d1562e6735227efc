"""The offline PII analyzer: each recognizer's valid and invalid inputs, names with cues,
allow and deny lists, the process pool, and a scan with every socket blocked."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from workbench.pii import ENTITIES, Span, analyze_many, build_analyzer, iter_analyze_many
from workbench.pii.checksums import (
    be_national_number_valid,
    bsn_valid,
    card_valid,
    iban_valid,
    luhn_valid,
    nir_key,
    nir_valid,
)

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def analyzer():
    return build_analyzer()


def found(analyzer, text: str, language: str = "en") -> set[tuple[str, str]]:
    return {(s.entity, s.text) for s in analyzer.analyze(text, language)}


# ------------------------------------------------------------------ check digits


@pytest.mark.parametrize("value, valid", [
    ("111222333", True), ("123456782", True), ("1234.56.782", True),
    ("123456789", False), ("111222334", False), ("000000000", False), ("12345678", False),
])
def test_bsn_eleven_test(value, valid):
    assert bsn_valid(value) is valid


def test_nir_key_is_97_minus_the_number_mod_97_with_corsica_as_19_and_18():
    assert nir_key("1850578006084") == 97 - 1850578006084 % 97 == 91
    assert nir_key("185052A006084") == 97 - 1850519006084 % 97 == 35
    assert nir_key("185052B006084") == 97 - 1850518006084 % 97 == 62


@pytest.mark.parametrize("value, valid", [
    ("1 85 05 78 006 084 91", True), ("185057800608491", True), ("1 85 05 2A 006 084 35", True),
    ("1 85 05 2B 006 084 62", True), ("1 85 05 78 006 084 36", False), ("1 85 05 2A 006 084 91", False),
    ("3 85 05 78 006 084 91", False), ("1 85 15 78 006 084 91", False),
])
def test_nir(value, valid):
    assert nir_valid(value) is valid


@pytest.mark.parametrize("value, valid", [
    ("85.07.30-033.28", True), ("85073003328", True),
    ("05.01.01-123.85", True),   # born in 2005: the check uses 2 followed by the nine digits
    ("05.01.01-123.56", True),   # the same digits for someone born in 1905: the number cannot tell
    ("05.01.01-123.57", False),
    ("85.07.30-033.29", False), ("85.13.30-033.28", False),
])
def test_be_national_number(value, valid):
    assert be_national_number_valid(value) is valid


@pytest.mark.parametrize("value, valid", [
    ("NL91ABNA0417164300", True), ("NL91 ABNA 0417 1643 00", True), ("BE68539007547034", True),
    ("FR1420041010050500013M02606", True), ("DE89370400440532013000", True), ("GB82WEST12345698765432", True),
    ("LU280019400644750000", True), ("nl91abna0417164300", True),
    ("NL91ABNA0417164301", False), ("NL91ABNA041716430", False), ("XX91ABNA0417164300", False),
])
def test_iban_mod_97(value, valid):
    assert iban_valid(value) is valid


@pytest.mark.parametrize("value, valid", [
    ("4111 1111 1111 1111", True), ("5555555555554444", True), ("2223 0031 2200 3222", True),
    ("2720 9999 9999 9996", luhn_valid("2720999999999996")), ("378282246310005", True), ("6011111111111117", True),
    ("4111 1111 1111 1112", False), ("2223 0031 2200 3223", False),
    ("2220 9999 9999 9998", False),  # just below the 2-series range
    ("1234 5678 9012 3452", False),  # Luhn-valid, but no card scheme starts with 1
])
def test_cards_need_luhn_and_a_scheme_prefix(value, valid):
    assert card_valid(value) is valid


# ------------------------------------------------------------------ recognizers in text


@pytest.mark.parametrize("text, language, entity, value", [
    ("Mijn IBAN is NL91 ABNA 0417 1643 00, graag terugstorten.", "nl", "IBAN_CODE", "NL91 ABNA 0417 1643 00"),
    ("Remboursez sur FR1420041010050500013M02606 svp", "fr", "IBAN_CODE", "FR1420041010050500013M02606"),
    ("rekening be68539007547034 graag", "nl", "IBAN_CODE", "be68539007547034"),
    ("My Mastercard is 2223 0031 2200 3222.", "en", "CREDIT_CARD", "2223 0031 2200 3222"),
    ("Mijn kaart: 2223 0031 2200 3222", "nl", "CREDIT_CARD", "2223 0031 2200 3222"),
    ("Ma carte 2223-0031-2200-3222 a été refusée", "fr", "CREDIT_CARD", "2223-0031-2200-3222"),
    ("Visa 4111111111111111 please", "en", "CREDIT_CARD", "4111111111111111"),
    ("Amex 3782 822463 10005", "en", "CREDIT_CARD", "3782 822463 10005"),
    ("Mijn BSN is 111222333.", "nl", "NL_BSN", "111222333"),
    ("burgerservicenummer 1234.56.782", "nl", "NL_BSN", "1234.56.782"),
    ("Numéro de sécurité sociale : 1 85 05 78 006 084 91", "fr", "FR_NIR", "1 85 05 78 006 084 91"),
    ("NIR 185052A00608435 (Ajaccio)", "fr", "FR_NIR", "185052A00608435"),
    ("Mijn rijksregisternummer is 85.07.30-033.28", "nl", "BE_NATIONAL_NUMBER", "85.07.30-033.28"),
    ("numéro national 05.01.01-123.85", "fr", "BE_NATIONAL_NUMBER", "05.01.01-123.85"),
    ("mail me at sanne.devries@example.nl today", "nl", "EMAIL_ADDRESS", "sanne.devries@example.nl"),
    ("écrivez à margaux.lefevre@orange.fr.", "fr", "EMAIL_ADDRESS", "margaux.lefevre@orange.fr"),
    ("ping o.bennett+shop@mail.example.co.uk", "en", "EMAIL_ADDRESS", "o.bennett+shop@mail.example.co.uk"),
    ("my IP is 192.168.1.20.", "en", "IP_ADDRESS", "192.168.1.20"),
    ("adresse IP 2001:db8::1", "fr", "IP_ADDRESS", "2001:db8::1"),
    ("photos: https://photos.example.com/a/XyZ123 thanks", "en", "URL", "https://photos.example.com/a/XyZ123"),
])
def test_recognizers_find_their_entity(analyzer, text, language, entity, value):
    assert (entity, value) in found(analyzer, text, language)


@pytest.mark.parametrize("text, language", [
    ("Mijn IBAN is NL91 ABNA 0417 1643 01.", "nl"),              # bad check digits
    ("Card 4111 1111 1111 1112 was declined", "en"),             # bad Luhn
    ("Mijn BSN is 123456789.", "nl"),                            # fails the 11-test
    ("sécurité sociale 1 85 05 78 006 084 36", "fr"),           # wrong key
    ("rijksregisternummer 85.07.30-033.29", "nl"),              # wrong check
    ("Klantnummer 111222333.", "nl"),                            # passes the 11-test, but no BSN context
    ("Version 1.6.5.40 of the app crashes", "en"),               # a version, not an IP address
    ("Notre SIRET est 57612161022185", "fr"),                    # Luhn-valid, not a card
    ("Ondernemingsnummer BE 0798.131.242", "nl"),                # enterprise number, not a phone
    ("Ons KvK-nummer is 00491805.", "nl"),                       # a "00" number after KvK is no phone
])
def test_look_alikes_are_not_reported(analyzer, text, language):
    assert found(analyzer, text, language) == set()


@pytest.mark.parametrize("text, language, value", [
    ("Bel me op +31 6 12345678", "nl", "+31 6 12345678"),
    ("Bel me op 06-12345678", "nl", "06-12345678"),
    ("Mijn gsm: +32 470 12 34 56", "nl", "+32 470 12 34 56"),
    ("Mon portable : +33 6 12 34 56 78", "fr", "+33 6 12 34 56 78"),
    ("Appelez-moi au 06 12 34 56 78", "fr", "06 12 34 56 78"),
    ("Appelez le +352 621 123 456", "fr", "+352 621 123 456"),
    ("Call our Berlin office on +49 30 1234567", "en", "+49 30 1234567"),
    ("Call me on +44 20 7946 0958", "en", "+44 20 7946 0958"),
    ("Call me on (212) 555-0147", "en", "(212) 555-0147"),
    ("Call me on +1 212 555 0147", "en", "+1 212 555 0147"),
    ("Bel 0031 6 12345678 of 0470/12.34.56", "nl", "0470/12.34.56"),
    ("Rufen Sie 0151 23456789 an", "en", "0151 23456789"),   # a German mobile, national format
    ("(oliver@example.com, +44 7700 900461)", "en", "+44 7700 900461"),  # UK drama range: possible, not valid
])
def test_phone_numbers_per_country(analyzer, text, language, value):
    assert ("PHONE_NUMBER", value) in found(analyzer, text, language)


@pytest.mark.parametrize("text", ["Call me on (212) 555-0147", "Call me on +1 212 555 0147", "ring 212-555-0147"])
def test_us_phone_numbers_are_phones_and_never_uk_nhs(analyzer, text):
    entities = [s.entity for s in analyzer.analyze(text, "en")]
    assert entities == ["PHONE_NUMBER"]
    assert "UK_NHS" not in ENTITIES


@pytest.mark.parametrize("text", ["Call 0900 1234567 for help", "ships 12/03/2026 14:30", "since 04-08-2025 17:00"])
def test_business_numbers_and_dates_are_not_phones(analyzer, text):
    assert not [s for s in analyzer.analyze(text, "en") if s.entity == "PHONE_NUMBER"]


def test_context_words_raise_the_score(analyzer):
    bare = analyzer.analyze("06-12345678", "nl")[0]
    cued = analyzer.analyze("Mijn telefoonnummer is 06-12345678", "nl")[0]
    french = analyzer.analyze("Mon numéro de téléphone : 06 12 34 56 78", "fr")[0]
    assert cued.score > bare.score and french.score > bare.score


# ------------------------------------------------------------------ names


@pytest.mark.parametrize("text, language, name", [
    ("Hi, my name is Oliver Bennett and my parcel is late.", "en", "Oliver Bennett"),
    ("Regards,\nOliver Bennett", "en", "Oliver Bennett"),
    ("Dear Mr Bennett, your refund was sent.", "en", "Bennett"),
    ("Thanks for the quick reply, Grace.", "en", "Grace"),
    ("My wife Zofia Kowalczyk will pick it up.", "en", "Zofia Kowalczyk"),   # in no list: found by the cue
    ("Hallo, ik heet Sanne de Vries.", "nl", "Sanne de Vries"),
    ("Met vriendelijke groet,\nSanne de Vries", "nl", "Sanne de Vries"),
    ("Mijn naam is Pieter van den Berg", "nl", "Pieter van den Berg"),
    ("Mevr. de Vries belde gisteren.", "nl", "de Vries"),
    ("Hoi Sanne, je pakket komt morgen.", "nl", "Sanne"),
    ("Bonjour, je m'appelle Margaux Lefèvre.", "fr", "Margaux Lefèvre"),
    ("Jean-Pierre Dubois a appelé hier.", "fr", "Jean-Pierre Dubois"),
    ("Cordialement,\nMme Dubois", "fr", "Dubois"),
    ("Bonjour Margaux ! Votre colis arrive.", "fr", "Margaux"),
])
def test_names_with_cues(analyzer, text, language, name):
    assert ("PERSON", name) in found(analyzer, text, language)


def test_name_scores_follow_the_evidence(analyzer):
    def score(text):
        return analyzer.analyze(text, "en")[0].score
    assert score("Oliver Bennett called") >= 0.85           # first + last name
    assert score("Hi Oliver, thanks") == pytest.approx(0.7)  # lone first name after a cue
    assert analyzer.analyze("Bennett called", "en") == []    # a lone last name is not enough


@pytest.mark.parametrize("text, language", [
    ("Will you ship to May? Rose gold is sold out until June.", "en"),
    ("Grace period for returns is 30 days. Mark my ticket as solved.", "en"),
    ("Ben ik te laat? Dan wacht ik nog even. Elke bestelling is gratis.", "nl"),
    ("Claire et rapide, merci. France métropolitaine uniquement ?", "fr"),
    ("Dear Customer, Hello Support, Dear Sir or Madam,", "en"),
    ("I'm Dutch and I shop from France.", "en"),
    ('{"sku": "AC-DRS-4410", "name": "Linen midi dress, sage"}', "en"),
    ("Is the Ida cardigan in stock? And the Nora boot?", "en"),
])
def test_capitalised_words_are_not_names(analyzer, text, language):
    assert not [s for s in analyzer.analyze(text, language) if s.entity == "PERSON"]


def test_no_pii_in_an_order_line(analyzer):
    for language in ("en", "nl", "fr"):
        assert analyzer.analyze("Order AUR-10482 costs €49.95, ships 12/03/2026", language) == []


# ------------------------------------------------------------------ allow and deny lists


def test_brand_names_are_never_pii(analyzer):
    text = "Aurora Assist told me to ask Aurora Commerce about my Aurora Plus. Thanks, Aurora team!"
    assert analyzer.analyze(text, "en") == []


def test_allow_list_words_do_not_start_names():
    analyzer = build_analyzer(allow_list=("Aurora", "Ida"))
    assert analyzer.analyze("Hi Aurora, is the Ida cardigan back?", "en") == []


def test_allow_listed_domain_clears_its_urls():
    analyzer = build_analyzer(allow_list=("aurora-commerce.example",))
    text = "Label: https://returns.aurora-commerce.example/RET-1/label.pdf or https://evil.example.org/x"
    assert [s.text for s in analyzer.analyze(text, "en")] == ["https://evil.example.org/x"]


def test_deny_list_names_are_always_people():
    analyzer = build_analyzer(deny_list=("Zbigniew Kowalczyk", "Aurélie"))
    spans = analyzer.analyze("zbigniew kowalczyk and AURÉLIE wrote to support", "en")
    assert [(s.entity, s.text, s.score, s.recognizer) for s in spans] == [
        ("PERSON", "zbigniew kowalczyk", 1.0, "deny_list"), ("PERSON", "AURÉLIE", 1.0, "deny_list")]


def test_deny_list_match_inside_a_found_name_keeps_the_whole_name():
    analyzer = build_analyzer(deny_list=("Sanne",))
    [span] = analyzer.analyze("Groeten, Sanne de Vries", "nl")
    assert (span.text, span.score) == ("Sanne de Vries", 1.0)


def test_engine_id_changes_with_the_lists():
    assert build_analyzer().engine_id != build_analyzer(deny_list=("Sanne",)).engine_id
    assert build_analyzer().engine_id == build_analyzer().engine_id


# ------------------------------------------------------------------ analyzer behaviour


def test_overlaps_keep_one_reading(analyzer):
    text = "Mail oliver.bennett@example.be or call"
    assert [(s.entity, s.text) for s in analyzer.analyze(text, "en")] == [
        ("EMAIL_ADDRESS", "oliver.bennett@example.be")]  # not also a URL "example.be"


def test_spans_are_frozen_and_point_into_the_text(analyzer):
    text = "Bel Sanne de Vries op 06-12345678"
    for span in analyzer.analyze(text, "nl"):
        assert isinstance(span, Span) and text[span.start:span.end] == span.text
        with pytest.raises(AttributeError):
            span.score = 0  # type: ignore[misc]


def test_entities_and_threshold_filters(analyzer):
    text = "Hi Sanne, call 06-12345678"
    assert {s.entity for s in analyzer.analyze(text, "nl", entities=["PHONE_NUMBER"])} == {"PHONE_NUMBER"}
    assert analyzer.analyze(text, "nl", score_threshold=0.99) == []


def test_unsupported_language_is_a_clear_error(analyzer):
    with pytest.raises(ValueError, match="not loaded"):
        analyzer.analyze("Hallo", "de")
    with pytest.raises(ValueError, match="unsupported language"):
        build_analyzer(languages=("en", "xx"))
    assert build_analyzer(languages=("nl",)).analyze("Bel 06-12345678", None)[0].entity == "PHONE_NUMBER"


def test_missing_spacy_model_dir_is_ignored(tmp_path):
    analyzer = build_analyzer(spacy_model_dir=tmp_path / "nope")
    assert "+spacy" not in analyzer.engine_id


def test_spacy_pipeline_on_disk_adds_its_people(tmp_path):
    spacy = pytest.importorskip("spacy")
    nlp = spacy.blank("en")  # no download: a blank pipeline with a rule-based "model"
    nlp.add_pipe("entity_ruler").add_patterns([{"label": "PERSON", "pattern": "Qorvath"}])
    nlp.to_disk(tmp_path / "model")
    analyzer = build_analyzer(spacy_model_dir=tmp_path / "model")
    assert "+spacy" in analyzer.engine_id
    assert ("PERSON", "Qorvath") in found(analyzer, "the parcel went to qorvath and Qorvath", "en")


def test_analyze_many_on_two_processes_matches_analyze(analyzer):
    items = [(f"Bel Sanne de Vries op 06-1234567{i % 10} over AUR-{i}", "nl") for i in range(120)]
    pooled = analyze_many(items, workers=2, chunk_size=25, analyzer=analyzer)
    assert pooled == [analyzer.analyze(text, language) for text, language in items]


def test_iter_analyze_many_streams_in_order_and_can_stop_early(analyzer):
    items = [(f"order {i} for sanne@example.nl", "en") for i in range(60)]
    seen = []
    stream = iter_analyze_many(analyzer.config, items, workers=1, chunk_size=10, analyzer=analyzer)
    for index, spans in stream:
        seen.append(index)
        if index == 14:
            stream.close()
            break
    assert seen == list(range(15))


# ------------------------------------------------------------------ offline


OFFLINE_SCAN = r"""
import json, socket, sys
attempts = []
def refuse(*args, **kwargs):
    attempts.append(repr(args[:2]))
    raise OSError("network blocked by test")
socket.socket.connect = refuse
socket.socket.connect_ex = refuse
socket.create_connection = refuse
socket.getaddrinfo = refuse
sys.path[:0] = [sys.argv[1], sys.argv[1] + "/bench"]
from pii_corpus import generate
from workbench.pii import build_analyzer
analyzer = build_analyzer()
messages = generate(300, seed=7)
spans = [analyzer.analyze(m.text, m.language) for m in messages]
print(json.dumps({"attempts": attempts, "messages": len(messages), "spans": sum(map(len, spans)),
                  "entities": sorted({s.entity for found in spans for s in found})}))
"""


def test_build_and_scan_with_every_socket_blocked(tmp_path):
    """A fresh interpreter (nothing cached) builds the analyzer and scans 300 messages
    while every way to open a connection raises; none may even be tried (tldextract
    swallows its fetch error, so success alone would prove nothing), and nothing may be
    written to the home or cache folders."""
    home = tmp_path / "home"
    home.mkdir()
    env = {**os.environ, "HOME": str(home), "XDG_CACHE_HOME": str(home / ".cache"),
           "WORKBENCH_HOME": str(home / "workbench")}
    env.pop("TLDEXTRACT_CACHE", None)
    result = subprocess.run([sys.executable, "-c", OFFLINE_SCAN, str(ROOT)], capture_output=True, text=True,
                            env=env, cwd=tmp_path, timeout=120)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["attempts"] == []
    assert report["messages"] == 300 and report["spans"] > 100
    assert {"EMAIL_ADDRESS", "PHONE_NUMBER", "IBAN_CODE", "PERSON"} <= set(report["entities"])
    assert list(home.rglob("*")) == []
