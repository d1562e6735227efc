"""National identifiers checked by python-stdnum (issue 19): the BSN, NIR and Belgian
numbers no longer use hand-written checksums, and other EU ids stdnum validates are
found as EU_NATIONAL_ID. Valid numbers are the examples of stdnum's own documentation or
computed by its check-digit functions; each invalid one differs by one digit."""

from __future__ import annotations

import pytest

from workbench.pii import build_analyzer
from workbench.pii.checksums import (
    be_enterprise_number_valid,
    be_national_number_valid,
    bsn_valid,
    eu_national_id,
    nir_key,
    nir_valid,
)


@pytest.fixture(scope="module")
def analyzer():
    return build_analyzer()


@pytest.mark.parametrize("value, valid", [
    ("111222333", True), ("123456782", True), ("1234.56.782", True), ("012345672", True), ("12345672", True),
    ("123456789", False), ("000000000", False), ("1234567", False),
])
def test_bsn_through_stdnum(value, valid):
    assert bsn_valid(value) is valid


@pytest.mark.parametrize("value, valid", [
    ("2 55 08 14 168 025 38", True), ("1 85 05 2A 006 084 35", True), ("185052b00608462", True),
    ("2 55 08 14 168 025 39", False),
    ("5 55 08 14 168 025 38", False),  # the check holds but no person's number starts with 5
    ("2 55 13 14 168 025 38", False),  # month 13
])
def test_nir_through_stdnum(value, valid):
    assert nir_valid(value) is valid


def test_nir_key_for_corsica_comes_from_stdnum():
    assert nir_key("185052A006084") == 35 and nir_key("185052B006084") == 62 and nir_key("18505") is None


@pytest.mark.parametrize("value, valid", [
    ("85.07.30-033.28", True), ("05.01.01-123.85", True),
    ("85.47.30-033.xx".replace("xx", f"{97 - 854730033 % 97:02d}"), True),  # BIS register: month + 40
    ("85.07.30-033.29", False), ("85.13.30-033.28", False),
])
def test_belgian_national_and_bis_numbers_through_stdnum(value, valid):
    assert be_national_number_valid(value) is valid


def test_belgian_enterprise_number_through_stdnum():
    assert be_enterprise_number_valid("0798.131.242") and not be_enterprise_number_valid("0798.131.243")


@pytest.mark.parametrize("value, label, wrong", [
    ("36 574 261 809", "DE Steuer-IdNr", "36 574 261 800"), ("44051401359", "PL PESEL", "44051401358"),
    ("880320-0016", "SE personnummer", "880320-0018"),
    ("211062-5629", "DK CPR", "211362-5629"),  # CPR numbers have had no check digit since 2007: a date
    ("710319/2745", "CZ/SK rodné číslo", "710319/2746"), ("36805280109", "EE isikukood", "36805280108"),
    ("8032056031", "BG EGN", "8032056032"), ("1630615123457", "RO CNP", "1630615123458"),
    ("01013099997", "GR AMKA", "01013099999"),
])
def test_digits_only_eu_ids(value, label, wrong):
    assert eu_national_id(value) == label
    # (a run with a wrong PESEL digit may still be a valid number of another country: ids overlap)
    assert eu_national_id(wrong) != label


@pytest.mark.parametrize("value, label", [
    ("54362315-K", "ES DNI"), ("X-2482300-W", "ES NIE"), ("RSSMRA85T10A562S", "IT codice fiscale"),
    ("131052-308T", "FI henkilötunnus"),
])
def test_eu_ids_with_letters(value, label):
    assert eu_national_id(value, digits_only_ids=False) == label
    assert eu_national_id(value[:-1] + ("A" if value[-1] != "A" else "B"), digits_only_ids=False) is None


@pytest.mark.parametrize("text, language, value", [
    ("Mijn PESEL is 44051401359", "nl", "44051401359"),
    ("Steuer-ID: 36 574 261 809", "en", "36 574 261 809"),
    ("personnummer 880320-0016, tack", "en", "880320-0016"),
    ("mon CNP est 1630615123457", "fr", "1630615123457"),
    ("codice fiscale RSSMRA85T10A562S", "en", "RSSMRA85T10A562S"),
    ("my NIE is X-2482300-W", "en", "X-2482300-W"),
    ("DNI 54362315-K", "en", "54362315-K"),
])
def test_eu_ids_are_found_in_text(analyzer, text, language, value):
    assert ("EU_NATIONAL_ID", value) in [(s.entity, s.text) for s in analyzer.analyze(text, language)]


@pytest.mark.parametrize("text", [
    "order 44051401359 shipped",         # a PESEL-valid run with no word naming an id
    "ref 54362315-K",                      # DNI-shaped order code: 0.45 alone, below the threshold
    "PESEL 44051401358",                   # wrong check digit
])
def test_eu_ids_need_their_name_or_a_valid_check(analyzer, text):
    assert "EU_NATIONAL_ID" not in [s.entity for s in analyzer.analyze(text, "en")]
