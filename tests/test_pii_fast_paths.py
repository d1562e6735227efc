"""The PII scan's fast paths find exactly what the whole-text scans find.

For speed (issue 19: >= 2,000 messages/s per process) the recognizers no longer run
every regex over the whole message: number patterns read only runs of digits and
separators, e-mail/URL/IPv4 patterns only the non-space runs around "@" and dots, the
address patterns only windows around house numbers. Each fast path is compared here
with the plain whole-text scan, on the generated corpus and on hand-written edge cases
(addresses as long as the patterns allow, numbers at the ends of a text, numbers next to
punctuation that a lookahead reads). No timings are asserted (those are in
bench/pii_eval.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

import pii_corpus  # noqa: E402

from workbench.pii import addresses, recognizers as rec  # noqa: E402
from workbench.pii.names import NameRecognizer  # noqa: E402

EDGE_CASES = [
    "Stuur het naar An der Alten Mühle Straße 3 bus 4, Apt 5, 2611 XT Den Haag aan de Rijn please",
    "Apartment 12B, 1420 North Maple Ridge Lake Dr NW, Apt 5, Austin Lake Town City TX 78704-1234 ok",
    "27 avenue du Général de Gaulle Jean, 06000 Saint Jean sur Mer ok",
    "12 34 Main Street, Springfield IL 62704",
    "Rue de la Loi 16, 1000 Bruxelles\nLindenlaan 7, 2611 XT Delft\n221B Baker Street, London NW1 6XE",
    "Meir 45, 2000 Antwerpen",
    "Schillerstr. 9a, 10625 Berlin",
    "4111 1111 1111 1111,5 and 4111111111111111",
    "5500 0000 0000 0004.",
    "+31 6 12345678x12 or (020) 555-0147 or 06-12345678",
    "BSN 111222333, NIR 1 85 05 2A 006 084 36, rijksregister 85.07.30-033.28",
    "mail jan.de.vries@example.nl, site www.example.com and shop.example.nl/retour, ip 192.168.0.1/24",
    "version 1.6.5.40 and 10.0.0.1.",
    "",
    "7",
]


def _texts(n: int = 400) -> list[str]:
    return [m.text for m in pii_corpus.generate(n, seed=5)] + EDGE_CASES


@pytest.mark.parametrize("text", _texts())
def test_windowed_addresses_equal_the_whole_text_scan(text):
    assert addresses.find_addresses(text) == addresses._find_addresses_full(text)


NUMBER_FINDERS = [
    (rec.find_cards, rec.CARD), (rec.find_bsns, rec.BSN), (rec.find_nirs, rec.NIR),
    (rec.find_be_national_numbers, rec.BE_NATIONAL),
]


@pytest.mark.parametrize("text", _texts(200))
def test_number_runs_find_what_the_whole_text_finds(text):
    runs = rec.number_runs(text)
    for finder, _ in NUMBER_FINDERS:
        assert finder(text, runs) == finder(text), finder.__name__
    for language in ("en", "nl", "fr"):
        assert rec.find_phones(text, language, runs) == rec.find_phones(text, language)
    if not rec.matcher_may_find(text):
        assert rec.find_phones_matched(text, "en") == []


def _whole_text_emails(text):
    tlds = rec.public_tlds()
    found = []
    for match in rec.EMAIL.finditer(text):
        value = match.group().rstrip(".-")
        if value.rsplit(".", 1)[-1].lower() in tlds:
            found.append(("EMAIL_ADDRESS", match.start(), match.start() + len(value), 1.0, "email"))
    return found


def _whole_text_urls(text):
    found = []
    for match in rec.URL_SCHEME.finditer(text):
        value = rec._strip_url(match.group())
        if "." in value and len(value) > 8:
            found.append(("URL", match.start(), match.start() + len(value),
                          0.6 if value[:4].lower() == "http" else 0.55, "url"))
    for match in rec.URL_BARE.finditer(text):
        value = rec._strip_url(match.group())
        found.append(("URL", match.start(), match.start() + len(value), 0.5, "url"))
    return found


@pytest.mark.parametrize("text", _texts(200))
def test_non_space_runs_find_what_the_whole_text_finds(text):
    assert rec.find_emails(text) == _whole_text_emails(text)
    assert rec.find_urls(text) == _whole_text_urls(text)
    assert [c for c in rec.find_ips(text) if "." in text[c[1]:c[2]]] == \
        [("IP_ADDRESS", m.start(), m.end(), 0.6, "ip") for m in rec.IPV4.finditer(text)]


PIECES = st.sampled_from(["Lindenlaan", "7", "2611", "XT", "Delft", "Rue", "Haute", "112", "1000", "avenue",
                          "Jean", "Médecin", "06000", "Nice", "Maple", "Dr", "Apt", "5", "TX", "78704", "bus",
                          "4111", "1111", ",", ".", "-", "+31", "06", "12345678", "x12", "@", "a.b", "www.x.nl",
                          "Straße", "Am", "Markt", "3", "\n", "  ", "(", ")", "Flat", "SW1A", "2AA"])


@settings(max_examples=300, deadline=None)
@given(st.lists(PIECES, max_size=30).map(" ".join))
def test_fast_paths_equal_whole_text_scans_on_random_pieces(text):
    assert addresses.find_addresses(text) == addresses._find_addresses_full(text)
    runs = rec.number_runs(text)
    for finder, _ in NUMBER_FINDERS:
        assert finder(text, runs) == finder(text)
    assert rec.find_phones(text, "nl", runs) == rec.find_phones(text, "nl")
    assert rec.find_emails(text) == _whole_text_emails(text)
    assert rec.find_urls(text) == _whole_text_urls(text)


class _AlwaysAskTheCue(NameRecognizer):
    """The name recognizer without its shortcut: `_cue` is asked for every lowercase name."""

    @staticmethod
    def _may_be_cued(last, window):
        return True


LOWERCASE_CASES = ["ok mevrouw          sanne", "thanks for that,         joris.", "hi sanne", "thanks, joris.",
                   "ask joris", "Regards,\nmaarten", "dear\tlieke", "we told  maarten", "merci elodie !",
                   "mijn naam is sanne de boer", "merci pour ton aide julien !", "meneer  de vries", "et patience",
                   "jullie collega ilse zei"]


def test_the_cue_shortcut_changes_no_lowercase_name():
    fast, reference = NameRecognizer(), _AlwaysAskTheCue()
    for text in _texts(300) + LOWERCASE_CASES:
        assert fast.find(text) == reference.find(text), text


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["hi", "thanks", ",", "mevrouw", "sanne", "joris", "ask", "  ", "\t", "\n", "the",
                                 "Beste", "groeten", "merci", "elodie", ".", "met", "zeer", "x" * 16]),
                max_size=12).map(" ".join))
def test_the_cue_shortcut_on_random_words(text):
    assert NameRecognizer().find(text) == _AlwaysAskTheCue().find(text)
