"""tasks.py takes a lock on .venv.lock, so two first runs at once (the README's two
commands started in two terminals) do not build the same .venv together: the second
says it waits, then runs once the first is done."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

fcntl = pytest.importorskip("fcntl", reason="the lock test uses POSIX flock")


def test_a_second_tasks_run_waits_while_another_holds_the_venv():
    with open(ROOT / ".venv.lock", "a+b") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        # `mutate report` needs only the venv (present: this test runs in it) and no network
        proc = subprocess.Popen([sys.executable, str(ROOT / "tasks.py"), "mutate", "report"],
                                cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            first = proc.stdout.readline()
            assert "waiting" in first, first
            # it cannot have gone on: the lock is still ours
            assert proc.poll() is None
        finally:
            fcntl.flock(held, fcntl.LOCK_UN)
        rest, _ = proc.communicate(timeout=120)
    assert proc.returncode == 0, rest
    assert "module | mutants" in rest
