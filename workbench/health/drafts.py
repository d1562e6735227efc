"""From a bad answer to a better example: a rating where both answers were bad (or a
flagged one) becomes a draft training example — the prompt's conversation plus an
assistant turn the reviewer writes or edits from the better answer, tagged with the
prompt's tags and linked to the rating (table `example_sources`).

The draft is created through `workbench.dataset.curation`, so it is undoable like any
other new example, and the Examples screen can show only the drafts from ratings.
"""

from __future__ import annotations

from dataclasses import dataclass

from store import Store
from workbench.dataset.curation import Curation
from workbench.errors import InvalidRequest

#: Ratings whose prompt is worth a better example.
DRAFT_VERDICTS = ("both_bad",)


@dataclass(frozen=True)
class DraftSource:
    """A rated prompt as the reviewer saw it, ready to become an example."""

    rating_id: str
    comparison_id: str
    prompt_id: str
    verdict: str
    flagged: bool
    messages: list
    tags: list[str]
    answer: str  # the starting point of the assistant turn: the better answer
    comment: str

    @property
    def eligible(self) -> bool:
        return self.verdict in DRAFT_VERDICTS or self.flagged


def better_answer(verdict: str, left: str, right: str) -> str:
    """The answer to start from: the one the rater preferred; on a tie or when both are
    bad, the one shown on the left (what the rater read first)."""
    return right if verdict == "right" else left


def last_rated(store: Store, session_id: str, rater: str) -> DraftSource | None:
    """The rater's most recent rating in a session, as a draft source (None if none)."""
    ratings = store.ratings.session_ratings(session_id, rater)
    if not ratings:
        return None
    rating = ratings[-1]
    comparison = next(c for c in store.ratings.session_comparisons(session_id) if c["id"] == rating["comparison_id"])
    candidate_left = bool(rating["candidate_left"])
    cand, base = comparison["candidate_output"], comparison["baseline_output"]
    left, right = (cand, base) if candidate_left else (base, cand)
    return DraftSource(rating["id"], comparison["id"], comparison["prompt_id"], rating["verdict"],
                       bool(rating["flagged"]), list(comparison["messages"] or []), list(comparison["tags"] or []),
                       better_answer(rating["verdict"], left, right), rating.get("comment") or "")


def create_draft(store: Store, curation: Curation, dataset_id: str, source: DraftSource, answer: str) -> str:
    """A draft example: the prompt's conversation plus the reviewer's assistant turn,
    with the prompt's tags, linked to the rating. Returns the new example's id."""
    if not source.eligible:
        raise InvalidRequest("Only a rating where both answers were bad, or a flagged one, becomes a draft example.",
                             "Rate the pair as both bad or flag it first.")
    if not answer.strip():
        raise InvalidRequest("The assistant turn is empty.", "Write the answer the model should have given.")
    conversation = [dict(m) for m in source.messages]  # a golden prompt ends with the user's turn
    conversation.append({"role": "assistant", "content": answer.strip()})
    note = f"Written from a {source.verdict.replace('_', '-')} rating"
    if source.comment:
        note += f"; rater's comment: {source.comment}"
    with store.transaction():
        example_id = curation.create(dataset_id, conversation,
                                     source={"kind": "chat", "tags": list(dict.fromkeys(source.tags)), "notes": note},
                                     action="create")
        store.health.link_example_to_rating(example_id, source.rating_id, source.comparison_id, source.prompt_id)
    return example_id
