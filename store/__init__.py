"""SQLite storage for ft-workbench: schema, migrations and every query. Imports nothing of ours."""

from store.db import StoreError
from store.store import Store

__all__ = ["Store", "StoreError"]
