"""The app shell (modes, help, palette, keymap), import/export dialogs and the Budget screen."""

from __future__ import annotations

import json

from conftest import SAMPLE_DATA, chat, many_chats, write_jsonl
from screens import keys
from screens.app import make_app
from screens.examples import Curated, ExamplesScreen
from screens.widgets.example_list import ExampleList
from workbench.dataset.importer import import_file
from test_tui_helpers import screen_text

SIZE = (100, 30)


def make(store):
    app = make_app(store)
    app.cursor_blink = False
    return app


async def test_keys_1_to_5_switch_modes_to_built_screens(store):
    app = make(store)
    async with app.run_test(size=SIZE) as pilot:
        for key, mode in zip("21345", ("budget", "examples", "jobs", "rating", "registry")):
            await pilot.press(key)
            assert app.current_mode == mode
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "No models yet" in screen_text(app)  # the Registry mode is built (issue 12)


async def test_every_binding_has_an_id_and_help():
    for action in keys.all_actions():
        assert action.id and action.description and action.help, action
    ids = [a.id for a in keys.all_actions()]
    assert len(ids) == len(set(ids))


async def test_help_shows_the_focused_widgets_help_and_keys(store, tmp_path):
    import_file(store, write_jsonl(tmp_path / "d.jsonl", many_chats(3)), "d")
    app = make(store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f1")
        assert type(app.screen).__name__ == "HelpScreen"
        shot = screen_text(app)
        assert "The examples of the current view" in shot and "Approve" in shot
        await pilot.press("escape", "question_mark")
        assert type(app.screen).__name__ == "HelpScreen"
        await pilot.press("escape", "slash", "f1")
        assert "Full-text search" in screen_text(app)


async def test_palette_lists_every_action_of_the_current_screen(store):
    app = make(store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        titles = [c.title for c in app.get_system_commands(app.screen)]
        for action in keys.REGISTRY["examples"] + keys.REGISTRY["app"]:
            assert any(t.startswith(action.description + " · ") for t in titles), action.id
        await pilot.press("ctrl+p")
        assert "CommandPalette" in type(app.screen).__name__


async def test_user_keymap_remaps_a_binding(store, tmp_path, workbench_home):
    import_file(store, write_jsonl(tmp_path / "d.jsonl", many_chats(2)), "d")
    keymap = workbench_home / "config" / "keymap.toml"
    keymap.parent.mkdir(parents=True, exist_ok=True)
    keymap.write_text('[keys]\n"examples.approve" = "A"\n', "utf-8")
    app = make(store)
    async with app.run_test(size=SIZE) as pilot:
        first = app.screen.query_one(ExampleList).current_id
        await pilot.press("a")
        assert store.examples.get_example(first)["status"] == "draft"
        await pilot.press("A")
        assert store.examples.get_example(first)["status"] == "approved"


async def test_a_broken_keymap_is_named_with_its_line_and_defaults_stay(store, tmp_path, workbench_home):
    import_file(store, write_jsonl(tmp_path / "d.jsonl", many_chats(2)), "d")
    keymap = workbench_home / "config" / "keymap.toml"
    keymap.parent.mkdir(parents=True, exist_ok=True)
    keymap.write_text('[keys]\n"examples.approve" = \n"nope.x" = "q"\n', "utf-8")
    app = make(store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        notes = [n.message for n in app._notifications]
        assert any(str(keymap) in n and "line 2" in n for n in notes), notes
        first = app.screen.query_one(ExampleList).current_id
        await pilot.press("a")
        assert store.examples.get_example(first)["status"] == "approved"
    assert keys.load_keymap(keymap)[0] == {}


async def test_import_dialog_imports_with_progress(store):
    seen = []
    app = make(store)
    async with app.run_test(size=SIZE, message_hook=lambda m: seen.append(m)
                            if isinstance(m, Curated) and m not in seen else None) as pilot:
        await pilot.press("i", *str(SAMPLE_DATA / "aurora_support.jsonl"), "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, ExamplesScreen)
        assert app.screen.query_one(ExampleList).count == 76
        assert store.datasets.get_dataset("aurora_support") is not None
        assert seen and seen[-1].action == "import"


async def test_a_rejected_file_lists_its_findings_and_imports_nothing(store):
    app = make(store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("i", *str(SAMPLE_DATA / "broken_examples.jsonl"), "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert type(app.screen).__name__ == "MessageDialog"
        shot = screen_text(app)
        assert "Import refused" in shot and "line" in shot
        await pilot.press("escape")
        assert type(app.screen).__name__ == "ImportDialog"
        await pilot.press("escape")
        assert isinstance(app.screen, ExamplesScreen)
    assert store.datasets.list_datasets() == []


async def test_import_can_be_cancelled_with_escape(store, tmp_path):
    big = write_jsonl(tmp_path / "big.jsonl", many_chats(4000))
    app = make(store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("i", *str(big))
        dialog = app.screen
        dialog.start()  # as enter does; pressing enter would wait for the whole import
        assert dialog.running
        await pilot.press("escape")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert type(app.screen).__name__ == "ImportDialog"
        assert "nothing was imported" in str(app.screen.query_one("#transfer-status").render())
    assert store.datasets.get_dataset("big") is None or store.examples.count_examples(store.datasets.get_dataset("big")["id"]) == 0


async def test_export_dialog_writes_the_files(store, tmp_path):
    import_file(store, write_jsonl(tmp_path / "d.jsonl", many_chats(12)), "d")
    out = tmp_path / "out"
    app = make(store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("a", "down", "a", "E")
        path_input = app.screen.query_one("#export-out")
        path_input.value = str(out)
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, ExamplesScreen)
    lines = (out / "train.jsonl").read_text("utf-8").splitlines() + (
        (out / "validation.jsonl").read_text("utf-8").splitlines() if (out / "validation.jsonl").exists() else [])
    assert len(lines) == 2 and json.loads(lines[0])["messages"]


async def test_export_refused_is_a_modal_not_a_traceback(store, tmp_path):
    import_file(store, write_jsonl(tmp_path / "d.jsonl", many_chats(3)), "d")
    app = make(store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("E")
        app.screen.query_one("#export-out").value = str(tmp_path / "out")
        await pilot.press("enter")  # nothing is approved yet
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert type(app.screen).__name__ == "MessageDialog"
        assert "no approved examples" in screen_text(app)


async def test_budget_screen_totals_model_switch_and_open(store, tmp_path):
    records = many_chats(5) + [chat("long " * 20000, "ok")]
    import_file(store, write_jsonl(tmp_path / "d.jsonl", records), "d")
    app = make(store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("2")
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        shot = screen_text(app)
        assert "estimated cost" in shot and "gpt-4o-mini-2024-07-18" in shot
        table = screen.query_one("#largest")
        assert table.row_count == 6
        await pilot.press("m")
        names = [o.id for o in app.screen.query_one("OptionList").options]
        app.screen.query_one("OptionList").highlighted = names.index("gpt-3.5-turbo-0125")
        await pilot.press("enter")
        assert app.target_model.name == "gpt-3.5-turbo-0125"
        await pilot.pause()
        shot = screen_text(app)
        assert "cl100k_base" in shot and "16,385" in shot
        assert "over limit" in shot  # 20,000 words is over gpt-3.5's 16k window
        table.focus()
        await pilot.press("enter")  # the first row: the example over the limit
        await pilot.pause()
        assert app.current_mode == "examples"
        assert type(app.screen).__name__ == "EditorScreen"
        assert app.screen.messages[1]["content"].startswith("long long")
        await pilot.press("escape", "escape")
        await app.workers.wait_for_complete()


async def test_budget_edit_model_price(store, tmp_path):
    import_file(store, write_jsonl(tmp_path / "d.jsonl", many_chats(5)), "d")
    app = make(store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("2")
        await app.workers.wait_for_complete()
        await pilot.press("M")
        app.screen.query_one("#m-price").value = "9.5"
        await pilot.press("ctrl+s")
        assert store.models.get_model("gpt-4o-mini-2024-07-18")["price_training_per_1m"] == 9.5
        assert "$9.50" in screen_text(app)


async def test_budget_refresh_and_quit(store, tmp_path):
    import_file(store, write_jsonl(tmp_path / "d.jsonl", many_chats(4)), "d")
    app = make(store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("2")
        await app.workers.wait_for_complete()
        import_file(store, write_jsonl(tmp_path / "more.jsonl", many_chats(3, "m")), "d")
        await pilot.press("ctrl+r")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.screen.query_one("#largest").row_count == 7
        await pilot.press("ctrl+q")
    assert app.return_code == 0


async def test_export_of_unreviewed_personal_data_needs_the_checkbox(store, tmp_path):
    records = [chat("My email is lena.vos@example.nl, please update it.", "Done.")] + many_chats(3)
    import_file(store, write_jsonl(tmp_path / "d.jsonl", records), "d")
    out = tmp_path / "out"
    app = make(store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("a", "E")
        app.screen.query_one("#export-out").value = str(out)
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert type(app.screen).__name__ == "MessageDialog"
        assert "export even with unreviewed personal data" in screen_text(app)
        assert not (out / "train.jsonl").exists()
        await pilot.press("escape", "E")
        app.screen.query_one("#export-out").value = str(out)
        app.screen.query_one("#export-allow-pii").value = True
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
    assert "lena.vos@example.nl" in (out / "train.jsonl").read_text("utf-8")


async def test_budget_prices_with_a_providers_training_catalogue(store, tmp_path):
    """Issue 11 item 1: the Budget screen prices a job for the chosen provider and base model."""
    from workbench.budget.sources import budget_for_dataset
    from workbench.providers.catalogue import budget_model, set_training_model, training_models
    from workbench.providers.records import add_provider

    import_file(store, write_jsonl(tmp_path / "d.jsonl", many_chats(12)), "d")
    add_provider(store, "tg", "together")
    base = training_models(store, "tg")[0]["base_model"]
    set_training_model(store, "tg", base, {"price_training_per_1m": "123.45"})
    spec, rule = budget_model(store, "tg", base)
    expected, _ = budget_for_dataset(store, store.datasets.get_dataset("d"), spec, rule=rule)
    assert expected.estimated_cost > 0
    app = make(store)
    async with app.run_test(size=(120, 34)) as pilot:
        await pilot.press("2")
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("p")
        picker = app.screen.query_one("OptionList")
        ids = [o.id for o in picker.options]
        picker.highlighted = ids.index(f"tg\t{base}")
        await pilot.press("enter")
        await pilot.pause()
        shot = screen_text(app)
        assert "tg's catalogue" in shot and "$123.45" in shot and f"${expected.estimated_cost:,.2f}" in shot
        await pilot.press("p")
        await pilot.press("home", "enter")  # the first option: the models table again
        await pilot.pause()
        shot = screen_text(app)
        assert "models table" in shot and "$123.45" not in shot


def test_the_app_warms_the_python_encoder_after_the_first_paint_and_never_builds_tiktokens(tmp_path):
    """Building tiktoken's encoder holds the GIL for 0.2-0.3 s: done in a worker thread
    while the app ran, it froze the screen (bench/concurrent_use.py, idle store); done
    before the event loop ran, it delayed the first paint by 0.5-1 s (issue 14); done
    right after the first paint, it froze the screen a key press after start. A fresh
    process shows make_app leaves tokenizers alone, the running app loads the Python
    encoder over the cached ranks in a thread once the Examples list has painted, and an edit's
    preflight counts with it: tiktoken's Rust encoder is never built."""
    import subprocess
    import sys

    code = """
import sys, threading, asyncio
from workbench.workspace import open_store
from screens.app import make_app
from screens.widgets.example_list import ExampleList
from workbench.budget import tokens
from workbench.chat.records import columns_from_record
from workbench.dataset.curation import preflight
store = open_store(sys.argv[1])
dataset = store.datasets.create_dataset("d")
record = {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}
store.examples.insert_examples([{**columns_from_record(record), "dataset_id": dataset["id"], "position": 1}])
app = make_app(store)
name = app.target_model.encoding
expected = tokens.count_example(record, tokens.get_encoding(name))  # writes the cached ranks once
tokens._encodings.clear()  # a later process: the ranks are cached, no encoder built yet
print(name in tokens._encodings or name in tokens._small_encodings)
painted, seen = [], []
original_line = ExampleList.render_line
def render_line(self, y):
    painted.append(y)
    return original_line(self, y)
ExampleList.render_line = render_line
original_get = tokens.get_encoding
def get_encoding(name, small=False):
    seen.append((bool(painted), threading.current_thread() is threading.main_thread(), small))
    return original_get(name, small=small)
tokens.get_encoding = get_encoding
async def main():
    async with app.run_test() as pilot:
        for _ in range(50):
            await pilot.pause(0.05)
            if name in tokens._small_encodings:
                break
    counted = preflight({"dataset_id": dataset["id"]}, record["messages"], (name,)).tokens[name]
    print(name in tokens._encodings, name in tokens._small_encodings, seen[0],
          counted == (expected.total, expected.trained))
asyncio.run(main())
"""
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path / "w.db")], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    # loaded after the first paint, off the UI thread (the ranks load in chunks)
    assert out.stdout.split("\n")[:2] == ["False", "False True (True, False, True) True"]
