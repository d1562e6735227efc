"""The audit log, filtered: who changed what and when, for the audit viewer.

Writing stays `Store.audit(...)`; this class only reads. Reached as `store.audit_log`.
"""

from __future__ import annotations


from store.base import Queries, decode_json_columns


class AuditLogQueries(Queries):
    """Queries of `store.audit_log`."""

    def entries(self, *, action: str | None = None, entity: str | None = None, actor: str | None = None,
                since: str | None = None, until: str | None = None, text: str | None = None,
                limit: int = 500) -> list[dict]:
        """Newest first. `action` matches a prefix (`pii` finds pii_scan, pii_redact, ...);
        `text` searches the details and the entity id."""
        where, params = [], []  # type: list[str], list[Any]
        if action:
            # A prefix, literally: % and _ in it are not wildcards.
            where.append("action LIKE ? ESCAPE '\\'")
            params.append(action.replace("\\", "\\\\").replace("%", r"\%").replace("_", r"\_") + "%")
        if entity:
            where.append("entity = ?")
            params.append(entity)
        if actor:
            where.append("actor = ?")
            params.append(actor)
        if since:
            where.append("at >= ?")
            params.append(since)
        if until:
            where.append("at < ?")
            params.append(until)
        if text:
            where.append("(instr(details, ?) > 0 OR instr(coalesce(entity_id, ''), ?) > 0)")
            params += [text, text]
        sql = "SELECT * FROM audit_log" + (" WHERE " + " AND ".join(where) if where else "")
        rows = self._rows(sql + " ORDER BY at DESC, id LIMIT ?", [*params, limit])
        return [decode_json_columns(r, "details") for r in rows]

    def actions(self) -> list[str]:
        return [r["action"] for r in self._rows("SELECT DISTINCT action FROM audit_log ORDER BY action")]

    def actors(self) -> list[str]:
        return [r["actor"] for r in self._rows(
            "SELECT DISTINCT actor FROM audit_log WHERE actor IS NOT NULL ORDER BY actor")]
