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


# ------------------------------------------------------------------ fast paths (issue 14)

from workbench.chat import checks as chatchecks  # noqa: E402
from workbench.chat import format as chatformat  # noqa: E402

text = st.text(max_size=12)
scalar = st.one_of(st.none(), st.booleans(), st.integers(-2, 2), text)
role = st.sampled_from(["system", "developer", "user", "assistant", "tool", "function", "robot", ""])


def _shuffled(draw, mapping: dict) -> dict:
    keys = draw(st.permutations(list(mapping)))
    return {key: mapping[key] for key in keys}


@st.composite
def messages(draw):
    message = {"role": draw(st.one_of(role, scalar, st.lists(text, max_size=1)))}
    if draw(st.booleans()):
        message["content"] = draw(st.one_of(text, st.just("  "), scalar, st.lists(
            st.fixed_dictionaries({"type": st.sampled_from(["text", "image_url"]), "text": text}), max_size=2)))
    if draw(st.booleans()):
        call = _shuffled(draw, {"id": draw(text), "type": "function",
                                "function": _shuffled(draw, {"name": draw(text), "arguments": draw(
                                    st.sampled_from(['{"a": 1}', "[]", "nope"]))})})
        message["tool_calls"] = draw(st.sampled_from([[call], [], "x"]))
    for key, values in (("tool_call_id", text), ("name", scalar), ("weight", st.sampled_from([0, 1, 2, True, 0.0])),
                        ("function_call", st.fixed_dictionaries({"name": text, "arguments": text})),
                        ("extra", scalar)):
        if draw(st.integers(0, 4)) == 0:
            message[key] = draw(values)
    return _shuffled(draw, message)


@st.composite
def chat_records(draw):
    record = {"messages": draw(st.lists(st.one_of(messages(), scalar), min_size=0, max_size=5))}
    if draw(st.booleans()):
        function = _shuffled(draw, {"name": draw(text), "description": draw(text),
                                    "parameters": {"type": "object", "properties": {"b": {}, "a": {}}}})
        record["tools"] = [_shuffled(draw, {"type": "function", "function": function})]
    if draw(st.integers(0, 3)) == 0:
        record["functions"] = [{"description": "d", "name": "f"}]
    if draw(st.integers(0, 3)) == 0:
        record["parallel_tool_calls"] = draw(scalar)
    return _shuffled(draw, record)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(chat_records())
def test_duplicate_key_stands_for_the_canonical_line(record):
    """A record found in canonical order serialises to its canonical line as it is."""
    if chatchecks._in_canonical_order(record):
        assert chatformat.dumps_compact(record) == chatformat.canonical_line(record)
    assert chatchecks._duplicate_key(record) == chatchecks._duplicate_key(chatformat.canonical_record(record))
    assert chatchecks._in_canonical_order(chatformat.canonical_record(record))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(chat_records())
def test_plain_message_shortcut_finds_what_the_full_checks_find(record):
    fast = chatchecks.check_record(record, 7)
    original = chatchecks._is_plain_message
    chatchecks._is_plain_message = lambda message: False  # the full checks for every message
    try:
        assert chatchecks.check_record(record, 7) == fast
    finally:
        chatchecks._is_plain_message = original


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(chat_records())
def test_one_walk_token_count_equals_the_two_walks(record):
    encoding = tokens.get_encoding("o200k_base")
    n = tokens._length_function(encoding)
    messages = record["messages"]
    expected = (tokens._messages_tokens(messages, n), tokens._trained_tokens(messages, n))
    assert tokens._chat_tokens(messages, n) == expected


def test_duplicates_and_findings_keep_the_serial_order_across_many_ranges(tmp_path, monkeypatch):
    """Repeats far apart, in different ranges, with errors and over-length warnings."""
    base = many_chats(30)
    long_one = {"messages": [{"role": "user", "content": "x " * 400}, {"role": "assistant", "content": "y"}]}
    lines = base + [base[2], long_one, "{bad", base[2], long_one, {"messages": []}, base[29]]
    path = write_jsonl(tmp_path / "d.jsonl", lines)
    monkeypatch.setattr(chatparallel, "RANGE_BYTES", 150)
    encoding = tokens.get_encoding("o200k_base")
    count = lambda record: tokens.count_example(record, encoding).total  # noqa: E731
    serial = _validate_serial(path, count, 300)
    for parallel in (False, True):
        split = validate_path(path, count, 300, parallel=parallel)
        assert split.to_dict() == serial.to_dict()
    assert serial.counts_by_code()["duplicate_example"] == 4


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(chat_records(), chat_records(), st.data())
def test_duplicate_keys_are_equal_exactly_when_canonical_lines_are(first, second, data):
    reordered = _shuffled(data.draw, first)  # the same content in another key order
    assert chatchecks._duplicate_key(reordered) == chatchecks._duplicate_key(first)
    same = chatformat.canonical_line(first) == chatformat.canonical_line(second)
    assert (chatchecks._duplicate_key(first) == chatchecks._duplicate_key(second)) == same


def test_duplicate_key_tells_apart_what_json_tells_apart():
    """Values equal in Python but written differently in JSON are different examples."""
    variants = [{"messages": [{"role": "user", "content": "a", "weight": value}]}
                for value in (1, 1.0, True, 0, 0.0, -0.0, False, None, "1")]
    assert len({chatchecks._duplicate_key(v) for v in variants}) == len(variants)


def test_duplicates_found_without_a_writable_temporary_folder(tmp_path, monkeypatch):
    path = write_jsonl(tmp_path / "d.jsonl", many_chats(12) + [chat("q question 2", "answer 2")])
    before = validate_path(path)
    import tempfile

    def no_temporary_file(*args, **kwargs):
        raise PermissionError("read-only temporary folder")

    monkeypatch.setattr(tempfile, "TemporaryFile", no_temporary_file)
    after = validate_path(path)
    assert after.to_dict() == before.to_dict()
    assert after.counts_by_code().get("duplicate_example") == 1
