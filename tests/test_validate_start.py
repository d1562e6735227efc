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


#: What `workbench validate FILE --model M` must not import: each costs start-up time
#: (issue 14: start in 0.3 s) and none is needed to check a file.
NOT_ON_THE_VALIDATE_PATH = (
    "scipy", "numpy", "pandas", "sqlite_utils", "textual", "presidio_analyzer", "rich",
    "store.store", "store.db", "workbench.workspace",  # the workspace is never opened
    "multiprocessing",  # a small file is checked in-process
    "click.shell_completion", "workbench.cli.completion",
    # other command groups: loaded only when their command runs
    "workbench.cli.eval", "workbench.cli.pii", "workbench.cli.jobs", "workbench.cli.providers",
    "workbench.cli.registry", "workbench.cli.health", "workbench.cli.doctor", "workbench.cli.snapshot",
    "workbench.cli.governance",
)


def _modules_after(argv: list) -> set:
    probe = ("import sys, json; sys.argv = ['workbench', *json.loads(sys.argv[1])];"
             "from workbench.cli.main import cli\n"
             "try: cli.main(standalone_mode=False)\n"
             "except SystemExit: pass\n"
             "print('MODULES', json.dumps(sorted(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", probe, json.dumps([str(a) for a in argv])],
                         capture_output=True, text=True)
    line = next((ln for ln in out.stdout.splitlines() if ln.startswith("MODULES ")), None)
    assert line is not None, out.stdout + out.stderr
    return set(json.loads(line[len("MODULES "):]))


def test_validate_imports_only_what_checking_a_file_needs(tmp_path):
    path = write_jsonl(tmp_path / "d.jsonl", many_chats(12))
    loaded = _modules_after(["validate", path, "--model", "gpt-4o-mini"])
    assert "tiktoken" in loaded and "workbench.chat.checks" in loaded  # the probe did validate
    assert sorted(set(NOT_ON_THE_VALIDATE_PATH) & loaded) == []


def test_validate_without_a_model_needs_no_tokenizer(tmp_path):
    path = write_jsonl(tmp_path / "d.jsonl", many_chats(12))
    loaded = _modules_after(["validate", path])
    assert "workbench.chat.checks" in loaded
    assert "tiktoken" not in loaded


def test_other_commands_still_load_their_group(tmp_path):
    """The lazy root group loads a command's module when that command runs."""
    loaded = _modules_after(["--db", tmp_path / "s.db", "pii", "--help"])
    assert "workbench.cli.pii" in loaded and "workbench.cli.jobs" not in loaded
