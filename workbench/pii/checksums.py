"""Check-digit rules for the numbers the PII scan looks for. Pure functions on strings.

Each `*_valid` takes the number as typed (spaces, dots and dashes allowed) and says
whether its check digits are right. A number that fails is not reported: a typo in a
card number is rare, a nine-digit order number that happens to look like a BSN is not.
"""

from __future__ import annotations

import re

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
    """The Dutch citizen service number's "elfproef": 9 digits, weights 9..2 and -1,
    the weighted sum a multiple of 11 (and not zero)."""
    digits = digits_only(value)
    if len(digits) == 8:  # a BSN with its leading zero dropped
        digits = "0" + digits
    if len(digits) != 9 or not digits.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(digits[:8], range(9, 1, -1))) - int(digits[8])
    return total != 0 and total % 11 == 0


def nir_key(first13: str) -> int | None:
    """The two-digit key of a French social security number (NIR): 97 - (n mod 97), where
    Corsica's department 2A counts as 19 and 2B as 18. None if not 13 characters."""
    body = first13.upper()
    if len(body) != 13:
        return None
    if body[5:7] == "2A":
        body = body[:5] + "19" + body[7:]
    elif body[5:7] == "2B":
        body = body[:5] + "18" + body[7:]
    if not body.isdigit():
        return None
    return 97 - int(body) % 97


def nir_valid(value: str) -> bool:
    """15 characters: sex, year, month, department (2A/2B for Corsica), commune, order, key."""
    compact = digits_only(value).upper()
    if len(compact) != 15 or compact[0] not in "1278" or not compact[13:].isdigit():
        return False
    month = compact[3:5]
    if not month.isdigit() or not (1 <= int(month) <= 12 or 20 <= int(month) <= 42 or 50 <= int(month) <= 99):
        return False
    key = nir_key(compact[:13])
    return key is not None and key == int(compact[13:])


def be_national_number_valid(value: str) -> bool:
    """The Belgian national register number, YY.MM.DD-XXX.CC: CC = 97 - (first 9 digits
    mod 97); for people born from 2000 on, a 2 is put in front of the 9 digits first.
    Months 20-32 and 40-52 are the bis-register variants."""
    digits = digits_only(value)
    if len(digits) != 11 or not digits.isdigit():
        return False
    month, day = int(digits[2:4]), int(digits[4:6])
    if not (month <= 12 or 20 <= month <= 32 or 40 <= month <= 52) or day > 31:
        return False
    body, check = int(digits[:9]), int(digits[9:])
    return check == 97 - body % 97 or check == 97 - (2_000_000_000 + body) % 97


def be_enterprise_number_valid(value: str) -> bool:
    """The Belgian enterprise (KBO/BCE, VAT) number 0xxx.xxx.xxx: the last two digits are
    97 - (first eight mod 97). Written like a phone number, so phones check against it."""
    digits = digits_only(value)
    if len(digits) != 10 or not digits.isdigit() or digits[0] not in "01":
        return False
    return int(digits[8:]) == 97 - int(digits[:8]) % 97
