"""The Rating screen, driven with Pilot on a real store with the sample session."""

from __future__ import annotations

import pytest

from store import Store
from textual.app import App

from screens.rating import RatingMade, RatingScreen, word_diff
from conftest import SAMPLE_DATA
from workbench.workspace import seed_sample_rating

GOLDEN_DIR = SAMPLE_DATA / "golden"
GOLDEN_FILE = GOLDEN_DIR / "aurora_golden.jsonl"


class RatingHost(App):
    """A bare app holding only the rating screen."""

    def __init__(self, path, **kwargs):
        super().__init__()
        self.store = Store(path)  # screens use the app's one store
        self.kwargs = kwargs

    def on_mount(self) -> None:
        self.push_screen(RatingScreen(**self.kwargs))

    def on_unmount(self) -> None:
        self.store.close()


@pytest.fixture
def rated_store(store):
    seed_sample_rating(store)
    store.set_setting("rater", "ann")
    return store


def shown_pair(app):
    screen = app.screen
    return screen._views()[0].pair


async def test_keys_commit_ratings_in_order(rated_store):
    messages = []
    app = RatingHost(rated_store.path)
    async with app.run_test(size=(120, 40), message_hook=messages.append) as pilot:
        await pilot.pause()
        screen = app.screen
        session = screen.run.session
        first = shown_pair(app)
        await pilot.press("1")
        second = shown_pair(app)
        assert second.comparison_id != first.comparison_id
        await pilot.press("right", "t", "b")
        await app.workers.wait_for_complete()
        rows = rated_store.ratings.session_ratings(session["id"], "ann")
        assert [r["verdict"] for r in rows] == ["left", "right", "tie", "both_bad"]
        assert rows[0]["comparison_id"] == first.comparison_id
        assert rows[0]["outcome"] == ("candidate" if first.candidate_left else "baseline")
        assert all(r["time_ms"] is not None and r["time_ms"] >= 0 for r in rows)
        made = list({id(m): m for m in messages if isinstance(m, RatingMade)}.values())  # bubbled once each
        assert [m.verdict for m in made] == ["left", "right", "tie", "both_bad"]
        assert "4/36 rated" in str(app.screen.query_one("#status").render())
        assert "Per tag:" in str(app.screen.query_one("#stats").render())


async def test_undo_skip_flag_comment(rated_store):
    app = RatingHost(rated_store.path)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        session_id = app.screen.run.session["id"]
        first = shown_pair(app)
        await pilot.press("space")  # skip
        skipped_to = shown_pair(app)
        assert skipped_to.comparison_id != first.comparison_id
        await pilot.press("f", "c")
        await pilot.press(*"too formal", "enter")
        await pilot.press("2")
        [row] = rated_store.ratings.session_ratings(session_id, "ann")
        assert row["comparison_id"] == skipped_to.comparison_id and row["flagged"] == 1
        assert row["comment"] == "too formal"
        await pilot.press("backspace")
        await pilot.pause()
        assert rated_store.ratings.session_ratings(session_id, "ann") == []
        assert shown_pair(app).comparison_id == skipped_to.comparison_id
        await pilot.press("u")  # nothing left to undo: a notice, no crash
        await pilot.press("D")
        assert app.screen.query_one(".answer").has_class("diff")


async def test_quit_and_come_back_resumes(rated_store):
    app = RatingHost(rated_store.path)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("1", "1", "3")
        rated = {r["comparison_id"] for r in rated_store.ratings.session_ratings(app.screen.run.session["id"], "ann")}
    again = RatingHost(rated_store.path)
    async with again.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert shown_pair(again).comparison_id not in rated
        assert "3/36 rated" in str(again.screen.query_one("#status").render())


async def test_narrow_terminal_stacks_answers(rated_store):
    app = RatingHost(rated_store.path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert app.screen.query_one("#view-a").has_class("narrow")


async def test_no_sessions_says_how_to_make_one(store):
    app = RatingHost(store.path)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert "workbench rate new" in str(app.screen.query_one("#empty").render())
        await pilot.press("1")  # no crash without a session


def test_word_diff_marks_only_changed_words():
    left, right = word_diff("Returns are free within 30 days.", "Returns are free within 60 days.")
    assert left.plain.strip() == "Returns are free within 30 days."
    styled = [left.plain[s.start:s.end] for s in left.spans]
    assert styled == ["30"]


async def test_in_the_app_4_opens_rating_where_digits_rate(rated_store):
    from screens.app import make_app
    from screens.pii import PiiScreen

    app = make_app(rated_store)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("4")
        await pilot.pause()
        assert isinstance(app.screen, RatingScreen)
        session_id = app.screen.run.session["id"]
        await pilot.press("1", "3")  # verdicts here, not mode switches
        assert isinstance(app.screen, RatingScreen)
        assert [r["verdict"] for r in rated_store.ratings.session_ratings(session_id, "ann")] == ["left", "tie"]
        await pilot.press("escape")
        await pilot.pause()
        assert app.current_mode == "examples"
        await pilot.press("6")
        await pilot.pause()
        assert isinstance(app.screen, PiiScreen)


async def test_new_session_from_the_keyboard(store, tmp_path):
    from workbench.eval import golden

    golden.import_prompts(store, "g", GOLDEN_FILE)
    golden.freeze(store, "g")
    for name in ("answers_baseline.jsonl", "answers_candidate.jsonl"):
        golden.import_answers(store, "g", GOLDEN_DIR / name)
    store.set_setting("rater", "ann")
    app = RatingHost(store.path)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert "press n here" in str(app.screen.query_one("#empty").render())
        await pilot.press("n")
        await pilot.pause()
        dialog = app.screen
        dialog.query_one("#new-set").value = "g"
        await pilot.pause()
        dialog.query_one("#new-candidate").value = "ft:gpt-4.1-mini-2025-04-14:aurora::aurora-v3"
        dialog.query_one("#new-baseline").value = "gpt-4.1-mini-2025-04-14"
        dialog.query_one("#new-n").value = "50"
        dialog.query_one("#new-n").focus()
        await pilot.press("enter")
        await pilot.pause()
        [session] = store.ratings.list_rating_sessions()
        assert session["target_n"] == 50 and session["pairs"] == 40
        assert app.screen.run is not None and app.screen.run.session["id"] == session["id"]
        await pilot.press("1")
        assert len(store.ratings.session_ratings(session["id"], "ann")) == 1


async def test_selected_examples_become_a_golden_set(store, tmp_path):
    from conftest import many_chats, write_jsonl
    from screens.app import make_app
    from workbench.dataset.importer import import_file

    import_file(store, write_jsonl(tmp_path / "d.jsonl", many_chats(5)), "d", tags_by_line={1: ["billing"]})
    app = make_app(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("space", "space", "G")  # select two, add them
        await pilot.pause()
        await pilot.press(*"billing-golden", "enter")
        await pilot.pause()
    golden_set = store.golden.get_golden_set("billing-golden")
    prompts = store.golden.golden_prompts(golden_set["id"])
    assert len(prompts) == 2 and prompts[0]["tags"] == ["billing"]
    assert prompts[0]["reference_answer"] == "answer 0" and prompts[0]["messages"][-1]["role"] == "user"
    assert store.golden.get_golden_version(golden_set["id"])["prompt_count"] == 2
