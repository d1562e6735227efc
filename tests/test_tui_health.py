"""The Health mode (figures, near-duplicate review with undo) and the Rating screen's
"write example" key, driven with Pilot on the real app and a real store."""

from __future__ import annotations

import json
import random

import pytest

from screens.app import make_app
from test_tui_helpers import screen_text
from workbench.dataset.curation import Curation, ExampleView
from workbench.workspace import SAMPLE_DATASET, seed_sample_workspace

SIZE = (80, 24)


@pytest.fixture
def sample_workspace(store):
    seed_sample_workspace(store)  # the sample dataset, its rating session and its declared coverage
    store.set_setting("rater", "ann")
    return store


def make(store):
    app = make_app(store)
    app.cursor_blink = False
    return app


async def test_health_mode_shows_the_unmet_minimum_at_80x24(sample_workspace):
    app = make(sample_workspace)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("8")
        assert app.current_mode == "health"
        await app.workers.wait_for_complete()
        await pilot.pause()
        text = screen_text(app)
        assert "1 declared minimum unmet" in text
        assert "MISSING" in text and "intent:sizing" in text


def _plant_copies(store, n: int) -> list[set[str]]:
    dataset = store.datasets.get_dataset(SAMPLE_DATASET)
    examples = list(store.examples.iter_examples(dataset["id"]))
    curation = Curation(store)
    groups = []
    for source in random.Random(1).sample(examples, n):
        messages = json.loads(json.dumps(source["messages"]))
        messages[-1]["content"] = str(messages[-1].get("content") or "") + " Thanks!"
        groups.append({source["id"], curation.create(dataset["id"], messages, source=source)})
    return groups


async def test_review_near_duplicates_keep_one_then_undo(sample_workspace):
    planted = _plant_copies(sample_workspace, 2)
    app = make(sample_workspace)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("8")
        await app.workers.wait_for_complete()
        await pilot.press("s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        await app.workers.wait_for_complete()
        screen = app.screen
        found = [{m["example_id"] for m in sample_workspace.health.group_members(g["id"])} for g in screen.groups]
        assert sorted(map(sorted, found)) == sorted(map(sorted, planted))
        group_ids = {m["example_id"] for m in screen.members}
        kept = screen.members[0]["example_id"]
        (other,) = group_ids - {kept}
        before = sample_workspace.examples.get_example(other)["status"]
        await pilot.press("k")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert sample_workspace.examples.get_example(other)["status"] == "rejected"
        assert sample_workspace.examples.get_example(kept)["status"] == before
        assert len(app.screen.groups) == 1
        await pilot.press("ctrl+z")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert sample_workspace.examples.get_example(other)["status"] == before
        assert len(app.screen.groups) == 2


async def test_a_both_bad_rating_becomes_a_draft_in_three_keystrokes(sample_workspace):
    app = make(sample_workspace)
    dataset = sample_workspace.datasets.get_dataset(SAMPLE_DATASET)
    before = sample_workspace.examples.count_examples(dataset["id"])
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("4")  # the Rating mode (a mode key, before any verdict)
        await pilot.pause()
        pair = app.screen._views()[0].pair
        await pilot.press("4", "w", "ctrl+s")  # both bad · write example · save
        await pilot.pause()
        await app.workers.wait_for_complete()
        assert sample_workspace.examples.count_examples(dataset["id"]) == before + 1
    page = Curation(sample_workspace).page(dataset["id"], ExampleView(flag="from_ratings"), encoding="o200k_base",
                                           offset=0, limit=10)
    (row,) = page
    example = sample_workspace.examples.get_example(row["id"])
    assert example["messages"][:-1] == pair.messages
    assert example["messages"][-1] == {"role": "assistant", "content": pair.left.strip()}
    assert example["tags"] == pair.tags and example["status"] == "draft"
    (rating,) = sample_workspace.ratings.session_ratings(app.store.ratings.list_rating_sessions()[0]["id"], "ann")
    assert rating["verdict"] == "both_bad"
    assert sample_workspace.health.example_source(example["id"])["rating_id"] == rating["id"]
