"""Budget maths and the default models catalog."""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path

import pytest

from workbench.budget.estimate import (
    EpochsRule,
    ModelSpec,
    UnknownModel,
    default_epochs,
    estimate_budget,
    find_model,
)
from workbench.budget.tokens import BUNDLED_ENCODINGS, TokenCount, count_example, get_encoding

from conftest import TOY_DATASET  # noqa: E402 - the repository's ../shared, found in one place
TOY_TOTALS = [45, 111, 26, 28, 8032]
RULE = EpochsRule()


@pytest.fixture(autouse=True)
def isolated_home(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_HOME", str(tmp_path))
    monkeypatch.delenv("TIKTOKEN_CACHE_DIR", raising=False)


@pytest.fixture(scope="module")
def catalog(tmp_path_factory):
    """The shipped defaults, as seeded into a fresh store's models table."""
    from workbench.budget.catalog import epochs_rule, model_specs
    from workbench.workspace import open_store

    with open_store(tmp_path_factory.mktemp("catalog") / "c.db") as store:
        return model_specs(store), epochs_rule(store)


@pytest.fixture
def gpt35(catalog):
    return find_model(catalog[0], "gpt-3.5-turbo")


def toy_counts(totals=TOY_TOTALS):
    return [TokenCount(total=t, trained=0) for t in totals]


# --- epochs -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("n_examples", "epochs"),
    [
        (0, 0),  # nothing to train
        (1, 25),  # 3 < 100 -> min(25, 100 // 1)
        (3, 25),  # min(25, 33)
        (4, 25),  # min(25, 25)
        (5, 20),  # the toy dataset
        (10, 10),
        (33, 3),  # 99 < 100 -> 100 // 33 = 3
        (34, 3),  # 102: inside the target range
        (100, 3),
        (8333, 3),  # 24,999: inside
        (8334, 2),  # 25,002 > 25,000 -> max(1, 25000 // 8334) = 2
        (12500, 2),
        (12501, 1),
        (25000, 1),
        (100000, 1),  # max(1, 0)
    ],
)
def test_default_epochs_follow_cookbook_rule(n_examples, epochs):
    assert default_epochs(n_examples, RULE) == epochs


def test_epochs_rule_is_data():
    rule = EpochsRule.from_dict({"default_epochs": 2, "min_target_examples": 10})
    assert rule == EpochsRule(default_epochs=2, min_target_examples=10)
    assert default_epochs(4, rule) == 2  # 8 < 10 -> 10 // 4
    assert default_epochs(5, rule) == 2


@pytest.mark.parametrize("bad", [{"default_epochs": "3"}, {"max_default_epochs": -1}, {"default_epochs": 2.5}, {"default_epochs": True}])
def test_epochs_rule_rejects_bad_values(bad):
    with pytest.raises(ValueError, match="epochs rule"):
        EpochsRule.from_dict(bad)


# --- billing ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("limit", "per_epoch", "billed", "over_limit"),
    [(16385, 8242, 164840, 0), (4096, 4306, 86120, 1)],
)
def test_toy_dataset_billing(gpt35, limit, per_epoch, billed, over_limit):
    model = dataclasses.replace(gpt35, training_context_limit=limit)
    estimate = estimate_budget(toy_counts(), model, RULE)
    assert estimate.n_examples == 5
    assert estimate.epochs == 20 and estimate.epochs_is_default
    assert estimate.billed_tokens_per_epoch == per_epoch
    assert estimate.billed_tokens == billed
    assert estimate.over_limit == over_limit


@pytest.mark.skipif(not TOY_DATASET.exists(), reason=f"{TOY_DATASET} not present")
def test_toy_dataset_end_to_end_cost(gpt35):
    encoding = get_encoding(gpt35.encoding)
    lines = TOY_DATASET.read_text(encoding="utf-8").splitlines()
    counts = (count_example(json.loads(line), encoding) for line in lines)  # a generator: one pass
    estimate = estimate_budget(counts, gpt35, RULE)
    assert estimate.total_tokens == sum(TOY_TOTALS) == 8242
    assert estimate.trained_tokens == 10 + 28 + 9 + 4 + 8000
    assert estimate.billed_tokens == 164840
    assert estimate.estimated_cost == pytest.approx(1.31872, abs=1e-12)
    assert round(estimate.estimated_cost, 2) == 1.32


def test_distribution_statistics(gpt35):
    estimate = estimate_budget(toy_counts(), gpt35, RULE)
    assert (estimate.min_tokens, estimate.max_tokens) == (26, 8032)
    assert estimate.mean_tokens == pytest.approx(8242 / 5)
    assert estimate.median_tokens == 45
    # Linear interpolation over [26, 28, 45, 111, 8032].
    assert estimate.p90_tokens == pytest.approx(111 + (8032 - 111) * 0.6)
    assert estimate.p95_tokens == pytest.approx(111 + (8032 - 111) * 0.8)


def test_explicit_epochs_override_the_rule(gpt35):
    estimate = estimate_budget(toy_counts(), gpt35, RULE, epochs=3)
    assert estimate.epochs == 3 and not estimate.epochs_is_default
    assert estimate.billed_tokens == 3 * 8242
    assert estimate.estimated_cost == pytest.approx(3 * 8242 * 8.0 / 1e6)


@pytest.mark.parametrize("epochs", [0, -1, 2.5, True])
def test_bad_epochs_are_rejected(gpt35, epochs):
    with pytest.raises(ValueError, match="epochs"):
        estimate_budget(toy_counts(), gpt35, RULE, epochs=epochs)


def test_empty_dataset(gpt35):
    estimate = estimate_budget(iter(()), gpt35, RULE)
    assert (estimate.n_examples, estimate.epochs, estimate.billed_tokens, estimate.estimated_cost) == (0, 0, 0, 0.0)
    assert (estimate.min_tokens, estimate.max_tokens, estimate.median_tokens) == (0, 0, 0.0)


def test_to_dict_is_json_ready(gpt35):
    data = estimate_budget(toy_counts(), gpt35, RULE).to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["model"] == "gpt-3.5-turbo"
    assert data["billed_tokens"] == 164840


def test_over_limit_counts_examples_strictly_above(gpt35):
    model = dataclasses.replace(gpt35, training_context_limit=100)
    estimate = estimate_budget(toy_counts([99, 100, 101, 5000]), model, RULE)
    assert estimate.over_limit == 2
    assert estimate.billed_tokens_per_epoch == 99 + 100 + 100 + 100


# --- catalog ------------------------------------------------------------------

REQUIRED_MODELS = [
    # name, encoding, training context limit, USD per 1M training tokens
    ("gpt-3.5-turbo-0125", "cl100k_base", 16385, 8.00),
    ("gpt-3.5-turbo", "cl100k_base", 16385, 8.00),
    ("gpt-4o-mini-2024-07-18", "o200k_base", 65536, 3.00),
    ("gpt-4o-mini", "o200k_base", 65536, 3.00),
    ("gpt-4o-2024-08-06", "o200k_base", 65536, 25.00),
    ("gpt-4o", "o200k_base", 65536, 25.00),
    ("gpt-4.1-2025-04-14", "o200k_base", 65536, 25.00),
    ("gpt-4.1", "o200k_base", 65536, 25.00),
    ("gpt-4.1-mini-2025-04-14", "o200k_base", 65536, 5.00),
    ("gpt-4.1-mini", "o200k_base", 65536, 5.00),
    ("gpt-4.1-nano-2025-04-14", "o200k_base", 65536, 1.50),
    ("gpt-4.1-nano", "o200k_base", 65536, 1.50),
]


@pytest.mark.parametrize(("name", "encoding", "limit", "price"), REQUIRED_MODELS)
def test_catalog_has_required_models(catalog, name, encoding, limit, price):
    model = find_model(catalog[0], name)
    assert (model.name, model.encoding, model.training_context_limit, model.price_training_per_1m) == (
        name,
        encoding,
        limit,
        price,
    )
    assert model.provider == "openai" and model.fine_tunable


def test_catalog_is_consistent(catalog):
    models, rule = catalog
    assert rule == EpochsRule()
    names = [model.name for model in models]
    assert len(names) == len(set(names))
    # Every default model can be budgeted offline.
    assert {model.encoding for model in models} <= set(BUNDLED_ENCODINGS)
    for model in models:
        if model.family.startswith("gpt-4.1"):
            assert "default" in model.notes


def test_model_spec_round_trips_and_ignores_extra_columns(catalog):
    model = catalog[0][0]
    row = {**model.to_dict(), "retires_on": "2027-01-06", "id": "abc"}
    assert ModelSpec.from_dict(row) == model


BAD_ROWS = {
    "no name": {"encoding": "o200k_base", "training_context_limit": 1, "price_training_per_1m": 1},
    "no encoding": {"name": "m", "training_context_limit": 1, "price_training_per_1m": 1},
    "limit text": {"name": "m", "encoding": "e", "training_context_limit": "16k", "price_training_per_1m": 1},
    "limit zero": {"name": "m", "encoding": "e", "training_context_limit": 0, "price_training_per_1m": 1},
    "limit fraction": {"name": "m", "encoding": "e", "training_context_limit": 1.5, "price_training_per_1m": 1},
    "limit infinite": {"name": "m", "encoding": "e", "training_context_limit": math.inf, "price_training_per_1m": 1},
    "limit bool": {"name": "m", "encoding": "e", "training_context_limit": True, "price_training_per_1m": 1},
    "price negative": {"name": "m", "encoding": "e", "training_context_limit": 1, "price_training_per_1m": -1},
    "price text": {"name": "m", "encoding": "e", "training_context_limit": 1, "price_training_per_1m": "8"},
    "price nan": {"name": "m", "encoding": "e", "training_context_limit": 1, "price_training_per_1m": math.nan},
}


@pytest.mark.parametrize("row", list(BAD_ROWS.values()), ids=list(BAD_ROWS))
def test_model_spec_rejects_bad_rows(row):
    with pytest.raises(ValueError):
        ModelSpec.from_dict(row)


def test_model_spec_errors_quote_the_name_as_it_will_be_stored():
    with pytest.raises(ValueError) as caught:
        ModelSpec.from_dict({"name": "  my-model \t", "encoding": "", "training_context_limit": 1,
                             "price_training_per_1m": 1})
    assert "model 'my-model':" in str(caught.value)


# --- find_model -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("gpt-4o", "gpt-4o"),
        ("  gpt-4o-mini  ", "gpt-4o-mini"),
        ("gpt-4o-mini-2024-07-18-custom", "gpt-4o-mini-2024-07-18"),
        ("gpt-4o-mini-2025-01-01", "gpt-4o-mini"),  # family-level: the alias row wins
        ("gpt-4o-2024-11-20", "gpt-4o"),
        ("ft:gpt-4o-mini-2024-07-18:acme::9abc", "gpt-4o-mini-2024-07-18"),
        ("ft:gpt-3.5-turbo-0125:acme:support:xyz", "gpt-3.5-turbo-0125"),
        ("gpt-3.5-turbo-1106", "gpt-3.5-turbo"),
        ("gpt-4.1-nano-preview", "gpt-4.1-nano"),
        ("gpt-4.1-2025-04-14", "gpt-4.1-2025-04-14"),
    ],
)
def test_find_model(catalog, query, expected):
    assert find_model(catalog[0], query).name == expected


def test_find_model_falls_back_to_family_without_alias_rows(catalog):
    dated_only = [model for model in catalog[0] if model.name != model.family]
    assert find_model(dated_only, "gpt-4o-mini-2025-01-01").name == "gpt-4o-mini-2024-07-18"


@pytest.mark.parametrize("query", ["claude-3-haiku", "gpt-4", "gpt-4ox", "gpt-4.10", "", "ft:"])
def test_find_model_unknown_lists_known_names(catalog, query):
    with pytest.raises(UnknownModel) as excinfo:
        find_model(catalog[0], query)
    assert "gpt-4o-mini-2024-07-18" in str(excinfo.value)
    assert isinstance(excinfo.value, LookupError)


# --- stored data, exactness, migration 0006 ---------------------------------------

DATA = Path(__file__).parent / "data"


def test_budget_uses_the_epochs_rule_stored_in_the_store(store, tmp_path):
    from conftest import many_chats, write_jsonl
    from workbench.budget.sources import budget_for_file
    from workbench.budget.catalog import EPOCHS_RULE_SETTING, resolve_model

    path = write_jsonl(tmp_path / "f.jsonl", many_chats(40))
    model = resolve_model(store, "gpt-4o-mini")
    assert budget_for_file(store, path, model)[0].epochs == 3  # the shipped rule
    store.set_setting(EPOCHS_RULE_SETTING, {**EpochsRule().to_dict(), "default_epochs": 7, "max_target_examples": 10**6})
    assert budget_for_file(store, path, model)[0].epochs == 7


def test_budget_of_a_tool_file_says_what_is_an_estimate(store):
    from workbench.budget.sources import budget_for_file
    from workbench.budget.catalog import resolve_model
    from workbench.cli.render import render_budget

    estimate, _ = budget_for_file(store, DATA / "tools_agents.jsonl", resolve_model(store, "gpt-4o-mini"))
    assert (estimate.examples_with_tools, estimate.examples_with_media) == (13, 0)
    text = render_budget(estimate)
    assert "Estimate: tool schemas and calls in 13 examples" in text
    assert "not a bill" in text and "Exact: message text" in text
    assert estimate.to_dict()["examples_with_tools"] == 13


def test_budget_of_plain_text_is_exact(store, tmp_path):
    from conftest import many_chats, write_jsonl
    from workbench.budget.sources import budget_for_file
    from workbench.budget.catalog import resolve_model
    from workbench.cli.render import render_budget

    estimate, _ = budget_for_file(store, write_jsonl(tmp_path / "f.jsonl", many_chats(3)), resolve_model(store, "gpt-4o"))
    text = render_budget(estimate)
    assert "Exact: message text" in text and "Estimate:" not in text and "not a bill" not in text


def test_images_are_reported_as_not_counted(store, tmp_path):
    from conftest import write_jsonl
    from workbench.budget.estimate import exactness_notes
    from workbench.budget.sources import budget_for_file
    from workbench.budget.catalog import resolve_model

    image = {"messages": [{"role": "user", "content": [{"type": "text", "text": "What is this?"}, {
        "type": "image_url", "image_url": {"url": "https://example.com/x.png"}}]}, {"role": "assistant", "content": "A shoe."}]}
    estimate, _ = budget_for_file(store, write_jsonl(tmp_path / "f.jsonl", [image]), resolve_model(store, "gpt-4o"))
    assert estimate.examples_with_media == 1
    assert any(note.startswith("Not counted: images, audio or files in 1 example;") for note in exactness_notes(estimate))


def test_dataset_budget_counts_examples_with_tools(store):
    from workbench.budget.sources import budget_for_dataset, budget_for_file
    from workbench.budget.catalog import resolve_model
    from workbench.dataset.importer import import_file

    import_file(store, DATA / "tools_dpo.jsonl", "dpo")
    model = resolve_model(store, "gpt-3.5-turbo")
    from_store, _ = budget_for_dataset(store, store.datasets.get_dataset("dpo"), model)
    from_file, _ = budget_for_file(store, DATA / "tools_dpo.jsonl", model)
    assert from_store.examples_with_tools == from_file.examples_with_tools == 10
    assert from_store.total_tokens == from_file.total_tokens


def test_example_exactly_at_the_limit_is_not_over_it(gpt35):
    model = dataclasses.replace(gpt35, training_context_limit=26)
    estimate = estimate_budget(toy_counts([26]), model, RULE)
    assert estimate.over_limit == 0 and estimate.billed_tokens_per_epoch == 26


def test_migration_0006_fills_existing_models_and_drops_stale_tool_counts(tmp_path):
    from sqlite_utils import Database

    from store import Store
    from store.migrations import migrations

    path = tmp_path / "old.db"
    db = Database(path)
    migrations.apply(db, stop_before="0006_tool_token_rules")
    stamp = "2026-01-01T00:00:00Z"
    for name, encoding in (("gpt-3.5-turbo", "cl100k_base"), ("gpt-4o-mini", "o200k_base")):
        db["models"].insert({"id": name, "name": name, "encoding": encoding, "training_context_limit": 1000,
                             "updated_at": stamp})
    db["datasets"].insert({"id": "d", "name": "d", "created_at": stamp, "updated_at": stamp})
    for hash_, tools in (("with-tools", '[{"type": "function"}]'), ("plain", None)):
        db["examples"].insert({"id": hash_, "dataset_id": "d", "position": 1, "messages": "[]", "tools": tools,
                               "content_hash": hash_, "created_at": stamp, "updated_at": stamp})
        db["token_counts"].insert({"content_hash": hash_, "encoding": "o200k_base", "total": 99, "trained": 1})
    db.conn.close()

    store = Store(path)
    try:
        rows = {r["name"]: r for r in store.models.list_models()}
        from workbench.budget.tokens import ToolTokenRule
        assert ToolTokenRule.from_row(rows["gpt-3.5-turbo"]) == ToolTokenRule(10, 3, 3, -3, 3, 12)
        assert ToolTokenRule.from_row(rows["gpt-4o-mini"]) == ToolTokenRule(7, 3, 3, -3, 3, 12)
        assert set(store.examples.token_counts(["with-tools", "plain"], "o200k_base")) == {"plain"}
    finally:
        store.close()


def test_a_partial_tool_rule_is_a_clear_error():
    from workbench.budget.tokens import ToolTokenRule

    with pytest.raises(ValueError, match="tool_func_end"):
        ToolTokenRule.from_row({"name": "m", "tool_func_init": 7, "tool_prop_init": 3, "tool_prop_key": 3,
                                "tool_enum_init": -3, "tool_enum_item": 3})
    assert ToolTokenRule.from_row({"name": "m"}) is None


def test_every_catalog_model_has_the_cookbook_tool_rule():
    from workbench.budget.tokens import ToolTokenRule

    document = json.loads((Path(__file__).parent.parent / "workbench" / "data" / "models.json").read_text("utf-8"))
    for row in document["models"]:
        func_init = 10 if row["encoding"] == "cl100k_base" else 7
        assert ToolTokenRule.from_row(row) == ToolTokenRule(func_init, 3, 3, -3, 3, 12), row["name"]
