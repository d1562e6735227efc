"""Help, version, completion and the findings summary of the command line."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import click
import pytest
from hypothesis import given, settings, strategies as st

from conftest import chat, many_chats, write_jsonl
from test_cli import WORKBENCH, run
from workbench.chat.checks import CODES
from workbench.chat.findings import Finding
from workbench.chat.fixes import FIXES
from workbench.cli.help import walk
from workbench.cli.main import cli
from workbench.cli.render import summarize_findings


def _help_of(path: str, command: click.Command) -> str:
    ctx = None
    for name in ["workbench", *path.split()]:
        ctx = click.Context(cli if ctx is None else ctx.command.commands[name], info_name=name, parent=ctx)
    return command.get_help(ctx)


@pytest.mark.parametrize("path", [path for path, _ in walk(cli)])
def test_every_command_has_examples_in_its_help(path):
    command = dict(walk(cli))[path]
    text = _help_of(path, command)
    assert "Examples:" in text, f"`workbench {path} --help` has no examples"
    block = text.split("Examples:", 1)[1]
    assert "workbench" in block and (not path or f"workbench {path}".split()[1] in block)


def test_root_help_groups_commands_in_sections():
    out = run("--help")
    assert out.returncode == 0
    for section in ("Data:", "Personal data:", "Evaluation:", "Team and governance:", "App and shell:"):
        assert section in out.stdout
    data = out.stdout.split("Data:", 1)[1].split("Personal data:", 1)[0]
    assert "import" in data and "validate" in data and "golden" not in data


def test_version_names_the_app_and_the_store_schema(tmp_path):
    from workbench.workspace import open_store

    store = open_store(tmp_path / "s.db")
    newest = store.schema_version()[-1]
    store.close()
    out = run("--version")
    assert out.returncode == 0
    assert out.stdout.startswith("ft-workbench 0.") and f"store schema {newest}" in out.stdout


def _complete(words: str, env=None) -> list[str]:
    """Ask the real program for bash completions of `words` (the last word is completed)."""
    parts = words.split(" ")
    out = subprocess.run(WORKBENCH, capture_output=True, text=True, timeout=120,
                         env={**os.environ, **(env or {}), "_WORKBENCH_COMPLETE": "bash_complete",
                              "COMP_WORDS": words, "COMP_CWORD": str(len(parts) - 1)})
    assert out.returncode == 0, out.stderr
    return [line.split(",", 1)[1] for line in out.stdout.splitlines() if line.startswith("plain,")]


def test_completion_offers_dataset_golden_set_and_session_names(tmp_path):
    db = tmp_path / "s.db"
    for name in ("support", "sales"):
        run("--db", db, "import", write_jsonl(tmp_path / f"{name}.jsonl", many_chats(3, name)), "--dataset", name)
    assert sorted(_complete(f"workbench --db {db} export ")) == ["sales", "support"]
    assert _complete(f"workbench --db {db} pii scan su") == ["support"]
    assert _complete(f"workbench --db {db} versions x") == []
    assert "support" in _complete(f"workbench --db {db} budget s")
    assert _complete("workbench imp") == ["import"]
    # the default store (seeded with the sample workspace) has a golden set and a session
    assert run("datasets", env={"WORKBENCH_NO_SAMPLE": "0"}).returncode == 0
    assert "aurora-golden" in _complete("workbench golden freeze ")
    assert "aurora-golden" in _complete("workbench rate new --set a")
    sessions = _complete("workbench rate report ")
    assert sessions and all(" vs " in s for s in sessions)


def test_completion_without_a_store_offers_nothing_and_creates_nothing(tmp_path):
    db = tmp_path / "none.db"
    assert _complete(f"workbench --db {db} export ") == []
    assert not db.exists()


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_command_prints_the_script(shell):
    out = run("completion", shell)
    assert out.returncode == 0 and "_WORKBENCH_COMPLETE" in out.stdout and f"{shell}_complete" in out.stdout


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
def test_completion_works_in_bash(tmp_path):
    db = tmp_path / "s.db"
    run("--db", db, "import", write_jsonl(tmp_path / "support.jsonl", many_chats(3)), "--dataset", "support")
    script = run("completion", "bash").stdout
    bin_dir = Path(sys.executable).parent
    if not (bin_dir / "workbench").exists():
        pytest.skip(f"no workbench launcher next to {sys.executable}")
    session = (f'{script}\nCOMP_WORDS=(workbench --db {db} export su); COMP_CWORD=4\n'
               '_workbench_completion workbench\nprintf "%s\\n" "${COMPREPLY[@]}"\n')
    out = subprocess.run(["bash", "--norc", "--noprofile"], input=session, capture_output=True, text=True,
                         env={**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}, timeout=120)
    assert out.stdout.split() == ["support"], out.stderr


def test_every_check_code_has_a_fix():
    assert set(CODES) <= set(FIXES)


findings_strategy = st.lists(st.builds(
    Finding, code=st.sampled_from(sorted(CODES)), severity=st.sampled_from(["error", "warning"]),
    line=st.one_of(st.none(), st.integers(1, 10**6)), message_index=st.none(),
    message=st.text(st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")), max_size=40)), max_size=300)


@settings(max_examples=60, deadline=None)
@given(findings=findings_strategy, show=st.one_of(st.none(), st.integers(0, 5)))
def test_summary_is_bounded_by_codes_and_shows_every_finding_when_asked(findings, show):
    lines = "\n".join(summarize_findings(findings, show)).splitlines()
    codes = {f.code for f in findings}
    if not findings:
        assert lines == []
        return
    table_lines = 2 + len(codes)
    if show is None:
        assert len(lines) == table_lines + len(codes) + len(findings)
    else:
        assert len(lines) <= table_lines + (len(codes) * (show + 2) if show else 0)
    counts = {line.split()[0]: line.split()[2] for line in lines[2:table_lines]}
    assert counts == {code: f"{sum(f.code == code for f in findings):,}" for code in codes}


def test_import_summary_stays_short_for_many_identical_warnings(tmp_path):
    records = [chat(f"q{i}", f"a{i}", system=None) for i in range(500)]
    out = run("--db", tmp_path / "s.db", "import", write_jsonl(tmp_path / "d.jsonl", records), "--dataset", "d")
    assert out.returncode == 0
    lines = out.stdout.splitlines()
    assert len(lines) <= 10 and "missing_system_message" in lines[2] and "500" in lines[2]
    everything = run("validate", tmp_path / "d.jsonl", "--all").stdout.splitlines()
    assert sum(line.startswith("  line ") for line in everything) == 500
    table_only = run("validate", tmp_path / "d.jsonl", "--show", "0").stdout.splitlines()
    assert len(table_only) == 4
