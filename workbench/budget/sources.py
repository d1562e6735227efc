"""Budget estimates for a file on disk or a stored dataset (cached counts)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Iterable, Sequence

from store import Store
from workbench.budget import catalog, counting, tokens
from workbench.budget.estimate import (BudgetEstimate, EpochsRule, ModelSpec, estimate_budget, estimate_from_sizes,
                                       with_estimated_parts)
from workbench.chat import format as chatformat
from workbench.chat.records import record_from_example


def budget_for_file(store: Store, path: Path, model: ModelSpec,
                    epochs: int | None = None, rule: EpochsRule | None = None) -> tuple[BudgetEstimate, int]:
    """Estimate for every example line of a file; returns (estimate, lines skipped
    because they are not JSON objects)."""
    encoding = tokens.get_encoding(model.encoding)
    skipped = 0
    parts: list[frozenset[str]] = []

    def counts():
        nonlocal skipped
        for line in chatformat.iter_records(path):
            if line.parsed and isinstance(line.record, dict):
                parts.append(tokens.estimated_parts(line.record))
                yield tokens.count_example(line.record, encoding)
            else:
                skipped += 1

    estimate = estimate_budget(counts(), model, rule or catalog.epochs_rule(store), epochs)
    return with_estimated_parts(estimate, parts), skipped


@dataclass(frozen=True)
class DatasetTotals:
    """What a dataset's budget is priced from, for any model of the given encodings: a few
    hundred numbers whatever the dataset's size (store.token_totals)."""

    dataset_id: str
    status: str | None
    #: per encoding: (tokens, examples of that size, their trained tokens), smallest first
    sizes: dict[str, list[tuple[int, int, int]]]
    examples: int
    with_tools: int
    with_media: int


def ensure_totals(store: Store, progress: Callable[[int, int], None] | None = None) -> None:
    """Count the rows written before the running totals existed (once per file, in short
    transactions; nothing to do afterwards). progress(rows counted, highest rowid)."""
    while not store.token_totals.backfill_step():
        if progress is not None:
            progress(*store.token_totals.pending())


def dataset_totals(store: Store, dataset_id: str, encodings: Iterable[str], status: str | None = None,
                   progress: Callable[[int, int], None] | None = None) -> DatasetTotals:
    """The running totals of a dataset's live examples (of one status when given), after
    counting the examples that have no cached count yet (an edit's new content)."""
    ensure_totals(store, progress)
    sizes = {}
    for encoding in encodings:
        counting.fill_missing(store, dataset_id, encoding, status)
        sizes[encoding] = store.token_totals.sizes(dataset_id, encoding, status)
    parts = store.token_totals.parts(dataset_id, status)
    return DatasetTotals(dataset_id, status, sizes, parts["examples"], parts["with_tools"], parts["with_media"])


def estimate_from_totals(totals: DatasetTotals, model: ModelSpec, rule: EpochsRule,
                         epochs: int | None = None) -> BudgetEstimate:
    """The dataset budget for a model whose encoding the totals hold: the one rule the CLI
    and the Budget screen share (the screen keeps the totals and re-prices on a model switch)."""
    estimate = estimate_from_sizes(totals.sizes.get(model.encoding, []), model, rule, epochs)
    return replace(estimate, examples_with_tools=totals.with_tools, examples_with_media=totals.with_media)


def budget_for_dataset(store: Store, dataset: dict, model: ModelSpec, epochs: int | None = None,
                       status: str | None = None, rule: EpochsRule | None = None) -> tuple[BudgetEstimate, int]:
    """Estimate from the running totals (counts computed only where missing). `rule`: a
    provider's epochs rule (its training catalogue) instead of the workspace's."""
    totals = dataset_totals(store, dataset["id"], [model.encoding], status)
    return estimate_from_totals(totals, model, rule or catalog.epochs_rule(store), epochs), 0


#: The Budget screen lists at most this many examples over the limit (the count is exact).
OVER_LIMIT_SHOWN = 500


def largest_in_dataset(store: Store, dataset_id: str, encoding: str, limit: int,
                       context_limit: int) -> list[tuple[dict, str]]:
    """largest_examples from the running totals: the examples over the context limit
    (biggest first, at most OVER_LIMIT_SHOWN), then the `limit` largest, each once."""
    rows = store.token_totals.largest(dataset_id, encoding, OVER_LIMIT_SHOWN, above=context_limit)
    rows += [r for r in store.token_totals.largest(dataset_id, encoding, limit) if r["total"] <= context_limit]
    return largest_examples(rows, limit, context_limit)


def estimate_from_counts(rows: Iterable[dict], parts: Iterable[frozenset[str]], model: ModelSpec,
                         rule: EpochsRule, epochs: int | None = None) -> BudgetEstimate:
    """The dataset budget from per-example count rows ({total, trained}) and the parts
    that are estimates: the one rule the CLI and the Budget screen share (the screen
    keeps the rows of both encodings in memory and re-prices on a model switch)."""
    counts = (tokens.TokenCount(total=r["total"], trained=r["trained"]) for r in rows)
    return with_estimated_parts(estimate_budget(counts, model, rule, epochs), parts)


def largest_examples(rows: Sequence[dict], limit: int, context_limit: int) -> list[tuple[dict, str]]:
    """What the Budget screen lists: every example over the model's context limit (a
    mistake to fix, biggest first), then the `limit` largest; each once, with why."""
    over = sorted((r for r in rows if r["total"] > context_limit), key=lambda r: (-r["total"], r["position"]))
    largest = sorted(rows, key=lambda r: (-r["total"], r["position"]))[:limit]
    shown, out = set(), []
    for reason, group in (("over limit", over), ("largest", largest)):
        for row in group:
            if row["id"] not in shown:
                shown.add(row["id"])
                out.append((row, reason))
    return out


def dataset_estimated_parts(store: Store, dataset_id: str, status: str | None = None):
    """tokens.estimated_parts of every live example (one pass, pages of 1,000)."""
    return (tokens.estimated_parts(record_from_example(example))
            for example in store.examples.iter_examples(dataset_id, status))
