"""A dataset's coverage checklist: declared minimums (a tag, every intent, a language,
refusals, escalations, edge cases: at least N examples or a share of them) and whether
a set of examples meets them.

This lives with the dataset because the export refuses while a declared minimum is
unmet (exporter.py calls `unmet_minimums`); the health view (workbench/health/) shows
the same checklist with the rest of a dataset's figures. Pure functions, plus the
reading of the rules and the examples through the store.

Which tags are intents, refusals, escalations, edge cases or plain facets is data, not
code: the `health.taxonomy` setting overrides DEFAULT_TAXONOMY. A tag that is none of
these and not a language code counts as an intent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable

from store import Store
from workbench.errors import InvalidRequest

TAXONOMY_SETTING = "health.taxonomy"
DEFAULT_TAXONOMY = {
    "refusal": ["refusal", "refusals", "decline"],
    "escalation": ["escalation", "handoff"],
    "edge_case": ["edge-case", "edge_case", "ambiguous", "policy-conflict", "adversarial", "out-of-scope"],
    # Tags that describe the form of an example, not what it is about.
    "facet": ["tools", "pii", "multi-turn", "draft-from-rating"],
}
GROUP_TARGETS = {"refusals": "refusal", "escalations": "escalation", "edge_cases": "edge_case"}
_LANGUAGE_CODE = re.compile(r"^[a-z]{2}(-[a-z]{2})?$")

# Assistant turns that decline, in the sample's languages (English, French, Dutch).
# Kept to phrases that open a refusal, so an answer that merely says "sorry for the
# delay" is not counted.
_DECLINE = re.compile(
    r"\b(?:I(?:'m| am) (?:sorry|afraid),? (?:but )?I (?:can(?:no|')t|cannot|am unable|won't)"
    r"|I (?:can(?:no|')t|cannot|won't|am not able to|am unable to) (?:help|assist|do|share|give|provide|"
    r"process|change|offer|make|accept|refund|cancel|disclose)"
    r"|(?:unfortunately|sadly),? (?:I|we) (?:can(?:no|')t|cannot|are unable|am unable)"
    r"|je ne peux pas|nous ne (?:pouvons|sommes) pas|malheureusement,? (?:je|nous) ne"
    r"|ik kan (?:u|je|jou) (?:daar |hier |hiermee |daarmee )?niet"
    r"|helaas kan ik|helaas kunnen we|dat kan ik niet|daar kan ik (?:u|je) niet)",
    re.IGNORECASE)


def declines(text: str) -> bool:
    """Whether an assistant turn declines the request (a refusal detector by phrase)."""
    return bool(_DECLINE.search(text or ""))


def assistant_texts(example: dict) -> list[str]:
    """The text of every assistant turn an example trains on (DPO: the preferred one)."""
    messages = list(example.get("messages") or []) + list(example.get("preferred_output") or [])
    out = []
    for message in messages:
        if isinstance(message, dict) and message.get("role") == "assistant":
            content = message.get("content")
            if isinstance(content, list):  # content parts
                content = " ".join(p.get("text", "") for p in content if isinstance(p, dict))
            if isinstance(content, str):
                out.append(content)
    return out


@dataclass(frozen=True)
class Taxonomy:
    refusal: frozenset[str]
    escalation: frozenset[str]
    edge_case: frozenset[str]
    facet: frozenset[str]

    @classmethod
    def from_dict(cls, data: dict | None) -> "Taxonomy":
        merged = {**DEFAULT_TAXONOMY, **(data or {})}
        return cls(*(frozenset(str(t) for t in merged[key]) for key in ("refusal", "escalation", "edge_case", "facet")))

    def is_language(self, tag: str) -> bool:
        return bool(_LANGUAGE_CODE.match(tag))

    def intents(self, tags: Iterable[str]) -> list[str]:
        special = self.refusal | self.escalation | self.edge_case | self.facet
        return [t for t in tags if t not in special and not self.is_language(t)]


def taxonomy(store: Store) -> Taxonomy:
    return Taxonomy.from_dict(store.get_setting(TAXONOMY_SETTING))


@dataclass(frozen=True)
class Profile:
    """What the checklist needs to know about one example."""

    tags: frozenset[str]
    intents: tuple[str, ...]
    language: str | None
    refusal: bool
    escalation: bool
    edge_case: bool


def profile(example: dict, tax: Taxonomy) -> Profile:
    """An example's tags, intents, language and groups. Language: a language tag (the
    curator's word) before the detected one. Refusal: tagged so, or an assistant turn
    that declines."""
    tags = frozenset(example.get("tags") or [])
    language = next((t for t in sorted(tags) if tax.is_language(t)), None) or example.get("language")
    refusal = bool(tags & tax.refusal) or any(declines(t) for t in assistant_texts(example))
    return Profile(tags, tuple(tax.intents(sorted(tags))), language, refusal,
                   bool(tags & tax.escalation), bool(tags & tax.edge_case))


# ---------------------------------------------------------------------- rules


@dataclass(frozen=True)
class Rule:
    target: str
    min_count: int | None = None
    min_share: float | None = None

    def describe(self) -> str:
        parts = []
        if self.min_count is not None:
            parts.append(f"≥ {self.min_count}")
        if self.min_share is not None:
            parts.append(f"≥ {self.min_share:.0%}")
        return f"{self.target} {' and '.join(parts)}"


@dataclass(frozen=True)
class Check:
    """One line of the checklist: a target (a rule like `intent:*` gives one per intent)."""

    target: str
    rule: str
    count: int
    share: float
    met: bool

    def describe(self) -> str:
        mark = "ok" if self.met else "MISSING"
        return f"{self.target}: {self.count} ({self.share:.1%}); needs {self.rule}: {mark}"

    def to_dict(self) -> dict:
        return {"target": self.target, "rule": self.rule, "count": self.count, "share": round(self.share, 4),
                "met": self.met}


def parse_target(target: str) -> str:
    """Normalise a target and refuse one the checklist cannot measure."""
    target = target.strip()
    kind, _, name = target.partition(":")
    if target in GROUP_TARGETS or (kind in ("tag", "intent", "language") and name):
        return target
    raise InvalidRequest(
        f"Unknown coverage target {target!r}.",
        "Use tag:NAME, intent:NAME, intent:* (every intent), language:CODE, language:* (every language), "
        "refusals, escalations or edge_cases.")


def parse_minimum(text: str) -> tuple[int | None, float | None]:
    """"20" is a count; "5%" or "0.05" a share."""
    text = text.strip()
    try:
        if text.endswith("%"):
            return None, float(text[:-1]) / 100
        value = float(text)
    except ValueError:
        raise InvalidRequest(f"A minimum is a count (20) or a share (5% or 0.05), not {text!r}.") from None
    if value < 0:
        raise InvalidRequest(f"A minimum cannot be negative ({text}).")
    return (int(value), None) if value >= 1 and value == int(value) else (None, value)


def _members(target: str, profiles: list[Profile]) -> dict[str, int]:
    """Count per concrete target a rule covers (a wildcard gives one entry per value)."""
    kind, _, name = target.partition(":")
    if target in GROUP_TARGETS:
        attribute = GROUP_TARGETS[target]
        return {target: sum(getattr(p, attribute) for p in profiles)}
    if kind == "language":
        counts: dict[str, int] = {}
        for p in profiles:
            if p.language:
                counts[f"language:{p.language}"] = counts.get(f"language:{p.language}", 0) + 1
        return counts if name == "*" else {target: counts.get(target, 0)}
    if kind == "intent" and name == "*":
        counts = {}
        for p in profiles:
            for intent in p.intents:
                counts[f"intent:{intent}"] = counts.get(f"intent:{intent}", 0) + 1
        return counts
    return {target: sum(name in p.tags for p in profiles)}


def evaluate(rules: Iterable[Rule], profiles: list[Profile]) -> list[Check]:
    """Every declared minimum against these examples, one line per concrete target."""
    total = len(profiles)
    checks = []
    for rule in rules:
        members = _members(rule.target, profiles) or {rule.target: 0}
        for target, count in sorted(members.items()):
            share = count / total if total else 0.0
            met = (rule.min_count is None or count >= rule.min_count) and \
                  (rule.min_share is None or share + 1e-12 >= rule.min_share)
            checks.append(Check(target, rule.describe(), count, share, met))
    return checks


def rules_of(store: Store, dataset_id: str) -> list[Rule]:
    return [Rule(r["target"], r["min_count"], r["min_share"]) for r in store.health.rules(dataset_id)]


def declare(store: Store, dataset_id: str, target: str, minimum: str) -> Rule:
    """Declare a minimum ("20", "5%") for a target of a dataset (replacing an earlier one)."""
    target = parse_target(target)
    min_count, min_share = parse_minimum(minimum)
    with store.transaction():
        store.health.set_rule(dataset_id, target, min_count, min_share)
        store.audit("coverage_rule", "dataset", dataset_id, {"target": target, "min_count": min_count,
                                                             "min_share": min_share})
    return Rule(target, min_count, min_share)


def unmet_minimums(store: Store, dataset_id: str, example_ids: Iterable[str] | None = None,
                   status: str | None = None) -> list[Check]:
    """The declared minimums these examples do not meet ([] when none is declared)."""
    rules = rules_of(store, dataset_id)
    if not rules:
        return []
    tax = taxonomy(store)
    wanted = set(example_ids) if example_ids is not None else None
    profiles = [profile(e, tax) for e in store.examples.iter_examples(dataset_id, status=status)
                if wanted is None or e["id"] in wanted]
    return [c for c in evaluate(rules, profiles) if not c.met]
