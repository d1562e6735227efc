"""Shared fixtures: every test gets its own WORKBENCH_HOME, so none touches real user data."""

from __future__ import annotations

import json
import signal
from pathlib import Path

import pytest

# A suite started in the background (`nohup`, `cmd &` in a script, some CI runners) starts
# with Ctrl+C ignored, and every program the tests start would inherit that: the tests of
# what Ctrl+C does (an import, a parallel scan) then saw it do nothing. Put it back.
if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

ROOT = Path(__file__).resolve().parent.parent
#: Reference files beside the repository (../shared: the cookbook's toy dataset, the
#: OpenAI and Together API specs). Tests find them only through these names and the
#: `shared` fixture, and skip with a reason where the folder is absent.
SHARED = ROOT.parent / "shared"
SHARED_OPENAI = SHARED / "openai"
TOY_DATASET = SHARED_OPENAI / "toy_chat_fine_tuning.jsonl"
SAMPLE_DATA = ROOT / "sample_data"


@pytest.fixture(autouse=True)
def workbench_home(tmp_path, monkeypatch):
    home = tmp_path / "home"
    monkeypatch.setenv("WORKBENCH_HOME", str(home))
    monkeypatch.setenv("WORKBENCH_NO_SAMPLE", "1")
    return home


@pytest.fixture(autouse=True)
def no_unexpected_error_notices(request, monkeypatch, workbench_home):
    """The app turns an exception in an action into an error notice (and a crash.log)
    instead of dying; a test must not pass while that happens behind its back. Any error
    notice or crash log fails the test unless it is marked `expect_error_notice`."""
    from textual.app import App

    seen: list[str] = []
    real_notify = App.notify

    def notify(self, message, *args, severity="information", **kwargs):
        if severity == "error":
            seen.append(str(message))
        return real_notify(self, message, *args, severity=severity, **kwargs)

    monkeypatch.setattr(App, "notify", notify)
    yield seen
    if request.node.get_closest_marker("expect_error_notice"):
        return
    crash_logs = [str(p) for p in workbench_home.rglob("crash.log")]
    assert not seen and not crash_logs, f"unexpected error notices {seen} / crash logs {crash_logs}"


@pytest.fixture
def store(tmp_path):
    from workbench.workspace import open_store

    s = open_store(tmp_path / "test.db")
    yield s
    s.close()


@pytest.fixture
def shared() -> Path:
    """The ../shared reference folder, or a skip saying where it was looked for."""
    if not SHARED.is_dir():
        pytest.skip(f"reference folder {SHARED} (../shared beside the repository) is not present")
    return SHARED


@pytest.fixture
def toy_dataset() -> Path:
    if not TOY_DATASET.exists():
        pytest.skip(f"reference file {TOY_DATASET} is not present")
    return TOY_DATASET


def write_jsonl(path: Path, records: list) -> Path:
    """Write records (dicts, or str lines written verbatim) as a JSONL file."""
    with open(path, "w", encoding="utf-8") as handle:
        for record in records:
            handle.write((record if isinstance(record, str) else json.dumps(record, ensure_ascii=False)) + "\n")
    return path


def chat(user: str = "Where is my order AUR-1?", answer: str = "It ships tomorrow.", system: str | None = "You are Aurora Assist.") -> dict:
    messages = [{"role": "system", "content": system}] if system else []
    messages += [{"role": "user", "content": user}, {"role": "assistant", "content": answer}]
    return {"messages": messages}


def many_chats(n: int, prefix: str = "q") -> list[dict]:
    return [chat(f"{prefix} question {i}", f"answer {i}") for i in range(n)]
