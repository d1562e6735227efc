"""Check-digit rules for the numbers the PII scan looks for. Pure functions on strings.

Each `*_valid` takes the number as typed (spaces, dots and dashes allowed) and says
whether its check digits are right. A number that fails is not reported: a typo in a
card number is rare, a nine-digit order number that happens to look like a BSN is not.

National identifiers (BSN, NIR, Belgian national and enterprise numbers, and the other
EU ids in `EU_NATIONAL_IDS`) are checked by python-stdnum, the maintained library of
these rules (issue 19), not by hand-written checksums. Payment cards (Luhn plus the
scheme's IIN ranges) and IBANs (mod 97 with the registry's lengths) stay here:
python-stdnum's IBAN module also checks each country's own BBAN rule and rejects, for
one, the Belgian example IBAN of the registry, BE68 5390 0754 7034.
"""

from __future__ import annotations

import re
from functools import lru_cache

from stdnum.be import bis as _be_bis
from stdnum.be import nn as _be_nn
from stdnum.be import vat as _be_vat
from stdnum.fr import nir as _fr_nir
from stdnum.nl import bsn as _nl_bsn

_SEPARATORS = re.compile(r"[\s.\-/]")

# Length of the whole IBAN (country code and check digits included) per country,
# from the SWIFT IBAN registry. A candidate is cut to this length before its mod-97
# check, so "NL91 ABNA 0417 1643 00 thanks" still finds the IBAN.
IBAN_LENGTHS: dict[str, int] = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22,
    "BI": 27, "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DJ": 27,
    "DK": 18, "DO": 28, "EE": 20, "EG": 29, "ES": 24, "FI": 18, "FK": 18, "FO": 18, "FR": 27,
    "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27, "GT": 28, "HN": 28, "HR": 21, "HU": 28,
    "IE": 22, "IL": 23, "IQ": 23, "IS": 26, "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28,
    "LC": 32, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "LY": 25, "MC": 27, "MD": 24, "ME": 22,
    "MK": 19, "MN": 20, "MR": 27, "MT": 31, "MU": 30, "NI": 28, "NL": 18, "NO": 15, "OM": 23,
    "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "RU": 33, "SA": 24,
    "SC": 31, "SD": 18, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "SO": 23, "ST": 25, "SV": 28,
    "TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20, "YE": 30,
}


def digits_only(value: str) -> str:
    """The number without the separators people type (spaces, dots, dashes, slashes)."""
    return _SEPARATORS.sub("", value)


def luhn_valid(value: str) -> bool:
    """The Luhn (mod 10) check used by payment cards."""
    digits = digits_only(value)
    if not digits.isdigit() or len(digits) < 2:
        return False
    total = 0
    for position, char in enumerate(reversed(digits)):
        digit = ord(char) - 48
        if position % 2:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


def card_brand(digits: str) -> str | None:
    """The card scheme a number belongs to, judged by its prefix (IIN) and length, or None.

    Every scheme's issued lengths, 12 to 19 digits: Maestro (12-19), JCB, UnionPay,
    Discover and Visa up to 19, Mastercard's 2-series (2221-2720, issued since 2017;
    the stock presidio pattern predates it), Mir, RuPay and Troy. A French SIRET is 14
    Luhn-valid digits too: the analyzer drops a number with "SIRET" before it."""
    n = len(digits)
    if not digits.isdigit() or not 12 <= n <= 19:
        return None
    two, three, four, six = int(digits[:2]), int(digits[:3]), int(digits[:4]), int(digits[:6])
    if digits[0] == "4" and n >= 13:
        return "visa"
    if n == 16 and (51 <= two <= 55 or 2221 <= four <= 2720):
        return "mastercard"
    if n == 15 and two in (34, 37):
        return "amex"
    if n >= 16 and (four == 6011 or two == 65 or 644 <= three <= 649 or 622126 <= six <= 622925):
        return "discover"
    if n >= 16 and 3528 <= four <= 3589:
        return "jcb"
    if n >= 14 and (two in (36, 38, 39) or 300 <= three <= 305 or four == 3095):
        return "diners"
    if two in (50, 56, 57, 58) or four in (6304, 6390, 6759, 6761, 6762, 6763, 6771) or two == 67:
        return "maestro"
    if n >= 16 and (two in (62, 81)):
        return "unionpay"
    if n >= 16 and 2200 <= four <= 2204:
        return "mir"
    if n >= 16 and (two in (60, 82) or three == 508 or four == 9792):
        return "rupay/troy"
    return None


def card_valid(value: str) -> bool:
    digits = digits_only(value)
    return card_brand(digits) is not None and luhn_valid(digits)


def iban_mod97(compact: str) -> int:
    """The ISO 7064 mod-97 remainder of an IBAN (1 means valid)."""
    rearranged = compact[4:] + compact[:4]
    number = "".join(str(int(char, 36)) for char in rearranged)
    return int(number) % 97


def iban_valid(value: str) -> bool:
    compact = digits_only(value).upper()
    country = compact[:2]
    if IBAN_LENGTHS.get(country) != len(compact) or not compact[2:4].isdigit() or not compact.isalnum():
        return False
    return iban_mod97(compact) == 1


def bsn_valid(value: str) -> bool:
    """The Dutch citizen service number (its "elfproef"), by python-stdnum. Eight digits
    are a BSN with its leading zero dropped; all zeros is no number."""
    digits = digits_only(value)
    if len(digits) not in (8, 9) or not digits.isdigit() or not digits.strip("0"):
        return False
    return _nl_bsn.is_valid(digits)


def nir_key(first13: str) -> int | None:
    """The two-digit key of a French social security number (NIR), by python-stdnum:
    97 - (n mod 97), Corsica's 2A counting as 19 and 2B as 18. None if malformed."""
    body = first13.upper()
    if len(body) != 13 or not (body.isdigit() or (body[5:7] in ("2A", "2B") and (body[:5] + body[7:]).isdigit())):
        return None
    return int(_fr_nir.calc_check_digits(body))


def nir_valid(value: str) -> bool:
    """15 characters: sex, year, month, department (2A/2B for Corsica), commune, order,
    key. The key is python-stdnum's check; the sex digit (1, 2, or 7/8 for provisional
    numbers) and the month (01-12, 20-42 or 50-99 for unknown or special cases) are
    checked here, since stdnum leaves them open and a random 15-digit run passes the
    key one time in 97."""
    compact = digits_only(value).upper()
    if len(compact) != 15 or compact[0] not in "1278" or not compact[13:].isdigit():
        return False
    month = compact[3:5]
    if not month.isdigit() or not (1 <= int(month) <= 12 or 20 <= int(month) <= 42 or 50 <= int(month) <= 99):
        return False
    return _fr_nir.is_valid(compact)


def be_national_number_valid(value: str) -> bool:
    """The Belgian national register number, YY.MM.DD-XXX.CC, or its BIS-register form
    (month + 20 or + 40), by python-stdnum: the check digits for a birth in the 1900s or
    from 2000 on, and a possible birth date."""
    digits = digits_only(value)
    if len(digits) != 11 or not digits.isdigit():
        return False
    return _be_nn.is_valid(digits) or _be_bis.is_valid(digits)


def be_enterprise_number_valid(value: str) -> bool:
    """The Belgian enterprise (KBO/BCE, VAT) number 0xxx.xxx.xxx, by python-stdnum.
    Written like a phone number, so phones check against it."""
    digits = digits_only(value)
    if len(digits) != 10 or not digits.isdigit() or digits[0] not in "01":
        return False
    return _be_vat.is_valid(digits)


# Other EU national identifiers python-stdnum validates, by the shape they are typed in.
# (label, stdnum module, digits-only). A digits-only id is reported only with a word
# that names it nearby (the analyzer's context words): a random 10-13 digit run passes
# one of these checks far too often. Ids with letters in fixed places are reported alone.
EU_NATIONAL_IDS: tuple[tuple[str, str, bool], ...] = (
    ("DE Steuer-IdNr", "de.idnr", True),
    ("PL PESEL", "pl.pesel", True),
    ("SE personnummer", "se.personnummer", True),
    ("DK CPR", "dk.cpr", True),
    ("AT Sozialversicherungsnummer", "at.vnr", True),
    ("CZ/SK rodné číslo", "cz.rc", True),
    ("EE isikukood", "ee.ik", True),
    ("LT asmens kodas", "lt.asmens", True),
    ("BG EGN", "bg.egn", True),
    ("RO CNP", "ro.cnp", True),
    ("HR OIB", "hr.oib", True),
    ("GR AMKA", "gr.amka", True),
    ("SI EMŠO", "si.emso", True),
    ("ES DNI", "es.dni", False),
    ("ES NIE", "es.nie", False),
    ("IT codice fiscale", "it.codicefiscale", False),
    ("FI henkilötunnus", "fi.hetu", False),
    ("PT cartão de cidadão", "pt.cc", False),
)


# Which digits-only ids have how many digits (the number as typed, separators dropped).
_IDS_BY_DIGITS: dict[int, tuple[str, ...]] = {
    9: ("cz.rc",),
    10: ("dk.cpr", "at.vnr", "cz.rc", "bg.egn", "se.personnummer"),
    11: ("de.idnr", "pl.pesel", "ee.ik", "lt.asmens", "hr.oib", "gr.amka"),
    12: ("se.personnummer",),
    13: ("ro.cnp", "si.emso"),
}
_LABELS = {module: label for label, module, _ in EU_NATIONAL_IDS}


@lru_cache(maxsize=None)
def _stdnum_module(name: str):
    import importlib

    return importlib.import_module(f"stdnum.{name}")


def eu_national_id(value: str, digits_only_ids: bool = True) -> str | None:
    """The label of the EU national identifier `value` is (python-stdnum's check), or None."""
    if digits_only_ids:
        modules = _IDS_BY_DIGITS.get(len(digits_only(value)), ())
    else:
        modules = tuple(module for _, module, numeric in EU_NATIONAL_IDS if not numeric)
    for module in modules:
        try:
            if _stdnum_module(module).is_valid(value):
                return _LABELS[module]
        except Exception:  # a validator that chokes on an odd shape has not validated it
            continue
    return None
