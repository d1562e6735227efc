"""Providers (OpenAI, Azure, Together, any OpenAI-compatible endpoint): records in the
store, keys in the OS keyring, SDK clients, errors in plain words.

`chat_client(store, name)` gives an OpenAI-compatible client for chat completions on
any provider; `list_models(store, name)` lists its models with their shutdown dates.
"""

from workbench.providers.clients import chat_client, check_provider, list_models, openai_client, together_client
from workbench.providers.errors import KeyringUnavailable, MissingKey, ProviderRefused, UnknownProvider
from workbench.providers.records import add_provider, get_provider, list_providers, remove_provider

__all__ = [
    "KeyringUnavailable", "MissingKey", "ProviderRefused", "UnknownProvider", "add_provider", "chat_client",
    "check_provider", "get_provider", "list_models", "list_providers", "openai_client", "remove_provider",
    "together_client",
]
