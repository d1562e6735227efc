"""Issue 10 items 1-3 and 12: a selection belongs to one dataset, undo stays in the
dataset on screen and says what it changed, an edit after approval needs review again,
and one-by-one review advances. Pilot on a real store."""

from __future__ import annotations

import pytest

from conftest import many_chats, write_jsonl
from screens.app import make_app
from screens.widgets.example_list import ExampleList
from store import Store
from workbench.dataset.curation import Curation
from workbench.dataset.importer import import_file

SIZE = (100, 30)


@pytest.fixture
def two(store, tmp_path):
    import_file(store, write_jsonl(tmp_path / "a.jsonl", many_chats(8, "aurora")), "aurora")
    import_file(store, write_jsonl(tmp_path / "t.jsonl", many_chats(3, "toy")), "toy")
    store.set_setting("tui.dataset", store.datasets.get_dataset("aurora")["id"])
    return store


def statuses(store, name):
    dataset = store.datasets.get_dataset(name)
    return [e["status"] for e in store.examples.iter_examples(dataset["id"])]


def make(store):
    app = make_app(store)
    app.cursor_blink = False
    return app


async def pick(pilot, app, name):
    await pilot.press("g")
    await pilot.pause()
    dialog = app.screen
    options = [o for o in dialog.options]
    index = next(i for i, (_, label) in enumerate(options) if label.startswith(name + " "))
    from textual.widgets import OptionList

    dialog.query_one(OptionList).highlighted = index
    await pilot.press("enter")
    await pilot.pause()


async def test_a_selection_never_acts_on_another_dataset(two):
    app = make(two)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.screen
        await pilot.press("ctrl+a")
        assert "8 selected" in str(screen.query_one("#title").render())
        await pilot.press("a")
        assert statuses(two, "aurora") == ["approved"] * 8
        assert screen.query_one(ExampleList).selected == set()  # a bulk action consumes it
        assert "selected" not in str(screen.query_one("#title").render())
        await pilot.press("space")  # a fresh mark in aurora, then switch dataset
        await pick(pilot, app, "toy")
        assert screen.dataset["name"] == "toy"
        await pilot.press("x")
        assert statuses(two, "aurora") == ["approved"] * 8
        assert statuses(two, "toy") == ["rejected", "draft", "draft"]
        await app.workers.wait_for_complete()


async def test_undo_acts_within_the_dataset_on_screen_and_says_what(two):
    app = make(two)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("down", "x")  # aurora #2 rejected
        await pick(pilot, app, "toy")
        await pilot.press("ctrl+z")
        assert statuses(two, "aurora")[1] == "rejected"  # not reached from toy
        await pick(pilot, app, "aurora")
        seen = []
        app.notify = lambda message, **kw: seen.append(message)  # what the user reads
        await pilot.press("ctrl+z")
        assert statuses(two, "aurora")[1] == "draft"
        assert any("Undid: #2 rejected → draft" in m for m in seen)
        await app.workers.wait_for_complete()


def test_undo_after_reopening_names_the_example(two):
    cur = Curation(two)
    aurora = two.datasets.get_dataset("aurora")["id"]
    toy = two.datasets.get_dataset("toy")["id"]
    ids = [e["id"] for e in two.examples.iter_examples(aurora)]
    cur.set_status([ids[5]], "rejected")
    with Store(two.path) as again:
        again_cur = Curation(again)
        assert again_cur.undo(toy) is None
        step = again_cur.undo(aurora)
        assert step.describe() == "Undid: #6 rejected → draft"
        assert again_cur.redo(aurora).describe() == "Redid: #6 draft → rejected"


def test_editing_an_approved_example_sends_it_back_to_draft(two):
    cur = Curation(two)
    aurora = two.datasets.get_dataset("aurora")["id"]
    example = next(two.examples.iter_examples(aurora))
    cur.set_status([example["id"]], "approved")
    cur.set_notes(example["id"], "notes are not content")
    assert cur.get(example["id"])["status"] == "approved"
    messages = [dict(m) for m in example["messages"]]
    messages[-1]["content"] = "a better answer"
    cur.save_messages(example["id"], messages)
    assert cur.get(example["id"])["status"] == "draft"
    assert "draft → approved" in cur.undo(aurora).describe()
    assert cur.get(example["id"])["status"] == "approved"


async def test_approving_one_row_moves_to_the_next(two):
    app = make(two)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        listing = app.screen.query_one(ExampleList)
        await pilot.press("a", "x")
        assert statuses(two, "aurora")[:3] == ["approved", "rejected", "draft"]
        assert listing.cursor == 2
        await app.workers.wait_for_complete()
