"""Queries for personal-data scans, findings and decisions.

A mixin of `store.Store`: methods use `self.db` (a sqlite-utils Database) and the
helpers `self._rows`, `self._one`, `self._scalar` defined there.
"""

from __future__ import annotations


class PiiQueries:
    """Mixed into Store."""
