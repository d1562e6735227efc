"""Tests that kill the mutants mutmut left alive in workbench/dataset/exporter.py (issue 16 item 6).

`workbench export --json` prints ExportResult.to_dict: every field is what a script reads.
"""

from __future__ import annotations

import hashlib

from conftest import many_chats, write_jsonl
from workbench.dataset.importer import import_file
from workbench.pii.review import scan_and_export


def sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_json_of_an_export_names_every_file_count_and_hash(store, tmp_path):
    import_file(store, write_jsonl(tmp_path / "in.jsonl", many_chats(20)), "d")
    out = tmp_path / "out"
    result = scan_and_export(store, "d", out, validation_share=0.2, message="first cut")
    assert result.to_dict() == {
        "dataset": "d", "version": 1, "unchanged": False,
        "train_path": str(out / "train.jsonl"), "train_count": 16, "train_sha256": sha(out / "train.jsonl"),
        "validation_path": str(out / "validation.jsonl"), "validation_count": 4,
        "validation_sha256": sha(out / "validation.jsonl"),
        "changelog": "first cut", "warnings": [],
    }
    again = scan_and_export(store, "d", tmp_path / "out2", validation_share=0)
    as_dict = again.to_dict()
    assert as_dict["validation_path"] is None and as_dict["validation_count"] == 0
    assert as_dict["validation_sha256"] is None
    assert as_dict["version"] == 2 and as_dict["train_count"] == 20
