"""Contract tests: every request our job adapters send, through the real SDKs, against
Steady (npm @stdy/cli 0.22) serving the providers' own OpenAPI specs from ../shared.
Steady answers 400 to a request that breaks the spec; our adapters turn that into a
WorkbenchError, so a call that returns is a call the spec accepts.

Steady is installed into <repo>/.cache/steady (gitignored) on first use; the tests skip
with a reason where node/npm or the specs are absent.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time

import pytest

from tests.conftest import ROOT, many_chats, write_jsonl
from workbench.jobs.adapters import JobSpec, OpenAIAdapter, TogetherAdapter
from workbench.providers import add_provider, chat_client, list_models
from workbench.providers.failures import ProviderUnavailable

STEADY_DIR = ROOT / ".cache" / "steady"
STEADY = STEADY_DIR / "node_modules" / ".bin" / "steady"
KEY = "sk-contract-PLANTED-0000"


def steady_binary():
    if STEADY.exists():
        return STEADY
    if not (shutil.which("node") and shutil.which("npm")):
        pytest.skip("node/npm not installed: Steady (npm @stdy/cli) cannot run")
    done = subprocess.run(["npm", "install", "--silent", "--prefix", str(STEADY_DIR), "@stdy/cli@0.22"],
                          capture_output=True, text=True, timeout=600)
    if done.returncode != 0 or not STEADY.exists():
        pytest.skip(f"could not install @stdy/cli@0.22 from npm: {done.stderr.strip()[:300]}")
    return STEADY


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve(spec) -> tuple[subprocess.Popen, str]:
    port = free_port()
    process = subprocess.Popen([str(steady_binary()), "--host", "127.0.0.1", "-p", str(port), "-q", str(spec)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    for _ in range(600):  # until it listens (a large spec takes a few seconds to load)
        if process.poll() is not None:
            pytest.fail(f"steady exited: {process.stderr.read().decode()[:500]}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return process, f"http://127.0.0.1:{port}"
        except OSError:
            time.sleep(0.1)
    process.kill()
    pytest.fail("steady did not start listening")


def steady_serving(relative_spec: str):
    """Steady serving ../shared/<relative_spec> for a module's tests (skips without it)."""
    from tests.conftest import SHARED

    spec = SHARED / relative_spec
    if not spec.exists():
        pytest.skip(f"{spec} is not present")
    process, url = serve(spec)
    yield url
    process.kill()
    process.wait()


@pytest.fixture(scope="module")
def openai_steady():
    yield from steady_serving("openai/openapi.transformed.yml")


@pytest.fixture(scope="module")
def together_steady():
    yield from steady_serving("together/openapi.yaml")


@pytest.fixture
def train_file(tmp_path):
    return write_jsonl(tmp_path / "train.jsonl", many_chats(3))


def test_openai_job_calls_match_the_spec(store, openai_steady, train_file, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    provider = add_provider(store, "oa", "openai", base_url=openai_steady)
    adapter = OpenAIAdapter(provider, timeout=20)
    file_id = adapter.upload(train_file)                       # POST /files (multipart)
    adapter.client.files.retrieve(file_id)                      # GET /files/{id} (wait_processed)
    adapter.find_file("wb-" + "ab" * 32 + "-train.jsonl")       # GET /files?purpose (upload reconcile)
    adapter.result_metrics([file_id])                           # GET /files/{id}/content (results CSV)
    spec = JobSpec(base_model="gpt-4.1-mini-2025-04-14", training_file=file_id, validation_file=file_id,
                   hyperparameters={"n_epochs": 2, "batch_size": 4, "learning_rate_multiplier": 0.5},
                   suffix="aurora", seed=7, metadata={"workbench_job_id": "j-1", "version_sha256": "ab" * 32})
    job = adapter.create(spec)                                  # POST /fine_tuning/jobs (supervised)
    adapter.create(JobSpec(base_model="gpt-4.1-mini-2025-04-14", training_file=file_id, method="dpo",
                           hyperparameters={"n_epochs": 1, "beta": 0.1}))  # POST /fine_tuning/jobs (dpo)
    job_id = job["provider_job_id"]
    adapter.get(job_id)                                         # GET /fine_tuning/jobs/{id}
    adapter.list(limit=100, metadata={"workbench_job_id": "j-1"})  # GET /fine_tuning/jobs?metadata[...]
    adapter.events_since(job_id, "ftevent-1")                   # GET /fine_tuning/jobs/{id}/events
    adapter.checkpoints(job_id)                                 # GET /fine_tuning/jobs/{id}/checkpoints
    adapter.cancel(job_id)                                      # POST /fine_tuning/jobs/{id}/cancel
    assert isinstance(list_models(store, "oa"), list)           # GET /models
    chat_client(store, "oa").chat.completions.create(           # POST /chat/completions
        model="gpt-4.1-mini-2025-04-14", messages=[{"role": "user", "content": "hi"}], max_tokens=16,
        temperature=0)


def test_together_job_calls_match_the_spec(store, together_steady, train_file, monkeypatch):
    monkeypatch.setenv("TOGETHER_API_KEY", KEY)
    provider = add_provider(store, "tog", "together", base_url=together_steady)
    adapter = TogetherAdapter(provider, timeout=20)
    file_id = adapter.upload(train_file)                        # POST /files/upload (multipart)
    try:
        adapter.wait_processed(file_id, timeout=0)              # GET /files/{id} (Processed)
    except ProviderUnavailable as exc:  # Steady's made-up answer may say "not processed yet"
        assert "still processing" in exc.message
    adapter.find_file("wb-" + "ab" * 32 + "-train.jsonl")       # GET /files (upload reconcile)
    spec = JobSpec(base_model="meta-llama/Meta-Llama-3.1-8B-Instruct-Reference", training_file=file_id,
                   validation_file=file_id, hyperparameters={"n_epochs": 2, "batch_size": 8,
                                                             "learning_rate": 1e-5},
                   suffix="aurora-j1", seed=7)
    job = adapter.create(spec)                                  # POST /fine-tunes
    adapter.create(JobSpec(base_model=spec.base_model, training_file=file_id, method="dpo",
                           hyperparameters={"beta": 0.1}))      # POST /fine-tunes (dpo)
    job_id = job["provider_job_id"]
    adapter.get(job_id)                                         # GET /fine-tunes/{id}
    adapter.list()                                              # GET /fine-tunes
    adapter.events_since(job_id, None)                          # GET /fine-tunes/{id}/events
    adapter.metrics_since(job_id, 0)                            # GET /fine-tunes/{id}/metrics
    adapter.checkpoints(job_id)                                 # GET /fine-tunes/{id}/checkpoints
    adapter.cancel(job_id)                                      # POST /fine-tunes/{id}/cancel


def test_azure_training_tier_passes_the_openai_spec(store, openai_steady, train_file, monkeypatch):
    """Azure's extra_body trainingType is not in OpenAI's spec: this shows the create
    body carrying it is still one the spec accepts (an extra property), not that Azure
    reads it (tests/test_jobs.py checks the body on the wire)."""
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", KEY)
    provider = add_provider(store, "az", "azure", base_url=openai_steady, training_type="GlobalStandard")
    adapter = OpenAIAdapter(provider, timeout=20)
    file_id = adapter.upload(train_file)
    adapter.create(JobSpec(base_model="gpt-4.1-mini-2025-04-14", training_file=file_id,
                           metadata={"workbench_job_id": "j-az"}))  # POST /fine_tuning/jobs + trainingType


def test_steady_refuses_a_request_that_breaks_the_spec(store, together_steady, monkeypatch):
    """The control: without it a Steady that accepted anything would pass the tests above."""
    import together

    monkeypatch.setenv("TOGETHER_API_KEY", KEY)
    adapter = TogetherAdapter(add_provider(store, "tog", "together", base_url=together_steady), timeout=20)
    with pytest.raises(together.BadRequestError) as refused:
        adapter.once.post("/fine-tunes", cast_to=object, body={"n_epochs": "two"})
    assert refused.value.status_code == 400 and "training_file" in str(refused.value)


def test_steady_refuses_a_broken_openai_request(store, openai_steady, monkeypatch):
    import openai

    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    adapter = OpenAIAdapter(add_provider(store, "oa", "openai", base_url=openai_steady), timeout=20)
    with pytest.raises(openai.BadRequestError) as refused:
        adapter.once.post("/fine_tuning/jobs", cast_to=object, body={"training_file": 5})
    assert refused.value.status_code == 400
