"""The monitor: one poller for every running job, in any front end.

`poll_job` brings one job up to date (status, events, metrics from events of type
"metrics" and Together's metrics endpoint, checkpoints, the loss-trend flag).
`Monitor.run` loops over the active jobs, each on its own schedule stored on the job
row (`next_poll_at`, so a restart resumes it), backing off exponentially on server
errors and waiting as long as a 429's Retry-After asks; it returns when no job is
active or when told to stop.
"""

from __future__ import annotations

import datetime as _dt
import threading
from dataclasses import dataclass
from typing import Callable

from workbench.jobs.adapters import adapter_for, metric_row, parse_results_csv
from workbench.jobs.status import is_final
from workbench.jobs.trend import loss_flag
from workbench.providers import get_provider
from workbench.providers.failures import ProviderUnavailable, RateLimited
from workbench.errors import WorkbenchError

BASE_INTERVAL = 10.0
MAX_INTERVAL = 300.0


__all__ = ["Monitor", "PollResult", "parse_results_csv", "poll_job"]


def _utc(seconds_from_now: float = 0.0) -> str:
    moment = _dt.datetime.now(_dt.timezone.utc) + _dt.timedelta(seconds=seconds_from_now)
    return moment.isoformat(timespec="microseconds")


@dataclass
class PollResult:
    job_id: str
    status: str
    changed: bool
    ended: bool
    new_events: int


def poll_job(store, job: dict, adapter) -> PollResult:
    """One round for one job. Provider errors propagate (the Monitor schedules retries)."""
    state = adapter.get(job["provider_job_id"])
    events = adapter.events_since(job["provider_job_id"], store.jobs.last_event_id(job["id"])) \
        if adapter.capabilities.events else []
    metrics = [r for r in (metric_row(e.get("data") or {}) for e in events if e.get("type") == "metrics") if r]
    last_step = max((m["step"] for m in store.jobs.metrics(job["id"])), default=0)
    if adapter.capabilities.metrics:
        metrics += adapter.metrics_since(job["provider_job_id"], last_step)
    ended = is_final(state["status"]) and not is_final(job["status"])
    checkpoints = adapter.checkpoints(job["provider_job_id"]) if ended and adapter.capabilities.checkpoints else []
    if ended and state["result_files"]:
        # OpenAI's results CSV holds every step (events may have been trimmed); read once, at the end
        metrics += adapter.result_metrics(state["result_files"])
    with store.transaction():
        added = store.jobs.add_events(job["id"], events)
        store.jobs.upsert_metrics(job["id"], metrics)
        store.jobs.upsert_checkpoints(job["id"], checkpoints)
        flag = loss_flag(store.jobs.metrics(job["id"]))
        changes = {"status": state["status"], "raw_status": state["raw_status"], "loss_flag": flag,
                   "estimated_finish": state["estimated_finish"], "next_poll_at": _utc(BASE_INTERVAL)}
        for column in ("fine_tuned_model", "trained_tokens", "error"):
            if state.get(column):
                changes[column] = state[column]
        if state["result_files"]:
            changes["result_files"] = state["result_files"]
        if ended:
            changes["finished_at"] = state["finished_at"] or _utc()
        store.jobs.update_job(job["id"], changes)
    return PollResult(job["id"], state["status"], state["status"] != job["status"] or bool(added), ended, added)


class Monitor:
    """The app-wide poller. `on_update(PollResult)` is called after each round of a job."""

    def __init__(self, store, adapter_factory: Callable = adapter_for, base_interval: float = BASE_INTERVAL,
                 on_update: Callable[[PollResult], None] | None = None):
        self.store = store
        self.adapter_factory = adapter_factory
        self.base_interval = base_interval
        self.on_update = on_update
        self.stop = threading.Event()
        self._backoff: dict[str, float] = {}
        self._adapters: dict[str, object] = {}

    def _adapter(self, job: dict):
        if job["provider_id"] not in self._adapters:
            self._adapters[job["provider_id"]] = self.adapter_factory(get_provider(self.store, job["provider_id"]))
        return self._adapters[job["provider_id"]]

    def _watched(self) -> list[dict]:
        return [j for j in self.store.jobs.active_jobs() if j["provider_job_id"]]

    def round(self) -> float | None:
        """Poll every due job once; the seconds until the next is due (None: nothing runs)."""
        jobs = self._watched()
        if not jobs:
            return None
        now = _utc()
        for job in jobs:
            if job["next_poll_at"] and job["next_poll_at"] > now:
                continue
            self._poll(job)
        jobs = self._watched()
        if not jobs:
            return None
        due = min(j["next_poll_at"] or now for j in jobs)
        wait = (_dt.datetime.fromisoformat(due) - _dt.datetime.now(_dt.timezone.utc)).total_seconds()
        return max(0.05, wait)

    def _schedule(self, job: dict, seconds: float) -> None:
        self.store.jobs.update_job(job["id"], {"next_poll_at": _utc(seconds)})

    def _poll(self, job: dict) -> None:
        try:
            result = poll_job(self.store, job, self._adapter(job))
        except RateLimited as exc:
            self._schedule(job, exc.retry_after if exc.retry_after is not None else self.base_interval * 3)
            return
        except ProviderUnavailable:
            delay = min(MAX_INTERVAL, self._backoff.get(job["id"], self.base_interval) * 2)
            self._backoff[job["id"]] = delay
            self._schedule(job, delay)
            return
        except WorkbenchError as exc:  # a key problem: stop polling this job, say why
            self.store.jobs.update_job(job["id"], {"next_poll_at": _utc(MAX_INTERVAL),
                                                   "error": {"message": exc.message, "hint": exc.hint,
                                                             "kind": type(exc).__name__, "transient": True}})
            return
        self._backoff.pop(job["id"], None)
        self._schedule(job, self.base_interval)
        if self.on_update:
            self.on_update(result)

    def run(self) -> None:
        """Poll until nothing is active or `stop` is set."""
        while not self.stop.is_set():
            wait = self.round()
            if wait is None:
                return
            self.stop.wait(wait)
