"""Concurrent use of one store file by several processes loses and fails nothing
(issue 9, item 6): two imports into the same new dataset, a personal-data scan, a rater
and a curator approving examples, all at once. Timings are the bench's business
(bench/concurrent_use.py); this checks that every write happened."""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

from concurrent_use import run_scenario  # noqa: E402


def test_two_imports_a_scan_a_rater_and_a_curator_at_once(tmp_path):
    examples, approvals = 3000, 20
    out = run_scenario(tmp_path, examples, approvals=approvals)
    for name, report in out.items():
        if name != "db":
            assert report["code"] == 0, f"{name} failed: {report['stderr']}"
    from workbench.workspace import SAMPLE_DATASET, SAMPLE_SESSION, open_store

    store = open_store(out["db"])
    together = store.datasets.get_dataset("together")
    assert store.examples.count_examples(together["id"]) == 2 * examples
    assert [int(out[f"import {i}"]["stdout"]) for i in (1, 2)] == [examples, examples]
    rated = json.loads(out["rating"]["stdout"].splitlines()[-1])["rated"]
    session = store.ratings.get_rating_session(SAMPLE_SESSION)
    assert rated > 0 and len(store.ratings.session_ratings(session["id"], "bench-rater")) == rated
    sample = store.datasets.get_dataset(SAMPLE_DATASET)
    assert store.examples.count_examples(sample["id"], status="approved") >= approvals
    assert store.datasets.staging_leftovers() == []
    assert store.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    store.close()


def test_staging_of_a_killed_import_is_removed_at_next_open(tmp_path):
    from workbench.workspace import open_store

    store = open_store(tmp_path / "s.db")
    staging = store.datasets.begin_staging("ghost", "this-host-does-not-matter", 1)
    store.close()
    # a staging owned by a process of this host that no longer runs
    import os
    import socket

    store = open_store(tmp_path / "s.db")
    dead_pid = _dead_pid()
    store.db.execute("UPDATE import_staging SET owner_host = ?, owner_pid = ? WHERE dataset_id = ?",
                     [socket.gethostname(), dead_pid, staging])
    store.close()
    store = open_store(tmp_path / "s.db")
    assert store.datasets.staging_leftovers() == []
    assert store.db.execute("SELECT count(*) FROM datasets WHERE id = ?", [staging]).fetchone()[0] == 0
    store.close()
    del os


def _dead_pid() -> int:
    import subprocess

    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid
