"""Registered models: register by hand, sync from succeeded jobs and generated answers,
notes, lifecycle dates, retire, and the whole record of one model (`show`).

A registry entry is keyed by the provider's model id (plus the provider name); its
`name` is what the team calls it (aurora-v3). Every change is written to the registry's
history and to the audit log.
"""

from __future__ import annotations

import datetime as _dt
import getpass

from store import Store
from workbench.errors import InvalidRequest
from workbench.registry import lifecycle

STATUSES = ("candidate", "promoted", "retired", "rolled_back")
NOTE_FIELDS = ("purpose", "acceptable_use", "limits")


class RegistryError(InvalidRequest):
    """A registry request that cannot be carried out (unknown model, wrong status)."""


def actor() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def get(store: Store, key: str) -> dict:
    model = store.registry.get_model(key)
    if model is None:
        known = ", ".join(m["name"] for m in store.registry.list_models()[:8]) or "none yet"
        raise RegistryError(f"No registered model {key!r} (registered: {known}).")
    return model


def record(store: Store, model: dict, action: str, *, to_status: str | None = None, reason: str = "",
           details: dict | None = None, session_id: str | None = None, gate_decision: str | None = None,
           override: bool = False, who: str | None = None) -> None:
    """One history entry and its audit-log twin (inside the caller's transaction)."""
    who = who or actor()
    store.registry.add_history({
        "registry_model_id": model["id"], "actor": who, "action": action, "from_status": model["status"],
        "to_status": to_status or model["status"], "session_id": session_id, "gate_decision": gate_decision,
        "override": int(override), "reason": reason, "details": details or {}})
    store.audit(action, "registry_model", model["id"],
                {"model": model["name"], "from": model["status"], "to": to_status or model["status"],
                 "reason": reason, "override": override, "session_id": session_id, "gate": gate_decision,
                 **(details or {})}, actor=who)


def _kind(provider_model_id: str) -> str:
    return "fine_tuned" if provider_model_id.startswith("ft:") else "base"


def _free_name(store: Store, name: str) -> str:
    candidate, n = name, 1
    while store.registry.name_taken(candidate):
        n += 1
        candidate = f"{name}#{n}"
    return candidate


def register(store: Store, name: str | None, provider_model_id: str, *, provider: str | None = None,
             base_model: str | None = None, kind: str | None = None, endpoint: str | None = None,
             dataset_sha256: str | None = None, hyperparameters: dict | None = None, purpose: str = "",
             acceptable_use: str = "", limits: str = "", changelog: str = "", shutdown_date: str | None = None,
             training_cutoff: str | None = None, job_id: str | None = None, dataset_version_id: str | None = None,
             action: str = "register", reason: str = "", who: str | None = None) -> dict:
    """Add a model to the registry (by hand, or from a job or generated answers)."""
    if not provider_model_id.strip():
        raise RegistryError("A registered model needs the provider's model id.")
    name = (name or provider_model_id).strip()
    if store.registry.name_taken(name):
        raise RegistryError(f"A model named {name!r} is already registered; pick another name.")
    kind = kind or _kind(provider_model_id)
    if kind not in ("base", "fine_tuned"):
        raise RegistryError(f"kind {kind!r}: use base or fine_tuned.")
    dates = {"shutdown_date": lifecycle.parse_date(shutdown_date, "shutdown date"),
             "training_cutoff": lifecycle.parse_date(training_cutoff, "training cutoff")}
    with store.transaction():
        model = store.registry.insert_model({
            "name": name, "provider": provider, "provider_id": store.registry.provider_id(provider),
            "provider_model_id": provider_model_id, "base_model": base_model, "kind": kind, "endpoint": endpoint,
            "dataset_sha256": dataset_sha256, "hyperparameters": hyperparameters or {}, "purpose": purpose,
            "acceptable_use": acceptable_use, "limits": limits, "changelog": changelog, "job_id": job_id,
            "dataset_version_id": dataset_version_id, **dates,
            "lifecycle_source": "user" if any(dates.values()) else None})
        record(store, model, action, to_status="candidate", reason=reason, who=who,
               details={"provider_model_id": provider_model_id, "provider": provider})
    return model


def sync_jobs(store: Store) -> int:
    """Register the model of every succeeded job that is not registered yet."""
    added = 0
    for job in store.registry.succeeded_jobs():
        known = store.registry.find_model(job["fine_tuned_model"], job.get("provider_name"))
        if known is not None:
            if not known.get("job_id"):  # registered by hand before its job was recorded: link them
                store.registry.update_model(known["id"], {
                    "job_id": job["id"], "dataset_version_id": job.get("dataset_version_id"),
                    "dataset_sha256": known.get("dataset_sha256") or job.get("dataset_sha256"),
                    "hyperparameters": known.get("hyperparameters") or job.get("hyperparameters") or {}})
                record(store, known, "sync", reason=f"linked to job {job.get('provider_job_id') or job['id']}",
                       who="workbench")
            continue
        name = job.get("suffix") or job["fine_tuned_model"]
        register(store, _free_name(store, name), job["fine_tuned_model"], provider=job.get("provider_name"),
                 base_model=job["base_model"], kind="fine_tuned", job_id=job["id"],
                 dataset_version_id=job.get("dataset_version_id"), dataset_sha256=job.get("dataset_sha256"),
                 hyperparameters=job.get("hyperparameters") or {}, action="sync",
                 reason=f"produced by job {job.get('provider_job_id') or job['id']}", who="workbench")
        added += 1
    return added


def sync_generations(store: Store) -> int:
    """Register every model that answered a golden set (generated or imported) and is not registered."""
    added = 0
    for row in store.registry.generated_models():
        if store.registry.find_model(row["model"], row.get("provider")):
            continue
        register(store, _free_name(store, row["model"]), row["model"], provider=row.get("provider"),
                 action="sync", reason="answered a golden set", who="workbench")
        added += 1
    return added


def fill_catalogue_dates(store: Store) -> None:
    """Models without a shutdown date take the models table's retirement date, if any."""
    for model in store.registry.list_models():
        if model.get("shutdown_date"):
            continue
        row = store.registry.catalogue_dates(model["provider_model_id"])
        if row and row.get("retires_at"):
            store.registry.update_model(model["id"], {"shutdown_date": lifecycle.parse_date(row["retires_at"]),
                                                      "lifecycle_source": "models_table"})


def sync(store: Store) -> int:
    """Everything the registry learns on its own: jobs' models, answering models, dates."""
    added = sync_jobs(store) + sync_generations(store)
    fill_catalogue_dates(store)
    return added


def list_models(store: Store, today: _dt.date | None = None) -> list[dict]:
    """Every registered model with its days to shutdown and cutoff and its warnings."""
    sync(store)
    baselines = store.registry.baseline_models()
    rows = []
    for model in store.registry.list_models():
        rows.append({**model, "days_to_shutdown": lifecycle.days_until(model.get("shutdown_date"), today),
                     "days_to_training_cutoff": lifecycle.days_until(model.get("training_cutoff"), today),
                     "baseline": model["provider_model_id"] in baselines,
                     "warnings": [w.text for w in lifecycle.model_warnings(model, baselines, today)]})
    return rows


def note(store: Store, key: str, *, changelog: str | None = None, purpose: str | None = None,
         acceptable_use: str | None = None, limits: str | None = None, who: str | None = None) -> dict:
    """Append a changelog line (dated) and/or set purpose, acceptable use, known limits."""
    model = get(store, key)
    changes: dict = {k: v for k, v in {"purpose": purpose, "acceptable_use": acceptable_use,
                                        "limits": limits}.items() if v is not None}
    if changelog:
        stamp = _dt.datetime.now(_dt.timezone.utc).date().isoformat()
        line = f"{stamp} {changelog.strip()}"
        changes["changelog"] = f"{model['changelog']}\n{line}".strip() if model["changelog"] else line
    if not changes:
        raise RegistryError("Nothing to note: give a changelog line, a purpose, the acceptable use or known limits.")
    with store.transaction():
        store.registry.update_model(model["id"], changes)
        record(store, model, "note", reason=changelog or "", who=who,
               details={k: v for k, v in changes.items() if k != "changelog"})
    return get(store, model["id"])


def set_lifecycle(store: Store, key: str, *, shutdown_date: str | None = None, training_cutoff: str | None = None,
                  source: str = "user", who: str | None = None) -> dict:
    model = get(store, key)
    changes = {k: lifecycle.parse_date(v, k.replace("_", " ")) for k, v in
               {"shutdown_date": shutdown_date, "training_cutoff": training_cutoff}.items() if v is not None}
    if not changes:
        raise RegistryError("Give a shutdown date or a training cutoff (YYYY-MM-DD).")
    with store.transaction():
        store.registry.update_model(model["id"], {**changes, "lifecycle_source": source})
        record(store, model, "lifecycle", details={**changes, "source": source}, who=who)
    return get(store, model["id"])


def refresh_lifecycle(store: Store, key: str | None = None) -> list[dict]:
    """Read `shutdown_date` from each provider's `/v1/models` (where it returns one)."""
    from workbench import providers

    list_provider_models = getattr(providers, "list_models", None)
    if list_provider_models is None:
        raise RegistryError("Providers are not set up in this build; set the dates by hand.")
    sync(store)
    targets = [get(store, key)] if key else [m for m in store.registry.list_models() if m["status"] != "retired"]
    changed, listings = [], {}
    for model in targets:
        if not model.get("provider"):
            continue
        if model["provider"] not in listings:
            listings[model["provider"]] = {m["id"]: m for m in list_provider_models(store, model["provider"])}
        found = listings[model["provider"]].get(model["provider_model_id"])
        date = lifecycle.parse_date(found.get("shutdown_date")) if found else None
        if date and date != model.get("shutdown_date"):
            changed.append(set_lifecycle(store, model["id"], shutdown_date=date, source="provider"))
    return changed


def retire(store: Store, key: str, reason: str = "", who: str | None = None) -> dict:
    model = get(store, key)
    if model["status"] == "retired":
        raise RegistryError(f"{model['name']} is already retired.")
    if model["status"] == "promoted":
        raise RegistryError(f"{model['name']} is the promoted model; promote another model or roll back first.")
    with store.transaction():
        store.registry.update_model(model["id"], {"status": "retired"})
        record(store, model, "retire", to_status="retired", reason=reason, who=who)
    return get(store, model["id"])


def generation_figures(store: Store, model: str) -> list[dict]:
    """Per golden-set version: answers, latency p50/p95, tokens and cost (where priced)."""
    from workbench.eval.generation import percentile

    groups: dict[str, dict] = {}
    for row in store.registry.generation_rows(model):
        group = groups.setdefault(row["golden_version_id"], {
            "golden_set": row["golden_set"], "version": row["version"], "answers": 0, "latencies": [],
            "prompt_tokens": 0, "completion_tokens": 0, "cost_usd": None, "unpriced": 0, "sources": set()})
        group["answers"] += 1
        group["sources"].add(row["source"])
        if row["latency_ms"] is not None:
            group["latencies"].append(row["latency_ms"])
        group["prompt_tokens"] += row["prompt_tokens"] or 0
        group["completion_tokens"] += row["completion_tokens"] or 0
        if row["cost_usd"] is None:
            group["unpriced"] += 1
        else:
            group["cost_usd"] = (group["cost_usd"] or 0.0) + row["cost_usd"]
    out = []
    for version_id, g in groups.items():
        latencies = g.pop("latencies")
        out.append({**g, "golden_version_id": version_id, "sources": sorted(g["sources"]),
                    "latency_p50_ms": percentile(latencies, 50), "latency_p95_ms": percentile(latencies, 95)})
    return out


def sbs_results(store: Store, model: dict) -> list[dict]:
    """Every rating session of the model as candidate: baseline, votes, win rate, gate."""
    from workbench.eval.rating import session_gate

    rows = []
    for session in store.registry.sessions_with(model["provider_model_id"]):
        if session["candidate_model"] != model["provider_model_id"]:
            continue
        verdict = session_gate(store, session)
        rows.append({"session": session["name"], "session_id": session["id"], "baseline": session["baseline_model"],
                     "golden_version_id": session["golden_version_id"],
                     "golden_set": session["golden_set"], "version": session["version"], "votes": verdict.n,
                     "target_n": session["target_n"], "win_rate": verdict.rate, "decision": verdict.decision,
                     "final": verdict.final, "reasons": verdict.reasons})
    return rows


def show(store: Store, key: str, today: _dt.date | None = None) -> dict:
    """The whole record of one model: lineage, notes, lifecycle, SBS results, cost and
    latency per golden-set version, and its history (newest first)."""
    sync(store)
    model = get(store, key)
    listed = next(m for m in list_models(store, today) if m["id"] == model["id"])
    version = store.registry.dataset_version(model["dataset_version_id"]) if model.get("dataset_version_id") else None
    sbs = sbs_results(store, model)
    figures = generation_figures(store, model["provider_model_id"])
    for row in figures:  # what a run cost and how fast it answered, next to its win rate
        row["win_rates"] = [{"baseline": s["baseline"], "win_rate": s["win_rate"], "decision": s["decision"]}
                            for s in sbs if s["golden_version_id"] == row["golden_version_id"]]
    return {"model": listed, "dataset_version": version, "sbs": sbs, "generation": figures,
            "history": store.registry.history(model["id"])}
