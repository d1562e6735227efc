"""The model registry: registered models, their history, and the read-only views of
jobs, generations and rating sessions the registry shows next to them.

Reached as `store.registry`; every method runs on the calling thread's connection. The
registry writes `registry_models` and `registry_history` only; it reads `jobs`,
`generations`, `rating_sessions` and `models`, which other features own.
"""

from __future__ import annotations

from typing import Any

from store.base import Queries, decode_json_columns
from store.db import new_id, now, to_json

_JSON = ("hyperparameters", "eval_results")


class RegistryQueries(Queries):
    """Queries of `store.registry`."""

    # ------------------------------------------------------------------ models

    def get_model(self, key: str) -> dict | None:
        """A registered model by id, name or provider model id (the newest if several)."""
        row = self._one(
            """SELECT * FROM registry_models WHERE id = ? OR name = ? OR provider_model_id = ?
                ORDER BY (id = ?) DESC, (name = ?) DESC, created_at DESC LIMIT 1""", [key, key, key, key, key])
        return decode_json_columns(row, *_JSON)

    def find_model(self, provider_model_id: str, provider: str | None = None) -> dict | None:
        row = self._one(
            """SELECT * FROM registry_models WHERE provider_model_id = ?
                  AND (? IS NULL OR provider IS NULL OR provider = ?) ORDER BY created_at LIMIT 1""",
            [provider_model_id, provider, provider])
        return decode_json_columns(row, *_JSON)

    def list_models(self) -> list[dict]:
        rows = self._rows(
            """SELECT * FROM registry_models
                ORDER BY CASE status WHEN 'promoted' THEN 0 WHEN 'candidate' THEN 1 ELSE 2 END, created_at DESC""")
        return [decode_json_columns(r, *_JSON) for r in rows]

    def name_taken(self, name: str) -> bool:
        return bool(self._scalar("SELECT 1 FROM registry_models WHERE name = ?", [name]))

    def insert_model(self, model: dict) -> dict:
        stamp = now()
        row = {"id": new_id(), "created_at": stamp, "updated_at": stamp, "status": "candidate", **model}
        for column in _JSON:
            if column in row and not isinstance(row[column], str):
                row[column] = to_json(row[column])
        self.db["registry_models"].insert(row)
        return self.get_model(row["id"]) or row

    def update_model(self, model_id: str, changes: dict) -> None:
        changes = {k: (to_json(v) if k in _JSON and not isinstance(v, str) else v) for k, v in changes.items()}
        self.db["registry_models"].update(model_id, {**changes, "updated_at": now()})

    def promoted(self) -> dict | None:
        return decode_json_columns(self._one(
            "SELECT * FROM registry_models WHERE status = 'promoted' ORDER BY updated_at DESC LIMIT 1"), *_JSON)

    # ------------------------------------------------------------------ history

    def add_history(self, entry: dict) -> dict:
        row = {"id": new_id(), "at": now(), **entry, "details": to_json(entry.get("details") or {})}
        self.db["registry_history"].insert(row)
        return row

    def history(self, model_id: str | None = None, limit: int | None = None) -> list[dict]:
        sql = """SELECT h.*, m.name AS model_name FROM registry_history h
                   JOIN registry_models m ON m.id = h.registry_model_id"""
        params: list[Any] = []
        if model_id:
            sql += " WHERE h.registry_model_id = ?"
            params.append(model_id)
        sql += " ORDER BY h.at DESC, h.rowid DESC"
        if limit:
            sql += f" LIMIT {int(limit)}"
        return [decode_json_columns(r, "details") for r in self._rows(sql, params)]

    def last_promotion(self) -> dict | None:
        """The newest promote or rollback entry (it names what it replaced)."""
        return decode_json_columns(self._one(
            """SELECT * FROM registry_history WHERE action IN ('promote', 'rollback')
                ORDER BY at DESC, rowid DESC LIMIT 1"""), "details")

    # ------------------------------------------------------------------ what the registry reads

    def succeeded_jobs(self) -> list[dict]:
        rows = self._rows(
            """SELECT j.*, p.name AS provider_name, coalesce(j.version_sha256, v.train_sha256) AS dataset_sha256
                 FROM jobs j LEFT JOIN providers p ON p.id = j.provider_id
                 LEFT JOIN dataset_versions v ON v.id = j.dataset_version_id
                WHERE j.status = 'succeeded' AND j.fine_tuned_model IS NOT NULL ORDER BY j.created_at""")
        return [decode_json_columns(r, "hyperparameters") for r in rows]

    def generated_models(self) -> list[dict]:
        """Every (model, provider) that has answers, with its first answer's time."""
        return self._rows("""SELECT model, provider, min(created_at) AS first_at FROM generations
                              GROUP BY model, provider ORDER BY first_at""")

    def generation_rows(self, model: str) -> list[dict]:
        """A model's answers with their golden-set version, for cost and latency figures."""
        return self._rows(
            """SELECT g.golden_version_id, s.name AS golden_set, v.number AS version, g.latency_ms,
                      g.prompt_tokens, g.completion_tokens, g.cost_usd, g.source, g.created_at
                 FROM generations g JOIN golden_set_versions v ON v.id = g.golden_version_id
                 JOIN golden_sets s ON s.id = v.golden_set_id
                WHERE g.model = ? ORDER BY s.name, v.number""", [model])

    def sessions_with(self, model: str) -> list[dict]:
        return self._rows(
            """SELECT s.*, gs.name AS golden_set, v.number AS version FROM rating_sessions s
                 JOIN golden_set_versions v ON v.id = s.golden_version_id
                 JOIN golden_sets gs ON gs.id = v.golden_set_id
                WHERE s.candidate_model = ? OR s.baseline_model = ? ORDER BY s.created_at""", [model, model])

    def baseline_models(self) -> set[str]:
        return {r[0] for r in self.db.execute("SELECT DISTINCT baseline_model FROM rating_sessions")}

    def dataset_version(self, version_id: str) -> dict | None:
        return self._one(
            """SELECT v.id, v.number, v.train_sha256, v.validation_sha256, v.train_count, v.validation_count,
                      d.name AS dataset FROM dataset_versions v JOIN datasets d ON d.id = v.dataset_id
                WHERE v.id = ?""", [version_id])

    def provider_id(self, name: str | None) -> str | None:
        return self._scalar("SELECT id FROM providers WHERE name = ?", [name]) if name else None

    def catalogue_dates(self, model: str) -> dict | None:
        """Retirement date and prices from the editable models table, where it knows the model."""
        return self._one("SELECT retires_at, price_input_per_1m, price_output_per_1m FROM models WHERE name = ?",
                         [model])
