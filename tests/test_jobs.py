"""Jobs against a scripted OpenAI/Together server on 127.0.0.1: launch from a frozen
version, lifecycles, faults, reconciliation, status mapping, the loss-trend flag."""

from __future__ import annotations

import pytest
from hypothesis import given, strategies as st

from tests.conftest import many_chats, write_jsonl
from tests.servers.scripted import ScriptedServer
from workbench.jobs import cancel_job, launch, plan_launch, reconcile
from workbench.jobs.monitor import Monitor, parse_results_csv
from workbench.jobs.status import NORMALISED, OPENAI, TOGETHER, normalise
from workbench.jobs.trend import loss_flag
from workbench.providers import add_provider

KEY = "sk-jobs-PLANTED-91b2"


@pytest.fixture
def server():
    with ScriptedServer(key=KEY) as srv:
        yield srv


def freeze(store, tmp_path, n=12, name="ds"):
    """Import, scan for personal data (the launch's gate) and freeze version 1."""
    from workbench.dataset.importer import import_file
    from workbench.pii.review import scan_and_export

    import_file(store, write_jsonl(tmp_path / f"{name}.jsonl", many_chats(n)), name)
    scan_and_export(store, name, tmp_path / f"out-{name}", validation_share=0.2)
    return f"{name}@1"


@pytest.fixture
def openai_provider(store, server, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    return add_provider(store, "oa", "openai", base_url=server.url)


@pytest.fixture
def together_provider(store, server, monkeypatch):
    monkeypatch.setenv("TOGETHER_API_KEY", KEY)
    return add_provider(store, "tog", "together", base_url=server.url)


def run_to_end(store, rounds=12):
    monitor = Monitor(store, base_interval=0)
    for _ in range(rounds):
        if monitor.round() is None:
            break


@pytest.mark.parametrize("provider_name, base", [("oa", "gpt-4.1-mini-2025-04-14"),
                                                 ("tog", "meta-llama/Meta-Llama-3.1-8B-Instruct-Reference")])
def test_lifecycle_from_frozen_version(store, tmp_path, server, openai_provider, together_provider,
                                       provider_name, base):
    ref = freeze(store, tmp_path)
    plan = plan_launch(store, ref, provider_name, base, hyperparameters={"n_epochs": 2}, suffix="aurora", seed=7)
    assert not plan.problems
    job = launch(store, plan, confirmed=True)
    assert job["provider_job_id"] and job["status"] in ("pending", "queued")
    run_to_end(store)
    job = store.jobs.get_job(job["id"])
    assert job["status"] == "succeeded" and job["fine_tuned_model"]
    assert job["version_sha256"] == plan.version["train_sha256"]
    assert job["hyperparameters"] == {"n_epochs": 2}
    assert len(store.jobs.metrics(job["id"])) >= 2
    assert store.jobs.events(job["id"])
    # the uploaded bytes are the frozen version's lines
    assert len(server.requests("POST /v1/files")) == 2
    # a second launch of the same version reuses the files
    launch(store, plan_launch(store, ref, provider_name, base), confirmed=True)
    assert len(server.requests("POST /v1/files")) == 2


def test_metadata_carries_workbench_id(store, tmp_path, server, openai_provider):
    import json

    job = launch(store, plan_launch(store, freeze(store, tmp_path), "oa", "gpt-4.1-mini-2025-04-14"), confirmed=True)
    body = json.loads(server.requests("POST /v1/fine_tuning/jobs")[-1]["body"])
    assert body["metadata"] == {"workbench_job_id": job["id"], "version_sha256": job["version_sha256"]}


def test_launch_needs_confirmation_and_enough_examples(store, tmp_path, openai_provider):
    from workbench.errors import DataRefused, InvalidRequest

    ref = freeze(store, tmp_path, n=5, name="tiny")
    plan = plan_launch(store, ref, "oa", "gpt-4.1-mini-2025-04-14")
    assert plan.problems
    with pytest.raises(DataRefused):
        launch(store, plan, confirmed=True)
    plan = plan_launch(store, freeze(store, tmp_path), "oa", "gpt-4.1-mini-2025-04-14")
    with pytest.raises(InvalidRequest):
        launch(store, plan, confirmed=False)


def test_launch_preflight_checks_the_method_against_the_lines(store, tmp_path, openai_provider):
    ref = freeze(store, tmp_path)
    dpo = plan_launch(store, ref, "oa", "gpt-4.1-mini-2025-04-14", method="dpo")
    assert any("preference pairs" in p for p in dpo.problems)
    assert not plan_launch(store, ref, "oa", "gpt-4.1-mini-2025-04-14").problems


def test_launch_refuses_a_version_that_skipped_the_personal_data_gate(store, tmp_path, openai_provider):
    from workbench.dataset.exporter import export_dataset
    from workbench.dataset.importer import import_file

    import_file(store, write_jsonl(tmp_path / "raw.jsonl", many_chats(12)), "raw")
    export_dataset(store, "raw", tmp_path / "out-raw", validation_share=0.2, allow_pii=True)  # never scanned
    plan = plan_launch(store, "raw@1", "oa", "gpt-4.1-mini-2025-04-14")
    assert any("personal data" in p for p in plan.problems)
    assert not plan_launch(store, "raw@1", "oa", "gpt-4.1-mini-2025-04-14", allow_pii=True).problems


def test_training_not_available_recorded_in_plain_words(store, tmp_path, server, openai_provider):
    from workbench.providers.failures import TrainingNotAvailable

    server.fault("POST /v1/fine_tuning/jobs", "training_not_available")
    plan = plan_launch(store, freeze(store, tmp_path), "oa", "gpt-4.1-mini-2025-04-14")
    with pytest.raises(TrainingNotAvailable):
        launch(store, plan, confirmed=True)
    job = store.jobs.list_jobs()[0]
    assert job["status"] == "failed" and "2027-01-06" in job["error"]["message"]
    assert reconcile(store) == []


def test_dropped_create_answer_is_adopted_not_duplicated(store, tmp_path, server, openai_provider):
    # The server creates the job, then the connection drops before the answer: the SDK
    # would retry and create a second one; we look it up by metadata instead.
    server.fault("POST /v1/fine_tuning/jobs", "drop_after")
    plan = plan_launch(store, freeze(store, tmp_path), "oa", "gpt-4.1-mini-2025-04-14")
    job = launch(store, plan, confirmed=True)
    assert job["provider_job_id"]
    assert len(server.state.jobs) == 1


@pytest.mark.parametrize("provider_name, base", [("oa", "gpt-4.1-mini-2025-04-14"),
                                                 ("tog", "meta-llama/Meta-Llama-3.1-8B-Instruct-Reference")])
def test_dropped_upload_answer_is_adopted_not_uploaded_twice(store, tmp_path, server, openai_provider,
                                                             together_provider, provider_name, base):
    from collections import Counter

    # The server stores the file, then the connection drops before the answer.
    server.fault(r"POST /v1/files(/upload)?$", "drop_after")
    ref = freeze(store, tmp_path)
    job = launch(store, plan_launch(store, ref, provider_name, base), confirmed=True)
    assert job["provider_job_id"] and job["training_file_id"] and job["validation_file_id"]
    names = Counter(f["filename"] for f in server.state.files.values())
    assert sorted(names.values()) == [1, 1]
    version = store.jobs.find_version("ds", 1)
    assert server.state.files[job["training_file_id"]]["filename"] == f"wb-{version['train_sha256']}-train.jsonl"


def test_monitor_honours_retry_after_and_backs_off(store, tmp_path, server, openai_provider):
    job = launch(store, plan_launch(store, freeze(store, tmp_path), "oa", "gpt-4.1-mini-2025-04-14"),
                 confirmed=True)
    server.fault(r"GET /v1/fine_tuning/jobs/[^/]+$", "429", retry_after=7)
    monitor = Monitor(store, base_interval=0)
    monitor.round()
    import datetime as dt

    due = dt.datetime.fromisoformat(store.jobs.get_job(job["id"])["next_poll_at"])
    ahead = (due - dt.datetime.now(dt.timezone.utc)).total_seconds()
    assert 3 < ahead <= 7  # the schedule follows Retry-After (a stored date, not a measured time)
    store.jobs.update_job(job["id"], {"next_poll_at": None})
    server.fault(r"GET /v1/fine_tuning/jobs/[^/]+$", "500", times=10)
    monitor = Monitor(store, base_interval=1)
    monitor.round()
    assert store.jobs.get_job(job["id"])["status"] in ("pending", "queued")  # unchanged, retried later
    store.jobs.update_job(job["id"], {"next_poll_at": None})
    server.state.faults.clear()
    run_to_end(store)
    assert store.jobs.get_job(job["id"])["status"] == "succeeded"


def test_cancel(store, tmp_path, server, together_provider):
    job = launch(store, plan_launch(store, freeze(store, tmp_path), "tog",
                                    "meta-llama/Meta-Llama-3.1-8B-Instruct-Reference"), confirmed=True)
    assert cancel_job(store, job["id"])["status"] == "cancelled"
    assert Monitor(store).round() is None  # nothing left to watch


def test_azure_sends_its_training_tier_in_the_create_body(store, tmp_path, server, monkeypatch):
    import json

    monkeypatch.setenv("AZURE_OPENAI_API_KEY", KEY)
    add_provider(store, "az", "azure", base_url=server.url, training_type="GlobalStandard")
    job = launch(store, plan_launch(store, freeze(store, tmp_path), "az", "gpt-4.1-mini-2025-04-14"), confirmed=True)
    body = json.loads(server.requests("POST /v1/fine_tuning/jobs$")[-1]["body"])
    assert body["trainingType"] == "GlobalStandard"  # extra_body lands at the top level of the JSON
    assert body["metadata"]["workbench_job_id"] == job["id"]


def test_together_create_waits_until_the_uploads_are_processed(store, tmp_path, server, together_provider):
    # The scripted Together refuses a job on a file it is still processing, as Together does.
    server.state.processing_reads = 2
    job = launch(store, plan_launch(store, freeze(store, tmp_path), "tog",
                                    "meta-llama/Meta-Llama-3.1-8B-Instruct-Reference"), confirmed=True)
    assert job["provider_job_id"] and job["status"] in ("pending", "queued")
    lines = [f"{r['method']} {r['path']}" for r in server.state.requests]
    create = lines.index("POST /v1/fine-tunes")
    for file_id in (job["training_file_id"], job["validation_file_id"]):
        reads = [i for i, line in enumerate(lines) if line == f"GET /v1/files/{file_id}"]
        assert len(reads) == 2 and reads[-1] < create
        assert server.state.files[file_id]["Processed"] is True


def test_openai_results_csv_fills_the_metrics_by_header_name(store, tmp_path, server, openai_provider):
    job = launch(store, plan_launch(store, freeze(store, tmp_path), "oa", "gpt-4.1-mini-2025-04-14"),
                 confirmed=True)
    run_to_end(store)
    job = store.jobs.get_job(job["id"])
    assert job["status"] == "succeeded" and len(job["result_files"]) == 1
    assert server.requests(f"GET /v1/files/{job['result_files'][0]}/content")
    metrics = store.jobs.metrics(job["id"])
    from_events = [e for e in store.jobs.events(job["id"]) if e["type"] == "metrics"]
    assert len(metrics) == len(from_events) + 1  # the CSV's extra last step
    last = metrics[-1]
    assert (last["train_loss"], last["train_accuracy"], last["valid_loss"], last["full_valid_loss"]) == \
        (0.7, 0.81, 0.95, 0.9)
    assert metrics[0]["valid_mean_token_accuracy"] is not None


def test_results_text_reads_base64_or_plain_csv():
    import base64

    from workbench.jobs.adapters import results_text

    csv_text = "step,train_loss\n1,2.0\n"
    assert results_text(csv_text.encode()) == csv_text
    assert results_text(base64.b64encode(csv_text.encode())) == csv_text


@pytest.mark.parametrize("table, kind", [(OPENAI, "openai"), (TOGETHER, "together")])
def test_mapping_tables(table, kind):
    for raw, expected in table.items():
        assert normalise(kind, raw) == expected
        assert expected in NORMALISED
    assert normalise(kind, "some_new_word") == "running"


def test_results_csv_by_header_name():
    rows = parse_results_csv("valid_loss,step,train_loss,train_accuracy\n,1,2.0,0.5\n1.5,2,1.8,0.6\n")
    assert rows == [{"step": 1, "train_loss": 2.0, "train_accuracy": 0.5},
                    {"step": 2, "train_loss": 1.8, "train_accuracy": 0.6, "valid_loss": 1.5}]


def _rows(train, valid):
    return [{"step": i + 1, "train_loss": t, "valid_loss": v} for i, (t, v) in enumerate(zip(train, valid))]


def test_loss_flag_cases():
    healthy = _rows([2.0, 1.8, 1.6, 1.5, 1.4, 1.35, 1.3, 1.28, 1.27], [2.1, 1.9, 1.7, 1.6, 1.5, 1.45, 1.4, 1.39, 1.38])
    assert loss_flag(healthy) is None
    overfit = _rows([2.0, 1.8, 1.6, 1.4, 1.2, 1.0, 0.8], [2.1, 1.9, 1.7, 1.75, 1.8, 1.9, 2.0])
    assert loss_flag(overfit)["kind"] == "overfitting"
    jumpy = _rows([2.0, 1.98, 3.5, 1.96, 1.95, 3.8, 1.93, 1.92, 4.0, 1.9], [None] * 10)
    assert loss_flag(jumpy)["kind"] == "unstable"
    assert loss_flag(_rows([2.0, float("nan")], [None, None]))["kind"] == "unstable"


@given(st.lists(st.floats(0.01, 10), min_size=0, max_size=40))
def test_monotone_falling_validation_is_never_overfitting(values):
    valid = sorted(values, reverse=True)
    rows = _rows([v * 0.9 for v in valid], valid)
    flag = loss_flag(rows)
    assert flag is None or flag["kind"] != "overfitting"


@given(st.integers(3, 6), st.lists(st.floats(0.5, 5), min_size=4, max_size=20))
def test_rising_validation_with_falling_training_is_flagged(rises, start):
    valid = sorted(start, reverse=True) + [start[0] + i + 1 for i in range(rises)]
    train = [10 - i * 0.1 for i in range(len(valid))]
    assert loss_flag(_rows(train, valid), rises=rises)["kind"] == "overfitting"


def test_sample_job_has_curves(store):
    from workbench.jobs import job_detail
    from workbench.jobs.render import detail_text
    from workbench.workspace import seed_sample_job

    seed_sample_job(store)
    seed_sample_job(store)  # idempotent
    jobs = store.jobs.list_jobs()
    assert len(jobs) == 1 and jobs[0]["status"] == "succeeded"
    detail = job_detail(store, jobs[0]["id"])
    assert len(detail["metrics"]) == 180 and len(detail["events"]) == 25
    assert any(m["valid_loss"] is not None for m in detail["metrics"])
    assert "ft:gpt-4.1-mini" in detail_text(detail)


def test_jobs_cli_show_and_list(tmp_path, server, monkeypatch):
    from click.testing import CliRunner

    from workbench.cli.main import cli
    from workbench.workspace import open_store

    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    db = tmp_path / "cli.db"
    store = open_store(db)
    ref = freeze(store, tmp_path)
    store.close()
    runner = CliRunner()
    assert runner.invoke(cli, ["--db", str(db), "provider", "add", "oa", "--kind", "openai", "--base-url",
                               server.url]).exit_code == 0
    refused = runner.invoke(cli, ["--db", str(db), "jobs", "launch", ref, "--provider", "oa", "--base",
                                  "gpt-4.1-mini-2025-04-14"], input="n\n")
    assert refused.exit_code == 2 and "confirmation" in refused.output
    result = runner.invoke(cli, ["--db", str(db), "jobs", "launch", ref, "--provider", "oa", "--base",
                                 "gpt-4.1-mini-2025-04-14", "--epochs", "2", "--yes"])
    assert result.exit_code == 0, result.output
    assert "Estimated cost: $" in result.output
    assert runner.invoke(cli, ["--db", str(db), "jobs", "watch", "--interval", "0.1"]).exit_code == 0
    listing = runner.invoke(cli, ["--db", str(db), "jobs", "list"])
    assert "succeeded" in listing.output
    job_id = listing.output.split()[0]
    show = runner.invoke(cli, ["--db", str(db), "jobs", "show", job_id])
    assert "status      succeeded" in show.output and "metrics" in show.output
    server.fault("POST /v1/fine_tuning/jobs", "training_not_available")
    failed = runner.invoke(cli, ["--db", str(db), "jobs", "launch", ref, "--provider", "oa", "--base",
                                 "gpt-4.1-mini-2025-04-14", "--yes"])
    assert failed.exit_code == 2 and "2027-01-06" in failed.output and "Together" in failed.output


@pytest.mark.parametrize("trainer", ["trl", "axolotl", "unsloth"])
def test_training_kit(store, tmp_path, trainer):
    import json

    from workbench.jobs.kit import write_kit

    ref = freeze(store, tmp_path)
    manifest = write_kit(store, ref, trainer, tmp_path / "kit", "meta-llama/Llama-3.1-8B-Instruct", {"n_epochs": 2})
    version = store.jobs.find_version("ds", 1)
    assert json.loads((tmp_path / "kit" / "kit.json").read_text())["version_sha256"] == version["train_sha256"]
    lines = (tmp_path / "kit" / "train.jsonl").read_text().splitlines()
    assert len(lines) == version["train_count"] and "messages" in json.loads(lines[0])
    assert manifest["command"] in (tmp_path / "kit" / "README.md").read_text()
    assert "2" in (tmp_path / "kit" / "config.yaml").read_text()


def test_kit_dpo_shape():
    from workbench.jobs.kit import trl_record

    record = {"input": {"messages": [{"role": "user", "content": "q"}]},
              "preferred_output": [{"role": "assistant", "content": "good"}],
              "non_preferred_output": [{"role": "assistant", "content": "bad"}]}
    assert trl_record(record) == {"prompt": [{"role": "user", "content": "q"}],
                                  "chosen": [{"role": "assistant", "content": "good"}],
                                  "rejected": [{"role": "assistant", "content": "bad"}]}
