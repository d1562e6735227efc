"""Promote through the gate, roll back in one action.

A candidate is promoted only when the side-by-side gate's final verdict for it against
the currently promoted model is `promote` (the newest session of that pair with a final
verdict decides), or with an explicit override and a reason. The first promotion, when
no model is promoted yet, needs no gate: there is nothing to compare against. Rollback
re-promotes the model that was promoted before the current one (a stack: rolling back
twice goes two steps back). Both are written to the registry's history and the audit log.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from store import Store
from workbench.errors import DataRefused
from workbench.registry.entries import RegistryError, get, record


class GateRefused(DataRefused):
    """The gate does not allow the promotion; nothing changed."""


@dataclass
class GateCheck:
    allowed: bool
    decision: str | None          # promote | block | hold | continue | None (no session, or no baseline)
    final: bool
    session: dict | None
    reasons: list[str] = field(default_factory=list)
    baseline: dict | None = None


def gate_check(store: Store, model: dict, session_name: str | None = None) -> GateCheck:
    """What the gate says about promoting ``model`` over the promoted model."""
    from workbench.eval.rating import session_gate

    current = store.registry.promoted()
    if current is None:
        return GateCheck(True, None, False, None, ["no model is promoted yet: nothing to compare against"])
    if current["id"] == model["id"]:
        raise RegistryError(f"{model['name']} is already the promoted model.")
    pair = [s for s in store.registry.sessions_with(model["provider_model_id"])
            if s["candidate_model"] == model["provider_model_id"] and s["baseline_model"] == current["provider_model_id"]]
    if session_name:
        pair = [s for s in pair if session_name in (s["name"], s["id"])]
    if not pair:
        return GateCheck(False, None, False, None,
                         [f"no rating session compares {model['provider_model_id']} (candidate) with the promoted "
                          f"{current['provider_model_id']} (baseline): rate them side by side first"], current)
    verdicts = [(s, session_gate(store, s)) for s in reversed(pair)]  # newest first
    session, verdict = next(((s, v) for s, v in verdicts if v.final), verdicts[0])
    allowed = verdict.final and verdict.decision == "promote"
    reasons = list(verdict.reasons)
    if not verdict.final:
        reasons.insert(0, f"the gate has not decided yet ({verdict.n} of {session['target_n']} votes)")
    return GateCheck(allowed, verdict.decision, verdict.final, session, reasons, current)


def _promotion_entry(store: Store, model_id: str) -> dict | None:
    return next((h for h in store.registry.history(model_id) if h["action"] in ("promote", "restore")), None)


def promote(store: Store, key: str, *, override: bool = False, reason: str = "", session: str | None = None,
            who: str | None = None) -> dict:
    """Promote a candidate; raises GateRefused when the gate says no and there is no override."""
    model = get(store, key)
    if model["status"] not in ("candidate", "rolled_back"):
        raise RegistryError(f"{model['name']} is {model['status']}; only a candidate can be promoted.")
    if override and not reason.strip():
        raise RegistryError("An override needs a reason; it is written to the audit log.")
    check = gate_check(store, model, session)
    if not check.allowed and not override:
        decision = (check.decision or "no verdict").upper()
        raise GateRefused(f"The gate does not promote {model['name']}: {decision}. " + "; ".join(check.reasons),
                          "Rate more pairs, or promote with an override and a reason.", hint_key="promote_override")
    current = check.baseline or store.registry.promoted()
    with store.transaction():
        if current is not None:
            store.registry.update_model(current["id"], {"status": "candidate"})
            record(store, current, "demote", to_status="candidate", who=who,
                   details={"replaced_by": model["id"], "replaced_by_name": model["name"]})
        store.registry.update_model(model["id"], {"status": "promoted"})
        record(store, model, "promote", to_status="promoted", reason=reason, who=who,
               session_id=check.session["id"] if check.session else None, gate_decision=check.decision,
               override=override and not check.allowed,
               details={"previous": current["id"] if current else None,
                        "previous_name": current["name"] if current else None, "gate_reasons": check.reasons,
                        "gate_final": check.final})
    return {"model": get(store, model["id"]), "previous": current, "gate": gate_json(check),
            "override": override and not check.allowed}


def gate_json(check: GateCheck) -> dict:
    return {"allowed": check.allowed, "decision": check.decision, "final": check.final,
            "session": check.session["name"] if check.session else None, "reasons": check.reasons,
            "baseline": check.baseline["name"] if check.baseline else None}


def rollback(store: Store, reason: str = "", who: str | None = None) -> dict:
    """Re-promote the model promoted before the current one; the current one is rolled back."""
    current = store.registry.promoted()
    if current is None:
        raise RegistryError("No model is promoted; there is nothing to roll back.")
    entry = _promotion_entry(store, current["id"])
    previous_id = (entry or {}).get("details", {}).get("previous")
    if not previous_id:
        raise RegistryError(f"{current['name']} was the first promoted model; there is no earlier model to go back to.")
    previous = get(store, previous_id)
    if previous["status"] == "retired":
        raise RegistryError(f"The model before {current['name']} ({previous['name']}) is retired; promote another one.")
    before = _promotion_entry(store, previous["id"])
    with store.transaction():
        store.registry.update_model(current["id"], {"status": "rolled_back"})
        record(store, current, "rollback", to_status="rolled_back", reason=reason, who=who,
               details={"restored": previous["id"], "restored_name": previous["name"]})
        store.registry.update_model(previous["id"], {"status": "promoted"})
        record(store, previous, "restore", to_status="promoted", reason=reason, who=who,
               details={"rolled_back": current["id"], "rolled_back_name": current["name"],
                        # keeps the stack: a second rollback goes to what came before this one
                        "previous": (before or {}).get("details", {}).get("previous")})
    return {"model": get(store, previous["id"]), "rolled_back": get(store, current["id"])}
