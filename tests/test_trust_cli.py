"""Issue 10 items 2 (CLI), 10, 13, 16, 17 and 18 as a user runs them: real process,
real store. The crowd file (9,000 judgements, 60 models) is generated here, seeded."""

from __future__ import annotations

import csv
import json
import random

from conftest import SAMPLE_DATA, many_chats, write_jsonl
from test_cli import run

GOLDEN = SAMPLE_DATA / "golden"


def test_export_is_approved_only_by_default_and_says_so(tmp_path):
    db = tmp_path / "e.db"
    run("--db", db, "import", write_jsonl(tmp_path / "d.jsonl", many_chats(12)), "--dataset", "d")
    assert "approved only by default" in " ".join(run("export", "--help").stdout.split())
    refused = run("--db", db, "export", "d", "--out", tmp_path / "o")
    assert refused.returncode == 1 and "no approved examples" in refused.stderr
    everything = run("--db", db, "export", "d", "--status", "all", "--out", tmp_path / "o2", "--json")
    assert everything.returncode == 0, everything.stderr


def test_validate_refuses_an_empty_or_small_file(tmp_path):
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    out = run("validate", empty)
    assert out.returncode == 1 and "OK" not in out.stdout
    small = run("validate", write_jsonl(tmp_path / "s.jsonl", many_chats(3)), "--json")
    assert small.returncode == 1
    assert any(f["code"] == "too_few_examples" and f["severity"] == "error" for f in json.loads(small.stdout)["findings"])


def test_cli_undo_and_redo_stay_in_their_dataset(tmp_path):
    from store import Store
    from workbench.dataset.curation import Curation

    db = tmp_path / "u.db"
    run("--db", db, "import", write_jsonl(tmp_path / "a.jsonl", many_chats(10, "a")), "--dataset", "a")
    run("--db", db, "import", write_jsonl(tmp_path / "b.jsonl", many_chats(10, "b")), "--dataset", "b")
    with Store(db) as store:
        a = store.datasets.get_dataset("a")["id"]
        Curation(store).set_status([next(store.examples.iter_examples(a))["id"]], "rejected")
    nothing = run("--db", db, "undo", "--dataset", "b")
    assert nothing.returncode == 0 and "Nothing to undo in b" in nothing.stdout
    undone = run("--db", db, "undo", "--dataset", "a")
    assert "Undid: #1 rejected → draft" in undone.stdout
    redone = run("--db", db, "redo", "--dataset", "a", "--json")
    assert json.loads(redone.stdout)["changes"] == ["#1 draft → rejected"]


def _golden(tmp_path, db):
    run("--db", db, "golden", "import", GOLDEN / "aurora_golden.jsonl", "--set", "g")


def test_answers_import_accepts_empty_answers_and_skips_invalid(tmp_path):
    db = tmp_path / "a.db"
    _golden(tmp_path, db)
    answers = write_jsonl(tmp_path / "ans.jsonl", [{"prompt_id": "g001", "model": "m", "output": ""},
                                                   {"prompt_id": "g002", "model": "m", "output": "fine"},
                                                   {"prompt_id": "nope", "model": "m", "output": "x"}])
    strict = run("--db", db, "answers", "import", answers, "--set", "g")
    assert strict.returncode != 0 and "line 3" in strict.stderr and "line 1" not in strict.stderr
    skipping = run("--db", db, "answers", "import", answers, "--set", "g", "--skip-invalid")
    assert skipping.returncode == 0 and "m: 2 answers" in skipping.stdout and "skipped:" in skipping.stdout
    empty = tmp_path / "zero.jsonl"
    empty.write_bytes(b"")
    zero = run("--db", db, "answers", "import", empty, "--set", "g")
    assert zero.returncode != 0 and "empty" in zero.stderr


def crowd_file(path, judgements=9000, models=60, seed=7):
    """A seeded crowd file: true strengths spread over models, winners drawn from them."""
    rng = random.Random(seed)
    names = [f"model-{i:02d}" for i in range(models)]
    strength = {name: 2 ** rng.uniform(-2, 2) for name in names}
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["question_id", "model_a", "model_b", "winner", "judge", "tstamp"])
        for i in range(judgements):
            a, b = rng.sample(names, 2)
            roll = rng.random()
            p_a = strength[a] / (strength[a] + strength[b])
            winner = "tie" if roll < 0.1 else ("tie (bothbad)" if roll < 0.15 else
                                                ("model_a" if rng.random() < p_a else "model_b"))
            writer.writerow([f"q{i % 500}", a, b, winner, f"judge{i % 97}", 1_700_000_000 + i])
    return path


def test_a_crowd_file_imports_once_and_feeds_the_leaderboard(tmp_path):
    db = tmp_path / "c.db"
    path = crowd_file(tmp_path / "crowd.csv")
    first = run("--db", db, "rate", "import", path, "--session", "arena", "--json")
    assert first.returncode == 0, first.stderr
    result = json.loads(first.stdout)
    assert result["added"] == 9000 and result["models"] == 60
    again = json.loads(run("--db", db, "rate", "import", path, "--session", "arena", "--json").stdout)
    assert again["added"] == 0 and again["duplicates"] == 9000  # idempotent
    board = run("--db", db, "rate", "leaderboard", "--prior", "0", "--resamples", "50", "--json")
    assert board.returncode == 0, board.stderr
    rows = json.loads(board.stdout)
    assert len(rows) == 60 and all(r["low"] <= r["strength"] <= r["high"] for r in rows)
    out = tmp_path / "back.jsonl"
    assert run("--db", db, "rate", "export", "arena", "--out", out).returncode == 0
    lines = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert len(lines) == 9000 and {lines[0]["winner"]} <= {"a", "b", "tie", "both_bad"}


def test_rate_import_names_bad_lines_and_refuses_the_file(tmp_path):
    db = tmp_path / "b.db"
    bad = write_jsonl(tmp_path / "bad.jsonl", [{"prompt": "hi", "model_a": "x", "model_b": "y", "winner": "a"},
                                               {"prompt": "hi", "model_a": "x", "model_b": "x", "winner": "a"},
                                               {"prompt": "hi", "model_a": "x", "model_b": "y", "winner": "left"}])
    out = run("--db", db, "rate", "import", bad, "--session", "s")
    assert out.returncode == 2 and "line 2" in out.stderr and "line 3" in out.stderr
    assert "line 1" not in out.stderr
