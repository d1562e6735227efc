"""The engine in use is shown (issue 19): "rules only" or "rules + spaCy NER (<model>)",
in `workbench pii scan` (text and --json) and in the PII screen's header. The spaCy case
uses a blank pipeline saved to disk with an entity ruler (no download, no weights)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from conftest import chat, many_chats, write_jsonl
from store import Store
from textual.app import App
from textual.widgets import Static

from screens.pii import PiiScreen
from workbench.dataset.importer import import_file
from workbench.pii.analyzer import RULES_ONLY, build_analyzer, describe_engine
from workbench.pii.review import SPACY_SETTING

WORKBENCH = [sys.executable, "-m", "workbench.cli"]


def run(*args) -> subprocess.CompletedProcess:
    return subprocess.run([*WORKBENCH, *map(str, args)], capture_output=True, text=True, env=dict(os.environ),
                          timeout=180)


@pytest.fixture
def spacy_model(tmp_path):
    spacy = pytest.importorskip("spacy")
    nlp = spacy.blank("en")
    nlp.meta["name"] = "ruler_test"
    nlp.add_pipe("entity_ruler").add_patterns([{"label": "PERSON", "pattern": "Qorvath"}])
    nlp.to_disk(tmp_path / "model")
    return tmp_path / "model"


def test_describe_engine_matches_the_built_analyzer(tmp_path, spacy_model):
    assert describe_engine(None) == RULES_ONLY == build_analyzer().engine_description
    assert describe_engine(tmp_path / "missing") == RULES_ONLY
    assert describe_engine("no_such_pipeline_installed") == RULES_ONLY
    built = build_analyzer(spacy_model_dir=spacy_model).engine_description
    assert describe_engine(spacy_model) == built == "rules + spaCy NER (en_ruler_test), offline"


@pytest.fixture
def db_with_chats(tmp_path):
    db = tmp_path / "p.db"
    records = many_chats(10) + [chat("Hi, I'm Lena Vos, mail lena.vos@example.nl", "Thanks Lena!")]
    assert run("--db", db, "import", write_jsonl(tmp_path / "d.jsonl", records), "--dataset", "d").returncode == 0
    return db


def test_pii_scan_names_the_rules_engine(db_with_chats):
    out = run("--db", db_with_chats, "pii", "scan", "d")
    assert out.returncode == 0, out.stderr
    assert "Engine: rules only (no NER model), offline." in out.stdout


def test_pii_scan_json_names_the_spacy_engine(db_with_chats, spacy_model):
    assert run("--db", db_with_chats, "pii", "spacy-model", spacy_model).returncode == 0
    out = run("--db", db_with_chats, "pii", "scan", "d", "--json")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["engine"] == "rules + spaCy NER (en_ruler_test), offline"


class PiiHost(App):
    def __init__(self, path):
        super().__init__()
        self.store = Store(path)

    def on_mount(self) -> None:
        self.push_screen(PiiScreen())

    def on_unmount(self) -> None:
        self.store.close()


async def _engine_label(store) -> tuple[str, str]:
    import_file(store, write_jsonl(store.path.parent / "chats.jsonl",
                                   many_chats(10) + [chat("Bel Sanne de Vries op 06-12345678", "Dank je!")]), "chats")
    app = PiiHost(store.path)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        before = str(app.screen.query_one("#pii-engine", Static).render())
        await pilot.press("s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        after = str(app.screen.query_one("#pii-engine", Static).render())
    return before, after


async def test_pii_screen_header_shows_the_rules_engine(store):
    before, after = await _engine_label(store)
    assert before == after == "engine: rules only (no NER model), offline"


async def test_pii_screen_header_shows_the_spacy_engine(store, spacy_model):
    store.set_setting(SPACY_SETTING, str(spacy_model))
    before, after = await _engine_label(store)
    assert before == after == "engine: rules + spaCy NER (en_ruler_test), offline"
