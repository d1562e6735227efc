"""Person names without a language model: name lists plus cues.

The lists are Faker's first and last names for en_US, en_GB, nl_NL, nl_BE, fr_FR and
fr_BE, read as data once per process (`name_lexicon()` is cached). All six are used for
every language: a Dutch customer writes to an English-speaking shop. The cues (words.py)
are en, nl and fr together, for the same reason.

How a span is judged (scores before the analyzer's threshold of 0.5):

- a known first name and a known last name, with Dutch or French particles between
  ("Sanne de Vries", "Jean-Pierre Dubois", "Margaux Lefèvre"): 0.85, 0.95 after a cue;
- a known first name and a capitalised unknown word: 0.7 (0.8 after a particle);
- a known first name alone: 0.7 after a cue ("Hi Sanne,", "ik ben Sanne", "Thanks,
  Sanne."), 0.55 without one, nothing after an article ("the Ida cardigan"); a first
  name that is also a word ("Will", "May", "Rose", "Ben", "France") needs a greeting,
  a strong cue or to be addressed;
- after a strong cue ("my name is", "ik heet", "je m'appelle", "my wife", "Mr", "Mevr.",
  "Mme", "Name:") any capitalised words: 0.7, or 0.85 with a known last name;
- after a greeting or sign-off ("Dear", "Beste", "Bonjour", "Regards,"): two capitalised
  words, or one that ends the phrase ("Hi Zbigniew,"): 0.6, 0.7 with a known last name;
  after a weak cue ("I'm", "met", "c'est") two capitalised words: 0.6;
- a known last name alone, with no cue: nothing (every "Baker", "Smith", "Martin").
"""

from __future__ import annotations

import importlib
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from workbench.pii.words import (
    AMBIGUOUS_FIRST_NAMES,
    LOWERCASE_CUES,
    NOT_A_PERSON_AFTER,
    PLACE_BEFORE,
    COLON_CUES,
    COMMON_WORDS,
    CUE_WORD,
    GREETING_CUES,
    PARTICLES,
    STRONG_CUES,
    TITLES,
    VOCATIVE_AFTER,
    VOCATIVE_BEFORE,
    WEAK_CUES,
)

NAME_LOCALES = ("en_US", "en_GB", "nl_NL", "nl_BE", "fr_FR", "fr_BE")
# Words in Faker's nl_NL last names that are not surnames ("The Elder", "Die Bont").
LIST_NOISE = frozenset("the die uit wel met van het een".split())
TOKEN = re.compile(r"[^\W\d_]+(?:['’\-][^\W\d_]+)*")
CUE_WINDOW = 40
_PARTICLE_WORDS = r"(?:van|de|der|den|ter|ten|von|du|le|la|el|al|di|da|dos|del|Van|De|Le|Du|El|Di|Da|Von|Ter|Ten)"
# The first word of a place name ("San Francisco", "New Zealand", "Saint Louis").
PLACE_FIRST = frozenset("san santa são sao saint sainte sint sankt new nouvelle lake mount fort port cape los las "
                        "north south east west".split())
# Words of NOT_A_PERSON_AFTER that are common surnames too ("Troy Hill", "Lisa Church"):
# they still stop a name when they follow it, not when they end it.
SURNAME_WORDS = frozenset("hill hills church castle bridge lake river tower bay brothers sons beach city "
                          "college hall estate".split())
INITIALS = re.compile(r"(?<![\w.\-/])[A-Z]\.(?:(?:-|[ ])[A-Z]\.){0,2}[ ]"
                      rf"(?:{_PARTICLE_WORDS}[ ]){{0,3}}(?P<surname>[A-ZÀ-Ý][\w'’\-]+)")
LIST_WORD = re.compile(r"[A-ZÀ-Ý][\w'’\-]+")
NAME_LIST = re.compile(r"(?<![\w\-])[A-ZÀ-Ý][\w'’\-]+(?:,[ ][A-ZÀ-Ý][\w'’\-]+)*,?[ ](?:and|en|et|&)[ ][A-ZÀ-Ý][\w'’\-]+")
NONE, WEAK, GREETING, STRONG = 0, 1, 2, 3
# The last word of every cue phrase: a window whose last word is none of these holds no cue.
CUE_LAST_WORDS = frozenset(phrase.split(" ")[-1] for cues in (STRONG_CUES, COLON_CUES, GREETING_CUES, WEAK_CUES)
                           for phrase in cues)
ELISIONS = frozenset("c j l qu n m t s".split())
CONTRACTIONS = frozenset("m s ll ve d re t".split())
# A person's name does not come after an article or a possessive: "the Ida cardigan",
# "de Fenna regenjas", "le pull Ines" are products named after people.
DETERMINERS = frozenset("""
    the a an this that these those my your our his her their its
    de het een deze dit die dat mijn jouw je uw onze ons zijn haar hun
    le la les un une ce cet cette ces mon ma mes ton ta tes son sa ses notre nos votre vos leur leurs du des
""".split())


@dataclass(frozen=True)
class NameLexicon:
    first_names: frozenset[str]
    last_names: frozenset[str]
    # The six locales' first names (Faker, read at run time). The rest of first_names
    # (package data, ~80 locales) counts only next to a surname or after a cue: alone,
    # many are words somewhere ("Hope", "Long", "Page").
    core_first_names: frozenset[str] = frozenset()
    places: frozenset[str] = frozenset()

    @property
    def lowercase_first_names(self) -> frozenset[str]:
        return _lowercase(self.first_names)


@lru_cache(maxsize=4)
def _lowercase(names: frozenset[str]) -> frozenset[str]:
    return frozenset(n.casefold() for n in names if len(n) > 2) | frozenset(
        _strip_accents(n).casefold() for n in names if len(n) > 2)


def _data_lines(name: str) -> list[str]:
    """A list shipped in workbench/pii/data (built by bench/pii_name_data.py)."""
    from importlib.resources import files

    return [line.strip() for line in files("workbench.pii").joinpath("data", name).read_text("utf-8").splitlines()
            if line.strip()]


def _strip_accents(word: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", word) if unicodedata.category(c) != "Mn")


@lru_cache(maxsize=1)
def name_lexicon(locales: tuple[str, ...] = NAME_LOCALES) -> NameLexicon:
    """First names and last-name words from Faker's person providers (no network, no
    files of ours). Last names are split into words; particles and common words are
    dropped, so "van der Berg" gives "Berg" and "The Elder" gives "Elder". Surnames that
    are also words ("Green", "White", "King") stay: they count only after a first name,
    a title or a cue."""
    first: set[str] = set()
    last: set[str] = set()
    for locale in locales:
        provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
        for name in provider.first_names:
            first.add(name)
            first.update(part for part in name.split("-") if len(part) > 1)
        for name in provider.last_names:
            for word in re.split(r"[\s,]+", name):
                for part in [word, *word.split("-")]:
                    if len(part) > 2 and part[0].isupper() and part.lower() not in PARTICLES \
                            and part.lower() not in LIST_NOISE:
                        last.add(part)
    core = frozenset(first | {_strip_accents(n) for n in first})
    first |= set(_data_lines("first_names.txt"))
    last |= {w for w in _data_lines("last_names.txt") if w.lower() not in NOT_A_PERSON_AFTER}
    first |= {_strip_accents(n) for n in first}
    last |= {_strip_accents(n) for n in last}
    return NameLexicon(frozenset(first), frozenset(last), core, frozenset(_data_lines("places.txt")))


class NameRecognizer:
    """Finds PERSON spans in one text. Stateless apart from the lexicon."""

    name = "person_names"

    def __init__(self, lexicon: NameLexicon | None = None):
        self.lexicon = lexicon or name_lexicon()
        self._first = self.lexicon.first_names
        self._last = self.lexicon.last_names
        self._core_first = self.lexicon.core_first_names or self.lexicon.first_names
        self._places = self.lexicon.places
        self._lower_first = self.lexicon.lowercase_first_names

    # ------------------------------------------------------------------ token tests

    @staticmethod
    def _is_cap(word: str) -> bool:
        return len(word) > 1 and word[0].isupper() and not word.isupper()

    def _is_first(self, word: str) -> bool:
        if word in self._first:
            return True
        parts = word.split("-")
        return len(parts) > 1 and all(p in self._first for p in parts)

    def _is_last(self, word: str) -> bool:
        if word in self._last:
            return True
        if word[:2] in ("d'", "D'", "d’", "D’", "O'", "O’") and word[2:] in self._last:
            return True
        parts = word.split("-")
        return len(parts) > 1 and all(p in self._last or p in self._first for p in parts) \
            and any(p in self._last for p in parts)

    @staticmethod
    def _is_common(word: str) -> bool:
        lowered = word.lower().replace("’", "'")
        if lowered in COMMON_WORDS:
            return True
        if "'" in lowered:  # I'm, It's, Don't, C'est, J'ai; not O'Neill or D'Hondt
            head, tail = lowered.split("'", 1)
            return head in COMMON_WORDS or head in ELISIONS or tail in CONTRACTIONS
        return False

    def _ambiguous(self, word: str) -> bool:
        return word in AMBIGUOUS_FIRST_NAMES or word.lower() in COMMON_WORDS

    @staticmethod
    def _is_particle(word: str) -> bool:
        return word.lower() in PARTICLES

    # ------------------------------------------------------------------ analysis

    def _cue(self, text: str, start: int, end: int | None = None) -> int:
        """The strongest cue ending right before `start`. With `end` (a known first name's
        end), a name addressed between a comma and the sentence end counts as weak."""
        window = text[max(0, start - CUE_WINDOW):start].lower().replace("’", "'")
        words = CUE_WORD.findall(window)
        if not words:
            return NONE
        last = words[-1]
        between = window[window.rindex(last) + len(last):]
        if last in TITLES and between and between.strip(" \t") == "":
            return STRONG
        level = NONE
        if last not in CUE_LAST_WORDS:  # no cue phrase ends with this word: only the vocative test is left
            if end is not None and VOCATIVE_BEFORE.search(window) and VOCATIVE_AFTER.match(text, end):
                return GREETING
            return NONE
        # No cue across a sentence end, nor out of a quoted field: in '"name": "Ida
        # cardigan"' (a tool's JSON output) "name:" announces a product.
        if not any(c in '.?;"' for c in between) and (not last.endswith(".") or last in STRONG_CUES):
            colon = ":" in between
            for k in range(min(5, len(words)), 0, -1):
                phrase = " ".join(words[-k:])
                if phrase in STRONG_CUES or (colon and phrase in COLON_CUES):
                    return STRONG
                if phrase in GREETING_CUES:
                    level = max(level, GREETING)
                elif phrase in WEAK_CUES:
                    level = max(level, WEAK)
        if level == NONE and end is not None and VOCATIVE_BEFORE.search(window) and VOCATIVE_AFTER.match(text, end):
            return GREETING  # addressed, like a greeting: "Thanks for the reply, Kim."
        return level

    def find(self, text: str) -> list[tuple[str, int, int, float, str]]:
        tokens = [(m.group(), m.start(), m.end()) for m in TOKEN.finditer(text)]
        if "s" in text and ("'s" in text or "’s" in text):
            tokens = [(w[:-2], a, b - 2) if w.endswith(("'s", "’s")) and len(w) > 3 else (w, a, b)  # Sanne's
                      for w, a, b in tokens]
        n = len(tokens)
        found = []

        def joined(a: int, b: int) -> bool:
            """Tokens a and b are neighbours within one name: only spaces between them
            (and the apostrophe of "van 't Hof")."""
            gap = text[tokens[a][2]:tokens[b][1]]
            return 0 < len(gap) <= 3 and gap.rstrip("'’").strip(" \u00a0") == "" and not gap.startswith(("'", "’"))

        # Where a name can start: a capitalised word or a particle (_is_cap or
        # _is_particle, inlined: this runs for every word of every message).
        starts = [k for k, (w, _, _) in enumerate(tokens)
                  if (w[0].isupper() and len(w) > 1 and not w.isupper()) or w.lower() in PARTICLES]
        resume = 0
        for i in starts:
            if i < resume:
                continue
            result = self._read_name(text, tokens, i, joined)
            if result:
                end_index, score = result
                if not self._not_a_person(text, tokens, i, end_index, joined):
                    found.append(("PERSON", tokens[i][1], tokens[end_index][2], score, self.name))
                resume = end_index + 1  # "Lincoln Park" is a place; its "Park" is no name either
        found += self._initials(text)
        found += self._surname_lists(text)
        found += self._lowercase_names(text, tokens, joined)
        return found

    def _lone_surname(self, word: str) -> bool:
        """A known surname that is no word, place or first name: "Okafor", "Lindqvist"."""
        return self._is_last(word) and not self._is_common(word) and word not in self._first \
            and word not in self._places and word.lower() not in NOT_A_PERSON_AFTER

    # ------------------------------------------------------------------ not a person

    def _not_a_person(self, text, tokens, i: int, last: int, joined) -> bool:
        """A place or a company made of a first name: "San Francisco", "New Zealand",
        "Leo Logistics", "Phoenix Dynamics", "Maple Street", "Victoria Station"."""
        value = text[tokens[i][1]:tokens[last][2]]
        if value in self._places or _strip_accents(value) in self._places:
            return self._cue(text, tokens[i][1]) < STRONG
        if last + 1 < len(tokens) and joined(last, last + 1) and tokens[last + 1][0].lower() in NOT_A_PERSON_AFTER:
            return True
        last_word = tokens[last][0].lower()
        if last > i and ((last_word in NOT_A_PERSON_AFTER and last_word not in SURNAME_WORDS)
                         or tokens[i][0].lower() in PLACE_FIRST):
            return True
        if i > 0 and joined(i - 1, i) and tokens[i - 1][0].lower() in PLACE_BEFORE and tokens[i - 1][0][0].isupper():
            return True
        # "Lake Victoria", "St. Paul's": a place word with a dot before the name
        before = text[max(0, tokens[i][1] - 4):tokens[i][1]]
        return before.endswith(("St. ", "Mt. "))

    # ------------------------------------------------------------------ other shapes

    def _initials(self, text: str) -> list[tuple[str, int, int, float, str]]:
        """Initials and a surname: "K. van Leeuwen", "P.-Y. Dumas", "R. K. Narayan"."""
        found = []
        for match in INITIALS.finditer(text):
            surname = match.group("surname")
            if self._is_common(surname) and surname not in self._last or surname.lower() in NOT_A_PERSON_AFTER:
                continue
            end = match.end()
            if text[end - 2:end] in ("'s", "’s"):
                end -= 2
            found.append(("PERSON", match.start(), end, 0.75, self.name))
        return found

    def _surname_lists(self, text: str) -> list[tuple[str, int, int, float, str]]:
        """Lists of capitalised words that are mostly known surnames: "Okafor, Lindqvist
        and Moreau", "Peeters en Claes"."""
        found = []
        for match in NAME_LIST.finditer(text):
            words = [(m.group(), m.start() + match.start(), m.end() + match.start())
                     for m in LIST_WORD.finditer(match.group())]
            if any(self._is_common(w) or w in self._places or w.lower() in NOT_A_PERSON_AFTER for w, _, _ in words):
                continue
            known = sum(self._is_last(w) for w, _, _ in words)
            if known >= 2 and known * 3 >= len(words) * 2:
                found += [("PERSON", a, b, 0.65, self.name) for _, a, b in words]
        return found

    def _lowercase_names(self, text, tokens, joined) -> list[tuple[str, int, int, float, str]]:
        """A first name typed in lowercase, only right after a cue: "ask joris", "merci
        elodie", "ik ben lieke", "thanks shauna,". A lowercase word alone is never a name."""
        found = []
        lower_first = self._lower_first
        for word, start, end in tokens:
            if word not in lower_first or not word.islower() or len(word) < 3 or self._is_common(word) \
                    or word.capitalize() in AMBIGUOUS_FIRST_NAMES:
                continue
            window = text[max(0, start - 16):start].lower().replace("’", "'")
            before = CUE_WORD.findall(window)
            if not before or not window.endswith(" "):
                continue
            phrases = {" ".join(before[-n:]) for n in (1, 2)}
            greeting = self._cue(text, start, end) >= GREETING
            if greeting or phrases & LOWERCASE_CUES:
                found.append(("PERSON", start, end, 0.6, self.name))
        return found

    def _read_surnames(self, tokens, j: int, joined, attach: bool) -> list[tuple[int, bool, int]]:
        """Surname words from token j on: (index, known, particles before it). With
        `attach`, token j must follow token j-1 (the first name) with only a space."""
        n = len(tokens)
        surnames: list[tuple[int, bool, int]] = []
        k = j
        while len(surnames) < 2 and k < n:
            if (k > j or attach) and not joined(k - 1, k):
                break
            m, particles = k, 0
            while m < n and particles < 3 and self._is_particle(tokens[m][0]) and (m == k or joined(m - 1, m)):
                m, particles = m + 1, particles + 1
            if m >= n or (m > k and not joined(m - 1, m)):
                break
            word = tokens[m][0]
            if not self._is_cap(word) or (self._is_common(word) and word not in self._last):
                break
            known = self._is_last(word)
            if surnames and not known:  # a second surname must be known: "Sanne de Vries van Bol" stops at Vries
                break
            surnames.append((m, known, particles))
            k = m + 1
        return surnames

    def _read_name(self, text, tokens, i: int, joined) -> tuple[int, float] | None:
        """Read a name starting at token i; returns (index of its last token, score)."""
        n = len(tokens)
        word = tokens[i][0]
        firsts = 0
        j = i
        if self._is_cap(word):
            while j < n and firsts < 3 and self._is_cap(tokens[j][0]) and self._is_first(tokens[j][0]) \
                    and (j == i or joined(j - 1, j)):
                firsts, j = firsts + 1, j + 1
        if firsts:
            surnames = self._read_surnames(tokens, j, joined, attach=True)
            if not surnames and firsts > 1 and tokens[j - 1][0] in self._last:
                firsts, j = firsts - 1, j - 1  # "Sanne Martin": Martin is both
                surnames = [(j, True, 0)]
            cue = self._cue(text, tokens[i][1], tokens[j - 1][2])
            ambiguous = self._ambiguous(word)
            bonus = 0.1 if cue else 0.0
            after_determiner = i > 0 and tokens[i - 1][0].lower() in DETERMINERS and joined(i - 1, i)
            if surnames:
                index, known, particles = surnames[0]
                last_index = surnames[-1][0]
                if known:
                    return last_index, min(0.95, (0.85 if not ambiguous or cue else 0.75) + bonus)
                if particles:
                    return last_index, 0.8 + bonus
                if cue or not ambiguous:
                    return last_index, 0.7 + bonus
            # Alone, a first name that is also a word ("Will", "France") needs a greeting,
            # a strong cue or to be addressed; "from France" is a place.
            if cue >= GREETING or (cue and not ambiguous):
                return j - 1, 0.7
            # Alone and with no cue, only the six core locales' names count: the wider
            # lists hold words of some language ("Versie", "Boston", "Ember").
            extended = any(tokens[k][0] not in self._core_first for k in range(i, j))
            if not ambiguous and not after_determiner and not extended:
                return j - 1, 0.55
            return None
        # Not a known first name: only a cue makes capitalised words a name.
        if self._is_cap(word) and self._is_common(word) and word not in self._last and not self._is_particle(word):
            return None
        cue = self._cue(text, tokens[i][1])
        if cue == NONE and word[0].isupper() and self._is_particle(word):
            # "De Backer belt terug", "Van Damme": a capitalised particle and a known surname
            surnames = self._read_surnames(tokens, i, joined, attach=False)
            # ... but not an article before a product or first name ("Le Vega kettle", "De Rose")
            if surnames and surnames[0][1] and self._lone_surname(tokens[surnames[0][0]][0]):
                return surnames[-1][0], 0.65
        if cue == NONE or (cue < STRONG and not self._is_cap(word)):
            return None
        surnames = self._read_surnames(tokens, i, joined, attach=False) if self._is_particle(word) else []
        if surnames:
            chain = [s[0] for s in surnames]
        else:
            # After a title a common word can still be a surname ("Ms White").
            if not self._is_cap(word) or (self._is_common(word) and not (cue == STRONG and word in self._last)):
                return None
            chain = [i]
            k = i + 1
            while len(chain) < 3 and k < n and joined(k - 1, k):
                m, particles = k, 0
                while m < n and particles < 3 and self._is_particle(tokens[m][0]) and joined(m - 1, m):
                    m, particles = m + 1, particles + 1
                if m < n and joined(m - 1, m) and self._is_cap(tokens[m][0]) and (
                        not self._is_common(tokens[m][0]) or tokens[m][0] in self._last):
                    chain.append(m)
                    k = m + 1
                else:
                    break
        last_index = chain[-1]
        known = any(self._is_last(tokens[c][0]) for c in chain)
        if cue == STRONG:
            return last_index, 0.85 if known else 0.7
        if len(chain) >= 2:  # "met Büreyre Güçlü", "Thank you Atiyye Akgündüz for ..."
            return last_index, 0.7 if known else 0.6
        if cue == WEAK and self._lone_surname(tokens[last_index][0]):  # "spoke with Okafor"
            return last_index, 0.6
        if cue == GREETING:  # one word must end the phrase: "Hi Zbigniew," "Regards,\nZbigniew"
            after = text[tokens[last_index][2]:tokens[last_index][2] + 3].lstrip(" \t")
            if after == "" or after[0] in ",!:\n\r.;)":
                return last_index, 0.6
        return None
