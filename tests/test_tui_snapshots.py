"""A few SVG snapshots at 100x30 (cursor blink off). Update with --snapshot-update."""

from __future__ import annotations

import pytest

from conftest import chat, many_chats, write_jsonl
from screens.app import make_app
from workbench.dataset.importer import import_file

SIZE = (100, 30)


@pytest.fixture
def app(store, tmp_path):
    records = many_chats(8)
    records[1] = {"messages": [
        {"role": "system", "content": "You are Aurora Assist."},
        {"role": "user", "content": "Where is order AUR-1?"},
        {"role": "assistant", "content": None, "tool_calls": [
            {"id": "call_1", "type": "function",
             "function": {"name": "order_status", "arguments": "{\"order\": \"AUR-1\"}"}}]},
        {"role": "tool", "tool_call_id": "call_1", "content": "{\"status\": \"shipped\"}"},
        {"role": "assistant", "content": "It **shipped** today:\n\n- carrier: PostNL\n- eta: tomorrow",
         "weight": 0},
    ]}
    records[2] = chat("Waar is mijn pakket?", "Het is onderweg.")
    import_file(store, write_jsonl(tmp_path / "d.jsonl", records), "support")
    application = make_app(store)
    application.cursor_blink = False
    return application


def test_examples_screen(app, snap_compare):
    assert snap_compare(app, terminal_size=SIZE, press=["down"])


def test_editor(app, snap_compare):
    async def settle(pilot):
        await pilot.press("down", "e")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=settle)


def test_budget_screen(app, snap_compare):
    async def settle(pilot):
        await pilot.press("2")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=settle)
