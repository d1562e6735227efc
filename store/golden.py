"""Golden sets, their prompts and frozen versions, and generations (model answers).

Reached as `store.golden`; every method runs on the calling thread's connection.
"""

from __future__ import annotations

from typing import Iterable

from store.base import Queries, decode_json_columns
from store.db import new_id, now, to_json


class GoldenQueries(Queries):
    """Queries of `store.golden`."""

    def get_golden_set(self, name_or_id: str) -> dict | None:
        return self._one("SELECT * FROM golden_sets WHERE name = ? OR id = ?", [name_or_id, name_or_id])

    def create_golden_set(self, name: str, description: str = "") -> dict:
        stamp = now()
        row = {"id": new_id(), "name": name, "description": description, "created_at": stamp, "updated_at": stamp}
        self.db["golden_sets"].insert(row)
        return row

    def list_golden_sets(self) -> list[dict]:
        return self._rows(
            """SELECT g.*, (SELECT count(*) FROM golden_prompts p WHERE p.golden_set_id = g.id
                                AND p.deleted_at IS NULL) AS prompts,
                      (SELECT max(number) FROM golden_set_versions v WHERE v.golden_set_id = g.id) AS latest_version
                 FROM golden_sets g ORDER BY g.name""")

    def golden_prompt_hashes(self, golden_set_id: str) -> set[str]:
        return {r[0] for r in self.db.execute(
            "SELECT content_hash FROM golden_prompts WHERE golden_set_id = ? AND deleted_at IS NULL",
            [golden_set_id])}

    def add_golden_prompts(self, golden_set_id: str, prompts: Iterable[dict]) -> int:
        """Insert prompts (messages, reference_answer, tags, external_id, content_hash,
        source_example_id) at the end of the set, in one transaction."""
        with self.transaction():
            position = (self._scalar("SELECT max(position) FROM golden_prompts WHERE golden_set_id = ?",
                                     [golden_set_id]) or 0)
            rows = []
            for prompt in prompts:
                position += 1
                rows.append({"id": new_id(), "golden_set_id": golden_set_id, "position": position,
                             "created_at": now(), **prompt,
                             "messages": to_json(prompt["messages"]), "tags": to_json(prompt.get("tags", []))})
                if prompt.get("tools") is not None:
                    rows[-1]["tools"] = to_json(prompt["tools"])
            self.db["golden_prompts"].insert_all(rows, batch_size=200)
            self.db["golden_sets"].update(golden_set_id, {"updated_at": now()})
        return len(rows)

    def golden_prompts(self, golden_set_id: str) -> list[dict]:
        rows = self._rows("SELECT * FROM golden_prompts WHERE golden_set_id = ? AND deleted_at IS NULL "
                          "ORDER BY position", [golden_set_id])
        return [decode_json_columns(r, "messages", "tags", "tools") for r in rows]

    def freeze_golden_version(self, golden_set_id: str, changelog: str, sha256: str,
                              prompts: list[dict]) -> dict:
        with self.transaction():
            number = (self._scalar("SELECT max(number) FROM golden_set_versions WHERE golden_set_id = ?",
                                   [golden_set_id]) or 0) + 1
            version = {"id": new_id(), "golden_set_id": golden_set_id, "number": number, "changelog": changelog,
                       "sha256": sha256, "prompt_count": len(prompts), "created_at": now()}
            self.db["golden_set_versions"].insert(version)
            self.db["golden_version_prompts"].insert_all(
                ({"version_id": version["id"], "prompt_id": p["id"], "position": i, "content_hash": p["content_hash"],
                  "messages": to_json(p["messages"]), "reference_answer": p.get("reference_answer"),
                  "tags": to_json(p.get("tags", [])),
                  "tools": None if p.get("tools") is None else to_json(p["tools"])}
                 for i, p in enumerate(prompts, start=1)), batch_size=200)
        return version

    def golden_versions(self, golden_set_id: str) -> list[dict]:
        return self._rows("SELECT * FROM golden_set_versions WHERE golden_set_id = ? ORDER BY number",
                          [golden_set_id])

    def get_golden_version(self, golden_set_id: str, number: int | None = None) -> dict | None:
        if number is None:
            return self._one("SELECT * FROM golden_set_versions WHERE golden_set_id = ? ORDER BY number DESC LIMIT 1",
                             [golden_set_id])
        return self._one("SELECT * FROM golden_set_versions WHERE golden_set_id = ? AND number = ?",
                         [golden_set_id, number])

    def version_prompts(self, version_id: str) -> list[dict]:
        rows = self._rows(
            """SELECT v.*, p.external_id FROM golden_version_prompts v JOIN golden_prompts p ON p.id = v.prompt_id
                WHERE v.version_id = ? ORDER BY v.position""", [version_id])
        return [decode_json_columns(r, "messages", "tags", "tools") for r in rows]

    def upsert_generations(self, rows: list[dict]) -> None:
        """Insert answers; an answer for the same (version, prompt, model) replaces the old one."""
        with self.transaction():
            for row in rows:
                self.db.execute(
                    """INSERT INTO generations(id, golden_version_id, prompt_id, model, output, latency_ms,
                                               prompt_tokens, completion_tokens, source, created_at)
                       VALUES (?,?,?,?,?,?,?,?,?,?)
                       ON CONFLICT(golden_version_id, prompt_id, model) DO UPDATE SET
                           output = excluded.output, latency_ms = excluded.latency_ms,
                           prompt_tokens = excluded.prompt_tokens, completion_tokens = excluded.completion_tokens,
                           source = excluded.source, created_at = excluded.created_at""",
                    [new_id(), row["golden_version_id"], row["prompt_id"], row["model"], row["output"],
                     row.get("latency_ms"), row.get("prompt_tokens"), row.get("completion_tokens"),
                     row.get("source", "import"), now()])

    def insert_generation(self, row: dict) -> bool:
        """Commit one generated answer at once; False when the (version, prompt, model)
        already has one (a resumed or parallel run never duplicates or replaces it)."""
        cursor = self.db.execute(
            """INSERT OR IGNORE INTO generations(id, golden_version_id, prompt_id, model, registry_model_id, output,
                                                 latency_ms, prompt_tokens, completion_tokens, source, created_at,
                                                 provider, temperature, seed, cost_usd, finish_reason, tool_calls)
               VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)""",
            [new_id(), row["golden_version_id"], row["prompt_id"], row["model"], row.get("registry_model_id"),
             row["output"], row.get("latency_ms"), row.get("prompt_tokens"), row.get("completion_tokens"),
             row.get("source", "provider"), now(), row.get("provider"), row.get("temperature"), row.get("seed"),
             row.get("cost_usd"), row.get("finish_reason"),
             None if row.get("tool_calls") is None else to_json(row["tool_calls"])])
        return cursor.rowcount == 1

    def generations(self, version_id: str, model: str) -> dict[str, dict]:
        """prompt_id -> generation for one model on one golden-set version."""
        return {r["prompt_id"]: r for r in self._rows(
            "SELECT * FROM generations WHERE golden_version_id = ? AND model = ?", [version_id, model])}

    def generation_models(self, version_id: str) -> list[dict]:
        return self._rows("SELECT model, count(*) AS answers FROM generations WHERE golden_version_id = ? "
                          "GROUP BY model ORDER BY model", [version_id])

    # ------------------------------------------------------------------ batches

    def open_batch(self, version_id: str, model: str) -> dict | None:
        """The batch of this version and model still to collect, if any."""
        return decode_json_columns(self._one(
            """SELECT * FROM generation_batches WHERE golden_version_id = ? AND model = ?
                  AND status NOT IN ('collected', 'failed', 'expired', 'cancelled')
                ORDER BY created_at DESC LIMIT 1""", [version_id, model]), "prompt_ids", "settings")

    def add_batch(self, row: dict) -> dict:
        stamp = now()
        full = {"id": new_id(), "created_at": stamp, "updated_at": stamp, **row,
                "prompt_ids": to_json(row["prompt_ids"]), "settings": to_json(row.get("settings") or {})}
        self.db["generation_batches"].insert(full)
        return {**full, "prompt_ids": row["prompt_ids"], "settings": row.get("settings") or {}}

    def update_batch(self, batch_id: str, changes: dict) -> None:
        self.db["generation_batches"].update(batch_id, {**changes, "updated_at": now()})

