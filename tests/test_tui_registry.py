"""The Registry mode, driven with Pilot on a real store: the sample registry's story,
promote refused by the gate, override with a reason, rollback, generation with progress
and cancel over real HTTP, and the lifecycle warning."""

from __future__ import annotations

import datetime as dt

import pytest

from chat_server import ChatServer
from screens.app import make_app
from screens.registry import ActionDone, GenerationFinished, GenerationProgress, RegistryScreen
from workbench.registry import entries
from workbench.workspace import SAMPLE_BASELINE, seed_sample_rating, seed_sample_registry


@pytest.fixture
def sample(store):
    seed_sample_rating(store)
    seed_sample_registry(store)
    return store


async def settle(app, pilot) -> None:
    """Wait for the screen's workers; a load replaced by a newer one (exclusive) is fine."""
    from textual.worker import WorkerCancelled

    for _ in range(5):
        try:
            await app.workers.wait_for_complete()
            break
        except WorkerCancelled:
            continue
    await pilot.pause()


async def open_registry(app, pilot) -> RegistryScreen:
    await pilot.press("5")
    await pilot.pause()
    await settle(app, pilot)
    screen = app.screen
    assert isinstance(screen, RegistryScreen)
    return screen


async def select(app, pilot, screen: RegistryScreen, name: str) -> None:
    table = screen.query_one("#registry-table")
    table.move_cursor(row=next(i for i, m in enumerate(screen.models) if m["name"] == name))
    await pilot.pause()
    await settle(app, pilot)


def record(screen) -> str:
    return str(screen.query_one("#registry-record").render())


async def test_sample_registry_tells_its_story_at_80x24(sample):
    app = make_app(sample)
    app.cursor_blink = False
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_registry(app, pilot)
        assert [(m["name"], m["status"]) for m in screen.models] == [
            (SAMPLE_BASELINE, "promoted"), ("aurora-v3", "candidate"), ("aurora-v2", "rolled_back")]
        text = record(screen)
        assert "[PROMOTED]" in text and "restore" in text and "promote candidate → promoted" in text
        await select(app, pilot, screen, "aurora-v2")
        text = record(screen)
        assert "rollback promoted → rolled_back, back to" in text and "OVERRIDDEN" in text
        assert "p promote" in str(screen.query_one("#registry-status").render())


@pytest.mark.expect_error_notice  # the gate refusal is shown as an error notice on purpose
async def test_gate_refuses_then_override_then_rollback(sample):
    messages = []
    app = make_app(sample)
    app.cursor_blink = False
    async with app.run_test(size=(100, 30), message_hook=messages.append) as pilot:
        screen = await open_registry(app, pilot)
        await select(app, pilot, screen, "aurora-v3")
        await pilot.press("p")
        await settle(app, pilot)
        refused = [m for m in messages if isinstance(m, ActionDone)][-1]
        assert "gate does not promote" in refused.error and "override key" in refused.error
        assert sample.registry.promoted()["name"] == SAMPLE_BASELINE
        await pilot.press("P")
        await pilot.pause()
        await pilot.press(*"hotfix for the sale", "enter")
        await settle(app, pilot)
        assert sample.registry.promoted()["name"] == "aurora-v3"
        await settle(app, pilot)
        assert "OVERRIDDEN" in record(screen) and "hotfix for the sale" in record(screen)
        await pilot.press("R")
        await pilot.pause()
        await pilot.press("enter")  # no reason needed to roll back
        await settle(app, pilot)
    assert sample.registry.promoted()["name"] == SAMPLE_BASELINE
    assert entries.get(sample, "aurora-v3")["status"] == "rolled_back"


async def test_generate_shows_progress_and_cancel_keeps_answers(sample):
    from workbench.providers.records import add_provider

    messages = []
    with ChatServer(delay=0.05) as server:
        add_provider(sample, "local", "openai-compatible", server.base_url, key_required=False)
        entries.register(sample, "llama-a", "llama-a", provider="local", kind="base")
        app = make_app(sample)
        app.cursor_blink = False

        def hook(message):
            messages.append(message)
            if isinstance(message, GenerationProgress) and message.done >= 6:
                app.screen.action_cancel()

        async with app.run_test(size=(100, 30), message_hook=hook) as pilot:
            screen = await open_registry(app, pilot)
            await select(app, pilot, screen, "llama-a")
            await pilot.press("g")
            await pilot.pause()
            await pilot.press("enter")  # the only golden set
            await pilot.pause()
            await settle(app, pilot)
    finished = [m for m in messages if isinstance(m, GenerationFinished)]
    assert finished and "(cancelled)" in finished[-1].text
    kept = sample.db.execute("SELECT count(*) FROM generations WHERE model = 'llama-a'").fetchone()[0]
    assert 6 <= kept < 40
    assert any(isinstance(m, GenerationProgress) for m in messages)


async def test_warning_for_a_promoted_model_near_shutdown(sample):
    soon = (dt.date.today() + dt.timedelta(days=12)).isoformat()
    entries.set_lifecycle(sample, SAMPLE_BASELINE, shutdown_date=soon)
    app = make_app(sample)
    app.cursor_blink = False
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_registry(app, pilot)
        warning = str(screen.query_one("#registry-warnings").render())
        assert "stops serving in 12 days" in warning and "capture" in warning
        assert screen.query_one("#registry-warnings").has_class("shown")
