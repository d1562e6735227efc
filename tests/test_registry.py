"""The model registry: sync from jobs and answers, notes and lifecycle, promotion through
the gate (or an override with a reason), rollback in one action, history and audit, and
the whole loop from a fresh store through the CLI against a local OpenAI-compatible server."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from chat_server import ChatServer
from conftest import SAMPLE_DATA
from test_cli import run
from workbench.eval import golden
from workbench.eval.rating import RatingRun
from workbench.registry import entries, lifecycle
from workbench.registry.promotion import GateRefused, promote, rollback
from workbench.registry.entries import RegistryError
from workbench.workspace import seed_sample_rating

BASE = "gpt-4.1-mini-2025-04-14"
FT = "ft:gpt-4.1-mini-2025-04-14:aurora::aurora-v3"


def rate_all(store, session_name: str, winner: str = "candidate", limit: int | None = None) -> int:
    """Rate every open pair of a session as one rater, always preferring ``winner``."""
    run_ = RatingRun.open(store, session_name, rater="ann")
    pairs = run_.next_pairs(10_000)[:limit]
    for pair in pairs:
        left_wins = pair.candidate_left == (winner == "candidate")
        run_.rate(pair, "left" if left_wins else "right")
    return len(pairs)


@pytest.fixture
def sample(store):
    seed_sample_rating(store)
    entries.sync(store)
    return store


def test_answering_models_are_registered_with_kind(sample):
    rows = {m["provider_model_id"]: m for m in entries.list_models(sample)}
    assert rows[FT]["kind"] == "fine_tuned" and rows[BASE]["kind"] == "base"
    assert all(m["status"] == "candidate" for m in rows.values())
    assert rows[BASE]["baseline"]  # the sample session uses it as baseline
    assert entries.sync(sample) == 0  # a second sync adds nothing


def test_sync_jobs_registers_succeeded_jobs_once(store):
    store.db["jobs"].insert({"id": "j1", "base_model": BASE, "status": "succeeded", "fine_tuned_model": FT,
                             "hyperparameters": json.dumps({"n_epochs": 3}), "suffix": "aurora-v3",
                             "provider_job_id": "ftjob-1", "created_at": "2026-01-01", "updated_at": "2026-01-01"})
    store.db["jobs"].insert({"id": "j2", "base_model": BASE, "status": "failed", "created_at": "2026-01-01",
                             "updated_at": "2026-01-01"})
    assert entries.sync_jobs(store) == 1 and entries.sync_jobs(store) == 0
    model = entries.get(store, "aurora-v3")
    assert model["job_id"] == "j1" and model["hyperparameters"] == {"n_epochs": 3} and model["base_model"] == BASE
    assert store.registry.history(model["id"])[0]["reason"] == "produced by job ftjob-1"


def test_register_by_hand_note_and_lifecycle(store):
    model = entries.register(store, "kit-7b", "aurora-kit-7b", provider="local", base_model="Qwen2.5-7B",
                             endpoint="http://gpu:8000/v1", dataset_sha256="ab" * 32, kind="fine_tuned")
    entries.note(store, "kit-7b", changelog="trained with the kit v0.3", purpose="support replies",
                 acceptable_use="Aurora customers only", limits="no French legal questions")
    entries.set_lifecycle(store, "kit-7b", shutdown_date="2027-01-14", training_cutoff="2027-01-06")
    shown = entries.show(store, "kit-7b", today=dt.date(2026, 12, 20))["model"]
    assert shown["dataset_sha256"] == "ab" * 32 and shown["endpoint"] == "http://gpu:8000/v1"
    assert "trained with the kit v0.3" in shown["changelog"] and shown["limits"] == "no French legal questions"
    assert shown["days_to_shutdown"] == 25 and shown["days_to_training_cutoff"] == 17
    assert [h["action"] for h in store.registry.history(model["id"])] == ["lifecycle", "note", "register"]
    with pytest.raises(RegistryError):
        entries.register(store, "kit-7b", "other")
    with pytest.raises(Exception, match="YYYY-MM-DD"):
        entries.set_lifecycle(store, "kit-7b", shutdown_date="next spring")


def test_warnings_only_for_promoted_or_baseline_models_within_30_days(sample):
    entries.set_lifecycle(sample, BASE, shutdown_date="2027-01-14")
    entries.set_lifecycle(sample, FT, shutdown_date="2027-01-14")
    found = lifecycle.warnings(sample, today=dt.date(2026, 12, 15))
    assert [(w.model, w.role, w.days) for w in found] == [(BASE, "baseline", 30)]  # FT is neither
    assert not lifecycle.warnings(sample, today=dt.date(2026, 12, 14))  # 31 days: no warning yet
    assert "capture its answers" in found[0].text


def test_first_promotion_needs_no_gate_then_gate_decides(sample):
    first = promote(sample, BASE)
    assert first["model"]["status"] == "promoted" and first["previous"] is None
    # the gate has not decided (nobody rated): refused, nothing changes
    with pytest.raises(GateRefused, match="not decided yet"):
        promote(sample, FT)
    assert sample.registry.promoted()["provider_model_id"] == BASE
    rate_all(sample, "aurora-v3 vs gpt-4.1-mini", "candidate")
    result = promote(sample, FT)
    assert result["gate"]["decision"] == "promote" and result["previous"]["provider_model_id"] == BASE
    assert not result["override"]
    assert entries.get(sample, BASE)["status"] == "candidate"


def test_gate_block_refuses_and_override_needs_a_reason(sample):
    promote(sample, BASE)
    rate_all(sample, "aurora-v3 vs gpt-4.1-mini", "baseline")
    with pytest.raises(GateRefused, match="BLOCK"):
        promote(sample, FT)
    with pytest.raises(RegistryError, match="reason"):
        promote(sample, FT, override=True)
    result = promote(sample, FT, override=True, reason="legal asked for the new refusal wording")
    assert result["override"]
    entry = sample.registry.history(result["model"]["id"])[0]
    assert entry["action"] == "promote" and entry["override"] == 1 and entry["gate_decision"] == "block"
    audit = [a for a in sample.audit_entries("registry_model") if a["action"] == "promote"][-1]
    assert audit["details"]["override"] and audit["details"]["reason"].startswith("legal")


def test_no_session_against_the_promoted_model_refuses(sample):
    entries.register(sample, "other", "other-model", provider="local")
    promote(sample, "other")
    with pytest.raises(GateRefused, match="no rating session compares"):
        promote(sample, FT)


def test_rollback_is_one_action_and_a_stack(sample):
    entries.register(sample, "v4", "ft:gpt-4.1-mini-2025-04-14:aurora::aurora-v4", provider="openai")
    promote(sample, BASE)
    promote(sample, FT, override=True, reason="demo")
    promote(sample, "v4", override=True, reason="demo")
    back = rollback(sample, reason="v4 answers in English to Dutch customers")
    assert back["model"]["provider_model_id"] == FT and back["rolled_back"]["status"] == "rolled_back"
    back = rollback(sample)
    assert back["model"]["provider_model_id"] == BASE
    with pytest.raises(RegistryError, match="first promoted"):
        rollback(sample)
    story = [(h["model_name"], h["action"]) for h in reversed(sample.registry.history())]
    assert ("v4", "rollback") in story and (FT, "restore") in story and (BASE, "restore") in story
    assert [a["action"] for a in sample.audit_entries("registry_model")].count("rollback") == 2


def test_retire_refuses_the_promoted_model(sample):
    promote(sample, BASE)
    with pytest.raises(RegistryError, match="promoted"):
        entries.retire(sample, BASE)
    assert entries.retire(sample, FT, "replaced")["status"] == "retired"
    with pytest.raises(RegistryError, match="candidate"):
        promote(sample, FT)


def test_show_has_sbs_cost_latency_and_history(sample):
    sample.models.update_model(FT, {"price_input_per_1m": 0.8, "price_output_per_1m": 3.2}) if \
        sample.models.get_model(FT) else None
    rate_all(sample, "aurora-v3 vs gpt-4.1-mini", "candidate", limit=5)
    record = entries.show(sample, FT)
    assert record["sbs"][0]["baseline"] == BASE and record["sbs"][0]["votes"] >= 5
    assert record["generation"][0]["golden_set"] == "aurora-golden" and record["generation"][0]["answers"] == 40
    assert record["generation"][0]["win_rates"][0]["baseline"] == BASE  # cost and latency next to the win rate
    assert record["history"][-1]["action"] == "sync"


# --------------------------------------------------------------------------- the whole loop, CLI over HTTP


def test_done_when_the_whole_story_from_a_fresh_store(tmp_path):
    db = tmp_path / "fresh.db"
    golden_file = SAMPLE_DATA / "golden" / "aurora_golden.jsonl"
    with ChatServer(models={"llama-a": 1797206400, "llama-b": None}) as server:
        assert run("--db", db, "provider", "add", "local", "--kind", "openai-compatible", "--base-url",
                   server.base_url, "--no-key").returncode == 0
        assert run("--db", db, "golden", "import", golden_file, "--set", "aurora-golden").returncode == 0
        for model in ("llama-a", "llama-b"):
            out = run("--db", db, "generate", "--set", "aurora-golden@1", "--model", f"local:{model}")
            assert out.returncode == 0, out.stderr
            assert "40 answered now" in out.stdout and "p95" in out.stdout
        again = run("--db", db, "generate", "--set", "aurora-golden", "--model", "local:llama-a", "--json")
        assert json.loads(again.stdout)["already"] == 40
        refresh = run("--db", db, "registry", "refresh")
        assert refresh.returncode == 0 and "llama-a: shutdown 2026-12-14" in refresh.stdout
        assert run("--db", db, "registry", "promote", "llama-a").returncode == 0  # first: no gate
        assert run("--db", db, "rate", "new", "--set", "aurora-golden", "--candidate", "llama-b", "--baseline",
                   "llama-a", "--target-n", "40", "--name", "b vs a").returncode == 0
        refused = run("--db", db, "registry", "promote", "llama-b")
        assert refused.returncode == 1 and "--override" in refused.stderr
        from workbench.workspace import open_store

        store = open_store(db)
        try:
            rate_all(store, "b vs a", "candidate")
        finally:
            store.close()
        report = run("--db", db, "rate", "report", "b vs a")
        assert "Gate: PROMOTE" in report.stdout
        promoted = run("--db", db, "registry", "promote", "llama-b")
        assert promoted.returncode == 0 and "replaces llama-a" in promoted.stdout
        assert run("--db", db, "registry", "rollback", "--reason", "customers complained").returncode == 0
        show = run("--db", db, "registry", "show", "llama-b")
    assert show.returncode == 0
    text = show.stdout
    assert "[ROLLED_BACK]" in text and "b vs a" not in text  # sessions are shown by baseline and set
    assert "llama-a" in text and "PROMOTE" in text and "aurora-golden@1" in text
    assert "rollback (promoted -> rolled_back), back to llama-a: customers complained" in text
    assert "promote (candidate -> promoted) gate PROMOTE, replaced llama-a" in text
    listing = run("--db", db, "registry", "list").stdout
    assert "llama-a" in listing and "promoted" in listing
    if dt.date(2026, 11, 14) <= dt.date.today() <= dt.date(2026, 12, 14):  # the provider's date is fixed
        assert "warning: llama-a (promoted) stops serving" in listing


def test_capture_records_answers_to_every_golden_set(sample, tmp_path):
    import openai

    from conftest import write_jsonl
    from workbench.registry.capture import capture

    golden.import_prompts(sample, "second-set", write_jsonl(tmp_path / "s.jsonl", [
        {"id": "x1", "messages": [{"role": "user", "content": "one"}]},
        {"id": "x2", "messages": [{"role": "user", "content": "two"}]}]))
    golden.freeze(sample, "second-set")
    entries.register(sample, "dying", "dying-model", provider="local", kind="base")
    with ChatServer() as server:
        api = openai.OpenAI(base_url=server.base_url, api_key="k", max_retries=0)
        reports = capture(sample, "dying", client=api)
    assert sorted(r.answered for r in reports) == [2, 40]
    entry = sample.registry.history(entries.get(sample, "dying")["id"])[0]
    assert entry["action"] == "capture" and entry["details"]["complete"] and entry["details"]["answered"] == 42
    with pytest.raises(RegistryError, match="no provider"):
        entries.register(sample, "noprov", "noprov-model")
        capture(sample, "noprov")
