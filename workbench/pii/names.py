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
    CITIES_LIKE_NAMES,
    LOWERCASE_CONJUNCTIONS,
    NOT_A_PERSON_NAMES,
    PLACE_PREPOSITIONS,
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
_PARTICLE_WORDS = r"(?:van|de|der|den|ter|ten|von|du|le|la|el|al|di|da|dos|del|des|Van|De|Le|La|Du|Des|Der|Den|El|Di|Da|Von|Ter|Ten)"
# The first word of a place name ("San Francisco", "New Zealand", "Saint Louis").
PLACE_FIRST = frozenset("san santa são sao saint sainte sint sankt new nouvelle lake mount fort port cape los las "
                        "north south east west".split())
# Words of NOT_A_PERSON_AFTER that are common surnames too ("Troy Hill", "Lisa Church"):
# they still stop a name when they follow it, not when they end it.
SURNAME_WORDS = frozenset("hill hills church castle bridge lake river tower bay brothers sons beach city "
                          "college hall estate".split())
# "R.J. Verbeek", "A.M. van der Linden": initials written together (no space) count only
# before a particle or a known surname ("U.S. Army" is no name).
INITIALS = re.compile(r"[A-Z](?<![\w.\-/][A-Z])\.(?:(?:-|[ ]|)[A-Z]\.){0,3}[ ]"
                      rf"(?P<particles>(?:{_PARTICLE_WORDS}[ ]){{0,3}})(?P<surname>[A-ZÀ-Ý][\w'’\-]+)")
# A street named after someone, written as one word with its street type: "Jan van
# Galenstraat", "Prins Hendrikkade", "Koningin Astridlaan".
STREET_SUFFIXES = ("straat", "laan", "weg", "plein", "gracht", "kade", "dreef", "singel", "straße", "strasse")
# Prefilters (C speed) for the rarer shapes: a word in capitals, a title in lowercase.
# (Both start with a character class and check the word boundary after it, so that the
# regex engine skips the other positions in C.)
UPPER_PAIR = re.compile(
    r"[A-ZÀ-Ý](?<![\w\-'’][A-ZÀ-Ý])(?:"
    r"(?P<up1rest>[A-ZÀ-Ý]{2,})(?:,[ ]|[ ])(?P<first1>[A-ZÀ-Ý][a-zà-ÿ]+(?:-[A-ZÀ-Ý][a-zà-ÿ]+)?)"
    r"|(?P<first2rest>[a-zà-ÿ]+(?:-[A-ZÀ-Ý][a-zà-ÿ]+)?)[ ](?P<up2>[A-ZÀ-Ý]{3,})"
    r")(?![\w\-])")
LOWERCASE_TITLED = re.compile(
    r"(?:[Mm](?:eneer|evrouw|evr\.?|w\.?|onsieur|adame|me\.?|lle\.?|elle|ademoiselle|r\.?|rs\.?)|[Dd]hr\.?|[Hh]eer)"
    r"[ ](?P<name>(?:(?:van|de|der|den|ter|ten|le|la|du|des)[ ]){0,3}(?P<surname>[a-zà-ÿ][a-zà-ÿ'’\-]+))(?![\w\-])")
FRISIAN_ENDINGS = ("stra", "sma", "inga", "enga", "stra's")
NOT_FRISIAN = frozenset("orchestra plasma charisma miasma fenestra palestra kinga".split())
COMPACT_INITIALS = re.compile(r"\.[A-Z]")
# Dotted capitals that are abbreviations, not initials ("U.S. Army", "P.S. Jansen komt").
ABBREVIATIONS = frozenset("U.S. U.K. E.U. N.B. P.S. A.M. P.M. B.V. N.V. S.A. D.C. U.N. T.V. O.K. V.S. A.U.B. S.V.P. "
                          "P.O. R.I.P. I.D. C.V. Q.C.".split())
# One surname of a list, with its particles: "Jansen", "De Vries", "van der Berg".
# (Capitalised particles only, so that every item starts with a capital: the regex then
# skips the other positions at C speed.)
_LIST_PARTICLES = r"(?:(?:Van|De|Le|La|Du|Des|Der|Den|Ter|Ten|Von|Di|Da|Del|El)[ ](?:(?:der|den|de|la|le)[ ])?)"
_LIST_ITEM = rf"{_LIST_PARTICLES}?[A-ZÀ-Ý][\w'’\-]+"
LIST_ITEM = re.compile(rf"(?<![\w\-])(?P<particles>{_LIST_PARTICLES}?)(?P<word>[A-ZÀ-Ý][\w'’\-]+)")
# The first item is spelled out so that the pattern starts with a capital (and checks the
# word boundary after it): "Jansen, ...", "De Vries, ...", "Van der Berg, ...".
NAME_LIST = re.compile(rf"[A-ZÀ-Ý](?<![\w\-][A-ZÀ-Ý])(?:(?<=[VDLT])(?:an|e|a|u|es|er|en|on|i|el)[ ]"
                       rf"(?:(?:der|den|de|la|le)[ ])?[A-ZÀ-Ý])?[\w'’\-]+(?:,[ ]{_LIST_ITEM})*,?[ ](?:and|en|et|&)[ ]{_LIST_ITEM}")
# A street-type word right before a name-looking span makes it a street name.
STREET_BEFORE = frozenset("rue avenue av boulevard bd allée allee impasse quai chemin square cours place "
                          "straat laan plein".split())
# Places made of a particle and a word that is also a surname ("Den Haag"): not in the
# place lists, which hold official names ("'s-Gravenhage").
EXTRA_PLACES = frozenset(["Den Haag", "Den Bosch", "Den Helder", "Den Burg", "Den Dolder", "Den Ham", "Ter Apel",
                          "De Panne", "De Haan", "Le Havre", "Le Mans", "La Rochelle", "Le Touquet", "Van Nuys"])
# After a name: its team ("Could Adolfo from your returns team call me?", "Kan Max van
# jullie retourafdeling ...", "Est-ce que Telim du service retours ..."), or "again"
# after a weak cue ("it's Amber again").
ROLE_AFTER = re.compile(r"[ ](?:from your|of your|van jullie|van uw|du service|de votre|de l'équipe|de l’équipe)\b",
                        re.IGNORECASE)
# After a name: the call or the talk ("met Frank gebeld", "J'ai eu Mirco au téléphone",
# "Ik had Peeters gisteren aan de lijn"), one lowercase word allowed between.
CONTACT_AFTER = re.compile(r"(?:[ ][a-zà-ÿ]+)?[ ](?:gebeld|gesproken|gemaild|geappt|ge-appt|gecontacteerd|"
                           r"aan de lijn|aan de telefoon|au téléphone|au telephone|au tél|au tel|au bout du fil|"
                           r"on the phone)\b")
AGAIN_AFTER = re.compile(r"[ ](?:again|here|encore|ici|weer|hier)\b", re.IGNORECASE)
# Weak cues after which one capitalised word in no list is a name when the phrase ends
# there or "again" follows: "c'est encore Tekbay.", "this is Ekundayo again".
ANNOUNCING_CUES = frozenset(["this is", "c'est", "c'est encore", "moi c'est", "ici", "it's", "met", "hier is"])
# A speaker naming themselves: "Ik ben Jet en ik ...", "je suis Rose et j'ai ...", "Met
# Floor van de webshop": a first name that is also a word counts before these words.
SELF_INTRODUCTIONS = frozenset(["i'm", "i am", "im", "this is", "it's", "ik ben", "dit is", "met", "hier is",
                                "je suis", "c'est", "moi c'est", "ici"])
INTRODUCTION_GOES_ON = re.compile(r"[ ](?:and i|and my|from the|en ik|en mijn|en heb|van de|van het|van team|"
                                  r"van jullie|van uw|et je|et j'|et j’|et mon|et ma|de la|de l'|de l’|du)\b",
                                  re.IGNORECASE)
# A lowercase first name at the end of a line that thanks someone: "merci pour votre aide
# thomas !", "thanks for the quick help jake".
THANKS_IN_LINE = re.compile(r"\b(?:merci|thanks|thank you|thx|bedankt|dank je|dank u|dankjewel|dankuwel)\b")
LINE_END_AFTER_NAME = re.compile(r"[ \t]*[!.?]*[ \t]*(?:\n|\Z)")
# The end of a phrase right after a name: "Rose," "Hope." "Will!"
PHRASE_END = re.compile(r"[ \t]*(?:[,.!?;:)\n]|\Z)")
# Family names written first in Vietnamese, Chinese and Korean names ("Nguyen Van Long",
# "Zhang Wei", "Park Seo-yeon"), romanized without tones. Left out: the ones that are
# common words or articles in en/nl/fr ("Le", "He", "Ma", "Do", "Ho", "Long", "Song").
SURNAME_FIRST = frozenset("""
    Nguyen Nguyễn Tran Trần Pham Phạm Hoang Hoàng Huynh Huỳnh Phan Vu Vũ Vo Võ Dang Đặng Bui Bùi Duong Dương Ngo Ngô
    Ly Lý Trinh Dinh Đinh Truong Trương Luong Lương Quach Lam Mai Cao Chau Thai Ta Tang
    Zhang Wang Li Liu Chen Yang Huang Zhao Wu Zhou Xu Sun Zhu Hu Guo Lin Luo Gao Zheng Liang Xie Tang Han Cao
    Deng Feng Cheng Cai Peng Pan Yuan Dong Xiao Tian Jiang Du Ye Lu Wei Shen Jin Fang Qian Kong Zeng Qiu
    Kim Lee Park Choi Jung Jeong Kang Cho Yoon Yun Jang Lim Shin Seo Kwon Hwang Ahn Oh Jeon Baek Yoo Nam
""".split())
# Cues after which any lowercase word is the name ("my name is kerensa"), and greetings
# after which a lowercase word and a comma are ("thanks oluwaseun, ...").
NAME_INTRODUCTIONS = ("my name is", "my name's", "mijn naam is", "ik heet", "je m'appelle", "mon nom est",
                      "je me nomme", "name:", "naam:", "nom:")
LOWERCASE_GREETINGS = frozenset("hi hello hey thanks thx cheers dear hoi hallo dag bedankt merci salut bonjour "
                                "coucou".split())
NOT_ADDRESSEES = frozenset("""
    guys guy mate mates folks people all everyone everybody team teams buddy dude bro man sir madam again lots loads
    heaps much very both anyway anyways though tho mister boss chief love dear darling friend friends there world
    allemaal iedereen jongens mensen allen toch nogmaals weer tout monde tous toutes encore beaucoup bien madame
    monsieur quand même vraiment support service client klantenservice
    nog even ook echt heel zeker hoor alvast super top prima fijn meteen snel vandaag morgen gisteren straks zo
    aussi alors déjà demain vraiment rapide hein voilà parfait nickel génial top cool
""".split())
SURNAME_FIRST_GIVEN = re.compile(r"[A-ZÀ-Ý][a-zà-ÿ]+(?:-[a-zA-Zà-ÿ]+)?\Z")

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

    @property
    def lowercase_last_names(self) -> frozenset[str]:
        return _lowercase(self.last_names)


@lru_cache(maxsize=4)
def _lowercase(names: frozenset[str]) -> frozenset[str]:
    return frozenset(n.casefold() for n in names if len(n) > 2) | frozenset(
        _strip_accents(n).casefold() for n in names if len(n) > 2)


def _data_lines(name: str) -> list[str]:
    """A list shipped in workbench/pii/data (built by bench/pii_name_data.py)."""
    from importlib.resources import files

    return [line.strip() for line in files("workbench.pii").joinpath("data", name).read_text("utf-8").splitlines()
            if line.strip() and not line.startswith("#")]


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
    for line in _data_lines("names_nlfr.txt"):  # hand-written: common nl/be/fr names Faker lacks
        kind, _, name = line.partition(" ")
        if kind == "first":
            first.add(name)
        elif kind == "last":
            last.update(w for w in name.split() if w.lower() not in PARTICLES)
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
        self._lower_last = self.lexicon.lowercase_last_names
        self._lower_core_first = _lowercase(self._core_first)

    # ------------------------------------------------------------------ token tests

    @staticmethod
    def _is_cap(word: str) -> bool:
        # "d'Hondt", "d’Ornano": a French or Flemish surname with its particle elided
        return len(word) > 1 and (word[0].isupper() and not word.isupper()
                                  or word[0] == "d" and word[1] in "'’" and word[2:3].isupper())

    def _is_first(self, word: str) -> bool:
        # AMBIGUOUS_FIRST_NAMES are names too ("Will", "Hope"); the readings below ask
        # them for a cue before reporting one alone.
        if word in self._first or word in AMBIGUOUS_FIRST_NAMES:
            return True
        parts = word.split("-")
        return len(parts) > 1 and all(p in self._first for p in parts)

    def _is_last(self, word: str) -> bool:
        if word in self._last:
            return True
        # Frisian and Groningen surnames: Boersma, Tuinstra, Kamminga, Hiemstra
        if word.endswith(FRISIAN_ENDINGS) and len(word) > 5 and word[0].isupper() and word.lower() not in NOT_FRISIAN:
            return True
        if word[:2] in ("d'", "D'", "d’", "D’", "O'", "O’", "L'", "L’") and word[2:] in self._last:
            return True
        parts = word.split("-")
        return len(parts) > 1 and all(p in self._last or p in self._first for p in parts) \
            and any(p in self._last for p in parts)

    @staticmethod
    def _is_common(word: str) -> bool:
        lowered = word.lower().replace("’", "'")
        if lowered in COMMON_WORDS:
            return True
        if "'" in lowered:  # I'm, It's, Don't, C'est, J'ai, d'avance; not O'Neill, D'Hondt, L'Hermitte
            head, tail = lowered.split("'", 1)
            if head in ("d", "l", "o") and word[2:3].isupper():
                return False
            return head in COMMON_WORDS or head in ELISIONS or head == "d" or tail in CONTRACTIONS
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
        # A capitalised common word that is no name of any list ("The", "Thanks", "Ik") is
        # rejected by _read_name at once; it is left out here, which saves the call.
        first, last = self._first, self._last
        elided = "d'" in text or "d’" in text  # "Mevrouw d'Hooghe" starts with a lowercase d'
        starts = [k for k, (w, _, _) in enumerate(tokens)
                  if (w[0].isupper() and len(w) > 1 and not w.isupper()
                      and not ((lw := w.lower()) in COMMON_WORDS and w not in last and w not in first
                               and w not in AMBIGUOUS_FIRST_NAMES and lw not in PARTICLES))
                  or w.lower() in PARTICLES or (elided and w[:2] in ("d'", "d’") and w[2:3].isupper())]
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
        found += self._surname_first(text, tokens, joined)
        found += self._uppercase_surnames(text)
        return found

    def _uppercase_surnames(self, text) -> list[tuple[str, int, int, float, str]]:
        """A known surname in capitals next to a known first name, as French and Belgian
        forms write it: "DUPONT Marie", "Marie DUPONT", "JANSEN, Pieter" (0.85)."""
        found = []
        for match in UPPER_PAIR.finditer(text):
            if match.group("first1"):
                surname, first = text[match.start():match.end("up1rest")], match.group("first1")
            else:
                surname, first = match.group("up2"), text[match.start():match.end("first2rest")]
            titled = surname.title().replace("'S", "'s")
            if (titled in self._last or self._is_last(titled)) and self._is_first(first) \
                    and surname.lower() not in COMMON_WORDS and surname.lower() not in NOT_A_PERSON_AFTER:
                found.append(("PERSON", match.start(), match.end(), 0.85, self.name))
        return found

    def _lowercase_titled(self, text) -> list[tuple[str, int, int, float, str]]:
        """A known surname in lowercase after a title in lowercase chat: "meneer de vries",
        "mevrouw jansen", "madame lefebvre" (0.6)."""
        found = []
        for match in LOWERCASE_TITLED.finditer(text):
            if match.start() and (text[match.start() - 1].isalnum() or text[match.start() - 1] in "-'’"):
                continue
            word = match.group("surname")
            if len(word) > 2 and word in self._lower_last and not self._is_common(word) \
                    and word not in NOT_ADDRESSEES:
                found.append(("PERSON", match.start("name"), match.end(), 0.6, self.name))
        return found

    def _surname_first(self, text, tokens, joined) -> list[tuple[str, int, int, float, str]]:
        """Vietnamese, Chinese and Korean names, family name first: "Nguyen Van Long",
        "Pham Minh Tuan", "Zhang Wei", "Lee Jae-won" (0.7). One or two capitalised given
        names must follow, none a common word or a company, street or place word."""
        found = []
        n = len(tokens)
        for i in [k for k, token in enumerate(tokens) if token[0] in SURNAME_FIRST]:
            start = tokens[i][1]
            given = []
            k = i + 1
            while k < n and len(given) < 2 and joined(k - 1, k):
                name = tokens[k][0]
                if not SURNAME_FIRST_GIVEN.match(name) or (self._is_common(name) and name not in self._first
                                                          and not self._is_particle(name)) \
                        or name.lower() in NOT_A_PERSON_AFTER or name in self._places:
                    break
                given.append(k)
                k += 1
            if not given or (i > 0 and joined(i - 1, i) and tokens[i - 1][0].lower() in DETERMINERS):
                continue
            last = given[-1]
            if self._not_a_person(text, tokens, i, last, joined):
                continue
            found.append(("PERSON", start, tokens[last][2], 0.7, self.name))
        return found

    @staticmethod
    def _may_be_cued(last: str, window: str) -> bool:
        """False when `_cue` is sure to find no cue (speed: it is asked for most lowercase
        words that are also names somewhere): the last word before the name ends no cue
        phrase and is no title, and no comma before the name makes it addressed. A word
        long enough to be cut by the short window is left to `_cue`."""
        return last in CUE_LAST_WORDS or last in TITLES or len(last) >= 14 or window.endswith("  ") \
            or window.rstrip(" \t").endswith(",") or window.strip(" \t") == ""

    @staticmethod
    def _announcing_cue(text: str, start: int, cues: frozenset[str] = ANNOUNCING_CUES) -> bool:
        """One of the weak cues that announce a name ("this is", "c'est encore") ends right
        before `start`."""
        window = text[max(0, start - 24):start].lower().replace("’", "'")
        if window[-1:] not in (" ", "\t"):
            return False
        words = CUE_WORD.findall(window)
        return any(" ".join(words[-k:]) in cues for k in (1, 2, 3))

    def _unlisted_given_name(self, text, tokens, i: int, joined) -> int | None:
        """Token i is a capitalised word in no list (no common word, place, particle or
        acronym) followed by a known surname, maybe after lowercase particles ("IJsbrand de
        Jong"), and no further capitalised word follows (a company or a title: "Nimbus
        Baker Street", "Quantum Okafor Labs"). Returns the surname's index."""
        n = len(tokens)
        word = tokens[i][0]
        if i + 1 >= n or not self._is_cap(word) or self._is_common(word) or self._is_particle(word) \
                or word in self._places or word.lower() in NOT_A_PERSON_AFTER or word in self._last \
                or (i > 0 and joined(i - 1, i) and tokens[i - 1][0].lower() in DETERMINERS):
            return None
        k = i + 1
        while k < i + 4 and k + 1 < n and tokens[k][0] in PARTICLES and joined(k - 1, k):
            k += 1
        surname = tokens[k][0]
        if not joined(k - 1, k) or not self._is_cap(surname) or not self._lone_surname(surname):
            return None
        if k + 1 < n and joined(k, k + 1) and tokens[k + 1][0][:1].isupper():
            return None
        return k

    def _lone_surname(self, word: str) -> bool:
        """A known surname that is no word, place or first name: "Okafor", "Lindqvist"."""
        return self._is_last(word) and not self._is_common(word) and word not in self._first \
            and word not in self._places and word.lower() not in NOT_A_PERSON_AFTER

    # ------------------------------------------------------------------ not a person

    def _not_a_person(self, text, tokens, i: int, last: int, joined) -> bool:
        """A place or a company made of a first name: "San Francisco", "New Zealand",
        "Leo Logistics", "Phoenix Dynamics", "Maple Street", "Victoria Station"."""
        value = text[tokens[i][1]:tokens[last][2]]
        if value in NOT_A_PERSON_NAMES and self._cue(text, tokens[i][1]) < STRONG:  # not "Monsieur Boulanger"
            return True
        if value in CITIES_LIKE_NAMES and i > 0 and joined(i - 1, i) and tokens[i - 1][0].lower() in PLACE_PREPOSITIONS:
            return True  # "Je suis à Nancy", "ik woon in Florence"
        if value in self._places or _strip_accents(value) in self._places:
            # ... unless greeted or signed with ("Best regards,\nGeorgia", "Dear Florence,")
            # or introducing themselves ("je suis Nancy", not "je suis à Nancy")
            return self._cue(text, tokens[i][1], tokens[last][2]) < GREETING \
                and not self._announcing_cue(text, tokens[i][1], SELF_INTRODUCTIONS)
        if last + 1 < len(tokens) and joined(last, last + 1) and tokens[last + 1][0].lower() in NOT_A_PERSON_AFTER:
            return True
        last_word = tokens[last][0].lower()
        if last > i and last_word.endswith(STREET_SUFFIXES) and not any(last_word == s or last_word == "van" + s
                                                                         for s in STREET_SUFFIXES) \
                and len(last_word) > 7 and not last_word.startswith(("vande", "vander", "vanden", "ter", "ten")):
            return True  # "Jan van Galenstraat", "Pieter de Hoochweg"
        # a street or company word after a lowercase particle is a surname: "Marijke van Dijk"
        after_particle = last > i and tokens[last - 1][0] in PARTICLES
        if last > i and ((last_word in NOT_A_PERSON_AFTER and last_word not in SURNAME_WORDS and not after_particle)
                         or tokens[i][0].lower() in PLACE_FIRST):
            return True
        if i > 0 and joined(i - 1, i) and tokens[i - 1][0].lower() in PLACE_BEFORE and tokens[i - 1][0][0].isupper():
            return True
        # "rue Victor Hugo", "avenue Jean Jaurès", "Place Jean Jaurès": a street named after someone
        if i > 0 and joined(i - 1, i) and (
                (before_word := tokens[i - 1][0].lower().replace("’", "'")) in STREET_BEFORE
                or before_word[:2] == "l'" and before_word[2:] in STREET_BEFORE):  # "l'avenue Louise"
            return True
        if value in EXTRA_PLACES:
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
            initials = text[match.start():match.start("particles")].rstrip()
            if not match.group("particles") and COMPACT_INITIALS.search(initials) and (
                    initials.replace("-", "") in ABBREVIATIONS or not self._lone_surname(surname)):
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
            items = [(m.group("word"), bool(m.group("particles")), m.start() + match.start(), m.end() + match.start())
                     for m in LIST_ITEM.finditer(match.group())]
            # a place is a surname after a particle ("De Vries"), not alone ("Gent")
            if any(self._is_common(w) or (w in self._places and not particles) or w.lower() in NOT_A_PERSON_AFTER
                   for w, particles, _, _ in items):
                continue
            words = [(w, a, b) for w, _, a, b in items]
            known = sum(self._is_last(w) for w, _, _ in words)
            if known >= 2 and known * 3 >= len(words) * 2:
                found += [("PERSON", a, b, 0.65, self.name) for _, a, b in words]
        return found

    def _lowercase_names(self, text, tokens, joined) -> list[tuple[str, int, int, float, str]]:
        """A first name typed in lowercase, only right after a cue: "ask joris", "merci
        elodie", "ik ben lieke", "thanks shauna,". A lowercase word alone is never a name."""
        found = []
        lower_first = self._lower_first
        for index, (word, start, end) in enumerate(tokens):
            if word not in lower_first or not word.islower() or len(word) < 3 or self._is_common(word) \
                    or word.capitalize() in AMBIGUOUS_FIRST_NAMES:
                continue
            window = text[max(0, start - 16):start].lower().replace("’", "'")
            before = CUE_WORD.findall(window)
            if not before or not window.endswith(" "):
                continue
            phrases = {" ".join(before[-n:]) for n in (1, 2)}
            # after "and", "et", "met", "with" only the six core locales' names: the wider lists
            # hold words ("et patience", "and hope")
            cues = phrases & LOWERCASE_CUES
            if cues and (word in self._lower_core_first or not cues <= LOWERCASE_CONJUNCTIONS) \
                    or (self._may_be_cued(before[-1], window) and self._cue(text, start, end) >= GREETING) \
                    or (word in self._lower_core_first and LINE_END_AFTER_NAME.match(text, end)
                        and self._thanked(text, start, word) and word.capitalize() not in self._places):
                found.append(("PERSON", start, self._lowercase_surname_end(tokens, index, joined), 0.6, self.name))
        found += self._lowercase_unlisted(text, tokens, joined)
        found += self._lowercase_titled(text)
        return found

    def _thanked(self, text: str, start: int, word: str) -> bool:
        """`word`, a first name of the six core locales, ends a sentence that thanks someone
        ("merci pour votre aide thomas !")."""
        if word.capitalize() not in self._core_first or word in NOT_ADDRESSEES:
            return False
        before = text[max(0, start - 60):start]
        sentence = before[max(before.rfind(c) for c in ".!?\n") + 1:].lower()
        return bool(THANKS_IN_LINE.search(sentence))

    def _lowercase_surname_end(self, tokens, index: int, joined) -> int:
        """Where a lowercase name found at token `index` ends: with its surname when a known
        lowercase surname follows, maybe after particles ("sanne de boer", "inès haddad")."""
        n = len(tokens)
        k = index + 1
        while k < n and k < index + 4 and tokens[k][0] in PARTICLES and joined(k - 1, k):
            k += 1
        if k < n and joined(k - 1, k):
            word = tokens[k][0]
            if word.islower() and len(word) > 2 and word in self._lower_last and not self._is_common(word) \
                    and word not in NOT_ADDRESSEES and word not in self._lower_first:
                return tokens[k][2]
        return tokens[index][2]

    def _lowercase_unlisted(self, text, tokens, joined) -> list[tuple[str, int, int, float, str]]:
        """A lowercase word in no name list, only where a name must come: right after "my
        name is", "mijn naam is", "je m'appelle" ("my name is kerensa"), or between a
        greeting and a comma or the end ("thanks oluwaseun,"). Not common words, not the
        words people greet groups with ("thanks guys,", "hi team")."""
        found = []
        lowered = text.lower()
        # (cheap tests first: this looks at every lowercase word of every message)
        introduced = any(word in lowered for word in ("name", "naam", "heet", "appelle", "nom"))
        for index, (word, start, end) in enumerate(tokens):
            if not introduced and text[end:end + 1] not in (",", "!"):
                continue
            if not word.islower() or len(word) < 3 or word in self._lower_first or self._is_common(word) \
                    or word in NOT_ADDRESSEES:
                continue
            window = lowered[max(0, start - 24):start].replace("’", "'")
            if not window.endswith(" "):
                continue
            if introduced and window.rstrip().endswith(NAME_INTRODUCTIONS):
                found.append(("PERSON", start, self._lowercase_surname_end(tokens, index, joined), 0.6, self.name))
            elif text[end:end + 1] in (",", "!"):
                before = CUE_WORD.findall(window)
                if before and before[-1] in LOWERCASE_GREETINGS:
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
            # after a particle a capitalised word is a surname even when it is a word too
            # ("Ter Haar", "van Dam", "de Wit")
            if not self._is_cap(word) or (self._is_common(word) and word not in self._last and not particles):
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
            # "Je suis Rose, de Lyon", "I'm Hope.", "it's Amber again": a weak cue and the
            # name ends the phrase; "Could Max from your returns team": its team follows
            name_end = tokens[j - 1][2]
            if cue == WEAK and (PHRASE_END.match(text, name_end) or AGAIN_AFTER.match(text, name_end)):
                return j - 1, 0.6
            # "Ik ben Jet en ik ...", "je suis Rose et j'ai ...", "Met Floor van de webshop"
            if cue == WEAK and INTRODUCTION_GOES_ON.match(text, name_end) \
                    and self._announcing_cue(text, tokens[i][1], SELF_INTRODUCTIONS):
                return j - 1, 0.6
            if ROLE_AFTER.match(text, name_end):
                return j - 1, 0.7
            # Alone and with no cue, only the six core locales' names count: the wider
            # lists hold words of some language ("Versie", "Boston", "Ember").
            extended = any(tokens[k][0] not in self._core_first for k in range(i, j))
            if not ambiguous and not after_determiner and not extended:
                return j - 1, 0.55
            # "met Frank gebeld", "J'ai eu Mirco au téléphone": someone spoken to
            if not after_determiner and CONTACT_AFTER.match(text, name_end) \
                    and text[tokens[i][1]:name_end] not in NOT_A_PERSON_NAMES:
                return j - 1, 0.6
            return None
        # Not a known first name: only a cue makes capitalised words a name.
        if self._is_cap(word) and self._is_common(word) and word not in self._last and not self._is_particle(word):
            return None
        cue = self._cue(text, tokens[i][1])
        if self._is_cap(word) and not self._is_common(word) and not self._is_particle(word) \
                and word not in self._places and word.lower() not in NOT_A_PERSON_AFTER and not word.isupper():
            end = tokens[i][2]
            if ROLE_AFTER.match(text, end) and not (i > 0 and tokens[i - 1][0].lower() in DETERMINERS):
                return i, 0.6  # "Could Adolfo from your returns team call me?"
            if self._is_last(word) and CONTACT_AFTER.match(text, end) and self._lone_surname(word) \
                    and not (i > 0 and tokens[i - 1][0].lower() in DETERMINERS):
                return i, 0.6  # "Ik heb Peeters gisteren aan de lijn gehad"
            if cue == WEAK and (PHRASE_END.match(text, end) or AGAIN_AFTER.match(text, end)) \
                    and self._announcing_cue(text, tokens[i][1]):
                return i, 0.6  # "c'est encore Tekbay.", "this is Ekundayo again"
        if cue == NONE and (surname_index := self._unlisted_given_name(text, tokens, i, joined)):
            # "Oyelaran Adebisi will run it", "Chidera Nwachukwu and ...": a capitalised word
            # in no list before a known surname that is no word, place or first name
            return surname_index, 0.6
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
