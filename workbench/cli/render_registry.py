"""Plain-text rendering of a registry record (`workbench registry show`)."""

from __future__ import annotations

from workbench.cli.render import table


def _pct(value) -> str:
    return "-" if value is None else f"{value * 100:.1f}%"


def _ms(value) -> str:
    return "-" if value is None else f"{value:.0f} ms"


def _money(value) -> str:
    return "-" if value is None else f"${value:.4f}"


def _when(at: str) -> str:
    return at[:16].replace("T", " ")


def history_line(entry: dict) -> str:
    """One line of the story: when, who, what, status change, gate, reason."""
    action = entry["action"]
    details = entry.get("details") or {}
    text = f"{_when(entry['at'])}  {entry.get('model_name', '')}  {action}"
    if entry.get("from_status") != entry.get("to_status"):
        text += f" ({entry['from_status']} -> {entry['to_status']})"
    if action == "promote":
        gate = (entry.get("gate_decision") or "no gate").upper()
        text += f" gate {gate}" + (" OVERRIDDEN" if entry.get("override") else "")
        if details.get("previous_name"):
            text += f", replaced {details['previous_name']}"
    if action == "rollback" and details.get("restored_name"):
        text += f", back to {details['restored_name']}"
    if action == "restore" and details.get("rolled_back_name"):
        text += f" (rollback of {details['rolled_back_name']})"
    if entry.get("reason"):
        text += f": {entry['reason']}"
    return text + (f"  [{entry['actor']}]" if entry.get("actor") else "")


def render_show(record: dict) -> str:
    m = record["model"]
    lines = [f"{m['name']}  [{m['status'].upper()}]" + ("  baseline of a rating session" if m.get("baseline") else ""),
             f"  provider {m.get('provider') or '-'}, model id {m['provider_model_id']} ({m['kind']})",
             f"  base model {m.get('base_model') or '-'}; job {m.get('job_id') or '-'}"]
    version = record.get("dataset_version")
    if version:
        lines.append(f"  dataset {version['dataset']} v{version['number']} train sha256 {version['train_sha256']}")
    elif m.get("dataset_sha256"):
        lines.append(f"  dataset version sha256 {m['dataset_sha256']}")
    if m.get("endpoint"):
        lines.append(f"  endpoint {m['endpoint']}")
    if m.get("hyperparameters"):
        lines.append("  hyperparameters " + ", ".join(f"{k}={v}" for k, v in m["hyperparameters"].items()))
    for label, key in (("purpose", "purpose"), ("acceptable use", "acceptable_use"), ("known limits", "limits")):
        lines.append(f"  {label}: {m.get(key) or '-'}")
    days = m.get("days_to_shutdown")
    lines.append(f"  shutdown {m.get('shutdown_date') or '-'}" + (f" (in {days} days)" if days is not None else "")
                 + f"; training cutoff {m.get('training_cutoff') or '-'}"
                 + (f" ({m['lifecycle_source']})" if m.get("lifecycle_source") else ""))
    for warning in m.get("warnings") or []:
        lines.append(f"  WARNING: {warning}")
    if m.get("changelog"):
        lines += ["", "Changelog:"] + [f"  {line}" for line in m["changelog"].splitlines()]
    lines += ["", "Side-by-side results (as candidate):"]
    if record["sbs"]:
        lines.append(table(["baseline", "golden set", "votes", "W", "gate"],
                           [(s["baseline"], f"{s['golden_set']}@{s['version']}", f"{s['votes']}/{s['target_n']}",
                             _pct(s["win_rate"]), s["decision"].upper() + ("" if s["final"] else " (not final)"))
                            for s in record["sbs"]]))
    else:
        lines.append("  none yet")
    lines += ["", "Answers, cost and latency per golden-set version:"]
    if record["generation"]:
        lines.append(table(["golden set", "answers", "p50", "p95", "tokens in/out", "cost", "W", "source"],
                           [(f"{g['golden_set']}@{g['version']}", g["answers"], _ms(g["latency_p50_ms"]),
                             _ms(g["latency_p95_ms"]), f"{g['prompt_tokens']}/{g['completion_tokens']}",
                             _money(g["cost_usd"]) + (f" ({g['unpriced']} unpriced)" if g["unpriced"] else ""),
                             ", ".join(f"{_pct(w['win_rate'])} vs {w['baseline']}" for w in g.get("win_rates") or [])
                             or "-", ",".join(g["sources"])) for g in record["generation"]]))
    else:
        lines.append("  none yet")
    lines += ["", "History (newest first):"] + [f"  {history_line(h)}" for h in record["history"]]
    return "\n".join(lines)
