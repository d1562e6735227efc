"""Providers and keys: records in the store, keys in a real keyring, clients against
a scripted server on 127.0.0.1, errors in plain words."""

from __future__ import annotations

import os

import pytest
from click.testing import CliRunner

from tests.servers.scripted import ScriptedServer
from workbench.providers import (MissingKey, UnknownProvider, add_provider, chat_client, list_models,
                                 list_providers, remove_provider)
from workbench.providers import keys as provider_keys
from workbench.providers.failures import TrainingNotAvailable, explain

KEY = "sk-test-PLANTED-7f3a9c1e"

real_keyring = pytest.mark.skipif(os.environ.get("WORKBENCH_REAL_KEYRING") != "1",
                                  reason="needs the real gnome-keyring under dbus-run-session (tasks.py test)")


@pytest.fixture
def server():
    with ScriptedServer(key=KEY) as srv:
        yield srv


def test_add_list_remove(store):
    add_provider(store, "local", "openai-compatible", base_url="http://127.0.0.1:9/v1", key_required=False)
    add_provider(store, "tog", "together")
    rows = {r["name"]: r for r in list_providers(store)}
    assert rows["tog"]["base_url"] == "https://api.together.xyz/v1"
    assert rows["tog"]["capabilities"]["weights_download"] is True
    assert rows["local"]["capabilities"]["sft"] is False
    remove_provider(store, "local")
    assert [r["name"] for r in list_providers(store)] == ["tog"]


@pytest.mark.parametrize("kind, base_url", [("nope", None), ("azure", None), ("openai-compatible", None),
                                            ("openai-compatible", "ftp://x")])
def test_add_refuses_bad_input(store, kind, base_url):
    from workbench.errors import InvalidRequest

    with pytest.raises(InvalidRequest):
        add_provider(store, "p", kind, base_url=base_url)


def test_unknown_provider_and_missing_key(store, monkeypatch):
    monkeypatch.delenv("TOGETHER_API_KEY", raising=False)
    with pytest.raises(UnknownProvider):
        chat_client(store, "ghost")
    add_provider(store, "tog-nokey", "together")
    with pytest.raises(MissingKey):
        chat_client(store, "tog-nokey")


def test_env_var_fallback_chat_and_models(store, server, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    add_provider(store, "oa", "openai", base_url=server.url)
    client = chat_client(store, "oa")
    answer = client.chat.completions.create(model="m", messages=[{"role": "user", "content": "hi"}])
    assert answer.choices[0].message.content == "echo: hi"
    models = {m["id"]: m for m in list_models(store, "oa")}
    assert models["gpt-4.1-mini-2025-04-14"]["shutdown_date"] == "2027-01-14"
    assert models["meta-llama/Meta-Llama-3.1-8B-Instruct-Reference"]["shutdown_date"] is None


def test_wrong_key_in_plain_words(store, server, monkeypatch):
    from workbench.providers.failures import KeyRejected

    monkeypatch.setenv("OPENAI_API_KEY", "sk-wrong")
    add_provider(store, "oa", "openai", base_url=server.url)
    with pytest.raises(KeyRejected, match="rejected the API key"):
        list_models(store, "oa", max_retries=0)


def test_training_not_available_is_explained(store, server, monkeypatch):
    import openai

    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    add_provider(store, "oa", "openai", base_url=server.url)
    server.fault("POST /v1/fine_tuning/jobs", "training_not_available")
    client = chat_client(store, "oa", max_retries=0)
    with pytest.raises(openai.PermissionDeniedError) as raised:
        client.fine_tuning.jobs.create(model="gpt-4.1-mini-2025-04-14", training_file="file-x")
    error = explain(raised.value, {"name": "oa"})
    assert isinstance(error, TrainingNotAvailable)
    for date in ("2026-05-07", "2026-07-02", "2027-01-06", "2027-01-14"):
        assert date in error.message
    assert "Together" in error.hint and "training kit" in error.hint


def test_no_keyring_backend_message(monkeypatch):
    import keyring
    from keyring.backends import fail

    monkeypatch.setattr(keyring, "get_keyring", lambda: fail.Keyring())
    monkeypatch.delenv("TOGETHER_API_KEY", raising=False)
    assert not provider_keys.keyring_available()
    with pytest.raises(provider_keys.KeyringUnavailable) as raised:
        provider_keys.set_key("tog", "together", "secret")
    assert "TOGETHER_API_KEY" in raised.value.hint and "keyring" in raised.value.hint
    assert provider_keys.key_status("tog", "together").source == "missing"


@real_keyring
def test_keys_cli_in_real_keyring(tmp_path, server, monkeypatch):
    from workbench.cli.main import cli

    monkeypatch.delenv("TOGETHER_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    db = str(tmp_path / "k.db")
    runner = CliRunner()
    assert runner.invoke(cli, ["--db", db, "provider", "add", "srv", "--kind", "openai", "--base-url",
                               server.url]).exit_code == 0
    result = runner.invoke(cli, ["--db", db, "keys", "set", "srv"], input=KEY + "\n")
    assert result.exit_code == 0, result.output
    status = runner.invoke(cli, ["--db", db, "keys", "status"])
    assert "in the OS keyring" in status.output and KEY not in status.output
    test = runner.invoke(cli, ["--db", db, "provider", "test", "srv"])
    assert test.exit_code == 0 and "OK" in test.output, test.output
    assert runner.invoke(cli, ["--db", db, "keys", "delete", "srv"]).exit_code == 0
    result = runner.invoke(cli, ["--db", db, "provider", "test", "srv"])
    assert result.exit_code == 2 and "No API key" in result.output
    # the key never reached the store file
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert KEY.encode() not in path.read_bytes(), path


# ---------------------------------------------------------------------- training catalogue

def test_training_catalogue_is_seeded_per_provider_kind(store):
    from workbench.providers.catalogue import training_models

    for name, kind in (("oa", "openai"), ("az", "azure"), ("tog", "together")):
        add_provider(store, name, kind, base_url="https://r.openai.azure.com/openai/v1/" if kind == "azure" else None)
    openai_rows = {r["base_model"]: r for r in training_models(store, "oa")}
    azure_rows = {r["base_model"]: r for r in training_models(store, "az")}
    together_rows = {r["base_model"]: r for r in training_models(store, "tog")}
    assert openai_rows["gpt-4.1-mini-2025-04-14"]["price_training_per_1m"] == 5.0
    assert azure_rows["gpt-4.1-mini-2025-04-14"]["price_training_per_1m"] != 5.0  # Azure prices its own
    assert openai_rows["gpt-4o-mini-2024-07-18"]["min_examples"] == 10
    assert openai_rows["gpt-3.5-turbo-0125"]["methods"] == ["supervised"]
    llama = together_rows["meta-llama/Meta-Llama-3.1-8B-Instruct-Reference"]
    assert llama["min_examples"] == 1 and llama["epochs_rule"]["default_epochs"] == 1
    assert llama["methods"] == ["supervised", "dpo"] and llama["context_limit"] > 0
    assert all(r["source"] == "default" for r in together_rows.values())


def _frozen(store, tmp_path, n=12):
    from tests.test_jobs import freeze

    return freeze(store, tmp_path, n=n)


def test_launch_preflight_prices_and_checks_with_the_providers_row(store, tmp_path):
    from workbench.jobs import plan_launch
    from workbench.providers.catalogue import set_training_model

    ref = _frozen(store, tmp_path)
    add_provider(store, "oa", "openai")
    add_provider(store, "az", "azure", base_url="https://r.openai.azure.com/openai/v1/")
    add_provider(store, "tog", "together")
    base = "gpt-4.1-mini-2025-04-14"
    on_openai = plan_launch(store, ref, "oa", base, hyperparameters={"n_epochs": 2})
    on_azure = plan_launch(store, ref, "az", base, hyperparameters={"n_epochs": 2})
    assert on_openai.billed_tokens == on_azure.billed_tokens and on_openai.epochs == 2
    assert on_azure.estimated_cost > on_openai.estimated_cost  # 5.50 vs 5.00 per 1M
    llama = plan_launch(store, ref, "tog", "meta-llama/Meta-Llama-3.1-8B-Instruct-Reference")
    assert llama.epochs == 1 and not llama.problems  # Together's rule: one epoch by default
    # edits are data: the next preflight uses them
    set_training_model(store, "oa", base, {"min_examples": "50", "price_training_per_1m": "10"})
    edited = plan_launch(store, ref, "oa", base, hyperparameters={"n_epochs": 2})
    assert any("needs at least 50" in p for p in edited.problems)
    assert edited.estimated_cost == pytest.approx(on_openai.estimated_cost * 2)
    assert any("with dpo" in p for p in plan_launch(store, ref, "oa", "gpt-3.5-turbo-0125", method="dpo").problems)
    unknown = plan_launch(store, ref, "tog", "someone/unknown-model")
    assert unknown.estimated_cost is None and any("not in tog's training catalogue" in w for w in unknown.warnings)


def test_catalogue_cli_lists_edits_and_prices_the_budget(tmp_path):
    import json

    from workbench.cli.main import cli
    from workbench.workspace import open_store

    db = tmp_path / "cat.db"
    store = open_store(db)
    _frozen(store, tmp_path)
    store.close()
    runner = CliRunner()

    def run(*args):
        return runner.invoke(cli, ["--db", str(db), *args])

    assert run("provider", "add", "tog", "--kind", "together").exit_code == 0
    listing = run("provider", "models", "tog")
    assert listing.exit_code == 0 and "Qwen/Qwen2.5-7B-Instruct" in listing.output and "0.48" in listing.output
    llama = "meta-llama/Meta-Llama-3.1-8B-Instruct-Reference"
    before = json.loads(run("budget", "ds", "--provider", "tog", "--model", llama, "--json").output)
    assert before["epochs"] == 1 and before["price_training_per_1m"] == 0.48
    edited = run("provider", "models", "tog", "--base", llama, "--set", "price_training_per_1m=0.96",
                 "--set", 'epochs_rule={"default_epochs": 2, "max_default_epochs": 2}', "--json")
    assert edited.exit_code == 0, edited.output
    assert json.loads(edited.output)["source"] == "user"
    after = json.loads(run("budget", "ds", "--provider", "tog", "--model", llama, "--json").output)
    assert after["epochs"] == 2 and after["estimated_cost"] == pytest.approx(before["estimated_cost"] * 4)
    assert "(edited)" in run("provider", "models", "tog").output
    added = run("provider", "models", "tog", "--base", "me/new-7b", "--set", "context_limit=8192", "--set",
                "price_training_per_1m=0.4", "--set", "encoding=cl100k_base")
    assert added.exit_code == 0, added.output
    refused = run("provider", "models", "tog", "--base", llama, "--set", "price=1")
    assert refused.exit_code == 2 and "Cannot change price" in refused.output
    missing = run("budget", "ds", "--provider", "tog", "--model", "nobody/nothing")
    assert missing.exit_code == 2 and "not in tog's training catalogue" in missing.output
