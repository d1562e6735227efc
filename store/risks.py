"""The risk register: risks and the evidence each one points at (rating sessions, PII
scans, dataset versions, ...). Reached as `store.risks`."""

from __future__ import annotations


from store.base import Queries
from store.db import new_id, now

RISK_COLUMNS = ("title", "description", "severity", "likelihood", "mitigation", "owner", "status")
SEVERITY_ORDER = "CASE severity WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 ELSE 3 END"


class RiskQueries(Queries):
    """Queries of `store.risks`."""

    def add(self, risk: dict) -> dict:
        stamp = now()
        row = {"id": new_id(), "created_at": stamp, "updated_at": stamp,
               **{k: v for k, v in risk.items() if k in RISK_COLUMNS}}
        self.db["risks"].insert(row)
        return self.get(row["id"])

    def get(self, risk_id: str) -> dict | None:
        """By id or id prefix (as the CLI shows it), or by exact title."""
        row = self._one("SELECT * FROM risks WHERE id = ? OR title = ? OR id LIKE ? ORDER BY id = ? DESC LIMIT 1",
                        [risk_id, risk_id, risk_id + "%", risk_id])
        if row:
            row["evidence"] = self.evidence(row["id"])
        return row

    def update(self, risk_id: str, changes: dict) -> dict | None:
        changes = {k: v for k, v in changes.items() if k in RISK_COLUMNS}
        if changes:
            sets = ", ".join(f"{k} = ?" for k in changes)
            self.db.execute(f"UPDATE risks SET {sets}, updated_at = ? WHERE id = ?",
                            [*changes.values(), now(), risk_id])
        return self.get(risk_id)

    def list(self, *, status: str | None = None, severity: str | None = None, owner: str | None = None,
             text: str | None = None) -> list[dict]:
        where, params = [], []  # type: list[str], list[Any]
        for column, value in (("status", status), ("severity", severity), ("owner", owner)):
            if value:
                where.append(f"{column} = ?")
                params.append(value)
        if text:
            where.append("(instr(lower(title), lower(?)) > 0 OR instr(lower(description), lower(?)) > 0)")
            params += [text, text]
        sql = ("SELECT r.*, (SELECT count(*) FROM risk_evidence e WHERE e.risk_id = r.id) AS evidence_count "
               "FROM risks r" + (" WHERE " + " AND ".join(where) if where else ""))
        return self._rows(sql + f" ORDER BY status = 'closed', {SEVERITY_ORDER}, title", params)

    def count(self) -> int:
        return self._scalar("SELECT count(*) FROM risks")

    def add_evidence(self, risk_id: str, kind: str, ref: str, note: str = "") -> bool:
        cursor = self.db.execute(
            "INSERT OR IGNORE INTO risk_evidence(id, risk_id, kind, ref, note, created_at) VALUES (?,?,?,?,?,?)",
            [new_id(), risk_id, kind, ref, note, now()])
        self.db.execute("UPDATE risks SET updated_at = ? WHERE id = ?", [now(), risk_id])
        return cursor.rowcount == 1

    def evidence(self, risk_id: str) -> list[dict]:
        return self._rows("SELECT * FROM risk_evidence WHERE risk_id = ? ORDER BY created_at", [risk_id])

    def evidence_exists(self, kind: str, ref: str) -> bool:
        """Whether the thing a piece of evidence names is in this store."""
        table = {"rating_session": "rating_sessions", "dataset_version": "dataset_versions",
                 "golden_version": "golden_set_versions", "registry_model": "registry_models",
                 "dataset": "datasets"}.get(kind)
        if kind == "pii_scan":
            return bool(self._scalar("SELECT count(*) FROM audit_log WHERE action = 'pii_scan' AND "
                                     "(id = ? OR entity_id = ?)", [ref, ref]))
        if table is None:
            return True  # a link: nothing to check here
        return bool(self._scalar(f"SELECT count(*) FROM {table} WHERE id = ?", [ref]))
