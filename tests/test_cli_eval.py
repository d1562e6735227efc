"""The evaluation commands as a user runs them: golden sets, answers, rating sessions,
the leaderboard, and `import --model` (real process, real store file)."""

from __future__ import annotations

import json

from conftest import SAMPLE_DATA, chat, many_chats, write_jsonl
from test_cli import run

GOLDEN = SAMPLE_DATA / "golden"


def lines(path) -> int:
    return sum(1 for line in path.read_text("utf-8").splitlines() if line.strip())


def test_golden_import_list_and_freeze(tmp_path):
    db = tmp_path / "s.db"
    n = lines(GOLDEN / "aurora_golden.jsonl")
    out = run("--db", db, "golden", "import", GOLDEN / "aurora_golden.jsonl", "--set", "g")
    assert out.returncode == 0, out.stderr
    assert f"added {n} prompts (0 already there)" in out.stdout and "froze version 1" in out.stdout
    again = run("--db", db, "golden", "import", GOLDEN / "aurora_golden.jsonl", "--set", "g")
    assert f"added 0 prompts ({n} already there)" in again.stdout and "unchanged since version 1" in again.stdout
    extra = write_jsonl(tmp_path / "more.jsonl", [{"id": "new-1", "messages": [{"role": "user", "content": "Hoi?"}]}])
    assert run("--db", db, "golden", "import", extra, "--set", "g", "--no-freeze").returncode == 0
    frozen = run("--db", db, "golden", "freeze", "g", "-m", "one more")
    assert f"froze version 2 ({n + 1} prompts)" in frozen.stdout
    listed = json.loads(run("--db", db, "golden", "list", "--json").stdout)
    assert [(r["name"], r["prompts"], r["latest_version"]) for r in listed] == [("g", n + 1, 2)]
    missing = run("--db", db, "golden", "freeze", "nope")
    assert missing.returncode == 2 and "error:" in missing.stderr


def test_golden_from_dataset_takes_the_conversation_before_the_answer(tmp_path):
    db = tmp_path / "s.db"
    data = write_jsonl(tmp_path / "d.jsonl", many_chats(12))
    assert run("--db", db, "import", data, "--dataset", "d").returncode == 0
    none = run("--db", db, "golden", "from-dataset", "d", "--set", "fromd", "--status", "approved")
    assert "added 0 prompts" in none.stdout
    made = run("--db", db, "golden", "from-dataset", "d", "--set", "fromd")
    assert made.returncode == 0 and "added 12 prompts" in made.stdout


def test_answers_import_and_a_planned_session(tmp_path):
    db = tmp_path / "s.db"
    run("--db", db, "golden", "import", GOLDEN / "aurora_golden.jsonl", "--set", "g")
    for name in ("answers_baseline.jsonl", "answers_candidate.jsonl"):
        out = run("--db", db, "answers", "import", GOLDEN / name, "--set", "g")
        assert out.returncode == 0, out.stderr
        model = json.loads((GOLDEN / name).read_text("utf-8").splitlines()[0])["model"]
        assert f"{model}: {lines(GOLDEN / name)} answers" in out.stdout
    unnamed = write_jsonl(tmp_path / "a.jsonl", [{"prompt_id": "g001", "output": "Hello"}])
    assert "third-model: 1 answers" in run("--db", db, "answers", "import", unnamed, "--set", "g",
                                           "--model", "third-model").stdout
    baseline = json.loads((GOLDEN / "answers_baseline.jsonl").read_text("utf-8").splitlines()[0])["model"]
    candidate = json.loads((GOLDEN / "answers_candidate.jsonl").read_text("utf-8").splitlines()[0])["model"]
    planned = run("--db", db, "rate", "new", "--set", "g", "--candidate", candidate, "--baseline", baseline,
                  "--target-n", "20", "--name", "s1")
    assert planned.returncode == 0, planned.stderr
    assert "Session 's1' planned" in planned.stdout
    sessions = json.loads(run("--db", db, "rate", "sessions", "--json").stdout)
    assert [s["name"] for s in sessions] == ["s1"] and sessions[0]["target_n"] == 20
    unknown = run("--db", db, "rate", "new", "--set", "g", "--candidate", "nobody", "--baseline", baseline)
    assert unknown.returncode == 2 and "nobody" in unknown.stderr


def test_whoami_sets_and_shows_the_rater(tmp_path):
    db = tmp_path / "s.db"
    assert "No rater name set" in run("--db", db, "rate", "whoami").stdout
    assert run("--db", db, "rate", "whoami", "  ann  ").stdout.strip() == "ann"
    assert run("--db", db, "rate", "whoami").stdout.strip() == "ann"


def test_leaderboard_ranks_the_model_that_wins(tmp_path):
    from workbench.eval.rating import RatingRun
    from workbench.workspace import open_store, seed_sample_rating, SAMPLE_SESSION

    db = tmp_path / "s.db"
    with open_store(db) as store:
        seed_sample_rating(store)
        run_ = RatingRun.open(store, SAMPLE_SESSION, rater="ann")
        session = run_.session
        for pair in run_.next_pairs(200):
            # the candidate wins every pair, whichever side it was shown on
            run_.rate(pair, "left" if pair.candidate_left else "right")
    rows = json.loads(run("--db", db, "rate", "leaderboard", "--json").stdout)
    assert [r["model"] for r in rows][0] == session["candidate_model"]
    assert rows[0]["strength"] > rows[-1]["strength"] and rows[0]["votes"] > 0
    text = run("--db", db, "rate", "leaderboard").stdout
    assert session["candidate_model"] in text and "95% interval" in text


def test_import_with_model_warns_over_its_context_limit(tmp_path):
    db = tmp_path / "s.db"
    long = chat("word " * 20000, "ok")
    data = write_jsonl(tmp_path / "d.jsonl", many_chats(10) + [long])
    out = run("--db", db, "import", data, "--dataset", "d", "--model", "gpt-3.5-turbo")
    assert out.returncode == 0, out.stderr
    assert "line 11" in out.stdout and "16,385" in out.stdout.replace("16385", "16,385")
    quiet = run("--db", tmp_path / "t.db", "import", data, "--dataset", "d")
    assert "line 11" not in quiet.stdout
    unknown = run("--db", db, "import", data, "--dataset", "e", "--model", "no-such-model")
    assert unknown.returncode == 2 and "no-such-model" in unknown.stderr
