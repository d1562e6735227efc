"""Each provider's training catalogue: the base models it trains, their context limit,
price per 1M training tokens, methods, minimum examples and epochs rule.

Editable data in the store (`training_catalogue`, seeded by migration 0015 for OpenAI,
Azure and Together), keyed by the provider's kind: two Together providers share one
price list. The budget estimate and the launch preflight read the chosen provider's row.
"""

from __future__ import annotations

import json

from workbench.budget import catalog
from workbench.budget.estimate import EpochsRule, ModelSpec
from workbench.errors import InvalidRequest
from workbench.providers.records import get_provider

METHODS = ("supervised", "dpo")
EDITABLE = ("context_limit", "price_training_per_1m", "methods", "min_examples", "epochs_rule", "encoding",
            "notes")


def _decoded(row: dict | None) -> dict | None:
    if row is None:
        return None
    rule = row.get("epochs_rule")
    return {**row, "epochs_rule": json.loads(rule) if rule else None,
            "methods": [m for m in (row.get("methods") or "").split(",") if m]}


def training_models(store, provider_name: str) -> list[dict]:
    """The provider's catalogue rows (empty for a chat-only provider)."""
    provider = get_provider(store, provider_name)
    return [_decoded(row) for row in store.providers.catalogue(provider["kind"])]


def training_model(store, provider: dict, base_model: str) -> dict | None:
    """One base model's row for a provider record, or None when the catalogue lacks it."""
    return _decoded(store.providers.catalogue_row(provider["kind"], base_model))


def _parse(column: str, text: str):
    """A typed value for a catalogue column from what the user typed."""
    try:
        if column in ("context_limit", "min_examples"):
            value = int(text)
            if value < (1 if column == "context_limit" else 0):
                raise ValueError
            return value
        if column == "price_training_per_1m":
            value = float(text)
            if not value >= 0:
                raise ValueError
            return value
    except ValueError:
        raise InvalidRequest(f"{column} must be a {'whole ' if column != 'price_training_per_1m' else ''}"
                             f"number >= 0, not {text!r}.", "E.g. price_training_per_1m=0.48.") from None
    if column == "methods":
        methods = [m.strip() for m in text.split(",") if m.strip()]
        if not methods or set(methods) - set(METHODS):
            raise InvalidRequest(f"methods must list {' and/or '.join(METHODS)}, not {text!r}.",
                                 "E.g. methods=supervised,dpo.")
        return ",".join(methods)
    if column == "epochs_rule":
        if text.strip() in ("", "none", "null"):
            return None
        try:
            rule = json.loads(text)
            EpochsRule.from_dict(rule)
        except (ValueError, TypeError):
            raise InvalidRequest(f"epochs_rule must be JSON with EpochsRule fields, not {text!r}.",
                                 'E.g. epochs_rule={"default_epochs": 1, "max_default_epochs": 1}, '
                                 "or none for the workspace's rule.") from None
        return json.dumps(rule, sort_keys=True)
    if column == "encoding" and text not in catalog.ENCODINGS:
        raise InvalidRequest(f"encoding must be one of {', '.join(catalog.ENCODINGS)}, not {text!r}.", "")
    return text


def set_training_model(store, provider_name: str, base_model: str, assignments: dict[str, str]) -> dict:
    """Edit (or add) a base model in the provider's catalogue from COLUMN=TEXT pairs."""
    provider = get_provider(store, provider_name)
    if not kind_trains(provider):
        raise InvalidRequest(f"{provider['name']} ({provider['kind']}) serves chat only; it has no training "
                             "catalogue.", "Pick an OpenAI, Azure or Together provider.")
    unknown = sorted(set(assignments) - set(EDITABLE))
    if unknown:
        raise InvalidRequest(f"Cannot change {', '.join(unknown)}.", f"Editable: {', '.join(EDITABLE)}.")
    if not assignments:
        raise InvalidRequest("Nothing to change.", "Give COLUMN=VALUE, e.g. price_training_per_1m=0.48.")
    changes = {column: _parse(column, text) for column, text in assignments.items()}
    existing = store.providers.catalogue_row(provider["kind"], base_model)
    if existing is None and not {"context_limit", "price_training_per_1m"} <= set(changes):
        raise InvalidRequest(f"{base_model!r} is not in {provider['kind']}'s catalogue.",
                             "A new base model needs context_limit and price_training_per_1m.")
    store.providers.set_catalogue_row(provider["kind"], base_model, changes)
    store.audit("training_catalogue_edit", "provider", provider["id"],
                {"kind": provider["kind"], "base_model": base_model, "changes": changes})
    return training_model(store, provider, base_model)


def kind_trains(provider: dict) -> bool:
    from workbench.providers.kinds import kind_of

    spec = kind_of(provider["kind"])
    return bool(spec and spec.capabilities.trains)


def model_spec(row: dict) -> ModelSpec:
    """The budget's view of a catalogue row."""
    return ModelSpec.from_dict({"name": row["base_model"], "encoding": row["encoding"],
                                "training_context_limit": row["context_limit"],
                                "price_training_per_1m": row["price_training_per_1m"] or 0.0,
                                "provider": row["provider_kind"], "notes": row.get("notes") or ""})


def epochs_rule(store, row: dict | None) -> EpochsRule:
    """The row's epochs rule over the workspace's (a row without one uses the workspace's)."""
    base = catalog.epochs_rule(store).to_dict()
    return EpochsRule.from_dict({**base, **((row or {}).get("epochs_rule") or {})})


def budget_model(store, provider_name: str, base_model: str) -> tuple[ModelSpec, EpochsRule]:
    """What the budget prices a dataset with for this provider and base model."""
    provider = get_provider(store, provider_name)
    row = training_model(store, provider, base_model)
    if row is None:
        names = ", ".join(r["base_model"] for r in training_models(store, provider_name)) or "none"
        raise InvalidRequest(f"{base_model!r} is not in {provider['name']}'s training catalogue (it has: {names}).",
                             f"Add it with `workbench provider models {provider['name']} --base {base_model} "
                             "--set context_limit=N --set price_training_per_1m=P`.")
    return model_spec(row), epochs_rule(store, row)
