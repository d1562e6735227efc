"""Pattern recognizers: emails, phones, cards, IBANs, IPs, URLs and the BSN, NIR and
Belgian national number. Each finds candidates with a regex and keeps only those whose
check digits (or phone-number rules) hold.

Why not presidio's own recognizers: with no spaCy model presidio runs these patterns
anyway, but its email recognizer calls tldextract, which fetches the public
suffix list over the network on first use; its card pattern misses Mastercard's
2-series; its phone recognizer leaves out NL and BE; the UK NHS pattern tags US phone
numbers; and AnalyzerEngine's per-call overhead caps a scan at a few hundred messages
a second. These follow presidio's scores and ideas with plain `re`, and the phone
rules come from `phonenumbers`, the library presidio itself uses.

Every function returns (entity, start, end, score, recognizer) tuples; context words,
allow/deny lists and overlaps are applied by the analyzer.
"""

from __future__ import annotations

import ipaddress
import re
from functools import lru_cache

import phonenumbers
from phonenumbers.phonenumberutil import NumberParseException

from workbench.pii.checksums import (
    IBAN_LENGTHS,
    be_enterprise_number_valid,
    be_national_number_valid,
    bsn_valid,
    card_valid,
    digits_only,
    eu_national_id,
    iban_valid,
    nir_valid,
)
from workbench.pii.context import context_pattern

Candidate = tuple[str, int, int, float, str]

# --------------------------------------------------------------------------- where to look
# Speed: a regex pass over a 300-character message costs 10-20 us even when it finds
# nothing, and a scan makes a dozen. Numbers live in runs of digits and the separators
# people type; e-mail addresses, bare domains and IPv4 addresses in runs of non-space
# characters. Each pattern below is run only over the runs that can hold a match, with
# the text's own characters around (a lookbehind sees before `pos`; `endpos` is put two
# characters past the run, as far as any lookahead here reads), so it finds exactly
# what it finds over the whole text.

# The characters of a phone, card, BSN, NIR (2A/2B) or Belgian number, starting where
# such a number can start.
NUMBER_RUN = re.compile(r"[+(\d][\dABab \u00a0().\-/+]*")
_DIGIT_CHARS = str.maketrans("", "", "0123456789")
NumberRun = tuple[int, int, int]  # start, end, digits in it


def number_runs(text: str) -> list[NumberRun]:
    """Runs of digits and phone/card separators with at least 6 digits."""
    runs = []
    for match in NUMBER_RUN.finditer(text):
        value = match.group()
        digits = len(value) - len(value.translate(_DIGIT_CHARS))
        if digits >= 6:
            runs.append((match.start(), match.end(), digits))
    return runs


def _in_runs(pattern: re.Pattern, text: str, runs: list[NumberRun] | None, min_digits: int):
    """pattern.finditer over the number runs with at least `min_digits` digits (over
    the whole text when `runs` is None)."""
    if runs is None:
        yield from pattern.finditer(text)
        return
    n = len(text)
    for start, end, digits in runs:
        if digits >= min_digits:
            yield from pattern.finditer(text, start, min(n, end + 2))


def _chunk(text: str, at: int) -> tuple[int, int]:
    """The run of non-space characters around position `at`."""
    start = at
    while start > 0 and not text[start - 1].isspace():
        start -= 1
    end = at
    n = len(text)
    while end < n and not text[end].isspace():
        end += 1
    return start, end


def _chunks_around(text: str, positions) -> list[tuple[int, int]]:
    """The distinct non-space runs holding these positions, in text order."""
    chunks: list[tuple[int, int]] = []
    for at in positions:
        if chunks and at < chunks[-1][1]:
            continue
        chunks.append(_chunk(text, at))
    return chunks


def _in_chunks(pattern: re.Pattern, text: str, chunks: list[tuple[int, int]]):
    """pattern.finditer over non-space runs: exact for patterns that match no space."""
    for start, end in chunks:
        yield from pattern.finditer(text, start, end)


# --------------------------------------------------------------------------- email, URL

EMAIL = re.compile(r"(?<![\w.+'\-])[\w+'\-]+(?:\.[\w+'\-]+)*@[\w\-]+(?:\.[\w\-]+)+")
URL_SCHEME = re.compile(r"(?i)\b(?:https?://|www\d{0,3}\.)[^\s<>\"'`]+")
# Bare domains ("aurora-shop.nl/retour") only with a TLD people write in support
# chats: the full public suffix list has .zip, .mov, .py and .md, which are file names.
BARE_TLDS = ("com net org info biz io co eu nl be fr lu de uk ch at es it pt ie dk se no fi pl cz us ca au nz "
             "app dev shop store online site tech me tv")
URL_BARE = re.compile(
    r"(?i)(?<![\w@.\-/])(?:[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?\.)+(?:" + BARE_TLDS.replace(" ", "|")
    + r")(?![\w\-@])(?:/[^\s<>\"'`]*)?")
TRAILING_PUNCTUATION = ".,;:!?)]}'\">"


@lru_cache(maxsize=1)
def public_tlds() -> frozenset[str]:
    """Top-level domains from tldextract's bundled snapshot of the public suffix list.

    Built with no suffix-list URLs and no cache directory, so tldextract neither
    fetches the list (the default on first use) nor writes a cache file."""
    import tldextract

    extractor = tldextract.TLDExtract(cache_dir=None, suffix_list_urls=(), fallback_to_snapshot=True)
    return frozenset(suffix.rsplit(".", 1)[-1].lower() for suffix in extractor.tlds)


def find_emails(text: str) -> list[Candidate]:
    found = []
    tlds = public_tlds()
    ats, at = [], text.find("@")
    while at >= 0:
        ats.append(at)
        at = text.find("@", at + 1)
    for match in _in_chunks(EMAIL, text, _chunks_around(text, ats)):
        value = match.group().rstrip(".-")
        tld = value.rsplit(".", 1)[-1].lower()
        if tld in tlds:
            start = match.start()
            found.append(("EMAIL_ADDRESS", start, start + len(value), 1.0, "email"))
    return found


def _strip_url(value: str) -> str:
    while value and value[-1] in TRAILING_PUNCTUATION:
        if value[-1] == ")" and value.count("(") >= value.count(")"):
            break
        value = value[:-1]
    return value


DOT_LETTER = re.compile(r"\.[A-Za-z]")


def find_urls(text: str) -> list[Candidate]:
    found = []
    lowered = text.lower()
    schemes = URL_SCHEME.finditer(text) if "://" in text or "www" in lowered else ()
    for match in schemes:
        value = _strip_url(match.group())
        if "." in value and len(value) > 8:
            score = 0.6 if value[:4].lower() == "http" else 0.55
            found.append(("URL", match.start(), match.start() + len(value), score, "url"))
    # A bare domain holds a dot and a letter and no space.
    for match in _in_chunks(URL_BARE, text, _chunks_around(text, (m.start() for m in DOT_LETTER.finditer(text)))):
        value = _strip_url(match.group())
        found.append(("URL", match.start(), match.start() + len(value), 0.5, "url"))
    return found


# --------------------------------------------------------------------------- IP

IPV4 = re.compile(r"(?<![\w.])(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
                  r"(?:/(?:3[0-2]|[12]?\d))?(?![\w]|\.\d)")
IPV6 = re.compile(r"(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?:%\w+)?(?![\w:])")


DIGIT_DOT_DIGIT = re.compile(r"\d\.\d")


def find_ips(text: str) -> list[Candidate]:
    found = []
    dotted = (m.start() for m in DIGIT_DOT_DIGIT.finditer(text))
    for match in _in_chunks(IPV4, text, _chunks_around(text, dotted)):
        found.append(("IP_ADDRESS", match.start(), match.end(), 0.6, "ip"))
    if "::" in text or text.count(":") >= 7:
        for match in IPV6.finditer(text):
            value = match.group()
            if sum(c.isalnum() for c in value) < 3:
                continue
            try:
                ipaddress.ip_address(value.split("%")[0])
            except ValueError:
                continue
            found.append(("IP_ADDRESS", match.start(), match.end(), 0.6, "ip"))
    return found


# --------------------------------------------------------------------------- cards, IBAN

CARD = re.compile(r"(?<![\w.,\-])\d(?:[ \-]?\d){11,18}(?![\w]|[.,\-]\d)")
GROUP = re.compile(r"\d+")
# The start of an IBAN right before a candidate: its digits are no card or phone, even
# when the IBAN itself fails its check ("NL21 INGB 0226 5904 76").
IBAN_HEAD = re.compile(r"(?<![\w])[A-Za-z]{2}\d{2}(?:[ \-]?[A-Za-z0-9]{4})*[ \-]?\Z")


def _card_grouping(groups: list[tuple[int, int]], a: int, b: int) -> bool:
    """Card numbers are typed whole or in groups of four (Amex and Diners 4-6-5, 4-6-4):
    every group but the last has 4 to 6 digits. "1 30 10 92 510 325 07" is no card."""
    return all(4 <= end - start <= 6 for start, end in groups[a:b])


def find_cards(text: str, runs: list[NumberRun] | None = None) -> list[Candidate]:
    """Luhn-valid numbers with a known card prefix, Mastercard 2221-2720 included.

    A run of digit groups may hold a card and something else ("4111 1111 1111 1111 12x"),
    so on failure every contiguous run of groups of card length is tried, longest first."""
    found = []
    for match in _in_runs(CARD, text, runs, 12):
        if IBAN_HEAD.search(text, max(0, match.start() - 36), match.start()):
            continue  # the digits of an IBAN (maybe one with a typo), not a card
        value = match.group()
        groups = [(g.start(), g.end()) for g in GROUP.finditer(value)]
        if card_valid(value) and _card_grouping(groups, 0, len(groups) - 1):
            found.append(("CREDIT_CARD", match.start(), match.end(), _card_score(value), "credit_card"))
            continue
        best = None
        for a in range(len(groups)):
            for b in range(len(groups) - 1, a - 1, -1):
                piece = value[groups[a][0]:groups[b][1]]
                n = len(digits_only(piece))
                if 12 <= n <= 19 and _card_grouping(groups, a, b) and card_valid(piece) \
                        and (best is None or n > best[2]):
                    best = (groups[a][0], groups[b][1], n)
        if best:
            piece = value[best[0]:best[1]]
            found.append(("CREDIT_CARD", match.start() + best[0], match.start() + best[1], _card_score(piece),
                          "credit_card"))
    return found


def _card_score(value: str) -> float:
    """0.9, but a compact 12-15 digit run that is no Amex or Diners number (a Maestro or a
    short Visa) is also what reference numbers look like: 0.6, lifted by a card word."""
    digits = digits_only(value)
    if len(digits) >= 16 or " " in value or "-" in value or digits[:2] in ("34", "37", "36", "38", "39"):
        return 0.9
    return 0.6


IBAN_START = re.compile(r"(?<![\w])([A-Za-z]{2})(\d{2})(?=[ \-]?[A-Za-z0-9])")
IBAN_BODY_CHAR = re.compile(r"[ \-]?[A-Za-z0-9]")


def find_ibans(text: str) -> list[Candidate]:
    """IBANs as typed: compact, in groups of four, in upper or lower case. The candidate is
    read up to its country's IBAN length, must end at a word boundary and pass mod 97."""
    found = []
    pos = 0
    while True:
        match = IBAN_START.search(text, pos)
        if not match:
            return found
        country = match.group(1).upper()
        length = IBAN_LENGTHS.get(country)
        pos = match.end()
        if length is None:
            continue
        end, count = match.end(), 4
        while count < length:
            char = IBAN_BODY_CHAR.match(text, end)
            if not char:
                break
            end, count = char.end(), count + 1
        if count != length or (end < len(text) and text[end].isalnum()):
            continue
        value = text[match.start():end]
        if iban_valid(value):
            found.append(("IBAN_CODE", match.start(), end, 1.0, "iban"))
            pos = end
    return found


# --------------------------------------------------------------------------- national numbers

BSN = re.compile(r"(?<![\w.,\-/])(?:\d{9}|\d{4}\.\d{2}\.\d{3}|\d{3}[ .]\d{3}[ .]\d{3}|\d{4} \d{2} \d{3})"
                 r"(?![\w]|[.,\-/]\d)")
# NIR: compact, or grouped the way the carte Vitale prints it (1 85 05 78 006 084 36).
# Sex 1 or 2, 7 or 8 for provisional numbers; department 2A/2B for Corsica.
NIR = re.compile(r"(?<![\w.,\-/])[1278]([ .]?)\d{2}\1\d{2}\1(?:\d{2}|2[ABab])\1\d{3}\1\d{3}[ .]?\d{2}"
                 r"(?![\w]|[.,\-/]\d)")
BE_NATIONAL = re.compile(r"(?<![\w.,\-/])\d{2}([ .]?)\d{2}\1\d{2}[ .\-]?\d{3}[ .]?\d{2}(?![\w]|[.,\-/]\d)")


def find_bsns(text: str, runs: list[NumberRun] | None = None) -> list[Candidate]:
    found = []
    for match in _in_runs(BSN, text, runs, 9):
        if bsn_valid(match.group()):
            # Nine digits pass the 11-test one time in eleven: alone, a BSN is a guess
            # that needs a context word ("BSN", "burgerservicenummer") to be reported.
            score = 0.45 if "." in match.group() else 0.4
            found.append(("NL_BSN", match.start(), match.end(), score, "nl_bsn"))
    return found


def find_nirs(text: str, runs: list[NumberRun] | None = None) -> list[Candidate]:
    return [("FR_NIR", m.start(), m.end(), 0.8, "fr_nir") for m in _in_runs(NIR, text, runs, 13)
            if nir_valid(m.group())]


def find_be_national_numbers(text: str, runs: list[NumberRun] | None = None) -> list[Candidate]:
    found = []
    for match in _in_runs(BE_NATIONAL, text, runs, 11):
        value = match.group()
        if be_national_number_valid(value):
            score = 0.45 if value.isdigit() else 0.75
            found.append(("BE_NATIONAL_NUMBER", match.start(), match.end(), score, "be_national_number"))
    return found


# Other EU national ids (python-stdnum). Digits only, as typed: "44051401359", "36 574 261
# 809", "211062-5629", "710319/2745", "1237 010180"; with letters in fixed places: DNI
# "54362315-K", NIE "X-2482300-W", codice fiscale "RSSMRA85T10A562S", henkilötunnus
# "131052-308T", cartão de cidadão "00000000 0 ZZ4".
EU_DIGIT_ID = re.compile(r"(?<![\w.,\-/])(?:\d{6}[\-/+]\d{3,4}|\d{8}[\-/+]\d{4}|\d{2}[ ]\d{3}[ ]\d{3}[ ]\d{3}"
                         r"|\d{4}[ ]\d{6}|\d{9,13})(?![\w]|[.,\-/]\d)")
# Ids with letters whose digits make a run of 6 or more (DNI, NIE, henkilötunnus, cartão
# de cidadão): read around those runs only.
EU_LETTER_ID = re.compile(r"(?<![\w.,\-/])(?:\d{8}[ \-]?[A-Za-z]|[XYZxyz][ \-]?\d{7}[ \-]?[A-Za-z]"
                          r"|\d{6}[\-+A]\d{3}[0-9A-Za-z]|\d{8}[ ]?\d[ ]?[A-Za-z]{2}\d)(?![\w])")
# The codice fiscale: six letters, then digits and letters in fixed places.
CODICE_FISCALE = re.compile(r"[A-Za-z]{6}\d{2}[A-Za-z]\d{2}[A-Za-z]\d{3}[A-Za-z](?![\w])")


def find_eu_national_ids(text: str, runs: list[NumberRun] | None = None) -> list[Candidate]:
    """EU national identifiers python-stdnum validates (DE, PL, SE, DK, AT, CZ/SK, EE, LT,
    BG, RO, HR, GR, SI, ES, IT, FI, PT). Digits-only ids score 0.4: reported only with a
    word naming an id nearby ("PESEL", "DNI", "codice fiscale", "personnummer", ...).
    Ids with letters in fixed places score 0.6 alone (0.45 for a DNI: eight digits and a
    letter is also what order codes look like)."""
    found = []
    if runs is None:
        runs = number_runs(text)
    digit_ids = list(_in_runs(EU_DIGIT_ID, text, runs, 9))
    # Digits-only ids need a word naming an id (see above): without one anywhere in the
    # text none is checked (stdnum's checks cost ~5 us a candidate).
    if digit_ids and context_pattern("en", "EU_NATIONAL_ID").search(text):
        for match in digit_ids:
            if eu_national_id(match.group()):
                found.append(("EU_NATIONAL_ID", match.start(), match.end(), 0.4, "eu_national_id"))
    n = len(text)
    letter_ids = [m for start, end, _ in runs for m in EU_LETTER_ID.finditer(text, max(0, start - 2), min(n, end + 4))]
    letter_ids += CODICE_FISCALE.finditer(text)
    seen = set()
    for match in letter_ids:
        if match.span() in seen:
            continue
        seen.add(match.span())
        label = eu_national_id(match.group(), digits_only_ids=False)
        if label:
            score = 0.45 if label == "ES DNI" else 0.6
            found.append(("EU_NATIONAL_ID", match.start(), match.end(), score, "eu_national_id"))
    return found


# --------------------------------------------------------------------------- phones

# Digits with the separators people put in phone numbers, an optional +/00 prefix, an
# optional (0) trunk after the country code, or a US area code in brackets.
PHONE = re.compile(r"(?<![\w@/+.\-])(?:\+|00)?(?:\(\d{1,4}\)[ \u00a0]?)?\d"
                   r"(?:[ \u00a0.\-/]?(?:\(0\)[ \u00a0]?)?\d){5,16}(?![\w@]|[.\-/]\d)")
_DAY, _MONTH = r"(?:0?[1-9]|[12]\d|3[01])", r"(?:0?[1-9]|1[0-2])"
# A date at the start of a candidate, alone or followed by a space (a time): 12/03/2026,
# 03-12-2026 14, 2026.03.12. "04.44.71.59.25" is no date, it is a French phone number.
DATE_LIKE = re.compile(rf"(?:{_DAY}[./\-]{_MONTH}|{_MONTH}[./\-]{_DAY})[./\-](?:\d{{4}}|\d{{2}})(?=[ \u00a0]|\Z)"
                       rf"|(?:19|20)\d{{2}}[./\-]{_MONTH}[./\-]{_DAY}(?=[ \u00a0]|\Z)")
# Belgian national numbers (85.07.30-033.28) and enterprise numbers (0798.131.242) are
# written with a phone's separators; their shapes are not a phone's.
NOT_A_PHONE = re.compile(r"\d{2}\.\d{2}\.\d{2}-\d{3}\.\d{2}")
ENTERPRISE_SHAPE = re.compile(r"0\d{3}[. ]\d{3}[. ]\d{3}")
US_FORMAT = re.compile(r"(?:\+?1[ .\-])?(?:\(\d{3}\)[ ]?|\d{3}[ .\-])\d{3}[ .\-]\d{4}")
SPACES = re.compile(r"[ \u00a0]+")

# National numbers (leading 0) are read in these regions, the message's language first.
# Germany comes last and only for mobiles: German landlines have no fixed length, so
# almost any digit run after a 0 would pass. Luxembourg has no trunk 0 and is read only
# with its +352/00352 prefix. With a +/00 prefix every country phonenumbers knows counts.
NATIONAL_REGIONS: dict[str, tuple[str, ...]] = {
    "nl": ("NL", "BE", "FR", "GB", "DE"),
    "fr": ("FR", "BE", "NL", "GB", "DE"),
    "en": ("GB", "NL", "BE", "FR", "DE"),
}
_NUMBER_TYPE = phonenumbers.PhoneNumberType
# Numbers a person can be reached on. Premium-rate, shared-cost, toll-free and UAN
# numbers belong to businesses, and Dutch 0900 numbers of any length would otherwise
# turn 11-digit references into "phone numbers".
PERSONAL_TYPES = frozenset({_NUMBER_TYPE.FIXED_LINE, _NUMBER_TYPE.MOBILE, _NUMBER_TYPE.FIXED_LINE_OR_MOBILE,
                            _NUMBER_TYPE.VOIP, _NUMBER_TYPE.PERSONAL_NUMBER, _NUMBER_TYPE.PAGER})


def _personal(number: phonenumbers.PhoneNumber, region: str | None = None) -> bool:
    """A valid number someone can be reached on; read in `region` if national."""
    # Any region of the country code: +44 07797 numbers are Jersey's, +1 covers Canada.
    if not phonenumbers.is_valid_number(number):
        return False
    kind = phonenumbers.number_type(number)
    if region == "DE":
        return kind == _NUMBER_TYPE.MOBILE
    return kind in PERSONAL_TYPES


def _phone_valid(value: str, language: str) -> float:
    """The score of a candidate phone number, 0 when it is not one."""
    if value.startswith("+") or value.startswith("00"):
        international = value if value.startswith("+") else "+" + value[2:]
        try:
            number = phonenumbers.parse(international, None)
        except NumberParseException:
            return 0.0
        if _personal(number):
            return 0.7
        # Right length for its country but not in service, like the UK's drama range
        # (+44 7700 900xxx) or numbers allocated after this phonenumbers release. Written
        # with a "+" that is still a phone number; with "00" it may be a reference number
        # ("KvK 00491805"), reported only with a context word.
        if not phonenumbers.is_possible_number(number):
            return 0.0
        return 0.55 if value.startswith("+") else 0.45
    if DATE_LIKE.match(value) or NOT_A_PHONE.fullmatch(value):
        return 0.0
    if ENTERPRISE_SHAPE.fullmatch(value) and be_enterprise_number_valid(value):
        return 0.0
    if value.startswith("0"):
        for region in NATIONAL_REGIONS.get(language, NATIONAL_REGIONS["en"]):
            try:
                number = phonenumbers.parse(value, region)
            except NumberParseException:
                continue
            if _personal(number, region):
                return 0.6
        return 0.0
    if US_FORMAT.fullmatch(value):
        try:
            number = phonenumbers.parse(value, "US")
        except NumberParseException:
            return 0.0
        return 0.6 if _personal(number, "US") else 0.0
    return 0.0


def find_phones(text: str, language: str, runs: list[NumberRun] | None = None) -> list[Candidate]:
    """Phone numbers of NL, BE, FR, LU, DE, GB and US (and any country written with +).

    A candidate run that fails is retried without its trailing space-separated groups
    ("06 12 34 56 78 2 stuks"). Never without leading groups, nor cut at dots or dashes:
    that turns the tail of a NIR, a date or a Belgian national number into a phone."""
    found = []
    for match in _in_runs(PHONE, text, runs, 6):
        value = match.group()
        n_digits = sum(c.isdigit() for c in value)
        if n_digits < 7 or IBAN_HEAD.search(text, max(0, match.start() - 36), match.start()):
            continue
        score = _phone_valid(value, language)
        start, end = match.start(), match.end()
        if not score:
            for a, b in [(0, c.start()) for c in reversed(list(SPACES.finditer(value)))]:
                piece = value[a:b]
                if sum(c.isdigit() for c in piece) < 7:
                    continue
                score = _phone_valid(piece, language)
                if score:
                    start, end = match.start() + a, match.start() + b
                    break
        if score:
            found.append(("PHONE_NUMBER", start, end, score, "phone"))
    return found


# The region a national number is read in by the matcher, per message language: "en"
# takes the US reading, since GB numbers start with 0 and are read above.
MATCHER_REGION = {"en": "US", "nl": "NL", "fr": "FR"}
# Social security numbers (078-05-1120) have a phone's separators and digit count in
# some countries' plans; a US SSN's shape is never a phone.
SSN_SHAPE = re.compile(r"\d{3}-\d{2}-\d{4}")


# A run of digits and phone punctuation, with an extension: where the matcher is asked.
EXTENSION = re.compile(r"\d[ ]?(?:x|ext\.?|extension|#|poste)[ ]?\d")
PHONE_RUN = re.compile(r"(?:\+|\b)\d[\d \u00a0().\-/]{5,22}\d(?:[ ]?(?:x|ext\.?|extension|#|poste)[ ]?\d{1,6})?")


def matcher_may_find(text: str) -> bool:
    """Whether `find_phones_matched` can find anything: it reads only runs that start
    with "+", "(" or "00" or carry an extension. A cheap test on the whole text."""
    return "+" in text or "(" in text or "00" in text or EXTENSION.search(text) is not None


def find_phones_matched(text: str, language: str, covered: list[tuple[int, int]] = ()) -> list[Candidate]:
    """Phones found by libphonenumber's own matcher (leniency VALID), every country with
    a + or 00 prefix, national numbers in the message's region, extensions included
    ("+1-512-834-2290x412", "512.834.2290"). Adds to `find_phones`, whose national
    readings cover NL, BE, FR, GB and DE mobiles in any message.

    The matcher costs about 0.5 ms a message, so it reads only the digit runs that no
    other recognizer explained (`covered`: spans already found), each with a little
    context around it."""
    found = []
    region = MATCHER_REGION.get(language, "US")
    for run in PHONE_RUN.finditer(text):
        if any(a <= run.start() and run.end() - 1 <= b for a, b in covered):
            continue
        value = run.group()
        # National runs with plain digits were all read by find_phones in several
        # regions already; what it cannot read are extensions and +/00/( prefixes it cut.
        if not (value[0] in "+(" or value.startswith("00") or EXTENSION.search(value)):
            continue
        offset = max(0, run.start() - 8)
        window = text[offset:min(len(text), run.end() + 4)]
        for match in phonenumbers.PhoneNumberMatcher(window, region, leniency=phonenumbers.Leniency.VALID):
            start, end = offset + match.start, offset + match.end
            raw = match.raw_string
            if SSN_SHAPE.fullmatch(raw) or DATE_LIKE.match(raw):
                continue
            if IBAN_HEAD.search(text, max(0, start - 36), start):
                continue
            if not _personal(match.number) and phonenumbers.number_type(match.number) != _NUMBER_TYPE.UNKNOWN:
                continue
            # With its extension it is the longer reading of the same number: it must win.
            found.append(("PHONE_NUMBER", start, end, 0.75 if match.number.extension else 0.65, "phone_matcher"))
    return found
