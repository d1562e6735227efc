"""A cheap guess of an example's language from its user turns (en, nl, fr, de, es).

Stop-word counting: good enough to filter and stratify support chats, no model, no
network. Returns None when nothing is conclusive.
"""

from __future__ import annotations

import re

STOPWORDS: dict[str, frozenset[str]] = {
    "en": frozenset("the and is are you my i it to of for with this that have can what not your please".split()),
    "nl": frozenset("de het een en is ik je mijn niet van voor met dat wat kan heb graag u uw zijn".split()),
    "fr": frozenset("le la les et est je vous mon ma pas de pour avec que une un des est-ce merci votre".split()),
    "de": frozenset("der die das und ist ich nicht mit für ein eine sie mein bitte haben".split()),
    "es": frozenset("el la los las y es yo no con para una por que mi usted gracias".split()),
}
WORD = re.compile(r"[a-zà-ÿ'-]+")
#: stop word -> the languages it belongs to (a few belong to two: "de", "la", "que", ...)
LANGUAGES_OF: dict[str, tuple[str, ...]] = {
    word: tuple(lang for lang, stop in STOPWORDS.items() if word in stop)
    for word in set().union(*STOPWORDS.values())}


def guess_language(messages: list) -> str | None:
    text = " ".join(
        m.get("content") for m in messages
        if isinstance(m, dict) and m.get("role") == "user" and isinstance(m.get("content"), str))
    scores = dict.fromkeys(STOPWORDS, 0)
    # one dictionary lookup per word: this runs for every imported example
    for languages in filter(None, map(LANGUAGES_OF.get, WORD.findall(text.lower()))):
        for lang in languages:
            scores[lang] += 1
    best = max(scores, key=scores.get)
    ranked = sorted(scores.values(), reverse=True)
    if ranked[0] == 0 or ranked[0] == ranked[1]:
        return None
    return best
