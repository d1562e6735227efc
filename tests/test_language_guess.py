"""The language guess (workbench.chat.language) against its rule, for any text: each
stop word a user turn holds counts for every language it belongs to; the language with
the most wins, and a tie or no stop word at all is no guess."""

from __future__ import annotations

from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.chat.language import STOPWORDS, WORD, guess_language


def _by_the_rule(messages: list) -> str | None:
    text = " ".join(m["content"] for m in messages
                    if isinstance(m, dict) and m.get("role") == "user" and isinstance(m.get("content"), str))
    seen = Counter(WORD.findall(text.lower()))
    scores = {lang: sum(seen[w] for w in stop) for lang, stop in STOPWORDS.items()}
    ranked = sorted(scores.values(), reverse=True)
    if ranked[0] == 0 or ranked[0] == ranked[1]:
        return None
    return max(scores, key=scores.get)


_STOP = sorted(set().union(*STOPWORDS.values()))
_words = st.one_of(st.sampled_from(_STOP), st.sampled_from(["Bonjour", "DE", "la-la", "ist's", "ÉTÉ", "x"]),
                   st.text(min_size=1, max_size=8))
_text = st.lists(_words, max_size=30).map(" ".join)
_message = st.one_of(
    st.fixed_dictionaries({"role": st.sampled_from(["user", "assistant", "system"]), "content": _text}),
    st.fixed_dictionaries({"role": st.just("user"), "content": st.none()}))


@settings(max_examples=400, deadline=None)
@given(st.lists(_message, max_size=5))
def test_the_guess_follows_the_stop_word_rule_for_any_text(messages):
    assert guess_language(messages) == _by_the_rule(messages)


def test_words_shared_by_two_languages_count_for_both():
    # "de" is Dutch and French: with one more French word, French wins; alone it is a tie
    assert guess_language([{"role": "user", "content": "de"}]) is None
    assert guess_language([{"role": "user", "content": "de la"}]) == "fr"
    assert guess_language([{"role": "user", "content": "de het"}]) == "nl"
    assert guess_language([{"role": "assistant", "content": "the the the"}, {"role": "user", "content": "ik"}]) == "nl"
