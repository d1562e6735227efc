"""Golden sets, answers, blind rating sessions and their reports, on a real store."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from collections import Counter

import pytest

from conftest import SAMPLE_DATA, many_chats, write_jsonl
from workbench.eval import golden
from workbench.dataset.importer import import_file
from workbench.eval.rating import RatingError, RatingRun, balanced_sides, create_session, outcome, session_report

GOLDEN = SAMPLE_DATA / "golden"
CANDIDATE = "ft:gpt-4.1-mini-2025-04-14:aurora::aurora-v3"
BASELINE = "gpt-4.1-mini-2025-04-14"


@pytest.fixture
def sample_session(store):
    golden.import_prompts(store, "aurora-golden", GOLDEN / "aurora_golden.jsonl")
    golden.freeze(store, "aurora-golden", "v1")
    golden.import_answers(store, "aurora-golden", GOLDEN / "answers_baseline.jsonl")
    golden.import_answers(store, "aurora-golden", GOLDEN / "answers_candidate.jsonl")
    return create_session(store, "aurora-golden", CANDIDATE, BASELINE, target_n=40, name="s", seed="fixed")


def test_golden_import_freeze_and_duplicates(store, tmp_path):
    result = golden.import_prompts(store, "g", GOLDEN / "aurora_golden.jsonl")
    assert result.added >= 30
    again = golden.import_prompts(store, "g", GOLDEN / "aurora_golden.jsonl")
    assert (again.added, again.duplicates) == (0, result.added)
    version, created = golden.freeze(store, "g")
    assert created and version["number"] == 1 and version["prompt_count"] == result.added
    assert golden.freeze(store, "g") == (version, False)
    prompts = store.golden.version_prompts(version["id"])
    assert prompts[0]["external_id"] == "g001" and prompts[0]["messages"][-1]["role"] == "user"
    assert "billing" in {t for p in prompts for t in p["tags"]}


def test_golden_csv_and_bad_lines(store, tmp_path):
    csv_path = tmp_path / "p.csv"
    csv_path.write_text("id,prompt,reference,tags\nq1,Where is my parcel?,It is on its way.,shipping;en\n",
                        encoding="utf-8")
    assert golden.import_prompts(store, "c", csv_path).added == 1
    assert store.golden.golden_prompts(store.golden.get_golden_set("c")["id"])[0]["tags"] == ["en", "shipping"]
    bad = write_jsonl(tmp_path / "bad.jsonl", [
        {"id": "a", "messages": [{"role": "user", "content": "ok"}]},
        {"id": "b", "messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]},
        "not json"])
    with pytest.raises(golden.GoldenError) as err:
        golden.import_prompts(store, "bad", bad)
    assert "line 2: a golden prompt must end with the user's turn" in str(err.value)
    assert "line 3" in str(err.value)
    assert store.golden.get_golden_set("bad") is None


def test_prompts_from_dataset_examples(store, tmp_path):
    import_file(store, write_jsonl(tmp_path / "d.jsonl", many_chats(5)), "d", tags_by_line={1: ["billing"]})
    result = golden.prompts_from_dataset(store, "from-d", "d")
    assert result.added == 5
    [first, *_] = store.golden.golden_prompts(store.golden.get_golden_set("from-d")["id"])
    assert [m["role"] for m in first["messages"]] == ["system", "user"]
    assert first["reference_answer"] == "answer 0" and first["tags"] == ["billing"]


def test_answers_import_both_formats_and_all_or_nothing(store, tmp_path):
    golden.import_prompts(store, "g", GOLDEN / "aurora_golden.jsonl")
    version, _ = golden.freeze(store, "g")
    prompts = store.golden.version_prompts(version["id"])
    chat_answers = write_jsonl(tmp_path / "chat.jsonl", [
        {"messages": prompts[0]["messages"] + [{"role": "assistant", "content": "Chat-format answer."}]}])
    assert golden.import_answers(store, "g", chat_answers, model="local-llama") == {"local-llama": 1}
    assert store.golden.generations(version["id"], "local-llama")[prompts[0]["prompt_id"]]["output"] == "Chat-format answer."
    bad = write_jsonl(tmp_path / "bad.jsonl", [{"prompt_id": "g001", "model": "m", "output": "fine"},
                                               {"prompt_id": "nope", "model": "m", "output": "x"},
                                               {"prompt_id": "g002", "model": "m", "output": 123}])  # an empty answer is valid
    with pytest.raises(golden.GoldenError) as err:
        golden.import_answers(store, "g", bad)
    assert "line 2: prompt_id 'nope'" in str(err.value) and "line 3" in str(err.value)
    assert store.golden.generations(version["id"], "m") == {}


def test_identical_answers_are_auto_ties(store, sample_session):
    run = RatingRun.open(store, "s", rater="ann")
    progress = run.progress()
    assert progress["identical"] == 4 and progress["total"] == 36 and progress["rated"] == 0
    report = session_report(store, "s", resamples=200)
    assert report["win_rate"]["ties"] == 4 and report["n"] == 4


def test_sides_are_blind_balanced_per_tag_and_stored(store, sample_session):
    ann = RatingRun.open(store, "s", rater="ann")
    bob = RatingRun.open(store, "s", rater="bob")
    assert ann.sides != bob.sides
    groups: dict[tuple, Counter] = {}
    for comparison in ann.comparisons:
        groups.setdefault(tuple(sorted(comparison["tags"])), Counter())[ann.sides[comparison["id"]]] += 1
    assert all(abs(c[True] - c[False]) <= 1 for c in groups.values())
    assert abs(sum(ann.sides.values()) - len(ann.sides) / 2) <= 1
    assert RatingRun.open(store, "s", rater="ann").sides == ann.sides  # stored, not redrawn
    pair = ann.next_pairs(1)[0]
    assert CANDIDATE not in pair.left + pair.right  # model names never shown


def test_balanced_sides_table():
    comparisons = [{"id": f"c{i}", "tags": ["a"] if i < 7 else ["b"]} for i in range(10)]
    sides = balanced_sides(comparisons, "seed", "r")
    assert sum(sides[f"c{i}"] for i in range(7)) in (3, 4) and sum(sides[f"c{i}"] for i in range(7, 10)) in (1, 2)


@pytest.mark.parametrize("verdict, candidate_left, expected", [
    ("left", True, "candidate"), ("left", False, "baseline"), ("right", True, "baseline"),
    ("right", False, "candidate"), ("tie", True, "tie"), ("both_bad", False, "both_bad")])
def test_outcome_unblinds(verdict, candidate_left, expected):
    assert outcome(verdict, candidate_left) == expected


def test_rate_skip_undo(store, sample_session):
    run = RatingRun.open(store, "s", rater="ann")
    first, second = run.next_pairs(2)
    run.skip(first)
    assert run.next_pairs(1)[0].comparison_id == second.comparison_id
    assert run.rate(second, "left", time_ms=1200)
    assert not run.rate(second, "right")  # a repeat never duplicates
    [rating] = store.ratings.session_ratings(sample_session["id"], "ann")
    assert (rating["verdict"], rating["time_ms"]) == ("left", 1200)
    assert rating["outcome"] == ("candidate" if second.candidate_left else "baseline")
    undone = run.undo()
    assert undone["comparison_id"] == second.comparison_id
    assert store.ratings.session_ratings(sample_session["id"], "ann") == []
    assert run.next_pairs(1)[0].comparison_id == second.comparison_id
    assert run.queue()[-1]["id"] == first.comparison_id


def test_report_with_two_raters(store, sample_session):
    for rater in ("ann", "bob"):
        run = RatingRun.open(store, "s", rater=rater)
        for pair in run.next_pairs(36):
            verdict = "left" if pair.candidate_left else "right"  # always the candidate
            run.rate(pair, verdict, flagged=pair.prompt_id == run.comparisons[0]["prompt_id"])
    report = session_report(store, "s", resamples=500)
    assert report["win_rate"]["wins"] == 72 and report["n"] == 76
    # every prompt rated by both, always the same label: alpha is undefined, not a fake 1.0
    assert report["agreement"] == {"alpha": None, "units": 36, "warning": False}
    assert report["gate"]["verdict"] == "promote"
    assert {r["rater"] for r in report["position_bias"]["by_rater"]} == {"ann", "bob"}
    json.dumps(report, allow_nan=False)


def test_session_errors(store, sample_session):
    with pytest.raises(RatingError, match="No answers from 'gpt-9'"):
        create_session(store, "aurora-golden", "gpt-9", BASELINE)
    with pytest.raises(RatingError, match="different models"):
        create_session(store, "aurora-golden", BASELINE, BASELINE)
    with pytest.raises(RatingError, match="No rating session 'nope'"):
        RatingRun.open(store, "nope")


def test_rater_name_defaults_to_login_and_is_kept(store, sample_session):
    run = RatingRun.open(store, "s")
    assert run.rater and store.get_setting("rater") == run.rater
    store.set_setting("rater", "carla")
    assert RatingRun.open(store, "s").rater == "carla"


KILLER = """
import sys
from workbench.workspace import open_store
from workbench.eval.rating import RatingRun
run = RatingRun.open(open_store(sys.argv[1]), "s", rater="kim")
for pair in run.next_pairs(100):
    run.rate(pair, "tie")
    print("rated", pair.comparison_id, flush=True)
    sys.stdin.readline()  # wait to be told to go on (or be killed)
"""


def test_kill_mid_session_loses_and_duplicates_nothing(store, sample_session):
    proc = subprocess.Popen([sys.executable, "-c", KILLER, str(store.path)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    committed = []
    for _ in range(5):
        committed.append(proc.stdout.readline().split()[1])
        proc.stdin.write("\n")
        proc.stdin.flush()
    committed.append(proc.stdout.readline().split()[1])
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    rows = store.ratings.session_ratings(sample_session["id"], "kim")
    assert [r["comparison_id"] for r in rows] == committed
    run = RatingRun.open(store, "s", rater="kim")
    assert run.progress()["rated"] == 6 and run.next_pairs(1)[0].comparison_id not in committed


def test_leaderboard_ranks_three_models(store, tmp_path):
    prompts = [{"id": f"p{i}", "messages": [{"role": "user", "content": f"question {i}"}], "tags": ["t"]}
               for i in range(40)]
    golden.import_prompts(store, "three", write_jsonl(tmp_path / "p.jsonl", prompts))
    golden.freeze(store, "three")
    for model in ("strong", "middle", "weak"):
        answers = [{"prompt_id": f"p{i}", "model": model, "output": f"{model} answer {i}"} for i in range(40)]
        golden.import_answers(store, "three", write_jsonl(tmp_path / f"{model}.jsonl", answers))
    for candidate, baseline, wins in (("strong", "middle", 30), ("middle", "weak", 30)):
        create_session(store, "three", candidate, baseline, name=f"{candidate}-{baseline}", seed="s")
        run = RatingRun.open(store, f"{candidate}-{baseline}", rater="ann")
        for i, pair in enumerate(run.next_pairs(40)):
            candidate_wins = i < wins
            run.rate(pair, "left" if pair.candidate_left == candidate_wins else "right")
    from workbench.eval.rating import leaderboard

    rows = leaderboard(store, "three", resamples=200)
    assert [r["model"] for r in rows] == ["strong", "middle", "weak"]
    assert all(r["low"] <= r["strength"] <= r["high"] for r in rows)
    assert rows[1]["votes"] == 80


def test_undo_removes_the_latest_rating_not_the_oldest(store, sample_session):
    run = RatingRun.open(store, "s", rater="ann")
    rated = []
    for pair in run.next_pairs(3):
        run.rate(pair, "tie")
        rated.append(pair.comparison_id)
    assert run.undo()["comparison_id"] == rated[2]
    assert run.undo()["comparison_id"] == rated[1]
    assert [r["comparison_id"] for r in store.ratings.session_ratings(sample_session["id"], "ann")] == [rated[0]]


def rate_all(store, rater, candidate_wins=True, count=36):
    run = RatingRun.open(store, "s", rater=rater)
    for pair in run.next_pairs(count):
        run.rate(pair, "left" if pair.candidate_left == candidate_wins else "right")


def test_the_gate_verdict_is_stored_once_with_its_date_and_never_changes(store, sample_session):
    from workbench.eval.rating import session_gate
    from workbench.cli.render_eval import render_rating_report

    rate_all(store, "ann", count=20)
    assert session_gate(store, "s").decision == "continue"
    assert store.ratings.gate_verdict(sample_session["id"]) is None
    rate_all(store, "ann", count=16)  # 4 auto ties + 36 votes: the planned 40 are in
    first = session_gate(store, "s")
    assert first.final and first.may_stop and first.decided_at and first.n == 40
    stored = store.ratings.gate_verdict(sample_session["id"])
    assert (stored["decision"], stored["decided_at"]) == (first.decision, first.decided_at)
    # a second rater who always prefers the baseline comes after the verdict
    rate_all(store, "bob", candidate_wins=False)
    again = session_gate(store, "s")
    assert (again.decision, again.decided_at, again.rate) == (first.decision, first.decided_at, first.rate)
    assert again.votes_after == 36
    report = session_report(store, "s", resamples=200)
    assert report["gate"]["decision"] == first.decision and report["gate"]["final"]
    assert report["win_rate"]["losses"] >= 36  # the descriptive numbers use every vote
    text = render_rating_report(report)
    assert f"Gate: {first.decision.upper()} (final, decided {first.decided_at[:10]}" in text
    assert "36 votes made after the verdict" in text
    assert [e["action"] for e in store.audit_entries("rating_session")].count("decide") == 1


def test_sequential_session_stops_early_and_says_so(store, sample_session):
    from workbench.eval.rating import session_gate

    create_session(store, "aurora-golden", CANDIDATE, BASELINE, target_n=200, name="seq", seed="fixed",
                   sequential=True)
    session = store.ratings.get_rating_session("seq")
    assert (session["gate_mode"], session["gate_test"]) == ("sequential", "superiority")
    run = RatingRun.open(store, "seq", rater="ann")
    for pair in run.next_pairs(36):
        run.rate(pair, "left" if pair.candidate_left else "right")
    verdict = session_gate(store, "seq")
    assert verdict.mode == "sequential" and verdict.decision == "promote" and verdict.may_stop
    assert verdict.decided_at_n < 40 and verdict.decided_at


def test_planner_warns_when_the_golden_set_is_short(store, sample_session):
    from workbench.eval.rating import plan

    result = plan(store, "aurora-golden", 200)
    assert result.tags and result.prompts_per_tag > 30
    assert any("add prompts to the set" in warning for warning in result.warnings)
