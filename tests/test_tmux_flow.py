"""Drive the real program in tmux: import, search, edit, approve, undo, redo, export, quit.

Polls the pane for expected text with a deadline (no fixed sleeps).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from conftest import SAMPLE_DATA

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")


class Tmux:
    def __init__(self, name: str, socket: str):
        self.name = name
        self.base = ["tmux", "-L", socket]

    def run(self, *args: str) -> str:
        return subprocess.run([*self.base, *args], check=True, capture_output=True, text=True).stdout

    def keys(self, *keys: str) -> None:
        self.run("send-keys", "-t", self.name, *keys)

    def type(self, text: str) -> None:
        self.run("send-keys", "-t", self.name, "-l", text)

    def screen(self) -> str:
        return self.run("capture-pane", "-p", "-J", "-t", self.name)

    def wait_for(self, text: str, timeout: float = 20.0, gone: str | None = None) -> str:
        """Poll until `text` is on screen (and `gone`, if given, is not)."""
        deadline = time.monotonic() + timeout
        while True:
            shown = self.screen()
            if text in shown and (gone is None or gone not in shown):
                return shown
            if time.monotonic() > deadline:
                raise AssertionError(f"{text!r} did not appear within {timeout}s; the pane shows:\n{shown}")
            time.sleep(0.05)  # polling interval, not a wait for the app


def test_import_search_edit_approve_undo_redo_export_in_tmux(tmp_path):
    home, out = tmp_path / "home", tmp_path / "out"
    socket = f"wb-test-{uuid.uuid4().hex[:8]}"
    tmux = Tmux("flow", socket)
    env = {"WORKBENCH_HOME": str(home), "WORKBENCH_NO_SAMPLE": "1", "TERM": "xterm-256color"}
    # COLUMNS/LINES (set by some test runners) would override the pane's real size.
    command = ("env -u COLUMNS -u LINES " + " ".join(f"{k}={v}" for k, v in env.items())
               + f" {sys.executable} -m workbench.cli; echo WORKBENCH-EXIT-$?; sleep 60")
    tmux.run("-f", "/dev/null", "new-session", "-d", "-s", "flow", "-x", "100", "-y", "30", "-c", str(ROOT),
             command)
    try:
        tmux.wait_for("No datasets yet")
        tmux.keys("i")
        tmux.wait_for("enter imports")
        tmux.type(str(SAMPLE_DATA / "aurora_support.jsonl"))
        tmux.keys("Enter")
        tmux.wait_for("Imported 76 examples", timeout=60, gone="Import a JSONL or CSV file")

        tmux.keys("/")
        tmux.wait_for("type words to search")  # keys typed before the focus moves would go to the list
        tmux.type("retour")
        tmux.keys("Enter")
        tmux.wait_for("of 76 · search “retour”")

        tmux.keys("e")
        tmux.wait_for("esc: to the turns")
        tmux.type("EDITED ")
        tmux.wait_for("unsaved changes")
        tmux.keys("C-s")
        tmux.wait_for("· saved")
        tmux.keys("Escape")
        tmux.wait_for("esc: save and close")
        tmux.keys("Escape")
        tmux.wait_for("of 76 · search")

        tmux.keys("a")
        tmux.wait_for("Example → approved")
        tmux.keys("C-z")
        tmux.wait_for("approved → draft")  # "Undid: #N approved → draft"
        tmux.keys("C-y")
        tmux.wait_for("draft → approved")

        tmux.keys("E")
        tmux.wait_for("enter exports")
        tmux.keys("C-u")
        tmux.wait_for("to folder", gone="exports/aurora_support")
        tmux.type(str(out))
        tmux.wait_for(str(out))
        tmux.keys("Enter")
        tmux.wait_for("Exported aurora_support v1", timeout=30)
        tmux.keys("C-q")
        tmux.wait_for("WORKBENCH-EXIT-0")
        assert "Traceback" not in tmux.screen()
    finally:
        subprocess.run([*tmux.base, "kill-server"], capture_output=True)

    lines = (out / "train.jsonl").read_text("utf-8").splitlines()
    assert len(lines) == 1
    record = json.loads(lines[0])
    user_turns = [m["content"] for m in record["messages"] if m["role"] == "user"]
    assert user_turns[0].startswith("EDITED ") and "retour" in json.dumps(record, ensure_ascii=False)

    from store import Store

    store = Store(home / "workbench.db")
    try:
        dataset = store.datasets.get_dataset("aurora_support")
        approved = list(store.examples.iter_examples(dataset["id"], status="approved"))
        assert len(approved) == 1
        assert [r["action"] for r in store.examples.revisions(approved[0]["id"])] == ["create", "edit", "status", "undo",
                                                                              "redo"]
    finally:
        store.close()
