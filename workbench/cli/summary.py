"""A plain-text overview of a workspace: what `workbench` prints where no TUI runs."""

from __future__ import annotations

from store import Store
from workbench.cli.render import render_datasets


def workspace_summary(store: Store) -> str:
    datasets = store.datasets.list_datasets()
    lines = [f"ft-workbench store: {store.path}", ""]
    if not datasets:
        lines += ["No datasets yet. Bring data in with:",
                  "  workbench import FILE.jsonl --dataset NAME"]
    else:
        lines.append(render_datasets(datasets))
        lines += ["", "Next: workbench budget DATASET --model gpt-4o-mini-2024-07-18",
                  "      workbench export DATASET --out DIR --status approved"]
    return "\n".join(lines)
