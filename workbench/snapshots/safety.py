"""Is a snapshot file safe to read? Everything here runs before a single row reaches the
store, and refuses with a message that says what is wrong and what to do.

Order matters: cheap checks on the raw bytes first (magic, truncation), then the schema
as SQLite reports it (version, triggers, views, unknown tables or columns, a table
changed from ours), then the size of the values (before `integrity_check`, which
would read a 1 GB blob page by page), then `integrity_check`. An older snapshot passes
the same checks against our schema of its version and is then migrated in a temporary
copy; a newer one is refused with the migration it needs.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from store import StoreError
from store.migrations import migrations
from store.snapshots import SnapshotReader, migrate_copy, read_header, reference_objects
from workbench.errors import DataRefused

MAGIC = b"SQLite format 3\x00"
#: Largest value (bytes) a snapshot may carry in one cell. The biggest legitimate values
#: are a long conversation's messages JSON: a few MB at most.
MAX_VALUE_BYTES = 16 * 1024 * 1024
MANIFEST_SETTING = "snapshot.manifest"


class SnapshotRefused(DataRefused):
    """The file is not a snapshot we will read; nothing was read into the store."""


@dataclass
class SnapshotInfo:
    """What the checks learnt: the file's schema version and manifest."""

    path: Path
    migrations: list[str]
    manifest: dict
    sha256: str
    migrated_from: str | None = None
    notes: list[str] = field(default_factory=list)


def our_migrations() -> list[str]:
    return [m.name for m in migrations._migrations]


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def manifest_path(path: Path) -> Path:
    return path.with_name(path.name + ".manifest.json")


def _refuse(path: Path, why: str, hint: str = "Ask the sender for a new snapshot (`snapshot export`).") -> None:
    raise SnapshotRefused(f"{path}: {why}", hint)


def check_bytes(path: Path) -> None:
    """Magic and length, from the 100-byte header alone."""
    if not path.is_file():
        _refuse(path, "no such file.", "Check the path.")
    size = path.stat().st_size
    header = read_header(path)
    if len(header) < 100 or not header.startswith(MAGIC):
        _refuse(path, "not a SQLite file (wrong magic bytes); not a workbench snapshot.")
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(header[28:32], "big")
    # the page count in the header is valid when its change counter matches (SQLite >= 3.7)
    if header[24:28] == header[92:96] and pages and size < pages * page_size:
        _refuse(path, f"truncated: the header says {pages * page_size} bytes, the file has {size}.",
                "The copy was cut short; ask for the file again.")
    if size % page_size:
        _refuse(path, f"truncated: {size} bytes is not a whole number of {page_size}-byte pages.",
                "The copy was cut short; ask for the file again.")


def _normalise(sql: str | None) -> str:
    return re.sub(r"\s+", " ", sql or "").strip()


def check_version(path: Path, reader: SnapshotReader) -> list[str]:
    applied = reader.migrations()
    if applied is None:
        _refuse(path, "a SQLite file without ft-workbench's schema (another program's database?); "
                      "not a workbench snapshot.")
    ours = our_migrations()
    newer = [name for name in applied if name not in ours]
    if newer:
        _refuse(path, f"made by a newer ft-workbench: it needs schema migration {newer[-1]!r} "
                      f"(this one stops at {ours[-1]!r}).", "Update ft-workbench, then import again.")
    if applied != ours[:len(applied)]:
        _refuse(path, f"its schema history ({', '.join(applied)}) is not one ft-workbench ever made.")
    return applied


def check_schema(path: Path, reader: SnapshotReader, applied: list[str]) -> None:
    """Every object exactly as our migrations of that version create it, nothing more."""
    expected, expected_columns = reference_objects(applied)
    by_key = {(o["type"], o["name"]): o for o in expected}
    found = {(o["type"], o["name"]): o for o in reader.objects()}
    for key, obj in found.items():
        kind, name = key
        if key not in by_key:
            what = {"trigger": f"a trigger {name!r} on {obj['tbl_name']!r} (code that would run on our data)",
                    "view": f"a view {name!r} (it could stand in for a table)",
                    "table": f"an unknown table {name!r}", "index": f"an unknown index {name!r}"}.get(
                        kind, f"an unknown {kind} {name!r}")
            _refuse(path, f"carries {what}; snapshots never do.", "Refused without reading it.")
        if _normalise(obj["sql"]) != _normalise(by_key[key]["sql"]):
            _refuse(path, f"its {kind} {name!r} differs from ft-workbench's own definition.",
                    "Refused without reading it.")
    missing = [f"{k} {n}" for (k, n) in by_key if (k, n) not in found]
    if missing:
        _refuse(path, f"lacks {', '.join(missing[:3])} of ft-workbench's schema.")
    for table, columns in expected_columns.items():
        if reader.columns(table) != columns:
            _refuse(path, f"table {table!r} has other columns than ft-workbench's.")


def check_sizes(path: Path, reader: SnapshotReader, limit: int) -> None:
    _, columns = reference_objects(reader.migrations() or [])
    for table, cols in columns.items():
        if table.startswith("examples_fts"):
            continue
        longest = reader.longest_blobs(table, [c[0] for c in cols])
        for column, size in longest.items():
            if size > limit:
                _refuse(path, f"{table}.{column} holds a value of {size:,} bytes (the limit is {limit:,}).",
                        "Oversized values are refused; remove it from the sender's workspace.")


def check_integrity(path: Path, reader: SnapshotReader) -> None:
    problems = reader.integrity()
    if problems != ["ok"]:
        _refuse(path, f"fails SQLite's integrity check: {'; '.join(problems[:3])}.",
                "The file is damaged; ask for it again.")


def check_manifest(path: Path, reader: SnapshotReader, digest: str) -> dict:
    manifest = reader.setting(MANIFEST_SETTING) or {}
    side = manifest_path(path)
    if side.exists():
        try:
            sidecar = json.loads(side.read_text("utf-8"))
        except (OSError, ValueError) as exc:
            _refuse(path, f"its manifest {side.name} is unreadable ({exc}).")
        if sidecar.get("sha256") and sidecar["sha256"] != digest:
            _refuse(path, f"its sha256 ({digest[:12]}...) is not the one in {side.name} "
                          f"({str(sidecar['sha256'])[:12]}...): the file changed after export.")
        manifest = {**manifest, **sidecar}
    return manifest if isinstance(manifest, dict) else {}


@contextmanager
def open_checked(path: Path | str, max_value_bytes: int = MAX_VALUE_BYTES) -> Iterator[tuple[SnapshotReader, SnapshotInfo]]:
    """Check a snapshot and yield a read-only reader on it (on a migrated temporary copy
    when it is older than us) with what the checks learnt. Raises SnapshotRefused."""
    path = Path(path)
    check_bytes(path)
    digest = file_sha256(path)
    try:
        reader = SnapshotReader(path)
    except StoreError as exc:
        raise SnapshotRefused(f"{path}: SQLite cannot read it ({exc}).", "Ask the sender for it again.") from exc
    temp: Path | None = None
    try:
        try:
            applied = check_version(path, reader)
            check_schema(path, reader, applied)
            check_sizes(path, reader, max_value_bytes)
            check_integrity(path, reader)
            manifest = check_manifest(path, reader, digest)
        except StoreError as exc:
            raise SnapshotRefused(f"{path}: SQLite cannot read it ({exc}).", "Ask the sender for it again.") from exc
        info = SnapshotInfo(path, applied, manifest, digest)
        if applied != our_migrations():
            reader.close()
            temp = Path(tempfile.mkdtemp(prefix="workbench-snapshot-")) / "migrated.db"
            shutil.copyfile(path, temp)
            migrate_copy(temp)
            reader = SnapshotReader(temp)
            info.migrated_from = applied[-1]
            info.notes.append(f"older schema ({applied[-1]}): migrated in a temporary copy")
        yield reader, info
    finally:
        reader.close()
        if temp is not None:
            shutil.rmtree(temp.parent, ignore_errors=True)
