"""Queries behind the Examples screen: pages of examples, filters, search, edits, undo/redo.

A mixin of `store.Store`: methods use `self.db` (a sqlite-utils Database) and the
helpers `self._rows`, `self._one`, `self._scalar` defined there.
"""

from __future__ import annotations


class CurationQueries:
    """Mixed into Store."""
