"""Drive the real program in tmux at 80x24 through a whole rating session: the mode bar
names the keys that leave, a flag shows, nothing but progress shows while rating, and
the result with the gate's final verdict appears in place when the last pair is rated.

Polls the pane for expected text with a deadline (no fixed sleeps)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import uuid

import pytest

from test_tmux_flow import ROOT, Tmux

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")


def test_rate_a_whole_session_at_80x24(tmp_path):
    from store import Store
    from workbench.workspace import seed_sample_rating

    home = tmp_path / "home"
    home.mkdir()
    from workbench.workspace import open_store

    store = open_store(home / "workbench.db")
    seed_sample_rating(store)
    store.set_setting("rater", "ann")
    session_id = store.ratings.list_rating_sessions()[0]["id"]
    store.close()

    socket = f"wb-rate-{uuid.uuid4().hex[:8]}"
    tmux = Tmux("rate", socket)
    env = {"WORKBENCH_HOME": str(home), "WORKBENCH_NO_SAMPLE": "1", "TERM": "xterm-256color"}
    command = ("env -u COLUMNS -u LINES " + " ".join(f"{k}={v}" for k, v in env.items())
               + f" {sys.executable} -m workbench.cli; echo WORKBENCH-EXIT-$?; sleep 60")
    tmux.run("-f", "/dev/null", "new-session", "-d", "-s", "rate", "-x", "80", "-y", "24", "-c", str(ROOT), command)
    try:
        tmux.wait_for("1 EXAMPLES", timeout=30)
        tmux.keys("4")
        shown = tmux.wait_for("esc back to Examples", timeout=30)
        assert "2 Budget" not in shown
        tmux.wait_for("0/36 rated")
        tmux.keys("f")
        tmux.wait_for("FLAGGED")
        for done in range(1, 36):
            tmux.keys("1")
            tmux.wait_for(f"{done}/36 rated")
        shown = tmux.screen()
        assert "%" not in shown.split("Session:")[-1].split("\n")[0]  # progress only, no running result
        tmux.keys("1")
        shown = tmux.wait_for("You may stop now", timeout=30)
        assert "Gate:" in shown and "final" in shown
        tmux.keys("Escape")
        tmux.wait_for("1 EXAMPLES")
        tmux.keys("C-q")
        tmux.wait_for("WORKBENCH-EXIT-0")
        assert "Traceback" not in tmux.screen()
    finally:
        subprocess.run([*tmux.base, "kill-server"], capture_output=True)

    with Store(home / "workbench.db") as store:
        rows = store.ratings.session_ratings(session_id, "ann")
        assert len(rows) == 36 and rows[0]["flagged"] == 1
        assert store.ratings.gate_verdict(session_id) is not None
