"""Provider records: add, list, remove, check. Data in the store, never a secret."""

from __future__ import annotations

from urllib.parse import urlparse

from workbench.errors import InvalidRequest
from workbench.providers import keys
from workbench.providers.errors import UnknownProvider
from workbench.providers.kinds import KINDS, kind_of


def _check_base_url(url: str) -> str:
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise InvalidRequest(f"{url!r} is not an http(s) URL.", "Give the API's base URL, e.g. https://host/v1.")
    return url.rstrip("/") + "/" if parsed.path.endswith("/openai/v1/") else url.rstrip("/")


def add_provider(store, name: str, kind: str, base_url: str | None = None, api_version: str | None = None,
                 organization: str | None = None, training_type: str | None = None,
                 key_required: bool = True) -> dict:
    """Record a provider. Azure takes its v1 base URL (or an endpoint plus api_version);
    an OpenAI-compatible host needs its base URL and may need no key (a local server)."""
    name = (name or "").strip()
    if not name:
        raise InvalidRequest("A provider needs a name.", "Pick a short name, e.g. together or local-vllm.")
    spec = kind_of(kind)
    if spec is None:
        raise InvalidRequest(f"Unknown provider kind {kind!r}.", f"Use one of: {', '.join(KINDS)}.")
    if store.providers.get_provider(name):
        raise InvalidRequest(f"A provider named {name!r} exists already.", "Remove it first or pick another name.")
    if spec.needs_base_url and not base_url:
        raise InvalidRequest(f"A {spec.label} provider needs its base URL.",
                             "For Azure: https://RESOURCE.openai.azure.com/openai/v1/.")
    url = _check_base_url(base_url) if base_url else spec.default_base_url
    options: dict = {}
    if training_type:
        options["training_type"] = training_type
    if not key_required:
        options["key_required"] = False
    row = store.providers.add_provider(name, spec.name, url, api_version, organization, keys.SERVICE, options)
    store.audit("provider_add", "provider", row["id"], {"name": name, "kind": spec.name, "base_url": url})
    return row


def get_provider(store, name: str) -> dict:
    row = store.providers.get_provider(name)
    if row is None:
        names = ", ".join(p["name"] for p in store.providers.list_providers()) or "none yet"
        raise UnknownProvider(f"No provider named {name!r} (known: {names}).", "Add the provider first.")
    row["kind"] = kind_of(row["kind"]).name if kind_of(row["kind"]) else row["kind"]
    return row


def list_providers(store) -> list[dict]:
    """Providers with their key status (where the key would come from, never the key)."""
    rows = []
    for row in store.providers.list_providers():
        spec = kind_of(row["kind"])
        status = keys.key_status(row["name"], spec.name if spec else row["kind"])
        rows.append({**row, "kind": spec.name if spec else row["kind"], "key": status.source,
                     "capabilities": spec.capabilities.to_dict() if spec else {}})
    return rows


def remove_provider(store, name: str, delete_key: bool = False) -> None:
    row = get_provider(store, name)
    if store.providers.provider_in_use(row["id"]):
        raise InvalidRequest(f"Provider {name!r} has jobs recorded; it stays so their history keeps its source.",
                             "Its key can still be deleted.")
    store.providers.remove_provider(row["id"])
    store.audit("provider_remove", "provider", row["id"], {"name": name})
    if delete_key and keys.keyring_available():
        keys.delete_key(row["name"], row["kind"])


def key_required(row: dict) -> bool:
    return bool((row.get("options") or {}).get("key_required", True))
