"""Errors of the providers feature: unknown provider, missing key, no keyring."""

from __future__ import annotations

from workbench.errors import InvalidRequest


class UnknownProvider(InvalidRequest):
    """No provider with that name in the store."""


class MissingKey(InvalidRequest):
    """The provider needs an API key and none is in the keyring or the environment."""


class KeyringUnavailable(InvalidRequest):
    """No OS keyring backend (typical on headless Linux)."""


class ProviderRefused(InvalidRequest):
    """A provider answered with an error, reworded in plain words (see jobs.errors)."""
