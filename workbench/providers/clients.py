"""SDK clients for a provider record: an OpenAI-compatible client for chat (any kind)
and for OpenAI/Azure jobs, a Together client for Together's job API, and the model list.

The key is fetched here and handed to the SDK; it is never stored or logged.
"""

from __future__ import annotations

from typing import Any

from workbench.providers import keys
from workbench.providers.kinds import TOGETHER_BASE_URL
from workbench.providers.records import get_provider, key_required

# An OpenAI-compatible host without auth (Ollama, a local vLLM) still needs a non-empty
# string for the SDK; it is not a secret.
NO_KEY = "no-key"


def _key(row: dict) -> str:
    if not key_required(row):
        return keys.get_key(row["name"], row["kind"]) or NO_KEY
    return keys.require_key(row["name"], row["kind"])


def openai_client(row: dict, *, timeout: float | None = None, max_retries: int | None = None):
    """An `openai.OpenAI` (or `AzureOpenAI` when an api_version is set) for a provider row."""
    import openai

    extra: dict[str, Any] = {}
    if timeout is not None:
        extra["timeout"] = timeout
    if max_retries is not None:
        extra["max_retries"] = max_retries
    secret = _key(row)
    if row["kind"] == "azure" and row.get("api_version"):
        endpoint = row["base_url"].split("/openai/")[0]
        return openai.AzureOpenAI(api_key=secret, azure_endpoint=endpoint, api_version=row["api_version"], **extra)
    base_url = row.get("base_url") or (TOGETHER_BASE_URL if row["kind"] == "together" else None)
    return openai.OpenAI(api_key=secret, base_url=base_url, organization=row.get("organization") or None, **extra)


def together_client(row: dict, *, timeout: float | None = None, max_retries: int | None = None):
    """A `together.Together` client for Together's job API (files, fine-tunes)."""
    import together

    extra: dict[str, Any] = {}
    if timeout is not None:
        extra["timeout"] = timeout
    if max_retries is not None:
        extra["max_retries"] = max_retries
    # The adapter's paths are relative to the base URL, as in Together's spec (whose
    # paths have no /v1: the host's /v1 belongs to the base URL, shared with the
    # OpenAI-compatible chat client).
    base_url = (row.get("base_url") or TOGETHER_BASE_URL).rstrip("/")
    return together.Together(api_key=_key(row), base_url=base_url, **extra)


def chat_client(store, provider_name: str, **options):
    """An OpenAI-compatible client for chat completions on any provider kind (Together's
    chat endpoint is OpenAI-compatible). Raises UnknownProvider or MissingKey."""
    return openai_client(get_provider(store, provider_name), **options)


def _model_row(item: Any) -> dict:
    if not isinstance(item, dict):
        return {"id": str(item), "shutdown_date": None}
    shutdown = item.get("shutdown_date")
    return {"id": item.get("id") or item.get("name"), "shutdown_date": shutdown,
            "owned_by": item.get("owned_by") or item.get("organization"),
            "context_length": item.get("context_length"), "type": item.get("type")}


def list_models(store, provider_name: str, **options) -> list[dict]:
    """The provider's models as dicts with `id` and `shutdown_date` (None where the API
    gives none). Reads raw JSON: OpenAI wraps the list in `data`, Together does not."""
    from workbench.providers.failures import explain

    row = get_provider(store, provider_name)
    client = openai_client(row, **options)
    try:
        payload = client.get("/models", cast_to=object)
    except Exception as exc:  # noqa: BLE001 - every SDK failure becomes plain words
        raise explain(exc, row) from None
    items = payload.get("data", []) if isinstance(payload, dict) else payload or []
    return [_model_row(item) for item in items]


def check_provider(store, provider_name: str) -> dict:
    """Reach the provider with its key (list models): the cheapest authenticated call."""
    row = get_provider(store, provider_name)
    models = list_models(store, provider_name, timeout=20, max_retries=1)
    return {"provider": row["name"], "kind": row["kind"], "base_url": row.get("base_url"), "ok": True,
            "models": len(models)}
