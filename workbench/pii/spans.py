"""A span of personal data found in a text, and how overlapping candidates are settled."""

from __future__ import annotations

from dataclasses import dataclass, replace

ENTITIES: tuple[str, ...] = (
    "EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD", "IBAN_CODE", "IP_ADDRESS", "URL",
    "NL_BSN", "FR_NIR", "BE_NATIONAL_NUMBER", "PERSON", "ADDRESS",
    "EU_NATIONAL_ID",
)


@dataclass(frozen=True, slots=True)
class Span:
    """One finding: `text[start:end]` is a value of kind `entity`. `score` is 0..1;
    `recognizer` names the rule that found it (for the review screen and the audit)."""

    entity: str
    start: int
    end: int
    score: float
    recognizer: str
    text: str

    def __len__(self) -> int:
        return self.end - self.start

    def overlaps(self, other: "Span") -> bool:
        return self.start < other.end and other.start < self.end


def merge_person_spans(spans: list[Span], text: str) -> list[Span]:
    """PERSON spans that overlap become one (their union, the best score): a deny-listed
    "Sanne" inside a recognised "Sanne de Vries" must not cut the surname off."""
    people = sorted((s for s in spans if s.entity == "PERSON"), key=lambda s: (s.start, -s.end))
    if len(people) < 2:
        return spans
    merged: list[Span] = []
    for span in people:
        if merged and span.start < merged[-1].end:
            last = merged[-1]
            if span.end > last.end or span.score > last.score:
                best = last if last.score >= span.score else span
                end = max(last.end, span.end)
                merged[-1] = replace(best, start=last.start, end=end, score=max(last.score, span.score),
                                     text=text[last.start:end])
        else:
            merged.append(span)
    return [s for s in spans if s.entity != "PERSON"] + merged


def resolve_overlaps(spans: list[Span]) -> list[Span]:
    """Keep one reading of every stretch of text: the highest score wins, then the
    longest span, then the earliest. Returns the kept spans in text order."""
    kept: list[Span] = []
    for span in sorted(spans, key=lambda s: (-s.score, -(s.end - s.start), s.start)):
        if not any(span.start < k.end and k.start < span.end for k in kept):
            kept.append(span)
    kept.sort(key=lambda s: (s.start, s.end))
    return kept
