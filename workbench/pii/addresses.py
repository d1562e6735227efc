"""Postal addresses (ADDRESS): street + house number, with postcode and city when given.

Written for the formats of NL, BE, FR, LU, GB, US and DE:

- number after the street (NL, BE, DE, and Belgian French): "Lindenlaan 7, 2611 XT Delft",
  "Meir 45 bus 3, 2000 Antwerpen", "Rue Haute 112, 1000 Bruxelles", "Schillerstr. 9a";
- number before the street (FR, LU, GB, US): "27 avenue Jean Médecin, 06000 Nice",
  "12 rue de la Gare, L-1611 Luxembourg", "Flat 3, 27 Kings Avenue, Bristol BS7 8JU",
  "1420 Maple Ridge Dr, Apt 5, Austin TX 78704".

A street is recognised by a street-type word ("straat", "laan", "rue", "Road", "Dr",
"Straße") or, with no such word, only when a postcode and city follow ("Meir 45, 2000
Antwerpen"). Scores: street and number 0.6; with a city 0.7; with a postcode 0.85. A
street name alone ("Maple Street", "de Lindenlaan") is no address: without a number it
locates no one.
"""

from __future__ import annotations

import re

# Street-type words that stand alone (case-insensitive), per language, and the Dutch
# and German suffixes written inside one word ("Kerkstraat", "Hauptstraße").
_EN_TYPES = ("street st road rd avenue ave av lane ln drive dr close place pl crescent cres way gardens terrace "
             "approach court ct square sq hill row mews grove boulevard blvd parkway pkwy circle cir highway hwy "
             "walk park rise green view trail path")
_FR_TYPES = ("rue avenue av. av boulevard bd bld place allée allee impasse chemin cours quai route square passage "
             "chaussée chaussee voie résidence residence sentier rond-point esplanade promenade faubourg")
_NLDE_SUFFIXES = ("straat|laan|weg|plein|gracht|kade|singel|dijk|steeg|dreef|pad|hof|markt|baan|steenweg|lei|vest|"
                  "wal|plantsoen|park|dam|burgwal|haven|veld|berg|straße|strasse|str\\.|allee|platz|ring|gasse|damm|"
                  "ufer|chaussee|stieg")
_NLDE_WORDS = "am an der auf im zum zur oude nieuwe grote kleine korte lange sint sankt rue avenue chaussée boulevard place"

_UP = r"A-ZÀ-ÖØ-Þ"
_CAP = rf"[{_UP}][\w'’\-]*\.?"
_WORD = r"[\w'’\-]+\.?"
_NUMBER = r"\d{1,5}(?:[ ]?[A-Za-z](?![\w]))?(?:-[A-Za-z0-9]{1,3})?(?:[ ]?(?:bis|ter))?"
_EN_TYPE = "|".join(re.escape(w) for w in sorted(_EN_TYPES.split(), key=len, reverse=True))
_FR_TYPE = "|".join(re.escape(w) for w in sorted(_FR_TYPES.split(), key=len, reverse=True))
_APARTMENT = r"(?:,?[ ](?:Apt|Apartment|Suite|Ste|Unit|Flat|Fl|#|bus|boîte|bte|app\.?)\.?[ ]?#?[\w\-]{1,5})"
_CITY = rf"[{_UP}][\w'’\-]+(?:[ \-](?:[{_UP}][\w'’\-]+|sur|en|le|la|de|am|an|der|aan|op)){{0,3}}"
_GB_POSTCODE = r"[A-Z]{1,2}\d[A-Z\d]?[ ]?\d[A-Z]{2}"
_US_STATE = r"[A-Z]{2}"
_EU_POSTCODE = r"(?:(?:NL|B|F|D|L)-)?(?:\d{4}[ ]?[A-Z]{2}(?![\w])|\d{4,5})"

# The part after the street: ", 2611 XT Delft" / ", Austin TX 78704" / ", London NW1 6XE" / ", Leeds".
_TAIL_POSTCODE = (rf"(?:,?[ ]+{_EU_POSTCODE}[ ]+{_CITY}"
                  rf"|,[ ]*{_CITY},?[ ]+(?:{_US_STATE}[ ]+)?\d{{5}}(?:-\d{{4}})?(?!\d)"
                  rf"|,[ ]*{_CITY},?[ ]+{_GB_POSTCODE}(?![\w])"
                  rf"|,[ ]*{_GB_POSTCODE}(?![\w]))")
_TAIL_CITY = rf"(?:,[ ]*{_CITY}(?:,?[ ]+{_US_STATE}(?![\w]))?)"

# Number first: "27 avenue Jean Médecin", "1420 Maple Ridge Dr", "221B Baker Street", "2211 N 1st St".
_NUMBER_FIRST = (rf"(?<![\w\-./,])(?:(?:Flat|Apt|Apartment|Unit|Suite)[ ]\w{{1,4}},[ ])?\d{{1,5}}[A-Za-z]?(?:[ ](?:bis|ter))?,?[ ]+"
                 rf"(?:(?:(?i:{_FR_TYPE}))[ ]+(?:{_WORD}[ ]+){{0,4}}{_CAP}"
                 rf"|(?:[NSEW]\.?[ ]+)?(?:{_CAP}|\d{{1,3}}(?:st|nd|rd|th))(?:[ ]+{_CAP}){{0,3}}[ ]+(?i:{_EN_TYPE})\.?(?![\w])(?:[ ](?:NW|NE|SW|SE|N|S|E|W)(?![\w]))?)")
# Number after: "Lindenlaan 7", "Burgemeester Roellstraat 88", "Rue Haute 112", "Am Markt 3".
_NUMBER_AFTER_TYPED = (rf"(?<![\w\-])(?:(?:(?i:{'|'.join(_NLDE_WORDS.split())})[ ]+)?(?:{_CAP}[ ]+){{0,3}}"
                       rf"[{_UP}]?[\w'’\-]*(?:{_NLDE_SUFFIXES})|(?:Rue|Avenue|Chaussée|Boulevard|Place|Quai|Am|An[ ]der)"
                       rf"(?:[ ]+{_WORD}){{1,4}}?)[ ]+{_NUMBER}(?:[ ](?:bus|boîte|bte)[ ]\w{{1,4}})?(?![\w,.]\d)")
_NUMBER_AFTER_PLAIN = rf"(?<![\w\-])(?:{_CAP}[ ]+){{1,3}}{_NUMBER}(?:[ ](?:bus|boîte|bte)[ ]\w{{1,4}})?"

_STREET_FIRST = re.compile(rf"(?:{_NUMBER_FIRST})(?P<apt>{_APARTMENT})?(?P<tail>{_TAIL_POSTCODE}|{_TAIL_CITY})?")
_STREET_AFTER = re.compile(rf"(?:{_NUMBER_AFTER_TYPED})(?P<apt>{_APARTMENT})?(?P<tail>{_TAIL_POSTCODE}|{_TAIL_CITY})?")
_PLAIN_WITH_POSTCODE = re.compile(rf"(?:{_NUMBER_AFTER_PLAIN})(?P<apt>{_APARTMENT})?(?P<tail>{_TAIL_POSTCODE})")
_POSTCODE_IN_TAIL = re.compile(rf"\d{{4}}|{_GB_POSTCODE}")

Candidate = tuple[str, int, int, float, str]


def _score(tail: str | None) -> float:
    if not tail:
        return 0.6
    return 0.85 if _POSTCODE_IN_TAIL.search(tail) else 0.7


# Where the regexes are asked (speed: over a whole 300-character message the patterns
# cost ~100 us, mostly trying street suffixes at every word). Every address holds a house
# number that starts a digit run. Number first, a capitalised word, an ordinal or a
# French street type follows it; number after, a space comes before it and the word
# before that is capitalised, ends like a street, or a "Rue"/"Am" street starts a few
# words back (checked in `_after_anchors`).
# (No lookbehinds here: a pattern that starts with a digit or a space is scanned for
# fast; an anchor too many only widens a window.)
_NUMBER_FIRST_ANCHOR = re.compile(rf"\d{{1,5}}[A-Za-z]?(?:[ ](?:bis|ter))?,?[ ]+(?=[{_UP}\d]|(?i:{_FR_TYPE})[ ])")
_SPACE_NUMBER = re.compile(r"[ ]+\d")
_STREET_ENDINGS = tuple(w.replace("\\", "") for w in _NLDE_SUFFIXES.split("|"))
_STREET_HEADS = ("Rue", "Avenue", "Chaussée", "Boulevard", "Place", "Quai", "Am", "An der")
# Space-separated chunks the patterns can span around their number: before it, at most
# a street-type word, three capitalised words and the street ("An der Alten Mühle 3"),
# or "Apartment 12, " before a number-first street; after it, the street words, an
# apartment, a postcode and a city of up to four words, a state and a ZIP code.
_CHUNKS_BEFORE_AFTER_STREET, _CHUNKS_AFTER_NUMBER = 8, 16
_CHUNKS_BEFORE_FIRST_STREET, _CHUNKS_AFTER_FIRST_STREET = 4, 20


def _after_anchors(text: str) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """The house numbers a number-after street could end at (supersets: the regexes
    decide): for `_STREET_AFTER`, after a word with a street ending or a few words after
    "Rue"/"Am"/...; for `_PLAIN_WITH_POSTCODE`, after a capitalised word."""
    typed, plain = [], []
    heads = any(head in text for head in _STREET_HEADS)
    for match in _SPACE_NUMBER.finditer(text):
        at = match.start()
        word = text[max(text.rfind(" ", 0, at), text.rfind("\n", 0, at), text.rfind("\t", 0, at)) + 1:at]
        if word != word.lower():
            plain.append((at, match.end()))
        if word.endswith(_STREET_ENDINGS):
            typed.append((at, match.end()))
        elif heads:
            before = text[_back(text, at, 6):at]
            if any(head in before for head in _STREET_HEADS):
                typed.append((at, match.end()))
    return typed, plain


def _back(text: str, pos: int, chunks: int) -> int:
    """The start of the `chunks`-th space-separated chunk before `pos` (0 if fewer)."""
    for _ in range(chunks):
        pos = text.rfind(" ", 0, pos)
        if pos <= 0:
            return 0
        while pos > 0 and text[pos - 1] == " ":
            pos -= 1
    return text.rfind(" ", 0, pos) + 1


def _forward(text: str, pos: int, chunks: int) -> int:
    """The end of the `chunks`-th space-separated chunk after `pos` (the text's end if fewer)."""
    n = len(text)
    for _ in range(chunks):
        while pos < n and text[pos] == " ":
            pos += 1
        pos = text.find(" ", pos)
        if pos < 0:
            return n
    return pos


def _windows(text: str, anchors, before: int, after: int) -> list[tuple[int, int]]:
    """Merged stretches of text around every (start, end) anchor, wide enough for any match there."""
    windows: list[tuple[int, int]] = []
    for anchor_start, anchor_end in anchors:
        if windows and anchor_start < windows[-1][1]:
            windows[-1] = (windows[-1][0], max(windows[-1][1], _forward(text, anchor_end, after)))
            continue
        start = _back(text, anchor_start, before)
        end = _forward(text, anchor_end, after)
        if windows and start <= windows[-1][1]:
            windows[-1] = (windows[-1][0], end)
        else:
            windows.append((start, end))
    return windows


def _scan(pattern: re.Pattern, text: str, windows: list[tuple[int, int]]):
    """pattern.finditer over the windows only. A window starts and ends at a space or
    the text's ends, and the patterns look at most one character around, so a match
    inside a window is the one the whole text gives."""
    for start, end in windows:
        yield from pattern.finditer(text, start, end)


def find_addresses(text: str) -> list[Candidate]:
    """ADDRESS candidates; overlapping readings are settled by the analyzer (the longest,
    best-scored one wins)."""
    found = []
    first = _windows(text, [m.span() for m in _NUMBER_FIRST_ANCHOR.finditer(text)],
                     _CHUNKS_BEFORE_FIRST_STREET, _CHUNKS_AFTER_FIRST_STREET)
    typed, plain = _after_anchors(text)
    after = _windows(text, typed, _CHUNKS_BEFORE_AFTER_STREET, _CHUNKS_AFTER_NUMBER)
    for pattern, windows in ((_STREET_FIRST, first), (_STREET_AFTER, after)):
        for match in _scan(pattern, text, windows):
            found.append(("ADDRESS", match.start(), _end(match), _score(match.group("tail")), "address"))
    for match in _scan(_PLAIN_WITH_POSTCODE, text, _windows(text, plain, _CHUNKS_BEFORE_AFTER_STREET,
                                                            _CHUNKS_AFTER_NUMBER)):
        found.append(("ADDRESS", match.start(), _end(match), 0.8, "address"))
    return found


def _find_addresses_full(text: str) -> list[Candidate]:
    """The same over the whole text (slow): the reference the windowed scan must equal."""
    found = []
    for pattern in (_STREET_FIRST, _STREET_AFTER):
        for match in pattern.finditer(text):
            found.append(("ADDRESS", match.start(), _end(match), _score(match.group("tail")), "address"))
    for match in _PLAIN_WITH_POSTCODE.finditer(text):
        found.append(("ADDRESS", match.start(), _end(match), 0.8, "address"))
    return found


def _end(match: re.Match) -> int:
    """The end of an address without the sentence's full stop ("88 Oak Avenue.") but with
    an abbreviation's ("Schillerstr.", "Ave.")."""
    value = match.group()
    if value.endswith(".") and len(re.split(r"[ ,]", value[:-1])[-1]) > 4:
        return match.end() - 1
    return match.end()
