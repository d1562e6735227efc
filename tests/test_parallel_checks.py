"""The fast paths of validate and import give exactly what the plain ones give: the
byte-range split over worker processes, the token-length memo, the language guess."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import chat, many_chats, write_jsonl
from workbench.budget import tokens
from workbench.chat import language
from workbench.chat import parallel as chatparallel
from workbench.chat.checks import _validate_serial, validate_path


def _messy_lines() -> list:
    lines = many_chats(40)
    lines[3] = "not json"
    lines[10] = ""  # blank line
    lines[17] = {"messages": [{"role": "user", "content": "no answer"}]}
    lines[25] = chat("q question 2", "answer 2")  # duplicate of line 3's neighbour
    lines[31] = {"messages": [{"role": "user", "content": "x" * 5000}, {"role": "assistant", "content": "y"}]}
    lines[35] = lines[31]  # a duplicate that is also too long: warning order within the line
    lines[38] = chat("q question 2", "answer 2")  # a third copy
    return lines


def test_split_validation_reports_what_the_serial_one_does(tmp_path, monkeypatch):
    path = write_jsonl(tmp_path / "d.jsonl", _messy_lines())
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())  # a BOM only line 1 may report
    monkeypatch.setattr(chatparallel, "RANGE_BYTES", 300)  # many ranges, lines cut everywhere
    encoding = tokens.get_encoding("o200k_base")
    count = lambda record: tokens.count_example(record, encoding).total  # noqa: E731
    serial = _validate_serial(path, count, 500)
    split = validate_path(path, count, 500, parallel=True)
    assert len(chatparallel.byte_ranges(path)) > 5
    assert split.findings == serial.findings
    assert split.to_dict() == serial.to_dict()
    assert {"bom", "invalid_json", "duplicate_example", "example_too_long"} <= set(serial.counts_by_code())


def test_byte_ranges_cover_the_file_at_line_starts(tmp_path):
    path = write_jsonl(tmp_path / "d.jsonl", many_chats(50))
    ranges = chatparallel.byte_ranges(path, size=200)
    data = path.read_bytes()
    assert ranges[0][0] == 0 and ranges[-1][1] == len(data)
    assert all(a[1] == b[0] for a, b in zip(ranges, ranges[1:]))
    assert all(data[start - 1:start] == b"\n" for start, _ in ranges[1:])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(max_size=40), max_size=8))
def test_memoized_token_lengths_equal_plain_encoding(texts):
    encoding = tokens.get_encoding("cl100k_base")
    record = {"messages": [{"role": "user", "content": t} for t in texts]}
    expected = 3 + sum(3 + len(encoding.encode_ordinary("user")) + len(encoding.encode_ordinary(t))
                       for t in texts)
    assert tokens.count_example(record, encoding).total == expected
    assert tokens.count_example(record, encoding).total == expected  # second time from the memo


def _old_guess(messages: list):
    text = " ".join(m.get("content") for m in messages
                    if isinstance(m, dict) and m.get("role") == "user" and isinstance(m.get("content"), str))
    words = language.WORD.findall(text.lower())
    if not words:
        return None
    scores = {lang: sum(w in stop for w in words) for lang, stop in language.STOPWORDS.items()}
    best = max(scores, key=scores.get)
    ranked = sorted(scores.values(), reverse=True)
    if ranked[0] == 0 or ranked[0] == ranked[1]:
        return None
    return best


stopword = st.sampled_from(sorted(set().union(*language.STOPWORDS.values())) + ["parcel", "colis", "Où"])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(stopword, max_size=12).map(" ".join), min_size=1, max_size=3))
def test_language_guess_unchanged(user_texts):
    messages = [{"role": "user", "content": t} for t in user_texts]
    assert language.guess_language(messages) == _old_guess(messages)
