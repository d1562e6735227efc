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
