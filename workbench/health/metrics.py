"""The health of a dataset before training: what it covers and how evenly.

Counts and shares by tag, intent, language, turn count and token length; refusals
(tagged, or an assistant turn that declines), escalations, edge cases; examples without
tags; a diversity index over intents; the declared coverage checklist; near-duplicate
groups still open; drafts written from ratings.

Diversity index (docs/health.md): with c_i the number of examples tagged with intent i
and p_i = c_i / Σc, the normalised Shannon entropy J = −Σ p_i ln p_i / ln k over the k
intents present (0 when k ≤ 1). J = 1 when every intent has as many examples as the
others; it falls towards 0 as one intent dominates. The effective number of intents,
exp(H), is given alongside.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field

from store import Store
from workbench.dataset import coverage
from workbench.errors import InvalidRequest

#: Upper bounds of the token-length buckets (the last is open-ended).
TOKEN_BUCKETS = (256, 512, 1024, 2048, 4096, 8192)
#: Upper bounds of the turn-count buckets (messages per conversation).
TURN_BUCKETS = (2, 3, 4, 6, 10)


@dataclass(frozen=True)
class Share:
    label: str
    count: int
    share: float

    def to_dict(self) -> dict:
        return {"label": self.label, "count": self.count, "share": round(self.share, 4)}


@dataclass
class Health:
    dataset: str
    dataset_id: str
    status: str | None
    examples: int
    by_tag: list[Share]
    by_intent: list[Share]
    by_language: list[Share]
    by_turns: list[Share]
    by_tokens: list[Share]
    encoding: str
    refusals_tagged: int
    refusals_detected: int
    refusals: int
    escalations: int
    edge_cases: int
    untagged: int
    diversity: float
    effective_intents: float
    checklist: list[coverage.Check] = field(default_factory=list)
    duplicate_groups: int = 0
    duplicate_examples: int = 0
    from_ratings: int = 0

    def share(self, count: int) -> float:
        return count / self.examples if self.examples else 0.0

    @property
    def unmet(self) -> list[coverage.Check]:
        return [c for c in self.checklist if not c.met]

    def to_dict(self) -> dict:
        def shares(rows: list[Share]) -> list[dict]:
            return [r.to_dict() for r in rows]

        def group(count: int) -> dict:
            return {"count": count, "share": round(self.share(count), 4)}

        return {
            "dataset": self.dataset, "status": self.status, "examples": self.examples,
            "by_tag": shares(self.by_tag), "by_intent": shares(self.by_intent),
            "by_language": shares(self.by_language), "by_turns": shares(self.by_turns),
            "by_tokens": {"encoding": self.encoding, "buckets": shares(self.by_tokens)},
            "refusals": {**group(self.refusals), "tagged": self.refusals_tagged, "detected": self.refusals_detected},
            "escalations": group(self.escalations), "edge_cases": group(self.edge_cases),
            "untagged": group(self.untagged),
            "diversity": {"normalised_entropy": round(self.diversity, 4),
                          "effective_intents": round(self.effective_intents, 2)},
            "checklist": [c.to_dict() for c in self.checklist], "unmet": len(self.unmet),
            "near_duplicates": {"open_groups": self.duplicate_groups, "examples": self.duplicate_examples},
            "from_ratings": self.from_ratings,
        }


def normalised_entropy(counts: list[int]) -> tuple[float, float]:
    """(J, exp(H)) of a count vector: J = H / ln k over the k non-zero counts."""
    counts = [c for c in counts if c > 0]
    total = sum(counts)
    if total == 0:
        return 0.0, 0.0
    entropy = -sum(c / total * math.log(c / total) for c in counts)
    if len(counts) <= 1:
        return 0.0, 1.0
    return min(1.0, entropy / math.log(len(counts))), math.exp(entropy)


def bucket_label(bounds: tuple[int, ...], index: int, unit: str) -> str:
    if index == 0:
        return f"< {bounds[0]} {unit}"
    if index == len(bounds):
        return f"≥ {bounds[-1]} {unit}"
    low, high = bounds[index - 1], bounds[index] - 1
    return f"{low} {unit}" if low == high else f"{low}–{high} {unit}"


def bucket_of(value: int, bounds: tuple[int, ...]) -> int:
    for index, bound in enumerate(bounds):
        if value < bound:
            return index
    return len(bounds)


def _shares(counter: Counter, total: int, order: list[str] | None = None) -> list[Share]:
    keys = order if order is not None else sorted(counter, key=lambda k: (-counter[k], k))
    return [Share(k, counter[k], counter[k] / total if total else 0.0) for k in keys]


def _bucketed(counter: Counter, total: int, bounds: tuple[int, ...], unit: str) -> list[Share]:
    rows = [Share(bucket_label(bounds, i, unit), counter[i], counter[i] / total if total else 0.0)
            for i in range(len(bounds) + 1)]
    if counter.get(None):
        rows.append(Share("not counted", counter[None], counter[None] / total if total else 0.0))
    return rows


def dataset_health(store: Store, dataset_name: str, *, encoding: str = "o200k_base",
                   status: str | None = None) -> Health:
    """Every health figure of a dataset's live examples (or those with one status)."""
    dataset = store.datasets.get_dataset(dataset_name)
    if dataset is None:
        names = ", ".join(d["name"] for d in store.datasets.dataset_names()) or "none yet"
        raise InvalidRequest(f"No dataset named {dataset_name!r} (datasets: {names}).")
    tax = coverage.taxonomy(store)
    tags, intents, languages, turns, tokens = Counter(), Counter(), Counter(), Counter(), Counter()
    profiles: list[coverage.Profile] = []
    tagged_refusals = detected = untagged = 0
    for row in store.health.health_rows(dataset["id"], encoding, status):
        p = coverage.profile(row, tax)
        profiles.append(p)
        tags.update(p.tags)
        intents.update(p.intents)
        languages[p.language or "unknown"] += 1
        turns[bucket_of(row["turns"] or 0, TURN_BUCKETS)] += 1
        tokens[None if row["tokens"] is None else bucket_of(row["tokens"], TOKEN_BUCKETS)] += 1
        tagged_refusals += bool(p.tags & tax.refusal)
        detected += p.refusal and not (p.tags & tax.refusal)
        untagged += not p.tags
    total = len(profiles)
    diversity, effective = normalised_entropy(list(intents.values()))
    groups = store.health.duplicate_groups(dataset["id"])
    return Health(
        dataset=dataset["name"], dataset_id=dataset["id"], status=status, examples=total,
        by_tag=_shares(tags, total), by_intent=_shares(intents, total), by_language=_shares(languages, total),
        by_turns=_bucketed(turns, total, TURN_BUCKETS, "messages"),
        by_tokens=_bucketed(tokens, total, TOKEN_BUCKETS, "tokens"), encoding=encoding,
        refusals_tagged=tagged_refusals, refusals_detected=detected, refusals=sum(p.refusal for p in profiles),
        escalations=sum(p.escalation for p in profiles), edge_cases=sum(p.edge_case for p in profiles),
        untagged=untagged, diversity=diversity, effective_intents=effective,
        checklist=coverage.evaluate(coverage.rules_of(store, dataset["id"]), profiles),
        duplicate_groups=len(groups), duplicate_examples=sum(g["size"] for g in groups),
        from_ratings=store.health.count_from_ratings(dataset["id"]),
    )


@dataclass(frozen=True)
class VersionHealth:
    """The headline health of a frozen dataset version (its exact exported lines)."""

    number: int
    examples: int
    diversity: float
    refusals: int
    languages: list[Share]
    unmet: list[coverage.Check]

    def share(self, count: int) -> float:
        return count / self.examples if self.examples else 0.0


def version_health(store: Store, dataset_id: str, version: dict) -> VersionHealth:
    """Health of what a version froze: its lines, with the examples' tags, measured
    against the dataset's declared minimums as they stand today."""
    import json

    tax = coverage.taxonomy(store)
    profiles = []
    for row in store.health.version_rows(version["id"]):
        record = json.loads(row["line"])
        example = {"tags": row["tags"], "language": row["language"],
                   "messages": record.get("messages") or (record.get("input") or {}).get("messages"),
                   "preferred_output": record.get("preferred_output")}
        profiles.append(coverage.profile(example, tax))
    intents, languages = Counter(), Counter()
    for p in profiles:
        intents.update(p.intents)
        languages[p.language or "unknown"] += 1
    checks = coverage.evaluate(coverage.rules_of(store, dataset_id), profiles)
    return VersionHealth(version["number"], len(profiles), normalised_entropy(list(intents.values()))[0],
                         sum(p.refusal for p in profiles), _shares(languages, len(profiles)),
                         [c for c in checks if not c.met])
