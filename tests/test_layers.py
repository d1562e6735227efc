"""The layers: screens -> workbench -> store, never upward; SQL only in store/."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SQL = re.compile(r"^\s*(SELECT|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|CREATE\s+TABLE)\b", re.I)


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text("utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def sources(package: str):
    return sorted((ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("path", sources("store"), ids=str)
def test_store_imports_nothing_of_ours(path):
    assert not imports_of(path) & {"workbench", "screens", "textual"}


@pytest.mark.parametrize("path", sources("workbench"), ids=str)
def test_workbench_has_no_textual_and_no_sql(path):
    assert not imports_of(path) & {"textual", "screens", "sqlite3", "sqlite_utils"} or path.name == "cli.py"
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            assert not SQL.match(node.value), f"SQL in {path}: {node.value[:60]!r}"


def test_cli_imports_screens_only_lazily():
    tree = ast.parse((ROOT / "workbench" / "cli.py").read_text("utf-8"))
    top_level = {n.module for n in tree.body if isinstance(n, ast.ImportFrom)} | {
        a.name for n in tree.body if isinstance(n, ast.Import) for a in n.names}
    assert not any(name and name.startswith(("screens", "textual")) for name in top_level)


def test_docs_describe_every_table_and_check():
    from store import Store
    from workbench.chat.checks import CODES

    schema = (ROOT / "docs" / "schema.md").read_text("utf-8")
    import tempfile
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "s.db")
        tables = [t for t in store.db.table_names() if not t.startswith(("_", "examples_fts_"))]
        store.close()
    assert [t for t in tables if f"`{t}`" not in schema] == []
    checks = (ROOT / "docs" / "checks.md").read_text("utf-8")
    assert [c for c in CODES if f"`{c}`" not in checks] == []


def test_tui_doc_lists_every_key_id():
    from screens import keys

    doc = (ROOT / "docs" / "tui.md").read_text("utf-8")
    assert [a.id for a in keys.all_actions() if f"`{a.id}`" not in doc] == []
