"""The `workbench` command as a user runs it: real process, real store, exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from conftest import chat, many_chats, write_jsonl

WORKBENCH = [sys.executable, "-m", "workbench.cli"]


def run(*args, cwd=None, env=None) -> subprocess.CompletedProcess:
    return subprocess.run([*WORKBENCH, *map(str, args)], capture_output=True, text=True, cwd=cwd,
                          env={**os.environ, **(env or {})}, timeout=120)


def test_validate_exit_codes(tmp_path, toy_dataset):
    clean = run("validate", write_jsonl(tmp_path / "ten.jsonl", many_chats(10)))
    assert clean.returncode == 0, clean.stderr
    assert "OK: 10 examples" in clean.stdout
    few = run("validate", toy_dataset)  # 5 examples: the provider refuses it (issue 10 item 13)
    assert few.returncode == 1 and "too_few_examples" in few.stdout + few.stderr or "at least 10" in few.stdout
    bad = write_jsonl(tmp_path / "bad.jsonl", many_chats(10) + [{"messages": [{"role": "user", "content": "?"}]}])
    broken = run("validate", bad, "--json")
    assert broken.returncode == 1
    report = json.loads(broken.stdout)
    assert report["errors"] == 1 and report["findings"][0]["line"] == 11
    assert report["findings"][0]["code"] == "example_missing_assistant_message"
    missing = run("validate", tmp_path / "missing.jsonl")
    assert missing.returncode == 2 and "no such file" in missing.stderr and "Traceback" not in missing.stderr
    usage = run("validate")
    assert usage.returncode == 2


def test_validate_with_model_flags_over_length(tmp_path):
    long = chat(answer="word " * 20000)
    path = write_jsonl(tmp_path / "long.jsonl", many_chats(10) + [long])
    out = run("validate", path, "--model", "gpt-3.5-turbo-0125", "--json")
    codes = [f["code"] for f in json.loads(out.stdout)["findings"]]
    assert out.returncode == 0 and codes == ["example_too_long"]


def test_budget_reproduces_the_cookbook(toy_dataset):
    out = run("budget", toy_dataset, "--model", "gpt-3.5-turbo-0125", "--json")
    assert out.returncode == 0, out.stderr
    estimate = json.loads(out.stdout)
    assert (estimate["n_examples"], estimate["epochs"], estimate["billed_tokens_per_epoch"],
            estimate["billed_tokens"]) == (5, 20, 8242, 164840)
    assert estimate["estimated_cost"] == pytest.approx(1.31872)
    unknown = run("budget", toy_dataset, "--model", "gpt-9")
    assert unknown.returncode == 2 and "gpt-9" in unknown.stderr


def test_import_budget_export_round_trip(tmp_path, toy_dataset):
    db = tmp_path / "cli.db"
    imported = run("--db", db, "import", toy_dataset, "--dataset", "toy")
    assert imported.returncode == 0 and "Imported 5 examples" in imported.stdout
    again = run("--db", db, "import", toy_dataset, "--dataset", "toy", "--json")
    assert json.loads(again.stdout)["added"] == 0
    from_file = json.loads(run("budget", toy_dataset, "--model", "gpt-4o-mini-2024-07-18", "--json").stdout)
    from_store = json.loads(run("--db", db, "budget", "toy", "--model", "gpt-4o-mini-2024-07-18", "--json").stdout)
    assert from_store["billed_tokens"] == from_file["billed_tokens"]
    out = run("--db", db, "export", "toy", "--status", "all", "--out", tmp_path / "out", "--validation-share", "0", "-m", "v1",
              "--json")
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result["version"] == 1 and result["train_count"] == 5
    versions = run("--db", db, "versions", "toy")
    assert "v1" in versions.stdout


def test_import_with_errors_exits_1_and_names_lines(tmp_path):
    path = write_jsonl(tmp_path / "mixed.jsonl", many_chats(3) + ["{oops", [1]])
    out = run("--db", tmp_path / "x.db", "import", path)
    assert out.returncode == 1
    assert "Nothing imported: 2 lines" in out.stdout and "lines 4, 5" in out.stdout
    skip = run("--db", tmp_path / "x.db", "import", path, "--skip-invalid")
    assert skip.returncode == 0 and "Imported 3 examples" in skip.stdout


def test_export_refusal_exits_1(tmp_path):
    out = run("--db", tmp_path / "x.db", "export", "nothing", "--out", tmp_path / "o")
    assert out.returncode == 1 and "No dataset named 'nothing'" in out.stderr


def test_export_help_says_a_clean_scan_is_not_proof(tmp_path):
    """Issue 19 item 5: the export gate's help names what the scanner cannot see."""
    out = run("--db", tmp_path / "x.db", "export", "--help")
    text = " ".join(out.stdout.split())
    assert out.returncode == 0 and "A clean scan is not proof of clean data" in text
    assert "names with no capital and no cue" in text and "What the scanner cannot see" in text


def test_models_table_is_editable(tmp_path):
    db = tmp_path / "m.db"
    assert run("--db", db, "models", "set", "gpt-4o-mini-2024-07-18", "--price", "2.5").returncode == 0
    rows = json.loads(run("--db", db, "models", "list", "--json").stdout)
    row = next(r for r in rows if r["name"] == "gpt-4o-mini-2024-07-18")
    assert (row["price_training_per_1m"], row["source"]) == (2.5, "user")
    added = run("--db", db, "models", "set", "my-llama", "--encoding", "cl100k_base", "--limit", "8192")
    assert added.returncode == 0
    bad = run("--db", db, "models", "set", "other-model", "--price", "1")
    assert bad.returncode == 2 and "needs --encoding and --limit" in bad.stderr


def test_default_store_gets_the_sample_workspace(tmp_path):
    home = tmp_path / "fresh-home"
    out = run(env={"WORKBENCH_HOME": str(home), "WORKBENCH_NO_SAMPLE": ""})
    assert out.returncode == 0, out.stderr
    assert "aurora-support" in out.stdout
    assert (home / "workbench.db").exists()
    listing = run("datasets", "--json", env={"WORKBENCH_HOME": str(home), "WORKBENCH_NO_SAMPLE": ""})
    [dataset] = json.loads(listing.stdout)
    assert dataset["examples"] >= 60
    env = {"WORKBENCH_HOME": str(home)}
    sessions = json.loads(run("rate", "sessions", "--json", env=env).stdout)
    assert sessions[0]["pairs"] >= 30 and sessions[0]["ratings"] == 0
    report = run("rate", "report", sessions[0]["name"], env=env)
    assert report.returncode == 0 and "Gate: CONTINUE" in report.stdout


def test_unreadable_store_is_a_clear_error(tmp_path):
    bogus = tmp_path / "bogus.db"
    bogus.write_text("not a database " * 50)
    out = run("--db", bogus, "datasets")
    assert out.returncode == 2 and "bogus.db" in out.stderr and "Traceback" not in out.stderr


def test_pii_commands_end_to_end(tmp_path):
    db = tmp_path / "p.db"
    records = many_chats(10) + [chat("Hi, I'm Lena Vos, mail lena.vos@example.nl", "Thanks Lena!")]
    run("--db", db, "import", write_jsonl(tmp_path / "d.jsonl", records), "--dataset", "d")
    blocked = run("--db", db, "export", "d", "--status", "all", "--out", tmp_path / "out")
    assert blocked.returncode == 1 and "#11" in blocked.stderr and "--allow-pii" in blocked.stderr
    scan = run("--db", db, "pii", "scan", "d")
    assert scan.returncode == 0 and "Scanned 0 examples" in scan.stdout  # the export scanned already
    findings = json.loads(run("--db", db, "pii", "list", "d", "--json").stdout)
    assert {f["entity"] for f in findings} >= {"EMAIL_ADDRESS", "PERSON"}
    email = next(f for f in findings if f["entity"] == "EMAIL_ADDRESS")
    assert run("--db", db, "pii", "decide", "d", email["id"][:8], "--redact").returncode == 0
    assert run("--db", db, "pii", "decide", "d", "--entity", "PERSON", "--redact").returncode == 0
    preview = run("--db", db, "pii", "preview", "d")
    assert "<EMAIL_ADDRESS>" in preview.stdout
    assert run("--db", db, "pii", "redact", "d").returncode == 0
    out = run("--db", db, "export", "d", "--status", "all", "--out", tmp_path / "out", "--validation-share", "0")
    assert out.returncode == 0, out.stderr
    exported = (tmp_path / "out" / "train.jsonl").read_text("utf-8")
    assert "lena.vos@example.nl" not in exported and "Lena Vos" not in exported
    assert "<EMAIL_ADDRESS>" in exported
    bad = run("--db", db, "pii", "decide", "d", "zzzz", "--dismiss")
    assert bad.returncode == 2 and "matches 0 findings" in bad.stderr


def test_import_with_one_bad_line_says_one_line(tmp_path):
    path = write_jsonl(tmp_path / "one.jsonl", many_chats(3) + ["{oops"])
    out = run("--db", tmp_path / "x.db", "import", path)
    assert out.returncode == 1
    assert "Nothing imported: 1 line of" in out.stdout and "has errors (line 4)" in out.stdout
