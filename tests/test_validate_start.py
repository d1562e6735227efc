"""`workbench validate` needs the models catalogue, not the workspace: it never creates,
migrates or seeds a store, reads a user's edited models table where one exists, and
starts without the statistics libraries."""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import many_chats, write_jsonl

WORKBENCH = [sys.executable, "-m", "workbench.cli"]


def run(*args, env=None) -> subprocess.CompletedProcess:
    return subprocess.run([*WORKBENCH, *map(str, args)], capture_output=True, text=True, env=env)


def test_validate_creates_no_store(tmp_path, workbench_home):
    path = write_jsonl(tmp_path / "d.jsonl", many_chats(12))
    out = run("validate", path, "--model", "gpt-4o-mini", "--json")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["valid_examples"] == 12
    assert not (workbench_home / "workbench.db").exists()
    assert not (tmp_path / "other.db").exists()
    out = run("--db", tmp_path / "other.db", "validate", path, "--model", "gpt-4o-mini")
    assert out.returncode == 0 and not (tmp_path / "other.db").exists()


def test_validate_uses_the_stores_edited_limit_without_migrating_it(tmp_path):
    db = tmp_path / "s.db"
    assert run("--db", db, "models", "set", "gpt-4o-mini", "--limit", "20").returncode == 0
    before = db.read_bytes()
    path = write_jsonl(tmp_path / "d.jsonl", many_chats(12))
    report = json.loads(run("--db", db, "validate", path, "--model", "gpt-4o-mini", "--json").stdout)
    assert report["counts_by_code"].get("example_too_long") == 12  # the user's 20-token limit
    assert db.read_bytes() == before


def test_validate_imports_no_statistics_libraries(tmp_path):
    path = write_jsonl(tmp_path / "d.jsonl", many_chats(12))
    probe = ("import sys, runpy; sys.argv = ['workbench', 'validate', sys.argv[1], '--model', 'gpt-4o-mini'];"
             "from workbench.cli.main import cli;"
             "cli.main(standalone_mode=False);"
             "heavy = sorted(m for m in ('scipy', 'numpy', 'pandas', 'sqlite_utils', 'textual') if m in sys.modules);"
             "print('HEAVY', heavy)")
    out = subprocess.run([sys.executable, "-c", probe, str(path)], capture_output=True, text=True)
    assert "HEAVY []" in out.stdout, out.stdout + out.stderr
