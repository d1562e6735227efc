"""The risk register: what could go wrong with a fine-tuned model, how likely and how
bad, what is done about it, who owns it, and the evidence (rating sessions, PII scans,
dataset versions, ...) that shows where it stands.

Severity and likelihood are words, not scores: the register sorts by severity and
leaves weighing to the people who own the risks.
"""

from __future__ import annotations

from dataclasses import dataclass

from store import Store
from workbench.errors import InvalidRequest

SEVERITIES = ("low", "medium", "high", "critical")
LIKELIHOODS = ("rare", "unlikely", "possible", "likely", "certain")
STATUSES = ("open", "mitigating", "accepted", "closed")
EVIDENCE_KINDS = ("rating_session", "pii_scan", "dataset_version", "golden_version", "registry_model", "dataset",
                  "link")


class RiskError(InvalidRequest):
    """A risk cannot be recorded or changed as asked."""


@dataclass(frozen=True)
class RiskTemplate:
    title: str
    description: str
    severity: str
    likelihood: str
    mitigation: str


#: Typical fine-tuning risks, seeded in the sample workspace.
TYPICAL_RISKS = (
    RiskTemplate("PII leakage", "Customer names, e-mails or order numbers in training data can be memorised and "
                 "repeated by the fine-tuned model.", "critical", "possible",
                 "Scan every dataset before export; redact or dismiss each finding; export refuses pending findings."),
    RiskTemplate("Regression on refusals", "Fine-tuning on helpful answers can erode refusals of unsafe or "
                 "out-of-scope requests.", "high", "likely",
                 "Keep refusal prompts tagged in the golden set; the promotion gate blocks on a tag that drops."),
    RiskTemplate("Base model retirement", "The base model (and every fine-tune of it) stops serving on its shutdown "
                 "date: gpt-4o, 4o-mini, 4.1 and 4.1-mini snapshots on 2027-01-14.", "high", "certain",
                 "Track shutdown dates in the models table; keep datasets provider-neutral; plan a re-train on an "
                 "open-weight base."),
    RiskTemplate("Provider shutdown of fine-tuning", "OpenAI self-serve fine-tuning ends on 2027-01-06 "
                 "(403 training_not_available).", "high", "certain",
                 "Keep frozen dataset versions in the chat JSONL that Together, Fireworks and TRL read; rehearse a job "
                 "elsewhere."),
)


def _check_choice(value: str | None, allowed: tuple[str, ...], what: str) -> None:
    if value is not None and value not in allowed:
        raise RiskError(f"{what} must be one of {', '.join(allowed)}, not {value!r}.")


def add_risk(store: Store, title: str, *, description: str = "", severity: str = "medium",
             likelihood: str = "possible", mitigation: str = "", owner: str = "", status: str = "open",
             actor: str | None = None) -> dict:
    if not title.strip():
        raise RiskError("A risk needs a title.")
    _check_choice(severity, SEVERITIES, "severity")
    _check_choice(likelihood, LIKELIHOODS, "likelihood")
    _check_choice(status, STATUSES, "status")
    with store.transaction():
        risk = store.risks.add({"title": title.strip(), "description": description, "severity": severity,
                                "likelihood": likelihood, "mitigation": mitigation, "owner": owner,
                                "status": status})
        store.audit("risk_add", "risk", risk["id"], {"title": risk["title"], "severity": severity}, actor=actor)
    return risk


def get_risk(store: Store, ref: str) -> dict:
    risk = store.risks.get(ref)
    if risk is None:
        raise RiskError(f"No risk {ref!r}.", "`risks list` shows ids and titles.")
    return risk


def update_risk(store: Store, ref: str, actor: str | None = None, **changes: str | None) -> dict:
    changes = {k: v for k, v in changes.items() if v is not None}
    _check_choice(changes.get("severity"), SEVERITIES, "severity")
    _check_choice(changes.get("likelihood"), LIKELIHOODS, "likelihood")
    _check_choice(changes.get("status"), STATUSES, "status")
    risk = get_risk(store, ref)
    if not changes:
        return risk
    with store.transaction():
        updated = store.risks.update(risk["id"], changes)
        store.audit("risk_update", "risk", risk["id"],
                    {k: {"from": risk.get(k), "to": v} for k, v in changes.items() if risk.get(k) != v}, actor=actor)
    return updated


def link_evidence(store: Store, ref: str, kind: str, target: str, note: str = "", actor: str | None = None) -> bool:
    """Attach evidence; False when it was already attached. The target must exist here
    (except links, which are URLs or free text)."""
    _check_choice(kind, EVIDENCE_KINDS, "evidence kind")
    risk = get_risk(store, ref)
    if not store.risks.evidence_exists(kind, target):
        raise RiskError(f"No {kind.replace('_', ' ')} {target!r} in this workspace.")
    with store.transaction():
        added = store.risks.add_evidence(risk["id"], kind, target, note)
        if added:
            store.audit("risk_evidence", "risk", risk["id"], {"kind": kind, "ref": target}, actor=actor)
    return added


def list_risks(store: Store, *, status: str | None = None, severity: str | None = None, owner: str | None = None,
               text: str | None = None) -> list[dict]:
    _check_choice(status, STATUSES, "status")
    _check_choice(severity, SEVERITIES, "severity")
    return store.risks.list(status=status, severity=severity, owner=owner, text=text)


def seed_typical_risks(store: Store, owner: str = "") -> int:
    """Add the typical fine-tuning risks that are not in the register yet (by title)."""
    existing = {r["title"] for r in store.risks.list()}
    added = 0
    for template in TYPICAL_RISKS:
        if template.title not in existing:
            add_risk(store, template.title, description=template.description, severity=template.severity,
                     likelihood=template.likelihood, mitigation=template.mitigation, owner=owner, actor="sample")
            added += 1
    return added
