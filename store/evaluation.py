"""Queries for golden sets, generations, rating sessions and ratings.

A mixin of `store.Store`: methods use `self.db` (a sqlite-utils Database) and the
helpers `self._rows`, `self._one`, `self._scalar` defined there.
"""

from __future__ import annotations


class EvaluationQueries:
    """Mixed into Store."""
