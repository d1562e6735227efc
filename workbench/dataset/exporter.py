"""Exporting a dataset to train.jsonl / validation.jsonl and freezing a dataset version.

The split is deterministic and stratified by tag set: examples are grouped by their
sorted tags, ranked inside each group by a hash of (seed, example id), and the
validation share is taken group by group with cumulative rounding, so the total is
exact and every tag mix is represented in proportion. The same dataset and seed give
the same split on every machine; editing an example does not move it between splits.

Files are written to temporary names and renamed only after the version (ids, exact
lines, sha256 of the bytes) is committed, so a crash leaves either the old files or a
version whose frozen lines can rebuild the new ones, never a half-written file.
"""

from __future__ import annotations

from collections import Counter

import hashlib
import json
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from store import Store
from workbench.chat import format as chatformat
from workbench.chat.checks import MAX_FILE_BYTES, MIN_EXAMPLES, check_record
from workbench.chat.records import record_from_example
from workbench.errors import DataRefused

from workbench.dataset import STATUSES


class ExportRefused(DataRefused):
    """Nothing was written: the message says which examples block the export and why."""


@dataclass
class ExportResult:
    dataset: str
    version: dict
    unchanged: bool
    train_path: Path
    validation_path: Path | None
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        v = self.version
        return {
            "dataset": self.dataset, "version": v["number"], "unchanged": self.unchanged,
            "train_path": str(self.train_path), "train_count": v["train_count"], "train_sha256": v["train_sha256"],
            "validation_path": str(self.validation_path) if self.validation_path else None,
            "validation_count": v["validation_count"], "validation_sha256": v["validation_sha256"],
            "changelog": v["changelog"], "warnings": self.warnings,
        }


def split_rank(seed: str, example_id: str) -> str:
    return hashlib.sha256(f"{seed}:{example_id}".encode()).hexdigest()


def choose_validation(items: Iterable[tuple[str, tuple[str, ...]]], share: float, seed: str) -> set[str]:
    """Ids of the validation examples. items: (example id, tags)."""
    if share <= 0:
        return set()
    strata: dict[tuple[str, ...], list[str]] = {}
    for example_id, tags in items:
        strata.setdefault(tuple(sorted(set(tags))), []).append(example_id)
    chosen: set[str] = set()
    seen = taken = 0
    for key in sorted(strata):
        members = sorted(strata[key], key=lambda i: split_rank(seed, i))
        seen += len(members)
        # Cumulative rounding: after each stratum the running total matches share*seen.
        want = int(share * seen + 0.5) - taken
        want = max(0, min(want, len(members)))
        chosen.update(members[:want])
        taken += want
    return chosen


def export_dataset(store: Store, dataset_name: str, out_dir: Path | str, *, status: str | None = None,
                   validation_share: float = 0.1, message: str = "", seed: str | None = None,
                   allow_pii: bool = False, coverage_override: str | None = None,
                   allow_oversize: bool = False) -> ExportResult:
    """Write train.jsonl (and validation.jsonl) to out_dir and freeze a dataset version.

    The checks and the writing run in one write transaction, so no other process can
    change an example between the moment it is checked and the moment its line is
    written. Personal-data gate: the export is refused while an exported example has
    unreviewed findings or changed since its last scan, unless allow_pii. Scanning
    writes, so it is not done here: front ends run `pii.review.scan_and_export`.
    Coverage gate: refused while a declared minimum (dataset/coverage.py) is unmet,
    unless coverage_override gives a reason (audited). Size gate: refused when a file
    would be over the provider's upload limit (MAX_FILE_BYTES), unless allow_oversize.

    One pass over the stored rows checks, writes and freezes: each line is rebuilt from
    the stored JSON text and must hash to the example's content hash. The store's page
    check runs meanwhile on a second connection (SQLite works without the GIL) and is
    waited for before anything is kept."""
    if status is not None and status not in STATUSES:
        raise ExportRefused(f"The status filter must be one of {', '.join(STATUSES)}, not {status!r}.")
    if not 0 <= validation_share < 1:
        raise ExportRefused(f"The validation share must be at least 0 and below 1, not {validation_share}.")
    dataset = store.datasets.get_dataset(dataset_name)
    if dataset is None:
        names = ", ".join(d["name"] for d in store.datasets.list_datasets()) or "none yet"
        raise ExportRefused(f"No dataset named {dataset_name!r} (datasets: {names}).")
    seed = seed or dataset["id"]
    out_dir = Path(out_dir)
    damage = _DamageCheck(store)
    try:
        with store.transaction():
            items = _items(store, dataset, status)
            gates = []
            if not allow_pii:
                gates.append(_personal_data_refusal(store, dataset, [example_id for example_id, _ in items]))
            overridden, coverage_refusal = _coverage_gate(store, dataset, status, coverage_override)
            gates.append(coverage_refusal)
            if any(gates):
                # Errors in the examples come first: a check-only pass, then the gate.
                damage.raise_if_damaged()
                _raise_problems(_scan(store, dataset, status, None).problems)
                raise next(gate for gate in gates if gate)
            validation_ids = choose_validation(items, validation_share, seed)
            try:
                result = _write_version(store, dataset, out_dir, status, validation_share, seed, message,
                                        validation_ids, damage, allow_oversize)
                result.warnings.extend(overridden)
                return result
            except OSError as exc:
                raise ExportRefused(f"{out_dir}: could not write the export ({exc}); nothing was frozen.",
                                    "Free space or choose another output folder.") from exc
    except Exception:
        # A damaged store is refused before anything else, and it explains a failure
        # (or a refusal) better than its symptom.
        damage.raise_if_damaged()
        raise
    # (an interrupt does not wait for the check: its thread is a daemon and only reads)


def _hash_mismatch(dataset: dict, position: int, example_id: str) -> ExportRefused:
    return ExportRefused(
        f"Example #{position} of {dataset['name']!r} ({example_id[:8]}) no longer matches its "
        "content hash: its stored text changed outside the workbench or the file is damaged; nothing was "
        "exported.", "Check the store with `workbench doctor`.")


class _DamageCheck:
    """`store.integrity_problems` (a read of the whole file) on a thread of its own, so it
    overlaps the export's Python work; its verdict is awaited before anything is kept."""

    def __init__(self, store: Store):
        self.store = store
        self.problems: list[str] | None = None
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="export-quick-check", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            self.problems = self.store.integrity_problems(limit=3)
        except BaseException as exc:  # noqa: BLE001 - re-raised on the caller's thread
            self.error = exc

    def join(self) -> None:
        self.thread.join()

    def raise_if_damaged(self) -> None:
        self.join()
        if self.error is not None:
            raise self.error
        if self.problems:
            raise ExportRefused(f"{self.store.path}: the store is damaged ({'; '.join(self.problems)}); "
                                "nothing was exported.", "Check it with `workbench doctor` and restore a good copy.")


def _items(store: Store, dataset: dict, status: str | None) -> list[tuple[str, tuple[str, ...]]]:
    """(id, tags) of every example to export, in dataset order."""
    tags_of: dict[str, tuple[str, ...]] = {}  # the same tag lists repeat: decode each once
    items = []
    for example_id, tags in store.examples.export_tags(dataset["id"], status=status):
        decoded = tags_of.get(tags)
        if decoded is None:
            decoded = tags_of[tags] = tuple(json.loads(tags))
        items.append((example_id, decoded))
    if not items:
        raise ExportRefused(f"Dataset {dataset['name']!r} has no {status or 'live'} examples to export.")
    return items


def _raise_problems(problems: list[str]) -> None:
    if problems:
        shown = "\n  ".join(problems[:20])
        more = f"\n  ... and {len(problems) - 20} more" if len(problems) > 20 else ""
        raise ExportRefused(f"{len(problems)} errors block the export; fix these examples first:\n  {shown}{more}")


def _fast_line(row: tuple) -> str | None:
    """The canonical line from the stored JSON text by concatenation, when the stored text
    is already canonical (the caller checks the hash); None when a column is not text."""
    _, _, kind, messages, tools, functions, parallel, preferred, non_preferred, _ = row
    if not isinstance(messages, str) or parallel not in (None, 0, 1):
        return None
    parts = ['{"input":{"messages":' if kind == "preference" else '{"messages":', messages]
    for key, value in ((',"tools":', tools), (',"functions":', functions)):
        if value is not None:
            if not isinstance(value, str):
                return None
            parts += (key, value)
    if parallel is not None:
        parts += (',"parallel_tool_calls":', "true" if parallel else "false")
    if kind == "preference":
        if not all(v is None or isinstance(v, str) for v in (preferred, non_preferred)):
            return None
        parts += ('},"preferred_output":', preferred or "null", ',"non_preferred_output":', non_preferred or "null")
    parts.append("}")
    return "".join(parts)


def _slow_record(row: tuple) -> dict:
    """The exported record the long way: decode the columns, canonical key order."""
    _, _, kind, messages, tools, functions, parallel, preferred, non_preferred, _ = row
    loads = _loads_or_none
    return record_from_example({
        "kind": kind, "messages": loads(messages), "tools": loads(tools), "functions": loads(functions),
        "parallel_tool_calls": None if parallel is None else bool(parallel),
        "preferred_output": loads(preferred), "non_preferred_output": loads(non_preferred)})


def _loads_or_none(text: str | None):
    return None if text is None else json.loads(text)


@dataclass
class _Scan:
    problems: list[str] = field(default_factory=list)
    mismatch: ExportRefused | None = None


def _scan(store: Store, dataset: dict, status: str | None, emit) -> _Scan:
    """One pass over the rows: rebuild each line, check it, and hand
    (example id, content hash, line) of each good one to emit (None: check only);
    nothing more is emitted once a problem is found."""
    scan = _Scan()
    sha256 = hashlib.sha256
    for row in store.examples.iter_export_rows(dataset["id"], status=status):
        example_id, position, content_hash = row[0], row[1], row[9]
        line = _fast_line(row)
        matches = line is not None and sha256(line.encode("utf-8")).hexdigest() == content_hash
        if matches:
            record = json.loads(line)  # the verified line: the record the checks see
        else:
            # stored text not in canonical order (or not text): decode and reorder
            try:
                record = _slow_record(row)
            except ValueError:  # stored text that is not JSON: changed behind our back
                scan.mismatch = scan.mismatch or _hash_mismatch(dataset, position, example_id)
                continue
            line = chatformat.canonical_line(record)
            matches = sha256(line.encode("utf-8")).hexdigest() == content_hash
            if not matches and scan.mismatch is None:
                scan.mismatch = _hash_mismatch(dataset, position, example_id)
        errors = [f for f in check_record(record) if f.is_error]
        if errors:
            scan.problems.extend(f"#{position} ({example_id[:8]}): {f.code}: {f.message}" for f in errors)
        elif emit is not None and matches and not scan.problems and scan.mismatch is None:
            emit(example_id, content_hash, line)
    return scan


def _personal_data_refusal(store: Store, dataset: dict, example_ids: list[str]) -> ExportRefused | None:
    blockers = personal_data_blockers(store, dataset["id"], example_ids)
    if not blockers:
        return None
    shown = "\n  ".join(blockers[:20])
    more = f"\n  ... and {len(blockers) - 20} more" if len(blockers) > 20 else ""
    return ExportRefused(
        f"{len(blockers)} examples may hold personal data that nobody reviewed:\n  {shown}{more}",
        f"Scan and review them (the PII screen, or `workbench pii list {dataset['name']}`, "
        "`workbench pii decide` and `workbench pii redact`), or export with unreviewed personal data.",
        hint_key="allow_pii")


def _coverage_gate(store: Store, dataset: dict, status: str | None,
                   override: str | None) -> tuple[list[str], ExportRefused | None]:
    """(warnings, refusal): refused while a declared coverage minimum is unmet; with an
    override reason, audit it and return the unmet minimums as warnings."""
    from workbench.dataset.coverage import unmet_minimums

    unmet = unmet_minimums(store, dataset["id"], status=status)
    if not unmet:
        return [], None
    lines = [check.describe() for check in unmet]
    if not (override or "").strip():
        shown = "\n  ".join(lines)
        return [], ExportRefused(
            f"{len(unmet)} declared coverage minimum{'s are' if len(unmet) > 1 else ' is'} not met:\n  {shown}",
            "Add examples where coverage is missing, change the declared minimums, or export anyway "
            "giving a reason (it is recorded in the audit log).", hint_key="coverage_override")
    store.audit("coverage_override", "dataset", dataset["id"],
                {"dataset": dataset["name"], "reason": override.strip(), "unmet": [c.to_dict() for c in unmet]})
    return [f"Coverage minimum not met (exported anyway: {override.strip()}): {line}" for line in lines], None


def personal_data_blockers(store: Store, dataset_id: str, example_ids: list[str]) -> list[str]:
    """Why these examples of a dataset may not leave the machine yet, one line each."""
    wanted = set(example_ids)
    reasons = {example_id: "not scanned for personal data since its last change"
               for example_id in store.pii.unscanned_or_stale(example_ids)}
    pending = Counter(f["example_id"] for f in store.pii.pii_findings(dataset_id, decision="pending")
                      if f["example_id"] in wanted)
    for example_id, n in pending.items():
        reasons.setdefault(example_id, f"{n} unreviewed personal-data finding{'s' if n > 1 else ''}")
    lines = []
    for example_id, reason in reasons.items():
        position = store.examples.get_example(example_id)["position"]
        lines.append((position, f"#{position} ({example_id[:8]}): {reason}"))
    return [line for _, line in sorted(lines)]


class _SplitWriter:
    """Writes one split to a temporary file, hashing the exact bytes."""

    def __init__(self, final: Path):
        self.final = final
        self.tmp = final.with_name(final.name + ".partial")
        self.handle = open(self.tmp, "wb")
        self.digest = hashlib.sha256()
        self.count = 0
        self.bytes = 0

    def write(self, line: str) -> int:
        data = (line + "\n").encode("utf-8")
        self.handle.write(data)
        self.digest.update(data)
        self.bytes += len(data)
        self.count += 1
        return self.count

    def close(self) -> None:
        self.handle.flush()
        os.fsync(self.handle.fileno())
        self.handle.close()

    def discard(self) -> None:
        """Close and remove the temporary file if it is still there (no-op once published)."""
        if not self.handle.closed:
            self.handle.close()
        self.tmp.unlink(missing_ok=True)


def _publish(train: "_SplitWriter", valid: "_SplitWriter") -> Path | None:
    """Move the finished files into place; returns the validation path if one was written."""
    os.replace(train.tmp, train.final)
    if valid.count:
        os.replace(valid.tmp, valid.final)
        return valid.final
    # A validation.jsonl left from an earlier export would not belong to this version.
    valid.final.unlink(missing_ok=True)
    return None


class _Unchanged(Exception):
    """Same bytes as the latest version: roll back the new one and reuse the old."""


#: Frozen member rows handed to the store per INSERT batch.
_FREEZE_BATCH = 2000


def _write_version(store: Store, dataset: dict, out_dir: Path, status: str | None, share: float, seed: str,
                   message: str, validation_ids: set[str], damage: "_DamageCheck",
                   allow_oversize: bool) -> ExportResult:
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        train = _SplitWriter(out_dir / "train.jsonl")
        valid = _SplitWriter(out_dir / "validation.jsonl")
    except OSError as exc:
        raise ExportRefused(f"{out_dir}: cannot write there ({exc.strerror}).", "Choose another output folder.") from exc
    latest = store.datasets.latest_version(dataset["id"])
    try:
        with store.transaction():
            version = store.datasets.begin_version({
                "dataset_id": dataset["id"], "changelog": message, "status_filter": status,
                "validation_share": share, "split_seed": seed})
            batch: list[tuple] = []

            def emit(example_id: str, content_hash: str, line: str) -> None:
                split, writer = ("validation", valid) if example_id in validation_ids else ("train", train)
                batch.append((example_id, split, writer.write(line), content_hash, line))
                if len(batch) >= _FREEZE_BATCH:
                    store.datasets.add_version_lines(version["id"], batch)
                    batch.clear()

            scan = _scan(store, dataset, status, emit)
            damage.raise_if_damaged()
            _raise_problems(scan.problems)
            if scan.mismatch is not None:
                raise scan.mismatch
            store.datasets.add_version_lines(version["id"], batch)
            if not allow_oversize:
                _refuse_oversize(train, valid)
            train.close()
            valid.close()
            train_sha = train.digest.hexdigest()
            valid_sha = valid.digest.hexdigest() if valid.count else None
            if latest and latest["train_sha256"] == train_sha and latest["validation_sha256"] == valid_sha:
                raise _Unchanged()
            version = store.datasets.complete_version(version["id"], {
                "train_count": train.count, "validation_count": valid.count,
                "train_sha256": train_sha, "validation_sha256": valid_sha})
            store.audit("export", "dataset_version", version["id"],
                        {"dataset": dataset["name"], "number": version["number"], "out": str(out_dir)})
            # Renamed inside the transaction: a failed rename rolls the version back.
            validation_path = _publish(train, valid)
        unchanged = False
    except _Unchanged:
        version, unchanged = latest, True
        validation_path = _publish(train, valid)
    finally:
        train.discard()
        valid.discard()
    _write_manifest(out_dir, dataset, version)
    warnings = []
    if train.count < MIN_EXAMPLES:
        warnings.append(f"train.jsonl has {train.count} example{'' if train.count == 1 else 's'}; OpenAI needs at least {MIN_EXAMPLES} to train.")
    return ExportResult(dataset["name"], version, unchanged, train.final, validation_path, warnings)


def _refuse_oversize(*writers: "_SplitWriter") -> None:
    """The provider refuses an upload over MAX_FILE_BYTES (`workbench validate` reports it as
    file_too_large): such a file is not written unless the caller allows it."""
    over = [w for w in writers if w.bytes > MAX_FILE_BYTES]
    if over:
        sizes = ", ".join(f"{w.final.name} would be {w.bytes / 2**20:,.0f} MB" for w in over)
        raise ExportRefused(
            f"{sizes}, over the provider's {MAX_FILE_BYTES // 2**20} MB upload limit; nothing was exported.",
            "Export fewer examples (a status filter, a larger validation share) or split the dataset.",
            hint_key="allow_oversize")


def _write_manifest(out_dir: Path, dataset: dict, version: dict) -> None:
    manifest = {
        "dataset": dataset["name"], "dataset_id": dataset["id"], "version": version["number"],
        "version_id": version["id"], "created_at": version["created_at"], "changelog": version["changelog"],
        "files": {"train.jsonl": {"examples": version["train_count"], "sha256": version["train_sha256"]}},
    }
    if version["validation_sha256"]:
        manifest["files"]["validation.jsonl"] = {"examples": version["validation_count"],
                                                 "sha256": version["validation_sha256"]}
    tmp = out_dir / "version.json.partial"
    tmp.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, out_dir / "version.json")
