"""A cheap guess of an example's language from its user turns (en, nl, fr, de, es).

Stop-word counting: good enough to filter and stratify support chats, no model, no
network. Returns None when nothing is conclusive.
"""

from __future__ import annotations

import re
from collections import Counter

STOPWORDS: dict[str, frozenset[str]] = {
    "en": frozenset("the and is are you my i it to of for with this that have can what not your please".split()),
    "nl": frozenset("de het een en is ik je mijn niet van voor met dat wat kan heb graag u uw zijn".split()),
    "fr": frozenset("le la les et est je vous mon ma pas de pour avec que une un des est-ce merci votre".split()),
    "de": frozenset("der die das und ist ich nicht mit für ein eine sie mein bitte haben".split()),
    "es": frozenset("el la los las y es yo no con para una por que mi usted gracias".split()),
}
WORD = re.compile(r"[a-zà-ÿ'-]+")


def guess_language(messages: list) -> str | None:
    text = " ".join(
        m.get("content") for m in messages
        if isinstance(m, dict) and m.get("role") == "user" and isinstance(m.get("content"), str))
    words = WORD.findall(text.lower())
    if not words:
        return None
    seen = Counter(words)  # one pass over the words, then a lookup per stop word
    scores = {lang: sum(seen[w] for w in stop if w in seen) for lang, stop in STOPWORDS.items()}
    best = max(scores, key=scores.get)
    ranked = sorted(scores.values(), reverse=True)
    if ranked[0] == 0 or ranked[0] == ranked[1]:
        return None
    return best
