"""The Examples screen and editor, driven with Pilot on a real store."""

from __future__ import annotations

import pytest

from conftest import chat, many_chats, write_jsonl
from screens.app import make_app
from screens.examples import Curated, ExamplesScreen
from screens.widgets.example_list import ExampleList
from store import Store
from workbench.dataset.importer import import_file
from test_tui_helpers import screen_text

SIZE = (100, 30)


@pytest.fixture
def filled(store, tmp_path):
    records = many_chats(12)
    records[3] = chat("Wo ist mein retour label?", "Hier ist es.")
    import_file(store, write_jsonl(tmp_path / "d.jsonl", records), "support")
    return store


def make(store, messages=None):
    app = make_app(store)
    app.cursor_blink = False
    return app


def hook(bucket):
    def record(message):  # a bubbling message is seen once per node: keep it once
        if isinstance(message, Curated) and all(m is not message for m in bucket):
            bucket.append(message)
    return record


def examples(store):
    dataset = store.datasets.get_dataset("support")
    return list(store.examples.iter_examples(dataset["id"], include_deleted=True))


async def test_list_shows_the_dataset_in_pages(filled):
    app = make(filled)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ExamplesScreen)
        listing = screen.query_one(ExampleList)
        assert listing.count == 12
        assert listing.current["position"] == 1
        await pilot.press("down", "down")
        assert listing.cursor == 2
        await pilot.press("end")
        assert listing.cursor == 11
        await pilot.press("home")
        assert listing.cursor == 0


async def test_status_keys_undo_and_redo_write_revisions(filled):
    seen: list[Curated] = []
    app = make(filled)
    async with app.run_test(size=SIZE, message_hook=hook(seen)) as pilot:
        first = examples(filled)[0]["id"]
        await pilot.press("a")  # a, x and d move on to the next row (one-by-one review)
        assert filled.examples.get_example(first)["status"] == "approved"
        await pilot.press("up", "x")
        assert filled.examples.get_example(first)["status"] == "rejected"
        await pilot.press("up", "d")
        assert filled.examples.get_example(first)["status"] == "draft"
        await pilot.press("ctrl+z")
        assert filled.examples.get_example(first)["status"] == "rejected"
        await pilot.press("ctrl+z", "ctrl+z")
        assert filled.examples.get_example(first)["status"] == "draft"
        await pilot.press("ctrl+y")
        assert filled.examples.get_example(first)["status"] == "approved"
        await app.workers.wait_for_complete()
    assert [m.action for m in seen] == ["status", "status", "status", "undo", "undo", "undo", "redo"]
    actions = [r["action"] for r in filled.examples.revisions(first)]
    assert actions == ["create", "status", "status", "status", "undo", "undo", "undo", "redo"]


async def test_undo_survives_a_restart(filled):
    app = make(filled)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("a")
    first = examples(filled)[0]["id"]
    assert filled.examples.get_example(first)["status"] == "approved"
    again = Store(filled.path)
    try:
        app = make(again)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("ctrl+z")
            assert again.examples.get_example(first)["status"] == "draft"
            await pilot.press("ctrl+y")
            assert again.examples.get_example(first)["status"] == "approved"
            await app.workers.wait_for_complete()
    finally:
        again.close()


async def test_search_filters_by_message_text(filled):
    app = make(filled)
    async with app.run_test(size=SIZE) as pilot:
        listing = app.screen.query_one(ExampleList)
        await pilot.press("slash", *"retour", "enter")
        assert listing.count == 1
        assert "retour" in str(filled.examples.get_example(listing.current_id)["messages"])
        assert listing.has_focus
        await pilot.press("escape")  # clears the search
        assert listing.count == 12
        await pilot.press("slash", *"quest", "enter")  # the last word is a prefix
        assert listing.count == 11
        await pilot.press("slash", *'"(', "enter")  # never an FTS syntax error
        assert app.screen.view.search.endswith('"(')


async def test_a_count_over_the_cap_says_so_and_a_worker_finishes_it(filled, monkeypatch):
    """Issue 14: at 1M examples the list's count stops at COUNT_CAP on the UI thread (the
    title says "10,000+ … (counting…)"); a worker finishes the exact count, and the list
    grows to it keeping its cursor."""
    import screens.examples as examples_screen

    monkeypatch.setattr(examples_screen, "COUNT_CAP", 5)
    app = make(filled)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        listing = screen.query_one(ExampleList)

        def title() -> str:
            return str(screen.query_one("#title").render())

        async def settled() -> None:  # the worker starts after the repaint, then reports back
            await pilot.pause()
            await app.workers.wait_for_complete()
            await pilot.pause()

        await settled()
        assert listing.count == 12 and "support · 12 examples ·" in title() and "counting" not in title()
        screen.apply_search("quest")  # synchronous: the worker's answer cannot have arrived yet
        assert listing.count == 5 and not screen.count_exact
        assert "5+ of 12 · search “quest” (counting…)" in title()
        listing.move_to(3)
        await settled()
        assert listing.count == 11 and screen.count_exact and listing.cursor == 3
        assert "11 of 12 · search “quest” ·" in title()
        screen.apply_search("")
        assert listing.count == 5 and "support · 5+ examples (counting…)" in title()
        await settled()
        assert listing.count == 12 and "support · 12 examples ·" in title()
        screen.apply_search("retour")  # under the cap: exact at once, no worker
        assert listing.count == 1 and "1 of 12 · search “retour” ·" in title()


async def test_filter_dialog_by_status_tag_and_flag(filled):
    from textual.widgets import Checkbox, Select

    app = make(filled)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("a", "down", "down")
        await pilot.press("t", *"vip", "enter")
        listing = app.screen.query_one(ExampleList)
        await pilot.press("f")
        dialog = app.screen
        dialog.query_one("#f-status", Select).value = "approved"
        await pilot.press("ctrl+s")
        assert listing.count == 1
        await pilot.press("f")
        app.screen.query_one("#f-status", Select).value = Select.NULL
        app.screen.query_one("#f-tag", Select).value = "vip"
        await pilot.press("ctrl+s")
        assert listing.count == 1 and "vip" in listing.current["tags"]
        await pilot.press("f")
        app.screen.query_one("#f-tag", Select).value = Select.NULL
        app.screen.query_one("#f-deleted", Checkbox).value = True
        await pilot.press("ctrl+s")
        assert listing.count == 0
        await pilot.press("escape")
        assert listing.count == 12


async def test_editor_edits_a_message_and_counts_in_the_background(filled):
    seen: list[Curated] = []
    app = make(filled)
    async with app.run_test(size=SIZE, message_hook=hook(seen)) as pilot:
        first = examples(filled)[0]
        await pilot.press("e")
        editor = app.screen
        assert type(editor).__name__ == "EditorScreen"
        await pilot.press("end", *" please")  # the first user turn has the focus
        await pilot.press("escape", "escape")  # back to turns, then save and close
        await app.workers.wait_for_complete()
        assert isinstance(app.screen, ExamplesScreen)
        after = filled.examples.get_example(first["id"])
        assert after["messages"][1]["content"] == "q question 0 please"
        assert after["content_hash"] != first["content_hash"]
        assert set(filled.examples.token_counts([after["content_hash"]], "o200k_base")) == {after["content_hash"]}
        assert seen[-1].action == "edit"
        await pilot.press("ctrl+z")
        assert filled.examples.get_example(first["id"])["messages"][1]["content"] == "q question 0"


async def test_editor_turn_operations(filled):
    app = make(filled)
    async with app.run_test(size=SIZE) as pilot:
        first = examples(filled)[0]
        await pilot.press("e")
        editor = app.screen
        await pilot.press("ctrl+down", "ctrl+up", "ctrl+down")  # to the assistant turn
        assert editor.index == 2
        await pilot.press("ctrl+t")  # weight 0
        assert editor.messages[2]["weight"] == 0
        await pilot.press("ctrl+n", *"more?")  # a user turn after the assistant
        assert [m["role"] for m in editor.messages] == ["system", "user", "assistant", "user"]
        await pilot.press("ctrl+r")  # user -> assistant
        assert editor.messages[3]["role"] == "assistant"
        await pilot.press("alt+up")
        assert [m["content"] for m in editor.messages][2:] == ["more?", "answer 0"]
        await pilot.press("escape", "delete")  # remove the selected turn from the list
        assert len(editor.messages) == 3
        await pilot.press("ctrl+g", *"Be brief. ")
        assert editor.messages[0]["content"].startswith("Be brief. ")
        await pilot.press("ctrl+s")
        await app.workers.wait_for_complete()
        saved = filled.examples.get_example(first["id"])
        assert saved["messages"] == editor.messages
        assert saved["messages"][2]["weight"] == 0
        assert filled.examples.revisions(first["id"])[-1]["action"] == "edit"


async def test_editor_preflight_runs_in_a_worker(filled):
    from screens.editor import PreflightDone

    done = []
    app = make(filled)
    async with app.run_test(size=SIZE, message_hook=lambda m: done.append(m)
                            if isinstance(m, PreflightDone) else None) as pilot:
        await pilot.press("e")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert done and done[-1].result.errors == 0
        await pilot.press("ctrl+down", "ctrl+a", "ctrl+k")  # empty the assistant turn
        await pilot.pause(0.4)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert done[-1].result.findings, "an empty assistant answer is a finding"
        assert "tokens" in str(app.screen.query_one("#preflight").render())


async def test_bulk_tags_and_status_on_a_selection(filled):
    app = make(filled)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("space", "space", "space")  # marks rows 1-3, cursor on 4
        await pilot.press("t", *"vip", "enter")
        rows = examples(filled)
        assert [("vip" in r["tags"]) for r in rows[:4]] == [True, True, True, False]
        await pilot.press("space", "space", "a")  # rows 4 and 5
        rows = examples(filled)
        assert [r["status"] for r in rows[:6]] == ["draft", "draft", "draft", "approved", "approved", "draft"]
        await pilot.press("ctrl+z")  # one undo reverts the whole bulk action
        assert all(r["status"] == "draft" for r in examples(filled))
        await pilot.press("ctrl+a", "t", *"-vip", "enter")
        assert not any("vip" in r["tags"] for r in examples(filled))


async def test_tag_completion_and_notes(filled):
    app = make(filled)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("t", *"returns", "enter", "down", "t", *"ret", "right", "enter")
        rows = examples(filled)
        assert rows[0]["tags"] == ["returns"] and rows[1]["tags"] == ["returns"]
        await pilot.press("n", *"check tone", "ctrl+s")
        assert examples(filled)[1]["notes"] == "check tone"
        await pilot.press("ctrl+z")
        assert examples(filled)[1]["notes"] == ""


async def test_create_duplicate_delete_restore(filled):
    app = make(filled)
    async with app.run_test(size=SIZE) as pilot:
        listing = app.screen.query_one(ExampleList)
        await pilot.press("plus")  # opens the editor on a new draft
        assert type(app.screen).__name__ == "EditorScreen"
        await pilot.press("escape", "escape")
        assert listing.count == 13
        assert listing.current["position"] == 13
        await pilot.press("home", "c")
        assert listing.count == 14
        rows = examples(filled)
        assert rows[-1]["messages"] == rows[0]["messages"] and rows[-1]["status"] == "draft"
        await pilot.press("home", "delete")
        assert listing.count == 13
        assert examples(filled)[0]["deleted_at"] is not None
        await pilot.press("ctrl+z")
        assert examples(filled)[0]["deleted_at"] is None
        await pilot.press("ctrl+y")
        app.screen.view = app.screen.view.with_(deleted=True)
        app.screen.reload(cursor=0)
        await pilot.press("r")
        assert examples(filled)[0]["deleted_at"] is None
        await app.workers.wait_for_complete()


async def test_dataset_picker_switches_dataset(filled, tmp_path):
    import_file(filled, write_jsonl(tmp_path / "other.jsonl", many_chats(3, "o")), "other")
    app = make(filled)
    async with app.run_test(size=SIZE) as pilot:
        listing = app.screen.query_one(ExampleList)
        assert listing.count == 3  # "other" sorts first
        await pilot.press("g")
        await pilot.press("down", "enter")
        assert app.screen.dataset["name"] == "support" and listing.count == 12


async def test_empty_home_says_how_to_get_data_in(store):
    app = make(store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        empty = app.screen.query_one("#empty")
        assert empty.display and "Press  i" in str(empty.render())
        await pilot.press("i")
        assert type(app.screen).__name__ == "ImportDialog"


async def test_roles_are_labelled_without_colour(filled, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    app = make(filled)
    async with app.run_test(size=SIZE) as pilot:
        # the first conversation is drawn after the first complete frame (issue 14): wait for it
        for _ in range(100):
            await pilot.pause(0.05)
            shown = screen_text(app)
            if " SYSTEM " in shown:
                break
        assert " SYSTEM " in shown and " USER " in shown and " ASSISTANT " in shown


@pytest.mark.expect_error_notice
async def test_an_unexpected_error_is_a_notification_not_a_traceback(filled, monkeypatch, workbench_home):
    app = make(filled)
    async with app.run_test(size=SIZE) as pilot:
        def boom(*args, **kwargs):
            raise RuntimeError("disk on fire")

        with monkeypatch.context() as patch:
            patch.setattr(app.curation, "set_status", boom)
            await pilot.press("a")
            await pilot.pause()
            assert any("disk on fire" in n.message for n in app._notifications)
            assert isinstance(app.screen, ExamplesScreen)
        await pilot.press("x")  # the screen still works
        assert examples(filled)[0]["status"] == "rejected"
    assert "disk on fire" in (workbench_home / "cache" / "crash.log").read_text("utf-8")
