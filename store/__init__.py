"""SQLite storage for ft-workbench: schema, migrations and every query. Imports nothing of ours."""

from store.db import StoreError
from store.examples import EDITABLE_COLUMNS
from store.store import Store

__all__ = ["EDITABLE_COLUMNS", "Store", "StoreError"]
