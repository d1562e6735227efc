"""Plain-text views of a job shared by the CLI and the app: detail lines and a failure
in plain words."""

from __future__ import annotations


def failure_text(job: dict) -> str:
    error = job.get("error")
    if not error:
        return ""
    if isinstance(error, dict):
        parts = [error.get("message") or "", error.get("hint") or ""]
        if error.get("code") and not error.get("hint"):
            parts.insert(0, f"{error['code']}:")
        return " ".join(p for p in parts if p)
    return str(error)


def detail_text(detail: dict) -> str:
    version = f"{detail.get('dataset_name')}@{detail.get('version_number')}" if detail.get("dataset_name") else "-"
    lines = [
        f"Job {detail['id']}  ({detail.get('provider_name') or '-'} {detail.get('provider_job_id') or 'not created'})",
        f"  status      {detail['status']} (provider: {detail.get('raw_status') or '-'})",
        f"  base model  {detail['base_model']}  method {detail['method']}",
        f"  version     {version}  sha256 {(detail.get('version_sha256') or '')[:16]}",
        f"  hyperparams {detail.get('hyperparameters') or {}}  seed {detail.get('seed')}",
        f"  model       {detail.get('fine_tuned_model') or '-'}",
    ]
    if detail.get("estimated_cost") is not None:
        lines.append(f"  est. cost   ${detail['estimated_cost']:.2f}")
    if detail.get("loss_flag"):
        lines.append(f"  LOSS FLAG   {detail['loss_flag']['message']}")
    failure = failure_text(detail)
    if failure:
        lines.append(f"  failure     {failure}")
    metrics = detail.get("metrics") or []
    if metrics:
        last = metrics[-1]
        lines.append(f"  metrics     {len(metrics)} steps; last step {last['step']}: train loss {last['train_loss']}"
                     f", valid loss {last['valid_loss']}")
    for cp in detail.get("checkpoints") or []:
        lines.append(f"  checkpoint  step {cp['step']}: {cp['model']}")
    events = detail.get("events") or []
    if events:
        lines.append("  events (last 10):")
        lines += [f"    {e['created_at'][:19]}  {e['message']}" for e in events[-10:]]
    return "\n".join(lines)
