"""One normalised status set for every provider, with a mapping table per provider.

pending (files validating, not yet queued), queued, running, succeeded, failed,
cancelled; `draft` is ours: the job exists here but not yet at the provider. The
provider's own word is kept beside it as `raw_status`.
"""

from __future__ import annotations

NORMALISED = ("draft", "pending", "queued", "running", "succeeded", "failed", "cancelled")
FINAL = ("succeeded", "failed", "cancelled")

OPENAI = {
    "validating_files": "pending",
    "queued": "queued",
    "running": "running",
    "paused": "queued",
    "pausing": "running",
    "succeeded": "succeeded",
    "failed": "failed",
    "cancelled": "cancelled",
}

TOGETHER = {
    "pending": "pending",
    "queued": "queued",
    "running": "running",
    "compressing": "running",
    "uploading": "running",
    "cancel_requested": "running",   # still winding down; final when the provider says cancelled
    "cancelled": "cancelled",
    "error": "failed",
    "user_error": "failed",
    "completed": "succeeded",
}

TABLES = {"openai": OPENAI, "azure": OPENAI, "together": TOGETHER}


def normalise(kind: str, raw: str | None) -> str:
    """The normalised status of a provider's raw status; an unknown word counts as running
    (the job exists and is not known to be over), so the monitor keeps watching it."""
    table = TABLES.get(kind, OPENAI)
    return table.get((raw or "").lower(), "running")


def is_final(status: str) -> bool:
    return status in FINAL
