"""The models catalogue: defaults shipped in workbench/data/models.json, seeded into the
store's editable models table, and the lookups budget code needs.

Prices, context limits, encodings and the epochs rule are data a user can change
(`workbench models set`); the defaults only fill rows that are not there yet. The
function-calling token constants (`tool_*` columns) are data too: opening a store hands
them to the token counter, one rule per encoding (counts are cached per encoding).
"""

from __future__ import annotations

import hashlib
import json
from importlib import resources
from pathlib import Path

from typing import TYPE_CHECKING

from store.readonly import read_models_file
from workbench.budget import estimate as budget
from workbench.budget import tokens

if TYPE_CHECKING:  # the store package is loaded lazily: validate never needs it
    from store import Store

ENCODINGS = ("cl100k_base", "o200k_base")
EDITABLE = ("encoding", "training_context_limit", "price_training_per_1m", "price_input_per_1m",
            "price_output_per_1m", "fine_tunable", "deprecated_at", "retires_at", "notes")


CATALOG_SETTING = "catalog_sha256"
EPOCHS_RULE_SETTING = "epochs_rule"


def _catalog_bytes() -> bytes:
    return resources.files("workbench").joinpath(budget.CATALOG_RESOURCE).read_bytes()


def ensure_catalog(store: Store) -> None:
    """Seed default models and the epochs rule; skipped when the catalogue is unchanged.
    Rows a user edited are never overwritten (see Store.seed_models)."""
    raw = _catalog_bytes()
    digest = hashlib.sha256(raw).hexdigest()
    if store.get_setting(CATALOG_SETTING) != digest:
        data = json.loads(raw)
        models = [{k: v for k, v in m.items() if not k.startswith("_")} for m in data["models"]]
        with store.transaction():
            store.models.seed_models(models)
            if store.get_setting(EPOCHS_RULE_SETTING) is None:
                store.set_setting(EPOCHS_RULE_SETTING, data.get("epochs_rule", {}))
            store.set_setting(CATALOG_SETTING, digest)
    tokens.use_tool_rules(tool_rules(store))


def tool_rules(store: Store) -> dict[str, tokens.ToolTokenRule]:
    """The function-calling token rule per encoding, from the models table.

    Token counts are cached per encoding, so one rule serves every model of an encoding:
    the most recently updated row that holds one (a user's edit wins over the defaults).
    """
    return _rules_from_rows(store.models.list_models())


def _rules_from_rows(rows: list[dict]) -> dict[str, tokens.ToolTokenRule]:
    rows = sorted(rows, key=lambda row: row.get("updated_at") or "", reverse=True)
    rules: dict[str, tokens.ToolTokenRule] = {}
    for row in rows:
        rule = tokens.ToolTokenRule.from_row(row)
        if rule is not None:
            rules.setdefault(row["encoding"], rule)
    return rules


def default_model_rows() -> list[dict]:
    """The shipped catalogue's rows, as they are seeded into a new store."""
    data = json.loads(_catalog_bytes())
    return [{k: v for k, v in m.items() if not k.startswith("_")} for m in data["models"]]


def resolve_model_without_store(db_path: Path, name: str) -> budget.ModelSpec:
    """Like resolve_model, for commands that need the catalogue but not the workspace:
    the store's models table read as it is (no migrations, no seeding) when the store
    exists, else the shipped defaults. Also hands the tool-token rules to the counter."""
    # defaults fill what the store lacks, as seeding would; the store's rows (a user's
    # edits) win
    by_name = {row["name"]: row for row in default_model_rows()}
    by_name.update({row["name"]: row for row in read_models_file(db_path) or []})
    rows = list(by_name.values())
    tokens.use_tool_rules(_rules_from_rows(rows))
    return budget.find_model([budget.ModelSpec.from_dict(row) for row in rows], name)


def model_specs(store: Store) -> list[budget.ModelSpec]:
    return [budget.ModelSpec.from_dict(row) for row in store.models.list_models()]


def epochs_rule(store: Store) -> budget.EpochsRule:
    return budget.EpochsRule.from_dict(store.get_setting(EPOCHS_RULE_SETTING, {}))


def resolve_model(store: Store, name: str) -> budget.ModelSpec:
    """The models-table row for a name (exact, else longest family prefix)."""
    return budget.find_model(model_specs(store), name)


def set_model(store: Store, name: str, changes: dict) -> None:
    """Update a model's row, or add a user model (a new name needs an encoding and a limit)."""
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ValueError(f"cannot change {', '.join(sorted(unknown))}; editable: {', '.join(EDITABLE)}")
    if changes.get("encoding") not in (None, *ENCODINGS):
        raise ValueError(f"encoding must be one of {', '.join(ENCODINGS)}")
    if store.models.get_model(name) is None:
        row = {"name": name, "family": "", "price_training_per_1m": 0.0, **changes}
        if "encoding" not in row or "training_context_limit" not in row:
            raise ValueError(f"{name!r} is not in the models table; a new model needs --encoding and --limit")
        budget.ModelSpec.from_dict(row)  # same validation as the catalogue
        store.models.seed_models([{**row, "notes": row.get("notes", "added by user")}])
        store.models.update_model(name, {})
        return
    budget.ModelSpec.from_dict({**store.models.get_model(name), **changes})
    store.models.update_model(name, changes)


def list_models(store: Store) -> list[dict]:
    """Every row of the editable models table."""
    return store.models.list_models()


def get_model(store: Store, name: str) -> dict | None:
    return store.models.get_model(name)
