"""The Rating screen's help prose names every key of its scope (the F1 dialog shows it)."""

from __future__ import annotations

import re

from screens import keys
from screens.rating import RatingScreen

# How the prose spells keys that keys.py names differently.
SPELLED = {"←": "left", "→": "right", "esc": "escape", "pgup": "pageup", "pgdn": "pagedown"}


def keys_named_in(prose: str) -> set[str]:
    """Keys at the start of each clause: "1/← left, 2/→ right, ..., Esc back" -> {1, left, 2, ...}."""
    named = set()
    for clause in re.split(r"[,.:] ", prose):
        first = clause.split(" ", 1)[0]
        for key in first.split("/"):
            named.add(SPELLED.get(key.lower(), key))
    return named


def test_rating_help_names_every_key_of_the_screen():
    named = keys_named_in(RatingScreen.help)
    missing = [action.id for action in keys.REGISTRY["rating"]
               if not any(key in named for key in action.key.split(","))]
    assert missing == []
