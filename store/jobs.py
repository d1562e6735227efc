"""Fine-tuning jobs, their events, metrics and checkpoints, and the outbox of provider
calls. Reached as `store.jobs`.

The outbox row is written (and committed) before a provider call is sent, and marked
done with the call's result after; a row left `pending` or `sent` after a crash tells
reconciliation what may have reached the provider.
"""

from __future__ import annotations

from typing import Iterable

from store.base import Queries, decode_json_columns
from store.db import new_id, now, to_json

JOB_JSON = ("hyperparameters", "error", "result_files", "loss_flag")
ACTIVE = ("draft", "pending", "queued", "running")


class JobQueries(Queries):
    """Queries of `store.jobs`."""

    # ------------------------------------------------------------------ versions (read only)

    def find_version(self, dataset: str, number: int | None) -> dict | None:
        """A dataset version by dataset name or id and number (the latest without one), or by version id."""
        row = self._one("SELECT v.*, d.name AS dataset_name FROM dataset_versions v JOIN datasets d "
                        "ON d.id = v.dataset_id WHERE v.id = ?", [dataset])
        if row or number is None and not self._scalar("SELECT 1 FROM datasets WHERE name = ? OR id = ?",
                                                       [dataset, dataset]):
            return row
        order = "AND v.number = ?" if number is not None else ""
        params = [dataset, dataset] + ([number] if number is not None else [])
        return self._one("SELECT v.*, d.name AS dataset_name FROM dataset_versions v JOIN datasets d "
                         f"ON d.id = v.dataset_id WHERE (d.name = ? OR d.id = ?) {order} "
                         "ORDER BY v.number DESC LIMIT 1", params)

    def frozen_versions(self) -> list[dict]:
        """Every frozen version of every live dataset, newest first (what a launch can pick)."""
        return self._rows("SELECT v.id, v.number, v.train_count, v.validation_count, v.train_sha256, "
                          "v.created_at, d.name AS dataset_name FROM dataset_versions v JOIN datasets d "
                          "ON d.id = v.dataset_id WHERE d.deleted_at IS NULL AND d.name NOT LIKE '.%' "
                          "ORDER BY v.created_at DESC, d.name, v.number DESC")

    def version_example_ids(self, version_id: str) -> list[str]:
        """The examples a frozen version holds (both splits)."""
        return [r["example_id"] for r in self._rows(
            "SELECT example_id FROM dataset_version_examples WHERE version_id = ?", [version_id])]

    # ------------------------------------------------------------------ jobs

    def create_job(self, fields: dict) -> dict:
        stamp = now()
        row = {"id": new_id(), "status": "draft", "created_at": stamp, "updated_at": stamp, **fields}
        for column in JOB_JSON:
            if column in row and not isinstance(row[column], (str, type(None))):
                row[column] = to_json(row[column])
        self.db["jobs"].insert(row)
        return self.get_job(row["id"])

    def update_job(self, job_id: str, changes: dict) -> None:
        changes = {k: (to_json(v) if k in JOB_JSON and v is not None and not isinstance(v, str) else v)
                   for k, v in changes.items()}
        changes["updated_at"] = now()
        assignments = ", ".join(f"{column} = ?" for column in changes)
        self.db.execute(f"UPDATE jobs SET {assignments} WHERE id = ?", [*changes.values(), job_id])

    def get_job(self, job_id: str) -> dict | None:
        row = self._one("SELECT j.*, p.name AS provider_name, p.kind AS provider_kind, d.name AS dataset_name, "
                        "v.number AS version_number FROM jobs j LEFT JOIN providers p ON p.id = j.provider_id "
                        "LEFT JOIN dataset_versions v ON v.id = j.dataset_version_id "
                        "LEFT JOIN datasets d ON d.id = v.dataset_id "
                        "WHERE j.id = ? OR j.provider_job_id = ? OR j.id LIKE ? ORDER BY j.created_at LIMIT 1",
                        [job_id, job_id, f"{job_id}%"])
        return decode_json_columns(row, *JOB_JSON)

    def list_jobs(self, statuses: Iterable[str] | None = None) -> list[dict]:
        where, params = "", []
        if statuses:
            statuses = list(statuses)
            where = f"WHERE j.status IN ({', '.join('?' * len(statuses))})"
            params = statuses
        rows = self._rows("SELECT j.*, p.name AS provider_name, p.kind AS provider_kind, d.name AS dataset_name, "
                          "v.number AS version_number FROM jobs j LEFT JOIN providers p ON p.id = j.provider_id "
                          "LEFT JOIN dataset_versions v ON v.id = j.dataset_version_id "
                          f"LEFT JOIN datasets d ON d.id = v.dataset_id {where} ORDER BY j.created_at DESC", params)
        return [decode_json_columns(r, *JOB_JSON) for r in rows]

    def active_jobs(self) -> list[dict]:
        return self.list_jobs(ACTIVE)

    def count_for_provider_job(self, provider_id: str, provider_job_id: str) -> int:
        return self._scalar("SELECT count(*) FROM jobs WHERE provider_id = ? AND provider_job_id = ?",
                            [provider_id, provider_job_id])

    # ------------------------------------------------------------------ events, metrics, checkpoints

    def add_events(self, job_id: str, events: Iterable[dict]) -> int:
        added = 0
        for event in events:
            cursor = self.db.execute(
                "INSERT OR IGNORE INTO job_events(id, job_id, provider_event_id, created_at, level, type, message, "
                "data) VALUES (?,?,?,?,?,?,?,?)",
                [new_id(), job_id, event.get("provider_event_id"), event.get("created_at") or now(),
                 event.get("level") or "info", event.get("type"), event.get("message") or "",
                 to_json(event.get("data")) if event.get("data") is not None else None])
            added += cursor.rowcount
        return added

    def events(self, job_id: str) -> list[dict]:
        rows = self._rows("SELECT * FROM job_events WHERE job_id = ? ORDER BY created_at, rowid", [job_id])
        return [decode_json_columns(r, "data") for r in rows]

    def last_event_id(self, job_id: str) -> str | None:
        return self._scalar("SELECT provider_event_id FROM job_events WHERE job_id = ? AND provider_event_id IS "
                            "NOT NULL ORDER BY created_at DESC, rowid DESC LIMIT 1", [job_id])

    def upsert_metrics(self, job_id: str, rows: Iterable[dict]) -> None:
        columns = ("train_loss", "train_accuracy", "valid_loss", "valid_mean_token_accuracy", "full_valid_loss",
                   "full_valid_mean_token_accuracy")
        for row in rows:
            values = [row.get(c) for c in columns]
            self.db.execute(
                f"INSERT INTO job_metrics(job_id, step, {', '.join(columns)}) VALUES (?,?,{','.join('?' * 6)}) "
                "ON CONFLICT(job_id, step) DO UPDATE SET "
                + ", ".join(f"{c} = coalesce(excluded.{c}, {c})" for c in columns),
                [job_id, int(row["step"]), *values])

    def metrics(self, job_id: str) -> list[dict]:
        return self._rows("SELECT * FROM job_metrics WHERE job_id = ? ORDER BY step", [job_id])

    def upsert_checkpoints(self, job_id: str, checkpoints: Iterable[dict]) -> None:
        for cp in checkpoints:
            exists = self._scalar("SELECT id FROM checkpoints WHERE job_id = ? AND provider_checkpoint_id = ?",
                                  [job_id, cp["provider_checkpoint_id"]])
            if not exists:
                self.db["checkpoints"].insert({"id": new_id(), "job_id": job_id, "created_at": now(),
                                               **cp, "metrics": to_json(cp.get("metrics") or {})})

    def checkpoints(self, job_id: str) -> list[dict]:
        rows = self._rows("SELECT * FROM checkpoints WHERE job_id = ? ORDER BY step", [job_id])
        return [decode_json_columns(r, "metrics") for r in rows]

    # ------------------------------------------------------------------ outbox

    def outbox_add(self, kind: str, payload: dict, idempotency_key: str) -> dict:
        """Record an intended provider call (a repeat of the same key returns the first row)."""
        stamp = now()
        self.db.execute("INSERT OR IGNORE INTO outbox(id, kind, payload, idempotency_key, created_at, updated_at) "
                        "VALUES (?,?,?,?,?,?)", [new_id(), kind, to_json(payload), idempotency_key, stamp, stamp])
        return self.outbox_get(idempotency_key)

    def outbox_get(self, idempotency_key: str) -> dict | None:
        row = self._one("SELECT * FROM outbox WHERE idempotency_key = ?", [idempotency_key])
        return decode_json_columns(row, "payload", "result")

    def outbox_mark(self, idempotency_key: str, status: str, result: dict | None = None,
                    error: str | None = None) -> None:
        self.db.execute("UPDATE outbox SET status = ?, result = coalesce(?, result), last_error = ?, "
                        "attempts = attempts + (? = 'sent'), updated_at = ? WHERE idempotency_key = ?",
                        [status, to_json(result) if result is not None else None, error, status, now(),
                         idempotency_key])

    def outbox_open(self) -> list[dict]:
        rows = self._rows("SELECT * FROM outbox WHERE status IN ('pending', 'sent') ORDER BY created_at")
        return [decode_json_columns(r, "payload", "result") for r in rows]
