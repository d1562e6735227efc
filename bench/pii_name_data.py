"""Build the name and place lists the PII name recognizer ships as package data.

    .venv/bin/python bench/pii_name_data.py     # rewrites workbench/pii/data/*.txt

Sources (all offline, licence stated in docs/pii.md):
- first and last names: every person provider of Faker (MIT licence) that has names in
  Latin script (its romanized lists for ja_JP and zh_CN/zh_TW too): about 80 locales,
  from Nigeria, Kenya, Ghana, South Africa, India, Pakistan, Vietnam, Japan, China,
  Ireland, the Nordics, Central and Eastern Europe, Latin America;
- places: Faker's country names (en_US, nl_NL, fr_FR) and its real city lists
  (nl_NL, nl_BE, fr_FR's regions and departments, de_DE), for the "not a person" rule.

Reduced to what the recognizer needs: Latin-script single words of 2+ letters, not
common words of en/nl/fr (workbench/pii/words.py), without the names the six core
locales already hold (those are read from Faker at run time). Never add lists derived
from leaked data (the `names-dataset` package is built from one).
"""

from __future__ import annotations

import importlib
import pkgutil
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from workbench.pii.names import NAME_LOCALES  # noqa: E402
from workbench.pii.words import COMMON_WORDS, PARTICLES  # noqa: E402

OUT = ROOT / "workbench" / "pii" / "data"
LATIN_WORD = re.compile(r"[A-Za-zÀ-ɏḀ-ỿ][A-Za-zÀ-ɏḀ-ỿ'’\-]+")


def _attribute(provider, name: str) -> list:
    value = provider.__dict__.get(name, getattr(provider, name, None))
    if value is None or isinstance(value, property):
        return []
    return list(value)


def _words(values) -> set[str]:
    out = set()
    for value in values:
        if not isinstance(value, str):
            continue
        for word in re.split(r"[\s,]+", value):
            if LATIN_WORD.fullmatch(word) and word[0].isupper() and not word.isupper() \
                    and word.lower() not in COMMON_WORDS and word.lower() not in PARTICLES:
                out.add(word)
    return out


def person_lists() -> tuple[set[str], set[str]]:
    import faker.providers.person as person

    first, last = set(), set()
    core_first, core_last = set(), set()
    for module in pkgutil.iter_modules(person.__path__):
        provider = importlib.import_module(f"faker.providers.person.{module.name}").Provider
        f = _words(_attribute(provider, "first_names") + _attribute(provider, "first_romanized_names"))
        ln = _words(_attribute(provider, "last_names") + _attribute(provider, "last_romanized_names"))
        if module.name in NAME_LOCALES:
            core_first |= f
            core_last |= ln
        first |= f
        last |= ln
    return first - core_first, last - core_last


def place_list() -> set[str]:
    places = set()
    for locale in ("en_US", "en_GB", "nl_NL", "fr_FR", "de_DE", "nl_BE"):
        provider = importlib.import_module(f"faker.providers.address.{locale}").Provider
        for attribute in ("countries", "cities", "regions", "departments", "states", "provinces"):
            for value in _attribute(provider, attribute):
                if isinstance(value, tuple):
                    value = value[-1]
                if isinstance(value, str) and len(value) > 2:
                    places.add(value.strip())
    return places


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    first, last = person_lists()
    for name, values in (("first_names.txt", first), ("last_names.txt", last), ("places.txt", place_list())):
        (OUT / name).write_text("\n".join(sorted(values)) + "\n", encoding="utf-8")
        print(f"{name}: {len(values)}")


if __name__ == "__main__":
    main()
