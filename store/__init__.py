"""SQLite storage for ft-workbench: schema, migrations and every query. Imports nothing of ours.

The names below load on first use, so a command that only reads a store file
(store.readonly) does not pay for sqlite-utils and the query classes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = ["EDITABLE_COLUMNS", "Store", "StoreError"]

if TYPE_CHECKING:
    from store.db import StoreError
    from store.examples import EDITABLE_COLUMNS
    from store.store import Store


def __getattr__(name: str) -> Any:
    if name == "StoreError":
        from store.db import StoreError

        return StoreError
    if name == "EDITABLE_COLUMNS":
        from store.examples import EDITABLE_COLUMNS

        return EDITABLE_COLUMNS
    if name == "Store":
        from store.store import Store

        return Store
    raise AttributeError(f"module 'store' has no attribute {name!r}")
