"""Writing a snapshot: a consistent copy of the store (VACUUM INTO), trimmed of what
stays on this machine, optionally to some datasets and golden sets, with a manifest.

What never travels: API keys (the store holds none: they live in the OS keyring or the
environment), settings (the rater name, the app's state, the PII allow-list), the undo
stack, the provider outbox, the models catalogue (local prices), cached token counts,
pending merge conflicts and rejected import lines (raw text that never went through
the personal-data review). Text a redaction removed is not in the copy either: redaction purges the old revisions, VACUUM INTO writes no free pages
and the search index is rebuilt from the current text.
"""

from __future__ import annotations

import getpass
import json
import os
import tempfile
from pathlib import Path

from store import Store
from workbench.errors import InvalidRequest
from workbench.snapshots.safety import MANIFEST_SETTING, file_sha256, manifest_path, our_migrations

#: Tables whose rows stay on this machine.
# budget_state first: once it is gone the budget triggers skip every row (store/token_totals.py)
LOCAL_TABLES = ("budget_state", "budget_sizes", "budget_members", "budget_parts", "budget_uncounted",
                "budget_encodings", "settings", "edit_log", "outbox", "token_counts", "import_rejections",
                "snapshot_conflicts", "models",
                # uploads to this machine's provider accounts, open batches, derived duplicate groups
                "provider_files", "generation_batches", "near_duplicate_groups", "near_duplicate_members",
                # what this machine's scans still have to read: merged examples become due here
                "pii_scan_due", "pii_scan_state")
WORKSPACE_SETTING = "workspace_id"
PRODUCT = "ft-workbench"


def workspace_id(store: Store) -> str:
    """This workspace's id, made on first use: a manifest says which workspace a snapshot came from."""
    value = store.get_setting(WORKSPACE_SETTING)
    if not value:
        value = store.snapshots.derived_id("workspace", str(store.path.resolve()), os.urandom(8).hex())
        store.set_setting(WORKSPACE_SETTING, value)
    return value


def author(store: Store) -> str:
    name = store.get_setting("rater")
    if name:
        return name
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def _resolve(store: Store, datasets: list[str] | None, golden: list[str] | None) -> tuple[list | None, list | None]:
    dataset_ids = golden_ids = None
    if datasets is not None:
        dataset_ids = []
        for name in datasets:
            row = store.datasets.get_dataset(name)
            if row is None:
                raise InvalidRequest(f"No dataset {name!r} to export.", "`workbench datasets` lists them.")
            dataset_ids.append(row["id"])
    if golden is not None:
        golden_ids = []
        for name in golden:
            row = store.golden.get_golden_set(name)
            if row is None:
                raise InvalidRequest(f"No golden set {name!r} to export.", "`workbench golden list` lists them.")
            golden_ids.append(row["id"])
    if dataset_ids is not None and golden_ids is None:
        golden_ids = []
    if golden_ids is not None and dataset_ids is None:
        dataset_ids = []
    return dataset_ids, golden_ids


def export_snapshot(store: Store, path: Path | str, datasets: list[str] | None = None,
                    golden: list[str] | None = None, *, stamp: str | None = None) -> dict:
    """Write the snapshot and its manifest (FILE.manifest.json); returns the manifest.
    A subset names datasets and/or golden sets; the rest of the workspace stays home."""
    from store.db import now

    path = Path(path)
    if path.exists():
        raise InvalidRequest(f"{path} already exists; a snapshot never overwrites a file.",
                             "Choose a new file name.")
    if not path.parent.is_dir():
        raise InvalidRequest(f"{path.parent} is not a folder.", "Create it first.")
    dataset_ids, golden_ids = _resolve(store, datasets, golden)
    manifest = {"product": PRODUCT, "format": 1, "author": author(store), "created_at": stamp or now(),
                "workspace_id": workspace_id(store), "schema_version": our_migrations()[-1],
                "migrations": our_migrations(),
                "subset": None if dataset_ids is None else {"datasets": datasets or [], "golden_sets": golden or []}}
    # Write beside the target and rename at the end: a reader never sees half a snapshot.
    work = Path(tempfile.mkdtemp(prefix=".snapshot-", dir=path.parent)) / "snapshot.db"
    try:
        store.snapshots.copy_to(work)
        counts = store.snapshots.finish_copy(work, LOCAL_TABLES, {MANIFEST_SETTING: manifest}, dataset_ids,
                                             golden_ids)
        manifest["row_counts"] = {t: n for t, n in counts.items() if n}
        manifest["sha256"] = file_sha256(work)
        manifest["bytes"] = work.stat().st_size
        os.replace(work, path)
    finally:
        if work.exists():
            work.unlink()
        work.parent.rmdir()
    manifest_path(path).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", "utf-8")
    store.audit("snapshot_export", "snapshot", manifest["sha256"][:16],
                {"file": path.name, "rows": sum(manifest["row_counts"].values()), "subset": manifest["subset"]},
                actor=manifest["author"])
    return manifest
