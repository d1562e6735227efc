"""The sample workspace's finished job: OpenAI's recorded job, events and results CSV
(sample_data/jobs/) stored as a succeeded job with curves, so the Jobs mode and the
registry have something real to show offline."""

from __future__ import annotations

import json
from pathlib import Path

from workbench.jobs.adapters import _iso
from workbench.jobs.monitor import parse_results_csv
from workbench.jobs.status import normalise
from workbench.jobs.trend import loss_flag

SAMPLE_PROVIDER = "openai-sample"


def seed_sample_job(store, folder: Path) -> str | None:
    """Record the sample job once; returns its id (None when the files are absent or it exists)."""
    job_file = folder / "aurora_v3_job.json"
    if not job_file.exists():
        return None
    raw = json.loads(job_file.read_text("utf-8"))
    provider = store.providers.get_provider(SAMPLE_PROVIDER)
    if provider is None:
        provider = store.providers.add_provider(SAMPLE_PROVIDER, "openai", None, None, None, "ft-workbench",
                                                {"sample": True})
    if store.jobs.count_for_provider_job(provider["id"], raw["id"]):
        return None
    events = [json.loads(line) for line in (folder / "aurora_v3_events.jsonl").read_text("utf-8").splitlines()
              if line.strip()]
    metrics = parse_results_csv((folder / "aurora_v3_metrics.csv").read_text("utf-8"))
    with store.transaction():
        job = store.jobs.create_job({
            "provider_id": provider["id"], "provider_job_id": raw["id"], "base_model": raw["model"],
            "method": raw["method"]["type"], "hyperparameters": raw["hyperparameters"],
            "suffix": raw.get("user_provided_suffix"), "status": normalise("openai", raw["status"]),
            "raw_status": raw["status"], "fine_tuned_model": raw["fine_tuned_model"],
            "trained_tokens": raw["trained_tokens"], "training_file_id": raw["training_file"],
            "validation_file_id": raw["validation_file"], "seed": raw.get("seed"),
            "result_files": raw.get("result_files") or [], "finished_at": _iso(raw.get("finished_at")),
            "created_at": _iso(raw["created_at"])})
        store.jobs.add_events(job["id"], [{"provider_event_id": e["id"], "created_at": _iso(e["created_at"]),
                                           "level": e.get("level"), "type": e.get("type"),
                                           "message": e.get("message") or "", "data": e.get("data")}
                                          for e in events])
        store.jobs.upsert_metrics(job["id"], metrics)
        store.jobs.update_job(job["id"], {"loss_flag": loss_flag(metrics)})
    return job["id"]
