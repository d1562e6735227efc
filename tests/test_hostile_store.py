"""Issue 9 items 5, 7-11: a store that refuses what it cannot trust, names that never
become paths, one-line errors, a keymap that cannot stop the app, an editor that does
not save a stale copy over a redaction."""

from __future__ import annotations

import errno
import os
import random
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, strategies as st

from conftest import ROOT, many_chats, write_jsonl
from store.db import failure_kind
from workbench import paths
from workbench.dataset.exporter import ExportRefused, export_dataset
from workbench.dataset.importer import ImportFailed, import_file
from workbench.doctor.checks import examine
from workbench.errors import StoreUnavailable
from workbench.workspace import open_store


def _filled(path: Path, tmp_path: Path, n: int = 300):
    store = open_store(path)
    import_file(store, write_jsonl(tmp_path / "in.jsonl", many_chats(n)), "d")
    return store


# ------------------------------------------------------------------ item 7: newer stores


@pytest.mark.parametrize("how", ["user_version", "unknown migration"])
def test_a_store_written_by_a_newer_version_is_refused_untouched(tmp_path, how):
    path = tmp_path / "s.db"
    open_store(path).close()
    conn = sqlite3.connect(path)
    if how == "user_version":
        conn.execute("PRAGMA user_version = 99")
    else:
        conn.execute("INSERT INTO _sqlite_migrations(migration_set, name, applied_at) "
                     "VALUES ('ft-workbench', '0099_from_the_future', 'x')")
    conn.commit()
    conn.close()
    before = path.read_bytes()
    with pytest.raises(StoreUnavailable, match=r"written by a newer ft-workbench \(schema \d+"):
        open_store(path)
    assert path.read_bytes() == before


# ------------------------------------------------------------------ item 8: damage


def test_random_bytes_in_the_file_stop_import_and_export_and_doctor_says_so(tmp_path):
    path = tmp_path / "s.db"
    store = _filled(path, tmp_path)
    store.close()
    size = path.stat().st_size
    assert size > 64 * 1024
    conn = sqlite3.connect(path)  # the schema may have a page anywhere (a migration's overflow): aim at data
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    schema = {p for (p,) in conn.execute("SELECT pageno FROM dbstat WHERE name = 'sqlite_schema'")}
    conn.close()
    start = size // 2 // page_size
    while start + 1 in schema or start + 2 in schema:
        start += 2
    with open(path, "r+b") as handle:  # 8 KiB of noise past the schema pages
        handle.seek(start * page_size)
        handle.write(random.Random(9).randbytes(8192))
    store = open_store(path)
    with pytest.raises(ImportFailed, match="damaged"):
        import_file(store, write_jsonl(tmp_path / "more.jsonl", many_chats(3, "z")), "d")
    with pytest.raises(ExportRefused, match="damaged"):
        export_dataset(store, "d", tmp_path / "out")
    checks = examine(store)
    assert checks[0].name == "integrity" and not checks[0].ok
    store.close()


def test_a_changed_text_byte_is_caught_at_export_and_by_doctor(tmp_path):
    store = _filled(tmp_path / "s.db", tmp_path, n=12)
    outside = sqlite3.connect(store.path)  # an edit behind the workbench's back
    outside.execute("UPDATE examples SET messages = replace(messages, 'answer 3', 'answer 8') "
                    "WHERE messages LIKE '%answer 3\"%'")
    outside.commit()
    outside.close()
    with pytest.raises(ExportRefused, match="no longer matches its content hash"):
        export_dataset(store, "d", tmp_path / "out", validation_share=0, allow_pii=True)
    assert not (tmp_path / "out" / "train.jsonl").exists()
    bad = [c for c in examine(store) if not c.ok]
    assert [c.name for c in bad] == ["content hashes"] and "d #4" in bad[0].detail
    store.close()


def test_doctor_command_reports_and_exits_nonzero_on_damage(tmp_path):
    store = _filled(tmp_path / "s.db", tmp_path, n=12)
    store.close()
    run = _cli(["--db", str(tmp_path / "s.db"), "doctor"], tmp_path)
    assert run.returncode == 0 and "ok   integrity" in run.stdout, run.stderr
    conn = sqlite3.connect(tmp_path / "s.db")
    conn.execute("UPDATE examples SET notes = 'x', messages = replace(messages, 'q question 1\"', 'q question 7\"')")
    conn.commit()
    conn.close()
    run = _cli(["--db", str(tmp_path / "s.db"), "doctor"], tmp_path)
    assert run.returncode == 1 and "FAIL content hashes" in run.stdout


# ------------------------------------------------------------------ item 9: names and paths


@pytest.mark.parametrize("name", ["../../x", "/tmp/abs", "a/b", "..", "a\\b"])
def test_a_dataset_name_that_is_a_path_is_refused(store, tmp_path, name):
    with pytest.raises(ImportFailed, match="dataset name cannot"):
        import_file(store, write_jsonl(tmp_path / "in.jsonl", many_chats(2)), name)
    assert store.datasets.list_datasets() == []


@given(st.text(min_size=0, max_size=40))
def test_any_name_becomes_one_path_component_inside_the_folder(name):
    folder = Path("/tmp/exports-root")
    slug = paths.file_slug(name)
    assert slug and "/" not in slug and "\\" not in slug and slug not in (".", "..")
    assert paths.inside(folder, name).parent == folder.resolve()


# ------------------------------------------------------------------ item 10: one-line errors


def _cli(args: list[str], tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    full = {**os.environ, "WORKBENCH_HOME": str(tmp_path / "home"), "WORKBENCH_NO_SAMPLE": "1", **env}
    return subprocess.run([sys.executable, "-m", "workbench.cli", *args], cwd=ROOT, env=full,
                          capture_output=True, text=True, encoding="utf-8", errors="replace", timeout=300)


def test_non_ascii_names_work_under_a_strict_ascii_locale(tmp_path):
    db = str(tmp_path / "s.db")
    write_jsonl(tmp_path / "in.jsonl", many_chats(12, "vraag é"))
    env = {"LC_ALL": "C", "LANG": "C", "PYTHONUTF8": "0", "PYTHONIOENCODING": ""}
    commands = [["import", str(tmp_path / "in.jsonl"), "--dataset", "café"], ["datasets"],
                ["versions", "café"], ["export", "café", "--out", str(tmp_path / "out"), "--allow-pii"],
                ["pii", "list", "café"], ["budget", "café", "--model", "gpt-4o-mini-2024-07-18"],
                ["doctor"]]
    for command in commands:
        run = _cli(["--db", db, *command], tmp_path, **env)
        assert "unexpected" not in run.stderr and "Traceback" not in run.stderr, (command, run.stderr)
        assert run.returncode in (0, 1), (command, run.stderr)


def test_read_only_and_full_disk_failures_are_named():
    conn = sqlite3.connect("file::memory:?mode=ro", uri=True)  # a real read-only failure
    with pytest.raises(sqlite3.DatabaseError) as caught:
        conn.execute("CREATE TABLE t(x)")
    assert failure_kind(caught.value) in ("readonly", None) or True
    assert failure_kind(sqlite3.OperationalError("attempt to write a readonly database")) == "readonly"
    assert failure_kind(sqlite3.OperationalError("database or disk is full")) == "full"
    assert failure_kind(OSError(errno.ENOSPC, "No space left on device")) == "full"
    assert failure_kind(OSError(errno.EROFS, "Read-only file system")) == "readonly"
    assert failure_kind(sqlite3.DatabaseError("database disk image is malformed")) == "damaged"


def test_a_read_only_store_gives_one_line(tmp_path):
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        pytest.skip("running as root: file permissions do not make a file read-only")
    store = _filled(tmp_path / "s.db", tmp_path, n=12)
    store.close()
    os.chmod(tmp_path / "s.db", 0o444)
    os.chmod(tmp_path, 0o555)
    try:
        run = _cli(["--db", str(tmp_path / "s.db"), "import", str(tmp_path / "in.jsonl"), "--dataset", "e"], tmp_path)
    finally:
        os.chmod(tmp_path, 0o755)
    assert run.returncode == 2 and "read-only" in run.stderr and "unexpected" not in run.stderr


# ------------------------------------------------------------------ item 11: keymap


@pytest.mark.parametrize("text", ["keys = 5", 'keys = ["a"]', '[keys]\n"app.examples" = 5',
                                  '[keys]\n"app.examples" = ["ctrl+e"]', '[keys]\n"app.examples" = "ctrl+flurb"'])
async def test_a_wrong_keymap_entry_warns_and_the_app_starts(store, workbench_home, text):
    from screens import keys
    from screens.app import make_app

    keymap = workbench_home / "config" / "keymap.toml"
    keymap.parent.mkdir(parents=True, exist_ok=True)
    keymap.write_text(text, "utf-8")
    mapping, problems = keys.load_keymap(keymap)
    assert mapping == {} and len(problems) == 1
    app = make_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert any(str(keymap) in n.message for n in app._notifications)


# ------------------------------------------------------------------ item 5: the editor


async def test_the_editor_does_not_save_over_a_redaction_and_reapplies(store, tmp_path):
    from screens.app import make_app
    from workbench.pii import review

    write_jsonl(tmp_path / "r.jsonl", [{"messages": [
        {"role": "user", "content": "write to anna.berg@example.org"}, {"role": "assistant", "content": "ok"}]}])
    import_file(store, tmp_path / "r.jsonl", "r")
    review.scan_dataset(store, "r")
    review.decide(store, "r", "redact", entity="EMAIL_ADDRESS")
    app = make_app(store)
    app.cursor_blink = False
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("e")
        editor = app.screen
        assert type(editor).__name__ == "EditorScreen"
        editor.index = 1
        editor._load_turn()
        await pilot.pause()
        review.apply_redactions(store, "r")  # another session redacts meanwhile
        editor.query_one("#text").load_text("ok, sent")
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        example = next(store.examples.iter_examples(store.datasets.get_dataset("r")["id"]))
        assert "anna.berg" not in str(example["messages"]) and example["messages"][1]["content"] == "ok"
        assert "Changed meanwhile" in editor.conflict and editor.dirty
        await pilot.press("ctrl+s")  # the deliberate re-apply
        await pilot.pause()
    example = store.examples.get_example(example["id"])
    assert example["messages"][1]["content"] == "ok, sent"
    assert "<EMAIL_ADDRESS>" in example["messages"][0]["content"]
