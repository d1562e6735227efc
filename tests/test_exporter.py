"""Export: exact bytes, frozen versions, deterministic stratified split, refusal."""

from __future__ import annotations

import hashlib
import json

import pytest

from conftest import chat, many_chats, write_jsonl
from workbench.chat import format as chatformat
from workbench.dataset.exporter import ExportRefused, choose_validation
from workbench.pii.review import scan_and_export
from workbench.dataset.importer import import_file


def sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_untouched_import_exports_its_canonical_form_byte_for_byte(store, tmp_path):
    records = many_chats(12)
    records[3] = {"messages": [{"content": "Bonjour, où est mon colis ?", "role": "user"},
                               {"role": "assistant", "content": "Il arrive demain.", "weight": 1}],
                  "parallel_tool_calls": True, "tools": []}
    source = write_jsonl(tmp_path / "in.jsonl", records)
    import_file(store, source, "d")
    result = scan_and_export(store, "d", tmp_path / "out", validation_share=0)
    expected = "".join(chatformat.canonical_line(json.loads(l)) + "\n" for l in source.read_text("utf-8").splitlines())
    assert result.train_path.read_text("utf-8") == expected
    assert result.validation_path is None and not (tmp_path / "out" / "validation.jsonl").exists()
    # and importing the export again is the same data
    import_file(store, result.train_path, "again")
    again = scan_and_export(store, "again", tmp_path / "out2", validation_share=0)
    assert again.train_path.read_bytes() == result.train_path.read_bytes()


def test_version_freezes_ids_lines_and_sha256(store, tmp_path):
    import_file(store, write_jsonl(tmp_path / "in.jsonl", many_chats(20)), "d")
    result = scan_and_export(store, "d", tmp_path / "out", validation_share=0.2, message="first cut")
    version = result.version
    assert version["number"] == 1 and version["changelog"] == "first cut"
    assert version["train_sha256"] == sha(result.train_path)
    assert version["validation_sha256"] == sha(result.validation_path)
    assert (version["train_count"], version["validation_count"]) == (16, 4)
    frozen = "".join(l + "\n" for l in store.datasets.version_lines(version["id"], "train"))
    assert frozen == result.train_path.read_text("utf-8")
    manifest = json.loads((tmp_path / "out" / "version.json").read_text())
    assert manifest["files"]["train.jsonl"]["sha256"] == version["train_sha256"]
    # editing an example later does not change the frozen version
    example = next(store.examples.iter_examples(store.datasets.get_dataset("d")["id"]))
    store.examples.update_example(example["id"], {"notes": "checked"})
    assert "".join(l + "\n" for l in store.datasets.version_lines(version["id"], "train")) == frozen


def test_same_content_reuses_the_version(store, tmp_path):
    import_file(store, write_jsonl(tmp_path / "in.jsonl", many_chats(12)), "d")
    first = scan_and_export(store, "d", tmp_path / "a")
    second = scan_and_export(store, "d", tmp_path / "b")
    assert second.unchanged and second.version["number"] == 1
    import_file(store, write_jsonl(tmp_path / "more.jsonl", many_chats(3, "more")), "d")
    third = scan_and_export(store, "d", tmp_path / "c", message="more data")
    assert not third.unchanged and third.version["number"] == 2
    assert [v["number"] for v in store.datasets.list_versions(store.datasets.get_dataset("d")["id"])] == [1, 2]
    assert first.train_path.read_bytes() == second.train_path.read_bytes()


def test_split_is_deterministic_and_stratified():
    items = [(f"id{i}", ("returns",) if i % 4 == 0 else ("billing", "nl")) for i in range(200)]
    chosen = choose_validation(items, 0.1, "seed")
    assert chosen == choose_validation(list(reversed(items)), 0.1, "seed")
    assert len(chosen) == 20
    returns = {i for i, tags in items if tags == ("returns",)}
    assert len(chosen & returns) == 5  # 10% of the 50 "returns" examples
    assert chosen != choose_validation(items, 0.1, "other seed")
    assert choose_validation(items, 0, "seed") == set()


def test_status_filter(store, tmp_path):
    import_file(store, write_jsonl(tmp_path / "in.jsonl", many_chats(12)), "d")
    examples = list(store.examples.iter_examples(store.datasets.get_dataset("d")["id"]))
    for example in examples[:3]:
        store.examples.update_example(example["id"], {"status": "approved"}, action="status")
    result = scan_and_export(store, "d", tmp_path / "out", status="approved", validation_share=0)
    assert result.version["train_count"] == 3
    assert result.warnings  # under the provider's 10-example minimum


def test_examples_with_errors_block_the_export(store, tmp_path):
    import_file(store, write_jsonl(tmp_path / "in.jsonl", many_chats(12)), "d")
    example = next(store.examples.iter_examples(store.datasets.get_dataset("d")["id"]))
    store.examples.update_example(example["id"], {"messages": [{"role": "user", "content": "only a question"}]})
    with pytest.raises(ExportRefused, match="example_missing_assistant_message") as refused:
        scan_and_export(store, "d", tmp_path / "out")
    assert f"#{example['position']}" in str(refused.value)
    assert not (tmp_path / "out" / "train.jsonl").exists()
    assert store.datasets.list_versions(store.datasets.get_dataset("d")["id"]) == []


def test_refusals_name_the_problem(store, tmp_path):
    with pytest.raises(ExportRefused, match="No dataset named 'nope'"):
        scan_and_export(store, "nope", tmp_path)
    import_file(store, write_jsonl(tmp_path / "in.jsonl", [chat()]), "d")
    with pytest.raises(ExportRefused, match="no approved examples"):
        scan_and_export(store, "d", tmp_path / "out", status="approved")


def test_failed_write_freezes_nothing_and_leaves_no_partial_files(store, tmp_path):
    import_file(store, write_jsonl(tmp_path / "in.jsonl", many_chats(12)), "d")
    out = tmp_path / "out"
    (out / "train.jsonl").mkdir(parents=True)  # the final rename cannot succeed
    with pytest.raises(ExportRefused, match="nothing was frozen"):
        scan_and_export(store, "d", out)
    assert sorted(p.name for p in out.iterdir()) == ["train.jsonl"]
    assert store.datasets.list_versions(store.datasets.get_dataset("d")["id"]) == []


def test_no_example_changes_between_its_check_and_its_line(store, tmp_path):
    """Export checked every example in one pass and wrote them in a second, outside one
    transaction: another process (the app while the CLI exports) could turn an example
    invalid in between and the invalid line was exported. Now both passes run in one
    write transaction, so that writer waits (here: gives up at once) instead."""
    import sqlite3

    from store import Store
    from workbench.chat.checks import check_record
    from workbench.dataset.exporter import export_dataset

    import_file(store, write_jsonl(tmp_path / "d.jsonl", many_chats(12)), "d")
    dataset = store.datasets.get_dataset("d")
    victim = next(store.examples.iter_examples(dataset["id"]))
    other = Store(store.path)  # a second writer on the same file
    other.db.execute("PRAGMA busy_timeout = 0")
    outcome = {}
    real_tags = store.examples.export_tags

    def read_then_interfere(*args, **kwargs):
        rows = real_tags(*args, **kwargs)
        if not outcome:  # after the first read (the split), before the checking pass
            try:
                other.examples.update_example(victim["id"], {"messages": [{"role": "user", "content": "hi"}]})
                outcome["write"] = "committed"
            except sqlite3.OperationalError:
                outcome["write"] = "waited"
        return rows

    store.examples.export_tags = read_then_interfere
    try:
        export_dataset(store, "d", tmp_path / "out", validation_share=0, allow_pii=True)
    finally:
        del store.examples.export_tags
        other.close()
    lines = (tmp_path / "out" / "train.jsonl").read_text("utf-8").splitlines()
    assert outcome["write"] == "waited"
    assert len(lines) == 12
    assert [f for line in lines for f in check_record(json.loads(line)) if f.is_error] == []


def _mixed_records() -> list[dict]:
    """Chat and preference records, stored key order canonical or not, optional keys set
    and unset: the one-pass export must write what canonical_line gives for each."""
    tool = {"type": "function", "function": {"parameters": {"type": "object", "properties": {}}, "name": "look"}}
    call = {"function": {"arguments": "{\"b\": 1, \"a\": 2}", "name": "look"}, "type": "function", "id": "c1"}
    records = many_chats(10)
    records += [
        {"messages": [{"content": "Où est ma commande ?", "role": "user"},
                      {"role": "assistant", "tool_calls": [call]},
                      {"content": "{\"status\": \"shipped\"}", "tool_call_id": "c1", "role": "tool"},
                      {"role": "assistant", "content": "Elle est partie. 📦", "weight": 1}],
         "parallel_tool_calls": False, "tools": [tool]},
        {"tools": [], "messages": [{"role": "user", "content": "a\u2028b"}, {"role": "assistant", "content": "c"}],
         "parallel_tool_calls": True},
        {"input": {"messages": [{"role": "user", "content": "Hi"}]},
         "preferred_output": [{"role": "assistant", "content": "Hello!"}],
         "non_preferred_output": [{"content": "Go away.", "role": "assistant"}]},
        {"non_preferred_output": [{"role": "assistant", "content": "No."}],
         "input": {"tools": [tool], "messages": [{"content": "Help", "role": "user"}]},
         "preferred_output": [{"role": "assistant", "content": "Sure."}]},
    ]
    return records


def test_one_pass_export_writes_and_freezes_the_canonical_lines(store, tmp_path):
    from workbench.dataset.exporter import export_dataset

    source = write_jsonl(tmp_path / "in.jsonl", _mixed_records())
    import_file(store, source, "d")
    result = export_dataset(store, "d", tmp_path / "out", validation_share=0.25, allow_pii=True)
    lines = lambda path: path.read_text("utf-8").split("\n")[:-1]  # noqa: E731 - not splitlines: U+2028
    expected = {chatformat.canonical_line(json.loads(l)) for l in lines(source)}
    train, valid = lines(result.train_path), lines(result.validation_path)
    assert set(train) | set(valid) == expected and len(train) + len(valid) == len(expected)
    version = store.datasets.latest_version(store.datasets.get_dataset("d")["id"])
    assert list(store.datasets.version_lines(version["id"], "train")) == train
    assert list(store.datasets.version_lines(version["id"], "validation")) == valid


def test_a_file_over_the_upload_limit_is_refused_unless_allowed(store, tmp_path, monkeypatch):
    """Export wrote files of any size; the provider refuses an upload over 512 MB (validate
    reports file_too_large). Now the export refuses, writes and freezes nothing, and
    says so, unless allow_oversize. (The limit is lowered: a real test file is small.)"""
    from workbench.dataset import exporter

    monkeypatch.setattr(exporter, "MAX_FILE_BYTES", 2**20)
    records = [chat(f"question {i}", "word " * 20_000) for i in range(12)]  # ~1.2 MB
    import_file(store, write_jsonl(tmp_path / "in.jsonl", records), "d")
    with pytest.raises(ExportRefused, match=r"train.jsonl would be 1 MB, over the provider's 1 MB upload limit") as refused:
        exporter.export_dataset(store, "d", tmp_path / "out", validation_share=0, allow_pii=True)
    assert refused.value.hint_key == "allow_oversize"
    assert list((tmp_path / "out").iterdir()) == []
    assert store.datasets.list_versions(store.datasets.get_dataset("d")["id"]) == []
    result = exporter.export_dataset(store, "d", tmp_path / "out", validation_share=0, allow_pii=True,
                                     allow_oversize=True)
    assert result.version["train_count"] == 12 and result.train_path.stat().st_size > 2**20


def test_export_command_says_how_to_write_an_oversized_file_anyway(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from workbench.cli.main import cli
    from workbench.dataset import exporter

    monkeypatch.setattr(exporter, "MAX_FILE_BYTES", 2**20)
    monkeypatch.setenv("WORKBENCH_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("WORKBENCH_NO_SAMPLE", "1")
    db = str(tmp_path / "s.db")
    source = write_jsonl(tmp_path / "d.jsonl", [chat(f"question {i}", "word " * 20_000) for i in range(12)])
    runner = CliRunner()
    assert runner.invoke(cli, ["--db", db, "import", str(source), "--dataset", "d"]).exit_code == 0
    args = ["--db", db, "export", "d", "--out", str(tmp_path / "out"), "--status", "all", "--allow-pii",
            "--validation-share", "0"]
    refused = runner.invoke(cli, args)
    assert refused.exit_code == 1 and "upload limit" in refused.output and "--allow-oversize" in refused.output
    assert not (tmp_path / "out" / "train.jsonl").exists()
    done = runner.invoke(cli, [*args, "--allow-oversize"])
    assert done.exit_code == 0, done.output
    assert (tmp_path / "out" / "train.jsonl").stat().st_size > 2**20


def test_a_damaged_store_is_refused_and_nothing_is_written(tmp_path):
    """The page check now runs on a thread beside the export's pass: its verdict still
    comes first, and a damaged file still writes and freezes nothing."""
    import sqlite3

    from store import Store
    from workbench.dataset.exporter import export_dataset

    path = tmp_path / "s.db"
    store = Store(path)
    import_file(store, write_jsonl(tmp_path / "d.jsonl", [chat(f"question {i}", "word " * 400) for i in range(300)]), "d")
    store.close()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'examples'").fetchone()[0]
    conn.close()
    pages = path.stat().st_size // page_size
    with open(path, "r+b") as handle:  # a page of the examples' data, well past the schema
        victim = max(root + 1, pages // 2)
        handle.seek((victim - 1) * page_size)
        handle.write(b"\xff" * page_size)
    store = Store(path)
    try:
        with pytest.raises(ExportRefused, match="the store is damaged"):
            export_dataset(store, "d", tmp_path / "out", validation_share=0, allow_pii=True)
    finally:
        store.close()
    assert not (tmp_path / "out" / "train.jsonl").exists()


@pytest.mark.parametrize("column, text", [("tools", "[{"), ("functions", "not json")])
def test_stored_text_that_is_not_json_is_refused_as_changed(store, tmp_path, column, text):
    """A column an outside edit left as broken JSON crashed the export (JSONDecodeError);
    it is the content-hash refusal now, with nothing written."""
    import sqlite3

    from workbench.dataset.exporter import export_dataset

    import_file(store, write_jsonl(tmp_path / "d.jsonl", many_chats(12)), "d")
    outside = sqlite3.connect(store.path)
    outside.execute(f"UPDATE examples SET {column} = ? WHERE position = 5", [text])
    outside.commit()
    outside.close()
    with pytest.raises(ExportRefused, match=r"Example #5 .* no longer matches its content hash"):
        export_dataset(store, "d", tmp_path / "out", validation_share=0, allow_pii=True)
    assert not (tmp_path / "out" / "train.jsonl").exists()
