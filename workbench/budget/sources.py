"""Budget estimates for a file on disk or a stored dataset (cached counts)."""

from __future__ import annotations

from pathlib import Path
from typing import Iterable, Sequence

from store import Store
from workbench.budget import catalog, counting, tokens
from workbench.budget.estimate import BudgetEstimate, EpochsRule, ModelSpec, estimate_budget, with_estimated_parts
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


def budget_for_dataset(store: Store, dataset: dict, model: ModelSpec, epochs: int | None = None,
                       status: str | None = None, rule: EpochsRule | None = None) -> tuple[BudgetEstimate, int]:
    """Estimate from the cached per-example counts (computed only where missing). `rule`:
    a provider's epochs rule (its training catalogue) instead of the workspace's."""
    rows = counting.dataset_counts(store, dataset["id"], model.encoding, status)
    parts = dataset_estimated_parts(store, dataset["id"], status)
    return estimate_from_counts(rows, parts, model, rule or catalog.epochs_rule(store), epochs), 0


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
