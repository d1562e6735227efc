"""Issue 10 items 11 and 12: the import dialog never defaults to the dataset on screen
and Enter imports from any field; the preview folds the system prompt, marks search
hits, and the editor returns to the mode it was opened from. Pilot on a real store."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Checkbox, Input

from conftest import SAMPLE_DATA, chat, many_chats, write_jsonl
from screens.app import make_app
from screens.examples import ExamplesScreen
from screens.widgets.conversation import render_example, search_pattern
from workbench.dataset.importer import import_file

SIZE = (100, 30)
LONG_SYSTEM = "You are Aurora Assist, the support assistant of Aurora Outdoor. " * 5


def make(store):
    app = make_app(store)
    app.cursor_blink = False
    return app


def texts(renderable) -> list[Text]:
    found = []
    for item in getattr(renderable, "renderables", []):
        inner = getattr(item, "renderable", item)
        if isinstance(inner, Text):
            found.append(inner)
    return found


def test_the_preview_folds_the_system_prompt_and_marks_search_hits():
    example = {"position": 1, "status": "draft", "revision": 1, "tags": [], "notes": "",
               "messages": chat("Wo ist mein retour label?", "Hier ist dein Retourlabel.", LONG_SYSTEM)["messages"]}
    shown = texts(render_example(example, highlight=search_pattern("retour"), fold_system=True))
    plain = [t.plain for t in shown]
    assert any("characters; e opens it in full" in p and len(p) < 200 for p in plain)
    user = next(t for t in shown if "retour label" in t.plain)
    assert [user.plain[s.start:s.end] for s in user.spans] == ["retour"]
    answer = next(t for t in shown if "Retourlabel" in t.plain)  # prefix match, any case
    assert [answer.plain[s.start:s.end] for s in answer.spans] == ["Retourlabel"]


async def test_the_import_dialog_defaults_to_the_files_name_and_enter_imports(store, tmp_path):
    import_file(store, write_jsonl(tmp_path / "d.jsonl", many_chats(3)), "current")
    app = make(store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("i")
        await pilot.pause()
        dialog = app.screen
        assert dialog.query_one("#import-dataset", Input).value == ""
        dialog.query_one("#import-path", Input).value = str(SAMPLE_DATA / "aurora_support.jsonl")
        box = dialog.query_one("#import-skip", Checkbox)
        box.value = True
        box.focus()
        await pilot.press("enter")
        assert box.value is True  # Enter imports, it does not un-tick
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, ExamplesScreen)
    assert store.datasets.get_dataset("aurora_support") is not None
    assert store.examples.count_examples(store.datasets.get_dataset("current")["id"]) == 3


async def test_the_editor_returns_to_the_mode_it_was_opened_from(store, tmp_path):
    import_file(store, write_jsonl(tmp_path / "d.jsonl", many_chats(5)), "d")
    app = make(store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("2")
        await app.workers.wait_for_complete()
        await pilot.pause()
        app.screen.query_one("#largest").focus()
        await pilot.press("enter")
        await pilot.pause()
        assert type(app.screen).__name__ == "EditorScreen"
        await pilot.press("escape", "escape")
        await pilot.pause()
        assert app.current_mode == "budget"
        await app.workers.wait_for_complete()


from hypothesis import given, strategies as st

from screens.budget import count_ticks, histogram_bins


@given(st.lists(st.integers(min_value=0, max_value=200_000), min_size=1, max_size=300))
def test_histogram_bins_hold_every_example_once_from_zero(values):
    bins = histogram_bins(values)
    assert bins[0][0] == 0 and sum(n for _, _, n in bins) == len(values)
    assert all(isinstance(n, int) and low < high for low, high, n in bins)
    for value in values:
        assert sum(low <= value < high for low, high, _ in bins) == 1


@given(st.integers(min_value=0, max_value=100_000))
def test_count_ticks_are_whole_numbers_reaching_the_top(highest):
    ticks = count_ticks(highest)
    assert ticks[0] == 0 and ticks[-1] >= highest and all(isinstance(t, int) for t in ticks)


async def test_the_budget_histogram_has_no_negative_axis_or_fractional_counts(store, tmp_path):
    import re

    from test_tui_helpers import screen_text

    import_file(store, write_jsonl(tmp_path / "d.jsonl", many_chats(3) + [chat("long " * 70000, "ok")]), "d")
    app = make(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")
        await app.workers.wait_for_complete()
        await pilot.pause()
        shot = screen_text(app)
    plot = shot[shot.index("examples per token range"):]
    assert not re.search(r"-\d", plot) and not re.search(r"\d\.\d+┤", plot)
