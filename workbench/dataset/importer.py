"""Importing a JSONL or CSV file into a dataset: streaming, checked, all or nothing.

One pass over the file inside one transaction. Every line is parsed, checked and
token-counted; good lines are inserted in batches as the pass goes (so memory stays
flat however large the file), and the transaction is rolled back at the end if any
line had an error, unless `skip_invalid` asks to keep the good lines and record the
rejected ones with their reasons. Examples already in the dataset (same content hash)
are skipped, so importing a file twice adds nothing.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from store import Store
from workbench.chat import format as chatformat
from workbench.budget import counting
from workbench.chat.checks import FileChecker
from workbench.chat.records import columns_from_record
from workbench.chat.findings import Finding
from workbench.errors import WorkbenchError

BATCH = 500
RAW_KEEP = 20_000  # characters of a rejected line kept for the user to inspect

Progress = Callable[[int, int], None]  # (bytes done, bytes total)


class ImportFailed(WorkbenchError):
    """The import could not start (missing file, bad CSV header, ...); nothing was written."""


class ImportCancelled(Exception):
    """The user cancelled; the transaction was rolled back."""


class _Rollback(Exception):
    pass


@dataclass
class ImportResult:
    dataset: str
    dataset_id: str | None
    path: str
    committed: bool
    lines: int = 0
    added: int = 0
    duplicates: int = 0
    rejected: int = 0
    findings: list[Finding] = field(default_factory=list)
    import_id: str | None = None

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.is_error]

    @property
    def bad_lines(self) -> list[int]:
        return sorted({f.line for f in self.errors if f.line is not None})

    def to_dict(self) -> dict:
        return {
            "dataset": self.dataset, "path": self.path, "committed": self.committed,
            "lines": self.lines, "added": self.added, "duplicates": self.duplicates,
            "rejected": self.rejected, "bad_lines": self.bad_lines,
            "findings": [f.to_dict() for f in self.findings],
        }


@dataclass
class _Pending:
    line: int
    record: dict
    columns: dict
    findings: list[Finding]


class _Importer:
    def __init__(self, store: Store, path: Path, dataset: str, skip_invalid: bool,
                 context_limit: int | None, tags_by_line: dict[int, list[str]] | None,
                 progress: Progress | None, cancelled: Callable[[], bool] | None):
        self.store = store
        self.path = path
        self.skip_invalid = skip_invalid
        self.tags_by_line = tags_by_line or {}
        self.progress = progress
        self.cancelled = cancelled
        self.checker = FileChecker(context_limit=context_limit, track_duplicates=False)
        self.encodings = counting.ENCODINGS
        self.result = ImportResult(dataset=dataset, dataset_id=None, path=str(path), committed=False)
        self.batch: list[_Pending] = []
        self.rejections: list[dict] = []
        self.position = 0
        self.dataset_id = ""
        self.import_id = ""
        self._sha256: str | None = None  # of the source file, set when it has been read

    def run(self) -> ImportResult:
        fmt = "csv" if self.path.suffix.lower() == ".csv" else "jsonl"
        try:
            with self.store.transaction():
                dataset = self.store.datasets.get_dataset(self.result.dataset) or self.store.datasets.create_dataset(self.result.dataset)
                self.dataset_id = dataset["id"]
                self.position = self.store.examples.next_position(self.dataset_id)
                self.import_id = self.store.datasets.start_import(self.dataset_id, str(self.path.resolve()), fmt)
                self._scan(fmt)
                self._flush()
                self.result.findings.extend(self.checker.finish(os.path.getsize(self.path)))
                if self.result.errors and not self.skip_invalid:
                    raise _Rollback()
                self.store.datasets.add_rejections(self.import_id, self.rejections)
                self.store.datasets.finish_import(
                    self.import_id, source_sha256=self._sha256, lines=self.result.lines,
                    added=self.result.added, duplicates=self.result.duplicates, rejected=self.result.rejected)
                self.store.audit("import", "dataset", self.dataset_id,
                                 {"path": str(self.path), "added": self.result.added,
                                  "rejected": self.result.rejected, "duplicates": self.result.duplicates})
        except _Rollback:
            self.result.added = 0
            return self.result
        self.result.committed = True
        self.result.dataset_id = self.dataset_id
        self.result.import_id = self.import_id
        return self.result

    def _lines(self, fmt: str):
        """Parsed lines, with progress by bytes read and the file's sha256."""
        total = os.path.getsize(self.path)
        digest = hashlib.sha256()
        if fmt == "csv":
            try:
                for line in chatformat.iter_csv(self.path):
                    yield line
            except chatformat.ChatFormatError as exc:
                raise ImportFailed(str(exc)) from exc
            self._sha256 = _file_sha256(self.path)
            return
        done = 0
        for number, raw in chatformat.iter_raw_lines(self.path):
            digest.update(raw)
            done += len(raw) + 1
            if self.progress and number % 1000 == 0:
                self.progress(min(done, total), total)
            if self.cancelled and number % 200 == 0 and self.cancelled():
                raise ImportCancelled()
            line = chatformat.parse_line(number, raw)
            if line is not None:
                yield line
        if self.progress:
            self.progress(total, total)
        self._sha256 = digest.hexdigest()

    def _scan(self, fmt: str) -> None:
        for line in self._lines(fmt):
            self.result.lines = max(self.result.lines, line.number)
            counts = None
            if line.parsed and isinstance(line.record, dict):
                counts = counting.count_all(line.record, self.encodings)
            limit_tokens = max((c.total for c in counts.values()), default=None) if counts else None
            findings = self.checker.check_line(line, limit_tokens)
            self.result.findings.extend(findings)
            if any(f.is_error for f in findings):
                self._reject(line, findings)
                continue
            columns = columns_from_record(line.record)
            columns["_counts"] = counts
            self.batch.append(_Pending(line.number, line.record, columns, findings))
            if len(self.batch) >= BATCH:
                self._flush()

    def _reject(self, line: chatformat.Line, findings: list[Finding]) -> None:
        self.result.rejected += 1
        if self.skip_invalid:
            raw = line.text[:RAW_KEEP] if line.text is not None else None
            self.rejections.append({
                "line": line.number, "raw": raw,
                "findings": [{k: v for k, v in f.to_dict().items() if k != "line"} for f in findings],
            })
            if len(self.rejections) >= BATCH:
                self.store.datasets.add_rejections(self.import_id, self.rejections)
                self.rejections = []

    def _flush(self) -> None:
        if not self.batch:
            return
        if self.result.errors and not self.skip_invalid:
            # The import will be rolled back; keep checking but stop writing.
            self.batch = []
            return
        known = self.store.examples.known_hashes(self.dataset_id, [p.columns["content_hash"] for p in self.batch])
        rows, counts = [], []
        for pending in self.batch:
            digest = pending.columns["content_hash"]
            if digest in known:
                self.result.duplicates += 1
                continue
            known.add(digest)
            rows.append(self._row(pending))
            for encoding, count in (pending.columns["_counts"] or {}).items():
                counts.append((digest, encoding, count.total, count.trained))
        self.store.examples.insert_examples(rows, author="import")
        self.store.examples.save_token_counts(counts)
        self.result.added += len(rows)
        self.batch = []

    def _row(self, pending: _Pending) -> dict:
        columns = {k: v for k, v in pending.columns.items() if k != "_counts"}
        warnings = [f for f in pending.findings if not f.is_error]
        row = {
            **columns, "dataset_id": self.dataset_id, "position": self.position,
            "tags": list(self.tags_by_line.get(pending.line, [])), "status": "draft", "notes": "",
            "findings": [f.to_dict() for f in warnings], "errors": 0, "warnings": len(warnings),
            "import_id": self.import_id, "source_line": pending.line,
        }
        self.position += 1
        return row


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _refuse_unsafe(store: Store, name: str) -> None:
    """A dataset name that could become a path outside its folder, or a damaged store
    that a commit would make worse, stops the import before anything is written."""
    from workbench.paths import dataset_name_problem

    problem = dataset_name_problem(name) if store.datasets.get_dataset(name) is None else None
    if problem:
        raise ImportFailed(f"{problem}.", "Choose another dataset name.")
    damage = store.integrity_problems(limit=3)
    if damage:
        raise ImportFailed(f"{store.path}: the store is damaged ({'; '.join(damage)}); nothing was imported.",
                           "Run `workbench doctor` and restore a good copy.")


def import_file(store: Store, path: Path | str, dataset: str | None = None, *, skip_invalid: bool = False,
                context_limit: int | None = None, tags_by_line: dict[int, list[str]] | None = None,
                progress: Progress | None = None, cancelled: Callable[[], bool] | None = None) -> ImportResult:
    """Import a JSONL (or .csv prompt/response) file into `dataset` (default: the file's stem)."""
    path = Path(path)
    if not path.is_file():
        raise ImportFailed(f"{path}: no such file; check the path.")
    if not os.access(path, os.R_OK):
        raise ImportFailed(f"{path}: not readable; check its permissions.")
    name = dataset or path.stem
    _refuse_unsafe(store, name)
    return _Importer(store, path, name, skip_invalid, context_limit, tags_by_line, progress, cancelled).run()
