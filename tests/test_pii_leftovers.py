"""Issue 9 items 1-5: redaction leaves nothing recoverable anywhere in the workspace.

The planted-values test reads the list of text-carrying columns from the schema itself
(PRAGMA table_info over every table), so a table added later fails it until someone
decides how its text is scanned, purged, or why it holds no personal data.
"""

from __future__ import annotations

import sqlite3
import uuid
from pathlib import Path

import pytest

from conftest import write_jsonl
from workbench.dataset.curation import Curation, RedactionIsFinal, ExampleChanged
from workbench.dataset.importer import import_file
from workbench.doctor import purge
from workbench.pii import review
from workbench.workspace import open_store

# How each text-carrying column loses planted values. "scan": scanned and redacted;
# "history": old revisions / undo steps, purged by a redaction; "redaction": dropped by a
# redaction; "purge golden" / "purge version": the purge paths; "ours": written by the
# program, never user text (ids, hashes, times, enums, counts, names of things).
HOW = {
    "examples": {"messages": "scan", "preferred_output": "scan", "non_preferred_output": "scan", "notes": "scan"},
    "example_revisions": {"snapshot": "history"},
    "edit_log": {},
    "import_rejections": {"raw": "redaction", "findings": "redaction"},
    "dataset_version_examples": {"line": "purge version"},
    "golden_prompts": {"messages": "purge golden", "reference_answer": "purge golden"},
    "golden_version_prompts": {"messages": "purge golden", "reference_answer": "purge golden"},
    "generations": {"output": "purge golden", "tool_calls": "purge golden"},
    "ratings": {"comment": "purge golden"},
    "gate_verdicts": {"verdict": "purge golden"},
    # the other side's copy of an example from a merged snapshot: dropped by a redaction
    "snapshot_conflicts": {"theirs": "redaction"},
    # judgements made elsewhere and imported (`rate import`): prompt text and comments
    "imported_judgements": {"prompt": "purge judgements", "comment": "purge judgements"},
}
# Columns that hold no text about people: what the program writes, or names a user
# gives to things (docs/pii.md lists this choice).
OURS = {
    "id", "*_id", "created_at", "updated_at", "deleted_at", "decided_at", "finished_at", "started_at", "at",
    "scanned_at", "applied_at", "content_hash", "*_sha256", "sha256", "status", "kind", "decision", "entity",
    "recognizer", "field", "language", "engine", "split", "action", "author", "actor", "state", "verdict",
    "outcome", "rater", "seed", "split_seed", "status_filter", "source", "encoding", "family", "provider",
    "name", "description", "changelog", "tags", "tools", "functions", "findings", "value_hash", "key", "value",
    "group_id", "source_path", "source_format", "details", "entity", "model", "base_model", "candidate_model",
    "baseline_model", "mode", "test", "blocking_tags", "method", "hyperparameters", "suffix", "fine_tuned_model",
    "error", "level", "type", "message", "data", "payload", "idempotency_key", "last_error", "result",
    "base_url", "api_version", "organization", "keyring_service", "purpose", "limits", "eval_results",
    "provider_model_id", "notes", "external_id", "gate_mode", "gate_test", "migration_set", "text",
    "training_file_id", "validation_file_id", "retires_at", "deprecated_at", "provider_event_id",
    "provider_job_id", "provider_checkpoint_id", "metrics", "registry_model_id",
    # jobs and providers: what the program and the provider write
    "options", "raw_status", "estimated_finish", "result_files", "loss_flag", "next_poll_at",
    "provider_kind", "methods", "epochs_rule",  # the training catalogue (0015): provider price lists
    # the registry and generation settings: what the program, the provider and the team write
    "target", "found_at",  # coverage rules (tags and shares), near-duplicate scans
    "target_name", "owner_host",  # an import in progress: the dataset name it will publish to, the machine
    "model_a", "model_b", "winner", "shown_left", "judged_at", "imported_at", "session",
    "endpoint", "acceptable_use", "shutdown_date", "training_cutoff", "lifecycle_source", "finish_reason",
    "from_status", "to_status", "gate_decision", "reason", "prompt_ids", "settings",
    # the risk register: the team's own governance text, like dataset descriptions (documented)
    "title", "severity", "likelihood", "mitigation", "owner", "ref", "note", "resolved_at",
}


def _is_ours(column: str) -> bool:
    return column in OURS or any(p.startswith("*") and column.endswith(p[1:]) for p in OURS)


def text_columns(db_path: Path) -> dict[str, list[str]]:
    """Every column that can carry text, by table, from the schema (FTS shadow tables
    are covered by the byte grep: they are rebuilt from examples)."""
    conn = sqlite3.connect(db_path)
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                         "AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'examples_fts%'")]
    out = {}
    for table in tables:
        columns = [row[1] for row in conn.execute(f"PRAGMA table_info({table})")
                   if row[2].upper() in ("TEXT", "") or "CHAR" in row[2].upper() or "CLOB" in row[2].upper()]
        out[table] = columns
    conn.close()
    return out


def test_every_text_column_has_a_way_to_lose_personal_data(store):
    unhandled = [f"{table}.{column}" for table, columns in text_columns(store.path).items() for column in columns
                 if column not in HOW.get(table, {}) and not (_is_ours(column) and table not in HOW or
                                                             _is_ours(column) and column not in HOW[table])]
    assert unhandled == [], "decide how personal data leaves these columns (scan, purge or 'ours')"


def _value(tag: str) -> str:
    return f"plant.{tag}.{uuid.uuid4().hex[:10]}@example.org"


def _grep_workspace(root: Path, values: dict[str, str]) -> dict[str, list[str]]:
    found = {}
    for path in root.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            hits = [tag for tag, value in values.items() if value.encode() in data]
            if hits:
                found[str(path.relative_to(root))] = hits
    return found


def _plant_golden(db_path: Path, example_id: str, values: dict[str, str]) -> None:
    """Golden set, version, answers, a rating session and a verdict made from the dataset
    (written directly: only the text matters here)."""
    conn = sqlite3.connect(db_path)
    ids = {k: str(uuid.uuid4()) for k in ("set", "prompt", "version", "gen_a", "gen_b", "session", "cmp")}
    t = "2026-01-01T00:00:00"
    conn.executescript("BEGIN")
    conn.execute("INSERT INTO golden_sets(id, name, created_at, updated_at) VALUES (?,?,?,?)",
                 [ids["set"], "from-data", t, t])
    msgs = f'[{{"role":"user","content":"write to {values["golden"]}"}}]'
    conn.execute("INSERT INTO golden_prompts(id, golden_set_id, position, messages, reference_answer, content_hash,"
                 " source_example_id, created_at) VALUES (?,?,?,?,?,?,?,?)",
                 [ids["prompt"], ids["set"], 1, msgs, values["golden_ref"], "h", example_id, t])
    conn.execute("INSERT INTO golden_set_versions(id, golden_set_id, number, sha256, prompt_count, created_at) "
                 "VALUES (?,?,?,?,?,?)", [ids["version"], ids["set"], 1, "s", 1, t])
    conn.execute("INSERT INTO golden_version_prompts(version_id, prompt_id, position, content_hash, messages,"
                 " reference_answer) VALUES (?,?,?,?,?,?)",
                 [ids["version"], ids["prompt"], 1, "h", msgs.replace(values["golden"], values["golden_frozen"]),
                  values["golden_frozen_ref"]])
    for key, model in (("gen_a", "a"), ("gen_b", "b")):
        conn.execute("INSERT INTO generations(id, golden_version_id, prompt_id, model, output, created_at) "
                     "VALUES (?,?,?,?,?,?)", [ids[key], ids["version"], ids["prompt"], model,
                                              f"reply to {values['generation']}", t])
    conn.execute("INSERT INTO rating_sessions(id, name, golden_version_id, candidate_model, baseline_model, "
                 "target_n, seed, created_at) VALUES (?,?,?,?,?,?,?,?)",
                 [ids["session"], "s", ids["version"], "a", "b", 1, "x", t])
    conn.execute("INSERT INTO comparisons(id, session_id, prompt_id, candidate_generation_id, "
                 "baseline_generation_id, position) VALUES (?,?,?,?,?,?)",
                 [ids["cmp"], ids["session"], ids["prompt"], ids["gen_a"], ids["gen_b"], 1])
    conn.execute("INSERT INTO ratings(id, comparison_id, rater, verdict, candidate_left, outcome, comment, "
                 "created_at) VALUES (?,?,?,?,?,?,?,?)",
                 [str(uuid.uuid4()), ids["cmp"], "me", "left", 1, "candidate", f"see {values['rating']}", t])
    conn.execute("INSERT INTO gate_verdicts(session_id, decision, mode, test, n, prompts, blocking_tags, verdict,"
                 " decided_at) VALUES (?,?,?,?,?,?,?,?,?)",
                 [ids["session"], "hold", "fixed", "superiority", 1, 1, "[]", f'{{"note":"{values["verdict"]}"}}', t])
    conn.execute("COMMIT")
    conn.close()


def test_planted_values_leave_no_byte_in_the_workspace(tmp_path, workbench_home):
    workspace = workbench_home
    workspace.mkdir(parents=True, exist_ok=True)
    tags = ["msg", "deleted", "notes", "history", "reject", "preferred", "version", "golden", "golden_ref",
            "golden_frozen", "golden_frozen_ref", "generation", "rating", "verdict"]
    values = {tag: _value(tag) for tag in tags}
    source = write_jsonl(tmp_path / "in.jsonl", [
        {"messages": [{"role": "user", "content": f"Mail {values['msg']} please"},
                      {"role": "assistant", "content": "Done."}]},
        {"messages": [{"role": "user", "content": f"Old mail {values['deleted']}"},
                      {"role": "assistant", "content": "Noted."}]},
        {"messages": [{"role": "user", "content": "Where is my parcel?"}, {"role": "assistant", "content": "Here."}]},
        f'{{"messages": [{{"role": "user", "content": "broken {values["reject"]}"}}',
    ])
    store = open_store(workspace / "workbench.db")
    assert import_file(store, source, "support", skip_invalid=True).committed
    source.unlink()
    dataset = store.datasets.get_dataset("support")
    examples = list(store.examples.iter_examples(dataset["id"]))
    curation = Curation(store)
    # typed by hand and removed by hand: only an old revision (and the undo log) keeps it
    messages = [dict(m) for m in examples[2]["messages"]]
    messages[0]["content"] = f"Where is my parcel? {values['history']}"
    curation.save_messages(examples[2]["id"], messages)
    messages[0]["content"] = "Where is my parcel?"
    curation.save_messages(examples[2]["id"], messages)
    curation.set_notes(examples[2]["id"], f"customer is {values['notes']}")
    curation.delete([examples[1]["id"]])
    # a preference example in a dataset of its own
    prefs = write_jsonl(tmp_path / "prefs.jsonl", [{
        "input": {"messages": [{"role": "user", "content": "Hi"}]},
        "preferred_output": [{"role": "assistant", "content": f"Mail {values['preferred']}"}],
        "non_preferred_output": [{"role": "assistant", "content": "No."}]}])
    assert import_file(store, prefs, "prefs").committed
    prefs.unlink()
    # a version frozen before the redaction (its files go outside the workspace)
    from workbench.dataset.exporter import export_dataset

    export_dataset(store, "support", tmp_path / "outside", allow_pii=True, validation_share=0)
    store.db.execute("UPDATE dataset_version_examples SET line = line || ?", [values["version"]])
    _plant_golden(store.path, examples[0]["id"], values)
    for name in ("support", "prefs"):
        review.scan_dataset(store, name)
        for entity in {f["entity"] for f in store.pii.pii_findings(store.datasets.get_dataset(name)["id"])}:
            review.decide(store, name, "redact", entity=entity)
        result = review.apply_redactions(store, name)
        assert result["scrubbed"], result
    copies = review.apply_redactions(store, "support")["copies"]
    assert {c["kind"] for c in copies} == {"version", "golden"}  # said where values remain
    purge.purge_version(store, "support", 1)
    purge.purge_golden(store, "from-data")
    export_dataset(store, "support", workspace / "exports" / "support", allow_pii=True, validation_share=0)
    with pytest.raises(RedactionIsFinal):  # no undo step can bring a purged revision back
        curation.undo()
    store.close()
    assert _grep_workspace(workspace, values) == {}


def test_hash_key_is_not_in_the_file(store, tmp_path):
    write_jsonl(tmp_path / "a.jsonl", [{"messages": [{"role": "user", "content": "mail jan.jansen@example.org"},
                                                      {"role": "assistant", "content": "ok"}]}])
    import_file(store, tmp_path / "a.jsonl", "a")
    store.set_setting(review.KEY_SETTING, "ab" * 32)  # as an older version left it
    from workbench.pii import secret

    secret.forget_cached()
    key = secret.hash_key()
    review.scan_dataset(store, "a")
    if key.source != "keyring":
        pytest.skip(f"no OS keyring in this session ({key.source}); the key cannot leave the file here")
    assert store.get_setting(review.KEY_SETTING) is None
    assert b"ab" * 32 not in Path(store.path).read_bytes()


def _redaction_ready(store, tmp_path, value="anna.berg@example.org"):
    write_jsonl(tmp_path / "r.jsonl", [{"messages": [{"role": "user", "content": f"write {value}"},
                                                      {"role": "assistant", "content": "ok"}]}])
    import_file(store, tmp_path / "r.jsonl", "r")
    review.scan_dataset(store, "r")
    review.decide(store, "r", "redact", entity="EMAIL_ADDRESS")
    return value


def test_scrub_is_recorded_and_rerun_after_a_kill(store, tmp_path):
    value = _redaction_ready(store, tmp_path)
    # a kill right after the redaction committed: the scrub never ran
    store.pii.run_pending_scrub = lambda: False  # the kill, as seen from this store object
    assert review.apply_redactions(store, "r")["scrubbed"] is False
    del store.pii.run_pending_scrub
    assert review.scrub_pending(store)
    again = review.apply_redactions(store, "r")  # "Redacted 0 values", but the scrub runs
    assert again["values"] == 0 and again["scrubbed"] and not review.scrub_pending(store)
    assert value.encode() not in Path(store.path).read_bytes()


def test_a_reader_holding_old_pages_is_reported_and_retried(store, tmp_path):
    value = _redaction_ready(store, tmp_path)
    reader = sqlite3.connect(store.path)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM examples").fetchone()  # a read transaction stays open
    result = review.apply_redactions(store, "r")
    assert result["values"] == 1 and result["scrubbed"] is False and review.scrub_pending(store)
    reader.execute("COMMIT")
    reader.close()
    store.close()  # the last one out (or the next open) finishes the scrub
    again = open_store(store.path)
    assert not review.scrub_pending(again)
    data = b"".join(p.read_bytes() for p in Path(store.path).parent.glob(Path(store.path).name + "*"))
    assert value.encode() not in data
    again.close()


def test_a_save_over_a_redaction_is_refused_and_reapplied(store, tmp_path):
    _redaction_ready(store, tmp_path)
    curation = Curation(store)
    example = next(store.examples.iter_examples(store.datasets.get_dataset("r")["id"]))
    opened = example["revision"]
    review.apply_redactions(store, "r")  # meanwhile
    mine = [dict(m) for m in example["messages"]]
    mine[1]["content"] = "ok, sent"
    with pytest.raises(ExampleChanged):
        curation.save_messages(example["id"], mine, expected_revision=opened)
    current = store.examples.get_example(example["id"])
    assert "<EMAIL_ADDRESS>" in current["messages"][0]["content"]
    from workbench.dataset.curation import reapply

    merged = reapply(example["messages"], mine, current["messages"])
    assert merged[0]["content"] == current["messages"][0]["content"] and merged[1]["content"] == "ok, sent"
    curation.save_messages(example["id"], merged, expected_revision=current["revision"])


def test_imported_judgements_can_be_purged(store, tmp_path):
    from workbench.eval.rating import import_judgements

    value = _value("judgement")
    source = write_jsonl(tmp_path / "j.jsonl", [
        {"prompt": f"Customer {value} asks for a refund", "model_a": "a", "model_b": "b", "winner": "a"}])
    import_judgements(store, source, "crowd")
    source.unlink()  # the user's own file
    with pytest.raises(purge.PurgeRefused):
        purge.purge_judgements(store, "nobody")
    assert purge.purge_judgements(store, "crowd").rows == 1
    store.close()
    assert _grep_workspace(tmp_path, {"judgement": value}) == {}
