"""Token budget and training cost of a dataset for a given model.

This module owns the budget maths (default epochs, per-example context limit, billed
tokens, cost, distribution of example sizes) and the *default* model catalog. Prices,
context limits and the epochs rule are data: the store seeds its editable models
table from ``workbench/data/models.json`` and callers pass the rows back in as
:class:`ModelSpec` / :class:`EpochsRule`. Nothing here is a hard-coded price.

models.json is an object::

    {
      "models": [
        {"name": "gpt-4o-mini-2024-07-18", "provider": "openai", "family": "gpt-4o-mini",
         "encoding": "o200k_base", "training_context_limit": 65536,
         "price_training_per_1m": 3.0, "fine_tunable": true, "notes": "..."},
        ...
      ],
      "epochs_rule": {"default_epochs": 3, "min_target_examples": 100,
                      "max_target_examples": 25000, "min_default_epochs": 1,
                      "max_default_epochs": 25}
    }

``price_training_per_1m`` is USD per 1M training tokens. Keys starting with "_" are
comments. The billing rule follows OpenAI's cookbook (chat fine-tuning data prep):
each example is billed for min(its tokens, the training context limit), once per epoch.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields, replace
from typing import Any, Iterable, Mapping, Sequence

from workbench.budget.tokens import ESTIMATE_MEDIA, ESTIMATE_TOOLS, TokenCount
from workbench.errors import InvalidRequest

__all__ = [
    "BudgetEstimate",
    "EpochsRule",
    "ModelSpec",
    "UnknownModel",
    "default_epochs",
    "estimate_budget",
    "estimate_from_sizes",
    "exactness_notes",
    "find_model",
]

CATALOG_RESOURCE = "data/models.json"
# Characters that may follow a known name in a longer model id
# ("gpt-4o-mini-2024-07-18-custom", "gpt-4o:ft-...") -- not ".", so "gpt-4" never
# swallows "gpt-4.1".
_NAME_BOUNDARIES = ("-", ":", "@")


class UnknownModel(InvalidRequest, LookupError):
    """A model name that matches no row of the models table."""


# ---------------------------------------------------------------------------
# Catalog data
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ModelSpec:
    """One row of the models table: what the budget needs to know about a base model."""

    name: str
    encoding: str
    training_context_limit: int
    price_training_per_1m: float
    provider: str = "openai"
    family: str = ""
    fine_tunable: bool = True
    notes: str = ""

    @classmethod
    def from_dict(cls, row: Mapping[str, Any]) -> ModelSpec:
        """Build from a models.json object or a store row; unknown keys are ignored
        (the table also holds lifecycle dates and the like)."""
        name = row.get("name")
        if not isinstance(name, str) or not name.strip():
            raise ValueError(f"model entry {dict(row)!r}: 'name' must be a non-empty string")
        name = name.strip()  # the messages below quote the name as it will be stored
        encoding = row.get("encoding")
        if not isinstance(encoding, str) or not encoding:
            raise ValueError(f"model {name!r}: 'encoding' must be a tokenizer name such as 'o200k_base'")
        limit = row.get("training_context_limit")
        if not _is_whole(limit) or limit <= 0:
            raise ValueError(f"model {name!r}: 'training_context_limit' must be a positive whole number, got {limit!r}")
        price = row.get("price_training_per_1m")
        if not _is_number(price) or not math.isfinite(price) or price < 0:
            raise ValueError(f"model {name!r}: 'price_training_per_1m' must be a number >= 0 (USD), got {price!r}")
        return cls(
            name=name,
            encoding=encoding,
            training_context_limit=int(limit),
            price_training_per_1m=float(price),
            provider=str(row.get("provider") or "openai"),
            family=str(row.get("family") or ""),
            fine_tunable=bool(row.get("fine_tunable", True)),
            notes=str(row.get("notes") or ""),
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class EpochsRule:
    """The cookbook's default-epochs rule: aim for 3 epochs, but keep the number of
    examples seen between min_target_examples and max_target_examples."""

    default_epochs: int = 3
    min_target_examples: int = 100
    max_target_examples: int = 25000
    min_default_epochs: int = 1
    max_default_epochs: int = 25

    @classmethod
    def from_dict(cls, row: Mapping[str, Any]) -> EpochsRule:
        values: dict[str, int] = {}
        for field in fields(cls):
            if field.name not in row:
                continue  # missing keys keep the cookbook default
            value = row[field.name]
            if not _is_whole(value) or value < 0:
                raise ValueError(f"epochs rule: {field.name!r} must be a whole number >= 0, got {value!r}")
            values[field.name] = int(value)
        return cls(**values)

    def to_dict(self) -> dict[str, int]:
        return asdict(self)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _is_whole(value: Any) -> bool:
    # 16385.0 is fine (JSON tools may write floats); inf/NaN/16385.5 are not.
    return _is_number(value) and math.isfinite(value) and value == int(value)


def find_model(models: Sequence[ModelSpec], name: str) -> ModelSpec:
    """The model called `name`, else the one whose name or family is the longest
    prefix of it ("gpt-4o-mini-2024-07-18-custom" -> gpt-4o-mini-2024-07-18).

    A fine-tuned id "ft:BASE:org:suffix:id" is looked up by BASE. On a tie between a
    name and a family of equal length, the row *named* that way (the alias) wins.
    """
    wanted = _base_model_name(name.strip())
    for model in models:
        if model.name == wanted:
            return model
    best: tuple[int, int, ModelSpec] | None = None
    for model in models:
        for is_name, key in ((1, model.name), (0, model.family)):
            if key and _is_prefix_at_boundary(key, wanted):
                rank = (len(key), is_name)
                if best is None or rank > best[:2]:
                    best = (*rank, model)
    if best is not None:
        return best[2]
    known = ", ".join(sorted(model.name for model in models)) or "(none)"
    raise UnknownModel(f"Unknown model {name!r}. Known models: {known}. Add it to the models table to budget for it.")


def _base_model_name(name: str) -> str:
    if name.startswith("ft:"):
        parts = name.split(":")
        if len(parts) > 1 and parts[1]:
            return parts[1]
    return name


def _is_prefix_at_boundary(prefix: str, name: str) -> bool:
    return name.startswith(prefix) and (len(name) == len(prefix) or name[len(prefix)] in _NAME_BOUNDARIES)


# ---------------------------------------------------------------------------
# Budget maths
# ---------------------------------------------------------------------------


def default_epochs(n_examples: int, rule: EpochsRule) -> int:
    """Epochs OpenAI picks when none is given (cookbook rule). 0 examples -> 0 epochs
    (nothing to train; no division by zero)."""
    if n_examples <= 0:
        return 0
    seen = n_examples * rule.default_epochs
    if seen < rule.min_target_examples:
        return min(rule.max_default_epochs, rule.min_target_examples // n_examples)
    if seen > rule.max_target_examples:
        return max(rule.min_default_epochs, rule.max_target_examples // n_examples)
    return rule.default_epochs


@dataclass(frozen=True)
class BudgetEstimate:
    """What training a dataset on one model will take and cost.

    Token statistics are over per-example totals (before the context limit);
    with no examples they are all 0. estimated_cost is unrounded USD.
    examples_with_tools / examples_with_media say how many examples hold parts whose
    tokens are an estimate (tool schemas and calls) or not counted (images, audio,
    files); see exactness_notes.
    """

    model: str
    encoding: str
    training_context_limit: int
    price_training_per_1m: float
    n_examples: int
    total_tokens: int
    trained_tokens: int
    epochs: int
    epochs_is_default: bool
    billed_tokens_per_epoch: int
    billed_tokens: int
    estimated_cost: float
    over_limit: int
    min_tokens: int
    max_tokens: int
    mean_tokens: float
    median_tokens: float
    p90_tokens: float
    p95_tokens: float
    examples_with_tools: int = 0
    examples_with_media: int = 0

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict (for `--json` output)."""
        return asdict(self)


def estimate_budget(
    counts: Iterable[TokenCount],
    model: ModelSpec,
    rule: EpochsRule,
    epochs: int | None = None,
) -> BudgetEstimate:
    """One pass over per-example counts (a generator is fine); epochs=None uses the
    default-epochs rule, as OpenAI does when the job sets no n_epochs."""
    if epochs is not None and (isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1):
        raise ValueError(f"epochs must be a whole number >= 1, got {epochs!r}")
    limit = model.training_context_limit
    totals: list[int] = []  # kept for the percentiles
    trained = billed_per_epoch = over_limit = 0
    for count in counts:
        totals.append(count.total)
        trained += count.trained
        billed_per_epoch += min(limit, count.total)
        if count.total > limit:
            over_limit += 1
    n_epochs = default_epochs(len(totals), rule) if epochs is None else epochs
    billed = billed_per_epoch * n_epochs
    totals.sort()
    return BudgetEstimate(
        model=model.name,
        encoding=model.encoding,
        training_context_limit=limit,
        price_training_per_1m=model.price_training_per_1m,
        n_examples=len(totals),
        total_tokens=sum(totals),
        trained_tokens=trained,
        epochs=n_epochs,
        epochs_is_default=epochs is None,
        billed_tokens_per_epoch=billed_per_epoch,
        billed_tokens=billed,
        # Multiply before dividing: 164,840 * 8.00 / 1e6 is exactly the double nearest 1.31872.
        estimated_cost=billed * model.price_training_per_1m / 1_000_000,
        over_limit=over_limit,
        min_tokens=totals[0] if totals else 0,
        max_tokens=totals[-1] if totals else 0,
        mean_tokens=sum(totals) / len(totals) if totals else 0.0,
        median_tokens=_percentile(totals, 50),
        p90_tokens=_percentile(totals, 90),
        p95_tokens=_percentile(totals, 95),
    )


def estimate_from_sizes(
    sizes: Iterable[tuple[int, int, int]],
    model: ModelSpec,
    rule: EpochsRule,
    epochs: int | None = None,
) -> BudgetEstimate:
    """The same estimate as estimate_budget, from (tokens, examples of that size, their
    trained tokens) rows sorted by tokens (store.token_totals.sizes): the work grows with
    the number of different sizes, not of examples."""
    if epochs is not None and (isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1):
        raise ValueError(f"epochs must be a whole number >= 1, got {epochs!r}")
    sizes = [s for s in sizes if s[1] > 0]
    limit = model.training_context_limit
    n = sum(count for _, count, _ in sizes)
    total_tokens = sum(total * count for total, count, _ in sizes)
    billed_per_epoch = sum(min(limit, total) * count for total, count, _ in sizes)
    n_epochs = default_epochs(n, rule) if epochs is None else epochs
    billed = billed_per_epoch * n_epochs
    return BudgetEstimate(
        model=model.name,
        encoding=model.encoding,
        training_context_limit=limit,
        price_training_per_1m=model.price_training_per_1m,
        n_examples=n,
        total_tokens=total_tokens,
        trained_tokens=sum(trained for _, _, trained in sizes),
        epochs=n_epochs,
        epochs_is_default=epochs is None,
        billed_tokens_per_epoch=billed_per_epoch,
        billed_tokens=billed,
        estimated_cost=billed * model.price_training_per_1m / 1_000_000,
        over_limit=sum(count for total, count, _ in sizes if total > limit),
        min_tokens=sizes[0][0] if sizes else 0,
        max_tokens=sizes[-1][0] if sizes else 0,
        mean_tokens=total_tokens / n if n else 0.0,
        median_tokens=_percentile_of_sizes(sizes, n, 50),
        p90_tokens=_percentile_of_sizes(sizes, n, 90),
        p95_tokens=_percentile_of_sizes(sizes, n, 95),
    )


def with_estimated_parts(estimate: BudgetEstimate, parts: Iterable[frozenset[str]]) -> BudgetEstimate:
    """The estimate with how many examples hold estimated parts (one frozenset per
    example, from tokens.estimated_parts)."""
    tools = media = 0
    for example_parts in parts:
        tools += ESTIMATE_TOOLS in example_parts
        media += ESTIMATE_MEDIA in example_parts
    return replace(estimate, examples_with_tools=tools, examples_with_media=media)


def exactness_notes(e: BudgetEstimate) -> list[str]:
    """What in the figures is exact and what is an estimate, in words, so nobody reads
    an estimate as a bill. Shared by the CLI and the Budget screen."""
    notes = ["Exact: message text, by tiktoken and the OpenAI cookbook's per-message rule."]
    if e.examples_with_tools:
        notes.append(f"Estimate: tool schemas and calls in {examples_phrase(e.examples_with_tools)}, by the cookbook's "
                     "function-calling rule (the API's rendering is not published; nested schemas are our extension).")
    if e.examples_with_media:
        notes.append(f"Not counted: images, audio or files in {examples_phrase(e.examples_with_media)}; the provider "
                     "bills them on top, by size.")
    if e.examples_with_tools or e.examples_with_media:
        notes.append("So the billed tokens and cost are an estimate, not a bill.")
    return notes


def examples_phrase(n: int) -> str:
    return f"{n:,} example" + ("" if n == 1 else "s")


def _percentile(sorted_values: Sequence[int], pct: float) -> float:
    """Linear interpolation between closest ranks (numpy's default method)."""
    if not sorted_values:
        return 0.0
    rank = (len(sorted_values) - 1) * pct / 100
    low = math.floor(rank)
    high = min(low + 1, len(sorted_values) - 1)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (rank - low)


def _percentile_of_sizes(sizes: Sequence[tuple[int, int, int]], n: int, pct: float) -> float:
    """_percentile over the values the (value, count) rows stand for, without listing them."""
    if not n:
        return 0.0
    rank = (n - 1) * pct / 100
    low = math.floor(rank)
    high = min(low + 1, n - 1)
    return _value_at(sizes, low) + (_value_at(sizes, high) - _value_at(sizes, low)) * (rank - low)


def _value_at(sizes: Sequence[tuple[int, int, int]], index: int) -> int:
    seen = 0
    for value, count, _ in sizes:
        seen += count
        if index < seen:
            return value
    raise IndexError(index)
