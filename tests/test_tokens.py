"""Token counting: the cookbook rule on its toy dataset, our extensions, robustness."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workbench.budget.tokens import (
    TokenCount,
    ToolTokenRule,
    TokenizerUnavailable,
    count_example,
    count_text,
    get_encoding,
    tool_definition_tokens,
    tool_rule_for,
)

from conftest import TOY_DATASET  # noqa: E402 - the repository's ../shared, found in one place


@pytest.fixture(autouse=True)
def isolated_home(tmp_path, monkeypatch):
    # get_encoding sets TIKTOKEN_CACHE_DIR process-wide; monkeypatch restores it.
    monkeypatch.setenv("WORKBENCH_HOME", str(tmp_path))
    monkeypatch.delenv("TIKTOKEN_CACHE_DIR", raising=False)


@pytest.fixture(scope="module")
def encodings(tmp_path_factory):
    """Both encodings, loaded once (they stay cached in memory for the process)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("WORKBENCH_HOME", str(ENCODINGS_HOME.setdefault("home", tmp_path_factory.mktemp("home"))))
        mp.delenv("TIKTOKEN_CACHE_DIR", raising=False)
        return {name: get_encoding(name) for name in ("cl100k_base", "o200k_base")}


#: The home whose cache the `encodings` fixture filled (the small encoders read it back).
ENCODINGS_HOME: dict = {}


@pytest.fixture
def cl100k(encodings):
    return encodings["cl100k_base"]


def load_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def sft(*messages: dict, **extra) -> dict:
    return {"messages": list(messages), **extra}


SYSTEM = {"role": "system", "content": "You are terse."}
USER = {"role": "user", "content": "What is the weather in Paris?"}
ANSWER = {"role": "assistant", "content": "Sunny, 21 degrees."}
WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather for a city, in Celsius.",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}
CALL = {
    "id": "call_1",
    "type": "function",
    "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
}


# --- the cookbook's toy dataset --------------------------------------------


@pytest.mark.skipif(not TOY_DATASET.exists(), reason=f"{TOY_DATASET} not present")
def test_toy_dataset_reproduces_cookbook_counts(cl100k):
    counts = [count_example(record, cl100k) for record in load_jsonl(TOY_DATASET)]
    assert [c.total for c in counts] == [45, 111, 26, 28, 8032]
    # num_assistant_tokens_from_messages (no weights in the toy data).
    assert [c.trained for c in counts] == [10, 28, 9, 4, 8000]


def test_counts_are_a_frozen_dataclass(cl100k):
    count = count_example(sft(SYSTEM, USER, ANSWER), cl100k)
    assert isinstance(count, TokenCount)
    with pytest.raises(AttributeError):
        count.total = 1  # type: ignore[misc]


def test_message_rule_by_hand(cl100k):
    n = lambda text: count_text(text, cl100k)  # noqa: E731
    expected = 3 + n("user") + n("hi") + 3 + n("assistant") + n("hello") + 3
    record = sft({"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"})
    assert count_example(record, cl100k) == TokenCount(total=expected, trained=n("hello"))


def test_name_costs_one_extra_token(cl100k):
    plain = count_example(sft(USER, ANSWER), cl100k)
    named = count_example(sft({**USER, "name": "bob"}, ANSWER), cl100k)
    assert named.total - plain.total == count_text("bob", cl100k) + 1


# --- weights ----------------------------------------------------------------

FIRST = {"role": "assistant", "content": "Hello there, how can I help?"}
SECOND = {"role": "assistant", "content": "Still here."}


@pytest.mark.parametrize(
    ("first_weight", "second_weight", "trained_texts"),
    [
        (None, None, [FIRST["content"], SECOND["content"]]),
        (1, 1, [FIRST["content"], SECOND["content"]]),
        (0, 1, [SECOND["content"]]),
        (1, 0, [FIRST["content"]]),
        (0, 0, []),
        (0.0, 1, [SECOND["content"]]),
    ],
)
def test_trained_tokens_follow_weight(cl100k, first_weight, second_weight, trained_texts):
    def weighted(message, weight):
        return message if weight is None else {**message, "weight": weight}

    record = sft(SYSTEM, USER, weighted(FIRST, first_weight), USER, weighted(SECOND, second_weight))
    unweighted = sft(SYSTEM, USER, FIRST, USER, SECOND)
    count = count_example(record, cl100k)
    assert count.trained == sum(count_text(text, cl100k) for text in trained_texts)
    # weight is metadata: the context the example fills does not change.
    assert count.total == count_example(unweighted, cl100k).total


# --- tools and function calls -----------------------------------------------


def test_tool_calls_add_name_and_arguments_only(cl100k):
    # Issue 20: no made-up framing per call; the cookbook publishes none.
    n = lambda text: count_text(text, cl100k)  # noqa: E731
    asks = {"role": "assistant", "content": None}
    calls = {"role": "assistant", "content": None, "tool_calls": [CALL]}
    base = count_example(sft(USER, asks), cl100k)
    with_call = count_example(sft(USER, calls), cl100k)
    call_tokens = n("get_weather") + n('{"city": "Paris"}')
    assert with_call.total - base.total == call_tokens
    assert with_call.trained - base.trained == call_tokens


def test_two_tool_calls_cost_twice_one(cl100k):
    one = count_example(sft(USER, {"role": "assistant", "tool_calls": [CALL]}), cl100k)
    two = count_example(sft(USER, {"role": "assistant", "tool_calls": [CALL, CALL]}), cl100k)
    per_call = one.trained
    assert per_call > 0
    assert two.trained == 2 * per_call
    assert two.total - one.total == per_call


def test_legacy_function_call_counts_like_a_tool_call(cl100k):
    by_tool = count_example(sft(USER, {"role": "assistant", "tool_calls": [CALL]}), cl100k)
    by_function = count_example(sft(USER, {"role": "assistant", "function_call": CALL["function"]}), cl100k)
    assert by_function == by_tool


def test_tool_result_message_counts_tool_call_id(cl100k):
    result = {"role": "tool", "tool_call_id": "call_1", "content": '{"temp": 21}'}
    without_id = {"role": "tool", "content": '{"temp": 21}'}
    with_id = count_example(sft(USER, result), cl100k)
    assert with_id.total - count_example(sft(USER, without_id), cl100k).total == count_text("call_1", cl100k)
    assert with_id.trained == 0  # tool output is not trained


# --- tool definitions: the cookbook's num_tokens_for_tools -------------------

# The cookbook's published example ("How to count tokens with tiktoken", section 7),
# whose figures it checked against the API's usage.prompt_tokens.
COOKBOOK_TOOLS = [{
    "type": "function",
    "function": {
        "name": "get_current_weather",
        "description": "Get the current weather in a given location",
        "parameters": {
            "type": "object",
            "properties": {
                "location": {"type": "string", "description": "The city and state, e.g. San Francisco, CA"},
                "unit": {"type": "string", "description": "The unit of temperature to return",
                         "enum": ["celsius", "fahrenheit"]},
            },
            "required": ["location"],
        },
    },
}]
COOKBOOK_MESSAGES = [
    {"role": "system", "content": "You are a helpful assistant that can answer to questions about the weather."},
    {"role": "user", "content": "What's the weather like in San Francisco?"},
]


def cookbook_function_tokens(functions: list, encoding, c: dict) -> int:
    """The cookbook's num_tokens_for_tools minus its messages part, transcribed
    independently of workbench.budget.tokens (missing descriptions/types read as "")."""
    count = 0
    if len(functions) > 0:
        for function in functions:
            count += c["func_init"]
            desc = function.get("description", "")
            if desc.endswith("."):
                desc = desc[:-1]
            count += len(encoding.encode(function["name"] + ":" + desc))
            properties = function.get("parameters", {}).get("properties", {})
            if len(properties) > 0:
                count += c["prop_init"]
                for key, prop in properties.items():
                    count += c["prop_key"]
                    if "enum" in prop:
                        count += c["enum_init"]
                        for item in prop["enum"]:
                            count += c["enum_item"] + len(encoding.encode(item))
                    p_desc = prop.get("description", "")
                    if p_desc.endswith("."):
                        p_desc = p_desc[:-1]
                    count += len(encoding.encode(f"{key}:{prop.get('type', '')}:{p_desc}"))
        count += c["func_end"]
    return count


COOKBOOK_CONSTANTS = {
    "o200k_base": dict(func_init=7, prop_init=3, prop_key=3, enum_init=-3, enum_item=3, func_end=12),
    "cl100k_base": dict(func_init=10, prop_init=3, prop_key=3, enum_init=-3, enum_item=3, func_end=12),
}


@pytest.mark.parametrize("model, prompt_tokens", [
    ("gpt-4o-mini", 101), ("gpt-4o", 101), ("gpt-3.5-turbo", 105),
])
def test_cookbook_published_example_is_reproduced_exactly(store, model, prompt_tokens):
    # The constants come from the models table (seeded data), not from the test.
    from workbench.budget.catalog import resolve_model

    spec = resolve_model(store, model)
    rule = ToolTokenRule.from_row(store.models.get_model(spec.name))
    record = {"messages": COOKBOOK_MESSAGES, "tools": COOKBOOK_TOOLS}
    assert count_example(record, get_encoding(spec.encoding), rule).total == prompt_tokens
    assert count_example(record, get_encoding(spec.encoding)).total == prompt_tokens


def test_shipped_rules_are_the_cookbook_constants():
    for name, constants in COOKBOOK_CONSTANTS.items():
        assert tool_rule_for(name) == ToolTokenRule(**constants)
    assert tool_rule_for("o200k_harmony") == tool_rule_for("o200k_base")


def test_the_stored_rule_is_the_one_used(store, tmp_path):
    # The rule is data: an edited row changes the count once the store is reopened.
    from workbench.workspace import open_store

    path = store.db.conn.execute("PRAGMA database_list").fetchone()[2]
    store.db.execute("UPDATE models SET tool_func_init = 50, updated_at = '9999' WHERE name = 'gpt-4o-mini'")
    store.db.conn.commit()
    record = {"messages": COOKBOOK_MESSAGES, "tools": COOKBOOK_TOOLS}
    reopened = open_store(path)
    try:
        assert count_example(record, get_encoding("o200k_base")).total == 101 + 43
        assert count_example(record, get_encoding("cl100k_base")).total == 105
    finally:
        reopened.close()
        from workbench.budget import tokens
        tokens.use_tool_rules({})


@pytest.mark.parametrize("key", ["tools", "functions"])
def test_definitions_follow_the_cookbook_rule_once_per_example(encodings, key):
    for name, encoding in encodings.items():
        definition = WEATHER_TOOL if key == "tools" else WEATHER_TOOL["function"]
        base = count_example(sft(USER, ANSWER), encoding)
        one = count_example(sft(USER, ANSWER, **{key: [definition]}), encoding)
        two = count_example(sft(USER, ANSWER, **{key: [definition, definition]}), encoding)
        expected_one = cookbook_function_tokens([WEATHER_TOOL["function"]], encoding, COOKBOOK_CONSTANTS[name])
        expected_two = cookbook_function_tokens([WEATHER_TOOL["function"]] * 2, encoding, COOKBOOK_CONSTANTS[name])
        assert one.total - base.total == expected_one
        assert two.total - base.total == expected_two  # func_end is paid once, not per function
        assert one.trained == base.trained


def test_issue_example_one_small_tool(encodings):
    # Issue 20's example: the old count (JSON of the definition + 3 per call) was far above.
    record = {"messages": [{"role": "user", "content": "Weather in Paris?"}, {"role": "assistant", "tool_calls": [
        {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": "{\"city\":\"Paris\"}"}}]}],
        "tools": [{"type": "function", "function": {"name": "get_weather", "parameters": {
            "type": "object", "properties": {"city": {"type": "string"}}}}}]}
    encoding = encodings["o200k_base"]
    n = lambda text: count_text(text, encoding)  # noqa: E731
    messages = 3 + n("user") + n("Weather in Paris?") + 3 + n("assistant") + n("get_weather") + n('{"city":"Paris"}') + 3
    definitions = 7 + n("get_weather:") + 3 + 3 + n("city:string:") + 12
    assert count_example(record, encoding).total == messages + definitions


NON_ASCII_TOOL = {"type": "function", "function": {
    "name": "réserver_table",
    "description": "Réserve une table dans un restaurant à l'heure donnée.",
    "parameters": {"type": "object", "properties": {
        "cuisine": {"type": "string", "description": "Type de cuisine souhaité.", "enum": ["française", "japonaise"]},
        "店舗": {"type": "string", "description": "店舗名。"}}}}}


def test_non_ascii_definitions_are_counted_as_text_not_escapes(encodings):
    # Issue 16: an \\uXXXX-escaped rendering (ensure_ascii=True) inflates these counts.
    for name, encoding in encodings.items():
        expected = cookbook_function_tokens([NON_ASCII_TOOL["function"]], encoding, COOKBOOK_CONSTANTS[name])
        assert tool_definition_tokens({"tools": [NON_ASCII_TOOL]}, encoding) == expected
    # A definition outside the function rule (no name) counts its JSON text, unescaped.
    odd = {"type": "web_search", "note": "ville où l'on cherche: Zürich, 東京"}
    encoding = encodings["o200k_base"]
    assert tool_definition_tokens({"tools": [odd]}, encoding) == count_text(
        json.dumps(odd, ensure_ascii=False), encoding)


def test_nested_schemas_count_beyond_the_cookbook(encodings):
    # The cookbook reads top-level properties only; we count nested ones with the same rule.
    encoding = encodings["o200k_base"]
    n = lambda text: count_text(text, encoding)  # noqa: E731
    nested = {"name": "plan", "parameters": {"type": "object", "properties": {
        "stop": {"type": "object", "description": "A stop.", "properties": {
            "city": {"type": "string", "description": "City."},
            "mode": {"type": "string", "enum": ["rail", "road"]}}},
        "guests": {"type": "array", "items": {"type": "object", "properties": {"email": {"type": "string"}}}},
        "tags": {"type": "array", "items": {"type": "string", "enum": ["a"]}},
        "room": {"type": ["string", "null"]}}}}
    flat = cookbook_function_tokens([nested], encoding, COOKBOOK_CONSTANTS["o200k_base"])
    extra = (3 + 3 + n("city:string:City") + 3 + n("mode:string:") - 3 + 3 + n("rail") + 3 + n("road")  # stop.*
             + 3 + 3 + n("email:string:")  # guests[].email
             - 3 + 3 + n("a")  # tags[] enum
             + n("room:string | null:") - n("room:['string', 'null']:"))  # our type text for a list of types
    assert tool_definition_tokens({"functions": [nested]}, encoding) == flat + extra


def test_empty_properties_add_no_property_overhead(encodings):
    encoding = encodings["cl100k_base"]
    reject = {"name": "reject_request", "description": "Use this if the request is not possible.",
              "parameters": {"type": "object", "properties": {}}}
    assert tool_definition_tokens({"functions": [reject]}, encoding) == \
        10 + count_text("reject_request:Use this if the request is not possible", encoding) + 12


IDENTIFIER = st.text(alphabet="abcdefghijklmnopqrstuvwxyz_éü東", min_size=1, max_size=12)
PROSE = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40)
FLAT_PROPERTY = st.fixed_dictionaries(
    {"type": st.sampled_from(["string", "integer", "number", "boolean"]), "description": PROSE},
    optional={"enum": st.lists(IDENTIFIER, min_size=1, max_size=4)})
FLAT_FUNCTION = st.fixed_dictionaries({
    "name": IDENTIFIER, "description": PROSE,
    "parameters": st.fixed_dictionaries({"type": st.just("object"),
                                         "properties": st.dictionaries(IDENTIFIER, FLAT_PROPERTY, max_size=5)})})


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(functions=st.lists(FLAT_FUNCTION, min_size=1, max_size=3), name=st.sampled_from(["o200k_base", "cl100k_base"]))
def test_flat_schemas_match_the_cookbook_for_all_inputs(encodings, functions, name):
    encoding = encodings[name]
    tools = [{"type": "function", "function": f} for f in functions]
    assert tool_definition_tokens({"tools": tools}, encoding) == \
        cookbook_function_tokens(functions, encoding, COOKBOOK_CONSTANTS[name])


def test_parallel_tool_calls_flag_is_metadata(cl100k):
    record = sft(USER, ANSWER, tools=[WEATHER_TOOL])
    assert count_example({**record, "parallel_tool_calls": False}, cl100k) == count_example(record, cl100k)


def test_content_parts_count_their_text(cl100k):
    parts = [
        {"type": "text", "text": "Describe this picture."},
        {"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}},
        {"type": "text", "text": " Briefly."},
    ]
    as_parts = count_example(sft({"role": "user", "content": parts}, ANSWER), cl100k)
    empty = count_example(sft({"role": "user", "content": ""}, ANSWER), cl100k)
    text_tokens = count_text("Describe this picture.", cl100k) + count_text(" Briefly.", cl100k)
    assert as_parts.total - empty.total == text_tokens


def test_assistant_content_parts_are_trained(cl100k):
    parts = [{"type": "text", "text": "Sunny, "}, {"type": "text", "text": "21 degrees."}]
    count = count_example(sft(USER, {"role": "assistant", "content": parts}), cl100k)
    assert count.trained == count_text("Sunny, ", cl100k) + count_text("21 degrees.", cl100k)


# --- DPO --------------------------------------------------------------------

PREFERRED = {"role": "assistant", "content": "Sunny and 21 degrees, a fine day for a walk along the Seine."}
REJECTED = {"role": "assistant", "content": "Sunny."}


def test_dpo_total_uses_longer_output_and_trains_both(cl100k):
    record = {
        "input": {"messages": [SYSTEM, USER], "tools": [WEATHER_TOOL]},
        "preferred_output": [PREFERRED],
        "non_preferred_output": [REJECTED],
    }
    count = count_example(record, cl100k)
    # The longer of the two sequences the pair expands into.
    as_sft = count_example(sft(SYSTEM, USER, PREFERRED, tools=[WEATHER_TOOL]), cl100k)
    assert count.total == as_sft.total
    assert count.trained == count_text(PREFERRED["content"], cl100k) + count_text(REJECTED["content"], cl100k)


def test_dpo_longer_output_may_be_the_rejected_one(cl100k):
    record = {"input": {"messages": [USER]}, "preferred_output": [REJECTED], "non_preferred_output": [PREFERRED]}
    assert count_example(record, cl100k).total == count_example(sft(USER, PREFERRED), cl100k).total


# --- robustness: any JSON, no exception ------------------------------------

ODD_RECORDS = {
    "not a dict": ["messages"],
    "none": None,
    "empty": {},
    "messages null": {"messages": None},
    "messages string": {"messages": "hello"},
    "junk messages": {"messages": [None, 1, "text", [], {"role": None}]},
    "content null": sft({"role": "user", "content": None}),
    "content int": sft({"role": "user", "content": 42}),
    "content float": sft({"role": "assistant", "content": 1.5}),
    "content bool": sft({"role": "assistant", "content": True}),
    "content object": sft({"role": "assistant", "content": {"text": "x", "nested": [1, {"a": None}]}}),
    "content junk parts": sft({"role": "assistant", "content": [1, None, "raw", {"text": 5}, [["deep"]], {}]}),
    "role int": sft({"role": 3, "content": "x"}),
    "name null": sft({"role": "user", "name": None, "content": "x"}),
    "weight junk": sft({"role": "assistant", "content": "x", "weight": "zero"}),
    "weight bool": sft({"role": "assistant", "content": "x", "weight": False}),
    "tool_calls string": sft({"role": "assistant", "tool_calls": "get_weather()"}),
    "tool_calls junk": sft(
        {"role": "assistant", "tool_calls": [None, 1, {"function": "f"}, {"function": {"name": 1, "arguments": {"a": 1}}}]}
    ),
    "function_call string": sft({"role": "assistant", "function_call": "f()"}),
    "function_call junk fields": sft({"role": "assistant", "function_call": {"name": None, "arguments": [1]}}),
    "tools not a list": sft(USER, tools="get_weather"),
    "tools junk": sft(USER, tools=[1, None, "x", {"a": float("nan")}], functions={"a": 1}),
    "lone surrogate": sft({"role": "user", "content": "bad \ud800 text"}),
    "dpo input junk": {"input": {"messages": 7}, "preferred_output": None, "non_preferred_output": "x"},
    "dpo outputs junk": {"input": {"messages": [USER]}, "preferred_output": [1, None], "non_preferred_output": [{}]},
    "python objects": sft({"role": "user", "content": {"when": object()}}),
}


@pytest.mark.parametrize("record", list(ODD_RECORDS.values()), ids=list(ODD_RECORDS))
def test_odd_records_never_raise(encodings, record):
    for encoding in encodings.values():
        count = count_example(record, encoding)
        assert isinstance(count.total, int) and isinstance(count.trained, int)
        assert count.total >= 0 and count.trained >= 0
        if not (isinstance(record, dict) and "input" in record):
            assert count.trained <= count.total


def test_reference_cycle_does_not_raise(cl100k):
    content: dict = {}
    content["self"] = content
    assert count_example(sft({"role": "user", "content": content}), cl100k).total > 0


def test_scalars_count_as_their_str(cl100k):
    as_int = count_example(sft({"role": "user", "content": 12345}), cl100k)
    as_str = count_example(sft({"role": "user", "content": "12345"}), cl100k)
    assert as_int == as_str


# --- special tokens, encodings ----------------------------------------------


@pytest.mark.parametrize("name", ["cl100k_base", "o200k_base"])
def test_special_token_text_is_ordinary_text(encodings, name):
    encoding = encodings[name]
    text = "before <|endoftext|> after <|endofprompt|>"
    assert count_text(text, encoding) > 3  # spelled out, not one special token
    record = sft({"role": "user", "content": text}, {"role": "assistant", "content": "<|endoftext|>"})
    assert count_example(record, encoding).trained == count_text("<|endoftext|>", encoding)


def test_encodings_differ(encodings):
    text = "Größenwahn und 東京タワー: def f(x):\n    return x ** 2  # 🙂"
    assert count_text(text, encodings["cl100k_base"]) != count_text(text, encodings["o200k_base"])


def test_get_encoding_is_cached(encodings):
    assert get_encoding("cl100k_base") is encodings["cl100k_base"]


@pytest.mark.parametrize("name", ["r50k_base", "gpt2", "no_such_encoding"])
def test_unbundled_encoding_is_a_clear_error(name):
    with pytest.raises(TokenizerUnavailable, match="not available offline"):
        get_encoding(name)


# ------------------------------------------------------------------ the small-text encoder


@pytest.fixture(scope="module")
def small_encodings(encodings):
    """The Python encoders over the same cached ranks (the full ones wrote the cache)."""
    from workbench.budget.tokens import SmallTextEncoding, _load_prepared_data

    out = {}
    from workbench.budget.tokens import _save_prepared

    with pytest.MonkeyPatch.context() as mp:
        # the full encoders' ranks, written here: in a whole run they were built by an
        # earlier test under another home, so get_encoding wrote nothing in this one
        mp.setenv("WORKBENCH_HOME", str(ENCODINGS_HOME["home"]))
        for name, encoding in encodings.items():
            _save_prepared(encoding)
        loaded = {name: _load_prepared_data(name) for name in encodings}
    for name in encodings:
        data = loaded[name]
        assert data is not None, "loading the tiktoken encoder leaves its ranks in the cache"
        out[name] = SmallTextEncoding(name, data["pat_str"], data["ranks"])
    return out


TRICKY_TEXTS = [
    "", " ", "  \n\n  x", "hello world", "Hello, WORLD's they'RE 12345 678", "a\u2028b\r\n\tc",
    "Où est ma commande ? 📦👩‍👩‍👧", "日本語のテキストと中文", "مرحبا بالعالم", "<|endoftext|> is ordinary here",
    "{\"order_number\": \"AC-77342\"}", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "\x00\x01 \ufeff",
    "lone \ud800 surrogate", "   leading and trailing   ", "x" * 3000,
]


@pytest.mark.parametrize("text", TRICKY_TEXTS)
def test_small_encoder_gives_tiktokens_tokens(encodings, small_encodings, text):
    for name, encoding in encodings.items():
        assert small_encodings[name].encode_ordinary(text) == encoding.encode_ordinary(text), name


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(alphabet=st.characters(codec="utf-8"), max_size=200) | st.text(max_size=200),
       name=st.sampled_from(["o200k_base", "cl100k_base"]))
def test_small_encoder_matches_tiktoken_on_any_unicode(encodings, small_encodings, text, name):
    assert small_encodings[name].encode_ordinary(text) == encodings[name].encode_ordinary(text)


def test_small_flag_answers_with_the_loaded_encoder_or_the_python_one(tmp_path, monkeypatch):
    """get_encoding(small=True) skips building tiktoken's encoder when the ranks are cached;
    counts of a whole example are the same either way."""
    from workbench.budget import tokens

    monkeypatch.setattr(tokens, "_encodings", {})
    monkeypatch.setattr(tokens, "_small_encodings", {})
    full = get_encoding("o200k_base")  # writes the cached ranks
    monkeypatch.setattr(tokens, "_encodings", {})
    light = get_encoding("o200k_base", small=True)
    assert isinstance(light, tokens.SmallTextEncoding)
    record = {"messages": [{"role": "system", "content": "Tu es Aurora."}, {"role": "user", "content": "Où ? 📦"},
                           {"role": "assistant", "content": "Ici: {\"a\": 1}", "weight": 1}]}
    monkeypatch.setattr(tokens, "_memos", {})  # counts are memoised per encoding name
    by_light = count_example(record, light)
    monkeypatch.setattr(tokens, "_memos", {})
    assert by_light == count_example(record, full)
    tokens._encodings["o200k_base"] = full
    assert get_encoding("o200k_base", small=True) is full


def test_cached_ranks_are_stored_in_chunks_a_thread_can_load_between_ui_frames(encodings, small_encodings):
    # one marshal.loads of all 200k ranks held the GIL ~100 ms (the app loads them in a
    # thread after its first paint): each chunk is loaded by its own call
    import marshal

    from workbench.budget import tokens

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("WORKBENCH_HOME", str(ENCODINGS_HOME["home"]))
        blob = tokens._prepared_path("o200k_base").read_bytes()
        data = tokens._load_prepared_data("o200k_base")
    chunks = marshal.loads(blob[64:])["rank_chunks"]
    assert len(chunks) > 1 and all(len(marshal.loads(chunk)) <= tokens._RANK_CHUNK for chunk in chunks)
    assert data["ranks"] == encodings["o200k_base"]._mergeable_ranks
