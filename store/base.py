"""What every feature's query class shares: the Store it belongs to, the calling
thread's connection, and small row helpers."""

from __future__ import annotations

from typing import Any, Iterable

from sqlite_utils import Database

from store.db import from_json


def decode_json_columns(row: dict | None, *columns: str) -> dict | None:
    """Decode the named JSON text columns of a row in place."""
    if row is None:
        return None
    for column in columns:
        if row.get(column) is not None:
            row[column] = from_json(row[column])
    return row


class Queries:
    """Base of `store.examples`, `store.pii`, ...: one class per feature, one writer per table."""

    def __init__(self, store):  # the Store this belongs to
        self._store = store

    @property
    def db(self) -> Database:
        return self._store.db

    def transaction(self):
        return self._store.transaction()

    def _rows(self, sql: str, params: Iterable[Any] = ()) -> list[dict]:
        return self._store._rows(sql, params)

    def _one(self, sql: str, params: Iterable[Any] = ()) -> dict | None:
        return self._store._one(sql, params)

    def _scalar(self, sql: str, params: Iterable[Any] = ()) -> Any:
        return self._store._scalar(sql, params)
