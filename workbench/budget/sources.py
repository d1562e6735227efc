"""Budget estimates for a file on disk or a stored dataset (cached counts)."""

from __future__ import annotations

from pathlib import Path

from store import Store
from workbench.budget import catalog, counting, tokens
from workbench.budget.estimate import BudgetEstimate, ModelSpec, estimate_budget, with_estimated_parts
from workbench.chat import format as chatformat
from workbench.chat.records import record_from_example


def budget_for_file(store: Store, path: Path, model: ModelSpec,
                    epochs: int | None = None) -> tuple[BudgetEstimate, int]:
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

    estimate = estimate_budget(counts(), model, catalog.epochs_rule(store), epochs)
    return with_estimated_parts(estimate, parts), skipped


def budget_for_dataset(store: Store, dataset: dict, model: ModelSpec, epochs: int | None = None,
                       status: str | None = None) -> tuple[BudgetEstimate, int]:
    """Estimate from the cached per-example counts (computed only where missing)."""
    rows = counting.dataset_counts(store, dataset["id"], model.encoding, status)
    counts = (tokens.TokenCount(total=r["total"], trained=r["trained"]) for r in rows)
    estimate = estimate_budget(counts, model, catalog.epochs_rule(store), epochs)
    return with_estimated_parts(estimate, dataset_estimated_parts(store, dataset["id"], status)), 0


def dataset_estimated_parts(store: Store, dataset_id: str, status: str | None = None):
    """tokens.estimated_parts of every live example (one pass, pages of 1,000)."""
    return (tokens.estimated_parts(record_from_example(example))
            for example in store.examples.iter_examples(dataset_id, status))
