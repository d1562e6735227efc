"""Generation over real HTTP against the scripted server on 127.0.0.1: answers committed
as they arrive, retries that honour Retry-After, resume after SIGKILL without loss or
duplicates, tools and system turns sent, cost and latency figures."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import openai
import pytest
from hypothesis import given, strategies as st

from chat_server import ChatServer
from conftest import ROOT, write_jsonl
from workbench.eval import generation, golden
from workbench.eval.generation import GenerationError, GenerationSettings, generate, parse_model_ref, percentile
from workbench.workspace import seed_sample_rating


def client(server: ChatServer) -> openai.OpenAI:
    return openai.OpenAI(base_url=server.base_url, api_key="test-key", max_retries=0, timeout=20)


@pytest.fixture
def sample(store):
    seed_sample_rating(store)
    return store, golden.resolve_version(store, "aurora-golden")


def rows_of(store, version, model):
    return store.golden.generations(version["id"], model)


def test_every_prompt_answered_with_system_and_settings_recorded(sample):
    store, version = sample
    with ChatServer(models={"local-a": None}) as server:
        report = generate(store, version, "local-a", client(server), provider="local",
                          settings=GenerationSettings(temperature=0.3, seed=7, concurrency=3))
    prompts = store.golden.version_prompts(version["id"])
    rows = rows_of(store, version, "local-a")
    assert report.answered == len(prompts) == len(rows) == 40 and report.complete
    assert not report.failed
    # each request carried the prompt's system turn and the recorded settings
    first = server.requests[0]
    assert first["messages"][0]["role"] == "system" and first["temperature"] == 0.3 and first["seed"] == 7
    assert {r["temperature"] for r in rows.values()} == {0.3} and {r["seed"] for r in rows.values()} == {7}
    assert all(r["provider"] == "local" and r["source"] == "provider" for r in rows.values())
    assert all(r["latency_ms"] is not None and r["prompt_tokens"] > 0 for r in rows.values())
    assert report.latency_p50_ms is not None and report.latency_p95_ms >= report.latency_p50_ms
    assert report.cost_usd is None  # local-a has no price in the models table


def test_rerun_sends_nothing_and_duplicates_nothing(sample):
    store, version = sample
    with ChatServer() as server:
        generate(store, version, "local-a", client(server))
        sent = len(server.requests)
        again = generate(store, version, "local-a", client(server))
    assert len(server.requests) == sent
    assert again.already == 40 and again.answered == 0


def test_429_waits_what_retry_after_says_and_500_is_retried(sample):
    store, version = sample
    waits = []
    with ChatServer() as server:
        server.fail(429, {"retry-after": "7"}, times=2)
        server.fail(500, times=1)
        report = generate(store, version, "local-b", client(server), settings=GenerationSettings(concurrency=1),
                          sleep=waits.append)
    assert waits[:2] == [7.0, 7.0]  # the server's Retry-After, not our backoff
    assert len(waits) == 3 and 0 <= waits[2] <= 8  # a 500 has no Retry-After: our backoff
    assert report.retries == 3 and report.answered == 40 and not report.failed


def test_retry_after_ms_and_cap():
    assert generation.retry_wait({"retry-after-ms": "250"}, 0, 60) == 0.25
    assert generation.retry_wait({"retry-after": "3600"}, 0, 60) == 60
    assert 0 <= generation.retry_wait({}, 10, 60) <= 8


def test_a_prompt_that_keeps_failing_is_reported_and_a_rerun_fills_it(sample):
    store, version = sample
    with ChatServer() as server:
        server.fail(500, times=3)  # attempts 1..3 of the first prompt
        report = generate(store, version, "local-c", client(server),
                          settings=GenerationSettings(concurrency=1, max_retries=2), sleep=lambda s: None)
        assert len(report.failed) == 1 and report.answered == 39 and not report.complete
        again = generate(store, version, "local-c", client(server), sleep=lambda s: None)
    assert again.answered == 1 and again.complete


def test_unknown_model_stops_the_run(sample):
    store, version = sample
    with ChatServer(models={"local-a": None}) as server:
        with pytest.raises(GenerationError, match="HTTP 404"):
            generate(store, version, "nope", client(server), settings=GenerationSettings(concurrency=2))
        assert len(server.requests) <= 2  # not one failure per prompt
    assert not rows_of(store, version, "nope")


def test_cancel_keeps_what_arrived(sample):
    store, version = sample
    import threading

    cancel = threading.Event()

    def progress(p):
        if p.done >= 5:
            cancel.set()

    with ChatServer() as server:
        report = generate(store, version, "local-d", client(server), settings=GenerationSettings(concurrency=1),
                          on_progress=progress, cancel=cancel)
    assert report.cancelled and 5 <= report.answered < 40
    assert len(rows_of(store, version, "local-d")) == report.answered


def test_tools_are_sent_and_tool_calls_recorded(store, tmp_path):
    tool = {"type": "function", "function": {"name": "lookup_order", "description": "Find an order",
                                             "parameters": {"type": "object", "properties": {"q": {"type": "integer"}}}}}
    path = write_jsonl(tmp_path / "g.jsonl", [
        {"id": "t1", "messages": [{"role": "system", "content": "Be brief."},
                                  {"role": "user", "content": "please call a tool"}], "tools": [tool]},
        {"id": "t2", "messages": [{"role": "user", "content": "hello", "weight": 1}]}])
    golden.import_prompts(store, "tools-set", path)
    version, _ = golden.freeze(store, "tools-set")
    store.models.update_model("gpt-4.1-mini", {"price_input_per_1m": 0.4, "price_output_per_1m": 1.6})
    with ChatServer() as server:
        report = generation.generate_for_set(store, "tools-set@1", "local:gpt-4.1-mini", client=client(server))
    by_body = {r["messages"][-1]["content"]: r for r in server.requests}
    assert by_body["please call a tool"]["tools"] == [tool]
    assert "tools" not in by_body["hello"] and "weight" not in by_body["hello"]["messages"][0]
    rows = {r["prompt_id"]: r for r in rows_of(store, version, "gpt-4.1-mini").values()}
    called = next(r for r in rows.values() if r["tool_calls"])
    assert json.loads(called["tool_calls"])[0]["function"]["name"] == "lookup_order"
    assert called["output"].startswith("[calls lookup_order(") and called["finish_reason"] == "tool_calls"
    # priced from the models table: input and output tokens at their rates
    assert all(r["cost_usd"] == pytest.approx((r["prompt_tokens"] * 0.4 + r["completion_tokens"] * 1.6) / 1e6)
               for r in rows.values())
    assert report.cost_usd == pytest.approx(sum(r["cost_usd"] for r in rows.values()))


def test_model_refs():
    assert parse_model_ref("openai:ft:gpt-4.1-mini:aurora::x") == ("openai", "ft:gpt-4.1-mini:aurora::x")
    for bad in ("gpt-4.1-mini", "ft:gpt-4.1-mini:aurora::x", ":x", "p:"):
        with pytest.raises(generation.InvalidRequest):
            parse_model_ref(bad)


@given(st.lists(st.floats(min_value=0, max_value=1e6, allow_nan=False), min_size=1, max_size=50))
def test_percentiles_stay_within_the_values(values):
    p50, p95 = percentile(values, 50), percentile(values, 95)
    assert min(values) <= p50 <= p95 <= max(values)


CHILD = textwrap.dedent("""
    import sys, openai
    from store import Store
    from workbench.eval import generation, golden
    store = Store(sys.argv[1])
    version = golden.resolve_version(store, "aurora-golden")
    client = openai.OpenAI(base_url=sys.argv[2], api_key="k", max_retries=0)
    generation.generate(store, version, "local-kill", client, provider="local",
                        settings=generation.GenerationSettings(concurrency=3))
""")


def test_sigkill_mid_run_loses_nothing_and_duplicates_nothing(sample, tmp_path):
    store, version = sample
    with ChatServer(delay=0.05) as server:
        child = subprocess.Popen([sys.executable, "-c", CHILD, str(store.path), server.base_url], cwd=ROOT,
                                 env={**os.environ, "PYTHONPATH": str(ROOT)})
        try:
            deadline = time.monotonic() + 120
            while len(rows_of(store, version, "local-kill")) < 10:
                assert child.poll() is None, "the generating process ended before it could be killed"
                assert time.monotonic() < deadline
                time.sleep(0.02)
            os.kill(child.pid, signal.SIGKILL)
        finally:
            child.wait(timeout=30)
        before = rows_of(store, version, "local-kill")
        assert 10 <= len(before) < 40, "kill came too late to test a resume"
        sent_before = len(server.requests)
        report = generate(store, version, "local-kill", client(server), provider="local")
        resent = [r for r in server.requests[sent_before:]
                  if any(r["messages"] == p["messages"] for p in store.golden.version_prompts(version["id"])
                         if p["prompt_id"] in before)]
    after = rows_of(store, version, "local-kill")
    prompts = {p["prompt_id"] for p in store.golden.version_prompts(version["id"])}
    assert set(after) == prompts                                      # 0 lost
    assert store.db.execute("SELECT count(*) FROM generations WHERE model = 'local-kill'").fetchone()[0] == 40
    assert all(after[pid]["id"] == row["id"] and after[pid]["output"] == row["output"]
               for pid, row in before.items())                       # committed answers untouched
    assert not resent                                                 # answered prompts never sent again
    assert report.already == len(before) and report.answered == 40 - len(before)


# --------------------------------------------------------------------------- Steady: the request matches OpenAI's spec

SPEC = ROOT.parent / "shared" / "openai" / "openapi.transformed.yml"


def _steady_binary() -> str | None:
    import shutil

    local = ROOT / "node_modules" / ".bin" / "steady"
    cached = ROOT / ".cache" / "steady" / "node_modules" / ".bin" / "steady"  # where .ci/run installs it
    local = cached if cached.exists() and not local.exists() else local
    return os.environ.get("STEADY_BIN") or shutil.which("steady") or (str(local) if local.exists() else None)


@pytest.fixture
def steady():
    """Steady (npm @stdy/cli) serving OpenAI's spec on 127.0.0.1; it answers 400 to any
    request that breaks the spec."""
    import socket

    binary = _steady_binary()
    if binary is None or not SPEC.exists():
        pytest.skip("Steady (npm install @stdy/cli; STEADY_BIN=path) or the OpenAI spec is not available")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    process = subprocess.Popen([binary, "--port", str(port), "--host", "127.0.0.1", "-q", str(SPEC)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.skip("Steady did not start")
                time.sleep(0.2)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_generation_requests_match_openais_spec(store, tmp_path, steady):
    tool = {"type": "function", "function": {"name": "lookup_order", "description": "Find an order",
                                             "parameters": {"type": "object", "properties": {}}}}
    path = write_jsonl(tmp_path / "g.jsonl", [
        {"id": "t1", "messages": [{"role": "system", "content": "Be brief."},
                                  {"role": "user", "content": "where is AUR-1?", "weight": 1}], "tools": [tool]},
        {"id": "t2", "messages": [{"role": "user", "content": "hello"}]}])
    golden.import_prompts(store, "spec-set", path)
    version, _ = golden.freeze(store, "spec-set")
    api = openai.OpenAI(base_url=steady, api_key="test-key", max_retries=0, timeout=30)
    report = generate(store, version, "gpt-4.1-mini", api, provider="openai",
                      settings=GenerationSettings(temperature=0.2, seed=3, max_tokens=50, concurrency=2))
    assert not report.failed, report.failed  # Steady answers 400 to a request that breaks the spec
    assert report.answered == 2


# --------------------------------------------------------------------------- Batch API


def test_batch_generation_uploads_polls_downloads_and_maps_back(sample):
    from workbench.eval.batch import BATCH_PRICE_SHARE, generate_batch

    store, version = sample
    store.models.update_model("gpt-4.1-mini", {"price_input_per_1m": 0.4, "price_output_per_1m": 1.6})
    polls = []
    with ChatServer() as server:
        report = generate_batch(store, version, "gpt-4.1-mini", client(server), provider="openai",
                                settings=GenerationSettings(seed=5), sleep=polls.append, poll_every=10)
        assert len(server.batches) == 1 and polls == [10, 10]
        again = generate_batch(store, version, "gpt-4.1-mini", client(server), sleep=polls.append)
        assert len(server.batches) == 1  # nothing left to ask
    rows = rows_of(store, version, "gpt-4.1-mini")
    assert report.answered == 40 == len(rows) and again.answered == 0 and again.already == 40
    prompts = {p["prompt_id"]: p for p in store.golden.version_prompts(version["id"])}
    row = next(iter(rows.values()))  # mapped back by custom_id: the answer quotes its own prompt
    assert row["output"].startswith("[gpt-4.1-mini] " + prompts[row["prompt_id"]]["messages"][-1]["content"][:20])
    assert row["seed"] == 5 and row["latency_ms"] is None
    assert row["cost_usd"] == pytest.approx(
        (row["prompt_tokens"] * 0.4 + row["completion_tokens"] * 1.6) / 1e6 * BATCH_PRICE_SHARE)


def test_batch_resumes_after_a_crash_without_a_second_batch(sample):
    from workbench.eval.batch import generate_batch

    store, version = sample
    import threading

    cancel = threading.Event()
    cancel.set()  # "crash" while the batch is in progress: the provider keeps it
    with ChatServer() as server:
        first = generate_batch(store, version, "local-batch", client(server), cancel=cancel, sleep=lambda s: None)
        assert first.cancelled and first.answered == 0 and len(server.batches) == 1
        # a crash between creating the batch and recording its id: found again by its metadata
        store.golden.update_batch(store.golden.open_batch(version["id"], "local-batch")["id"],
                                  {"provider_batch_id": None})
        done = generate_batch(store, version, "local-batch", client(server), sleep=lambda s: None)
    assert len(server.batches) == 1 and done.answered == 40
    assert len(rows_of(store, version, "local-batch")) == 40


def test_cli_batch_route_and_refusal_for_hosts_without_batches(tmp_path):
    from test_cli import run

    db = tmp_path / "b.db"
    golden_file = ROOT / "sample_data" / "golden" / "aurora_golden.jsonl"
    with ChatServer() as server:
        assert run("--db", db, "golden", "import", golden_file, "--set", "g").returncode == 0
        assert run("--db", db, "provider", "add", "oa", "--kind", "openai", "--base-url", server.base_url,
                   ).returncode == 0
        assert run("--db", db, "provider", "add", "local", "--kind", "openai-compatible", "--base-url",
                   server.base_url, "--no-key").returncode == 0
        refused = run("--db", db, "generate", "--set", "g", "--model", "local:m", "--batch")
        assert refused.returncode == 2 and "no Batch API" in refused.stderr
        out = run("--db", db, "generate", "--set", "g", "--model", "oa:gpt-4.1-mini", "--batch", "--poll", "1",
                  env={"OPENAI_API_KEY": "sk-test"})
    assert out.returncode == 0, out.stderr
    assert "40 answered now" in out.stdout and len(server.batches) == 1
