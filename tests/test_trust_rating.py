"""Issue 10 items 4-9 and issue 17's screen side: the Rating screen stays blind until
the session is complete, then shows the result and the gate's final verdict in place;
flag and comment marks show at 80 columns; scroll keys; undo after a skip un-skips.
Pilot on a real store with the sample session (36 pairs + 4 identical, n = 40)."""

from __future__ import annotations

import pytest

from screens.rating import RatingScreen
from screens.widgets.modebar import ModeBar
from test_tui_rating import RatingHost, shown_pair
from workbench.workspace import seed_sample_rating

SMALL = (80, 24)


@pytest.fixture
def rated_store(store):
    seed_sample_rating(store)
    store.set_setting("rater", "ann")
    return store


def text_of(app, selector: str) -> str:
    return str(app.screen.query_one(selector).render())


async def test_while_rating_only_progress_shows(rated_store):
    app = RatingHost(rated_store.path)
    async with app.run_test(size=SMALL) as pilot:
        await pilot.pause()
        await pilot.press("1", "2", "1", "3", "1")
        await app.workers.wait_for_complete()
        await pilot.pause()
        stats = text_of(app, "#stats")
        assert "9/40 planned votes" in stats  # 5 + 4 identical pairs, auto-tied and "hidden" in stats
        assert "%" not in stats and "win rate" not in stats.lower()
        assert not app.screen.result_shown


async def test_flag_and_comment_marks_show_at_80_columns(rated_store):
    app = RatingHost(rated_store.path)
    async with app.run_test(size=SMALL) as pilot:
        await pilot.pause()
        await pilot.press("f")
        assert "FLAGGED" in text_of(app, "#status")
        await pilot.press("c")
        await pilot.press(*"vague", "enter")
        await pilot.pause()
        status = text_of(app, "#status")
        assert "FLAGGED" in status and "COMMENT" in status


async def test_undo_after_a_skip_brings_the_skip_back(rated_store):
    app = RatingHost(rated_store.path)
    async with app.run_test(size=SMALL) as pilot:
        await pilot.pause()
        session_id = app.screen.run.session["id"]
        await pilot.press("1")
        skipped = shown_pair(app)
        await pilot.press("space")
        assert shown_pair(app).comparison_id != skipped.comparison_id
        await pilot.press("u")
        await pilot.pause()
        assert len(rated_store.ratings.session_ratings(session_id, "ann")) == 1  # the rating stays
        assert shown_pair(app).comparison_id == skipped.comparison_id
        await pilot.press("u")  # now the rating goes
        await pilot.pause()
        assert rated_store.ratings.session_ratings(session_id, "ann") == []


async def test_j_and_k_scroll_the_answers(rated_store):
    app = RatingHost(rated_store.path)
    async with app.run_test(size=SMALL) as pilot:
        tall = []
        for _ in range(36):  # the order is random per session: skip to a pair whose answers overflow
            for _ in range(5):  # let the pair be laid out
                await pilot.pause()
            tall = [b for b in app.screen._views()[0].query(".answer") if b.max_scroll_y > 0]
            if tall:
                break
            await pilot.press("space")
        assert tall, "at 80x24 some answer must overflow its box"
        await pilot.press("j")
        await pilot.pause()
        assert all(b.scroll_y > 0 for b in tall)
        await pilot.press("k")
        await pilot.pause()
        assert all(b.scroll_y == 0 for b in tall)
        await pilot.press("pagedown")
        await pilot.pause()
        assert all(b.scroll_y > 0 for b in tall)


async def test_the_mode_bar_on_rating_names_the_keys_that_leave(rated_store):
    app = RatingHost(rated_store.path)
    async with app.run_test(size=SMALL) as pilot:
        await pilot.pause()
        bar = str(app.screen.query_one(ModeBar).render())
        assert "esc back to Examples" in bar and "2 Budget" not in bar and "1 Examples" not in bar


async def test_a_complete_session_shows_its_result_and_final_verdict(rated_store):
    app = RatingHost(rated_store.path)
    async with app.run_test(size=SMALL) as pilot:
        await pilot.pause()
        session_id = app.screen.run.session["id"]
        for _ in range(36):
            await pilot.press("1")
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, RatingScreen) and screen.result_shown
        result = text_of(app, "#result-text")
        assert "Gate:" in result and "(final, decided " in result
        assert "You may stop now" in result and "W = " in result and "esc: leave Rating" in result
        assert rated_store.ratings.gate_verdict(session_id) is not None
        await pilot.press("1")  # no pair on screen: nothing is recorded
        assert len(rated_store.ratings.session_ratings(session_id, "ann")) == 36


async def test_sequential_mode_says_you_may_stop_now_and_r_goes_back_to_pairs(rated_store):
    from workbench.eval import rating

    sample = rated_store.ratings.list_rating_sessions()[0]
    set_name = rated_store.golden.list_golden_sets()[0]["name"]
    session = rating.create_session(rated_store, set_name, sample["candidate_model"], sample["baseline_model"],
                                    target_n=200, sequential=True, name="seq")
    app = RatingHost(rated_store.path, session="seq")
    async with app.run_test(size=SMALL) as pilot:
        await pilot.pause()
        for _ in range(30):  # always the candidate's side: the gate can stop early
            if app.screen.result_shown:
                break
            await pilot.press("1" if shown_pair(app).candidate_left else "2")
            await app.workers.wait_for_complete()
            await pilot.pause()
        assert app.screen.result_shown
        result = text_of(app, "#result-text")
        assert "You may stop now" in result and "Gate: PROMOTE (final" in result and "pairs left for you" in result
        rated = len(rated_store.ratings.session_ratings(session["id"], "ann"))
        assert rated < 36
        await pilot.press("r")  # back to the pairs left
        assert not app.screen.result_shown
        await pilot.press("1")
        await app.workers.wait_for_complete()
        assert len(rated_store.ratings.session_ratings(session["id"], "ann")) == rated + 1


def test_rate_report_lists_flagged_prompts_and_comments(rated_store):
    from workbench.cli.render_eval import render_rating_report
    from workbench.eval.rating import RatingRun, session_report

    run = RatingRun.open(rated_store, "aurora-v3 vs base" if rated_store.ratings.get_rating_session(
        "aurora-v3 vs base") else rated_store.ratings.list_rating_sessions()[0]["id"], "ann")
    first, second, third = run.next_pairs(3)
    run.rate(first, "left", flagged=True)
    run.rate(second, "tie", comment="both cite the wrong policy")
    run.rate(third, "right")
    report = session_report(rated_store, run.session["id"], resamples=50)
    assert [(n["flagged"], n["comment"]) for n in report["comments"]] == [
        (True, ""), (False, "both cite the wrong policy")]
    text = render_rating_report(report)
    label = first.external_id or first.prompt_id[:8]
    assert f"FLAGGED prompt {label} (ann)" in text and ": both cite the wrong policy" in text
