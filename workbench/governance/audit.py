"""The audit viewer: who changed what and when (imports, exports, redactions, promotions,
merges, risk changes), filtered by action, entity, person, time or text."""

from __future__ import annotations

import datetime as _dt
import json

from store import Store
from workbench.errors import InvalidRequest

#: Friendly filters a user types (`--action merges`) -> the action prefix in the log.
ACTION_GROUPS = {"imports": "import", "exports": "export", "redactions": "pii_redact", "pii": "pii",
                 "promotions": "decide", "merges": "snapshot_import", "snapshots": "snapshot",
                 "risks": "risk", "resolutions": "merge_resolve"}


def _day(value: str | None, what: str) -> str | None:
    """A date (YYYY-MM-DD) or a timestamp, as text that sorts with the log's times."""
    if not value:
        return None
    try:
        if len(value) == 10:
            return _dt.date.fromisoformat(value).isoformat()
        return _dt.datetime.fromisoformat(value).isoformat()
    except ValueError as exc:
        raise InvalidRequest(f"{what} must be a date like 2026-11-30, not {value!r}.") from exc


def entries(store: Store, *, action: str | None = None, entity: str | None = None, actor: str | None = None,
            since: str | None = None, until: str | None = None, text: str | None = None,
            limit: int = 500) -> list[dict]:
    """Audit entries, newest first."""
    if limit < 1:
        raise InvalidRequest("The limit must be at least 1.")
    prefix = ACTION_GROUPS.get(action, action) if action else None
    until_value = _day(until, "until")
    if until_value and len(until_value) == 10:  # a whole day: up to its end
        until_value = (_dt.date.fromisoformat(until_value) + _dt.timedelta(days=1)).isoformat()
    return store.audit_log.entries(action=prefix, entity=entity, actor=actor, since=_day(since, "since"),
                                   until=until_value, text=text, limit=limit)


def summary(entry: dict, width: int = 80) -> str:
    """The details of an entry on one line."""
    details = entry.get("details") or {}
    text = ", ".join(f"{k}={json.dumps(v, ensure_ascii=False) if not isinstance(v, str) else v}"
                     for k, v in details.items())
    return text if len(text) <= width else text[:width - 1] + "…"
