"""The Personal data screen, driven with Pilot on a real store with the sample dataset."""

from __future__ import annotations

import json

import pytest

from store import Store
from textual.app import App

from conftest import SAMPLE_DATA
from screens.pii import PiiScreen
from workbench.dataset.importer import import_file


class PiiHost(App):
    def __init__(self, path):
        super().__init__()
        self.store = Store(path)  # screens use the app's one store

    def on_mount(self) -> None:
        self.push_screen(PiiScreen())

    def on_unmount(self) -> None:
        self.store.close()


@pytest.fixture
def sample(store):
    tags = {int(k): v for k, v in json.loads((SAMPLE_DATA / "aurora_support.tags.json").read_text()).items()}
    import_file(store, SAMPLE_DATA / "aurora_support.jsonl", "aurora", tags_by_line=tags)
    return store


async def test_scan_review_and_redact_from_the_keyboard(sample):
    dataset_id = sample.datasets.get_dataset("aurora")["id"]
    app = PiiHost(sample.path)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert "press s to scan" in str(app.screen.query_one("#pii-summary").render())
        await pilot.press("s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        assert len(screen.rows) >= 20
        first = screen.current()
        await pilot.press("x")  # dismiss this one
        assert {f["id"]: f["decision"] for f in sample.pii.pii_findings(dataset_id)}[first["id"]] == "dismiss"
        email = next(i for i, r in enumerate(screen.rows) if r["entity"] == "EMAIL_ADDRESS")
        screen.query_one("#pii-table").move_cursor(row=email)
        await pilot.press("E")  # every pending email
        assert not sample.pii.pii_findings(dataset_id, decision="pending", entity="EMAIL_ADDRESS")
        url = next(i for i, r in enumerate(screen.rows) if r["entity"] == "URL")
        screen.query_one("#pii-table").move_cursor(row=url)
        await pilot.press("D")  # every pending URL is a false positive here
        urls = sample.pii.pii_findings(dataset_id, entity="URL")
        assert urls and all(f["decision"] == "dismiss" for f in urls)
        await pilot.press("g")
        assert screen.group_by == "example"
        await pilot.press("p")
        await pilot.pause()
        await pilot.press("enter")  # apply with placeholders: asks first (issue 10 item 14)
        await pilot.pause()
        from screens.dialogs import ConfirmDialog

        assert isinstance(app.screen, ConfirmDialog)
        values, examples = screen.redaction_counts()
        assert values > 0 and f"Replace {values} values in {examples} examples" in app.screen.body
        await pilot.press("y")
        await pilot.pause()
        emails = [f for f in sample.pii.pii_findings(dataset_id) if f["entity"] == "EMAIL_ADDRESS"]
    texts = json.dumps([e["messages"] for e in sample.examples.iter_examples(dataset_id)], ensure_ascii=False)
    assert "priya.raman@example.com" not in texts and "<EMAIL_ADDRESS>" in texts
    assert not [f for f in emails if f["decision"] == "redact"]


async def test_no_datasets_explains(store):
    app = PiiHost(store.path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert "Import one" in str(app.screen.query_one("#pii-summary").render())
        await pilot.press("s", "r", "p")  # nothing to act on: no crash


async def test_a_second_p_asks_before_pseudonymising_and_esc_keeps_the_data(sample):
    dataset_id = sample.datasets.get_dataset("aurora")["id"]
    before = json.dumps([e["messages"] for e in sample.examples.iter_examples(dataset_id)], ensure_ascii=False)
    app = PiiHost(sample.path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("R")  # accept every finding of this value
        await pilot.press("p")
        await pilot.pause()
        await pilot.press("p")  # pseudonyms: not applied yet
        await pilot.pause()
        assert "cannot be undone" in app.screen.body
        await pilot.press("escape")
        await pilot.pause()
    after = json.dumps([e["messages"] for e in sample.examples.iter_examples(dataset_id)], ensure_ascii=False)
    assert after == before
