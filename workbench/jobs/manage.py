"""Reading and cancelling jobs: the list, one job's detail, cancel."""

from __future__ import annotations

from workbench.errors import InvalidRequest
from workbench.jobs.adapters import adapter_for
from workbench.jobs.status import is_final
from workbench.providers import get_provider


def list_jobs(store) -> list[dict]:
    return store.jobs.list_jobs()


def has_active_jobs(store) -> bool:
    """Whether any job is still pending, queued or running (the monitor has work)."""
    return bool(store.jobs.active_jobs())


def get_job(store, ref: str) -> dict:
    job = store.jobs.get_job(ref)
    if job is None:
        raise InvalidRequest(f"No job {ref!r}.", "List the jobs to see their ids.")
    return job


def job_detail(store, ref: str) -> dict:
    """A job with its events, metrics and checkpoints."""
    job = get_job(store, ref)
    return {**job, "events": store.jobs.events(job["id"]), "metrics": store.jobs.metrics(job["id"]),
            "checkpoints": store.jobs.checkpoints(job["id"])}


def cancel_job(store, ref: str, adapter=None) -> dict:
    job = get_job(store, ref)
    if is_final(job["status"]):
        raise InvalidRequest(f"Job {job['id'][:8]} is already {job['status']}.", "")
    if not job["provider_job_id"]:
        store.jobs.update_job(job["id"], {"status": "cancelled"})
        return get_job(store, job["id"])
    provider = get_provider(store, job["provider_id"])
    key = f"cancel:{job['id']}"
    store.jobs.outbox_add("cancel_job", {"job_id": job["id"]}, key)
    store.jobs.outbox_mark(key, "sent")
    state = (adapter or adapter_for(provider)).cancel(job["provider_job_id"])
    with store.transaction():
        store.jobs.update_job(job["id"], {"status": state["status"], "raw_status": state["raw_status"]})
        store.jobs.outbox_mark(key, "done", {"status": state["raw_status"]})
    store.audit("job_cancel", "job", job["id"], {})
    return get_job(store, job["id"])
