"""API keys in the OS keyring (service "ft-workbench", one entry per provider name),
with environment variables as the documented fallback.

A key is only ever read here and handed to an SDK client; it never reaches the store,
a log, an exception message or an export.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from workbench.providers.errors import KeyringUnavailable, MissingKey

SERVICE = "ft-workbench"

#: The environment variable read when the keyring has no key for a provider of a kind.
#: OpenAI-compatible hosts get none: an OpenAI key must not travel to an arbitrary URL.
ENV_VARS = {
    "openai": "OPENAI_API_KEY",
    "azure": "AZURE_OPENAI_API_KEY",
    "together": "TOGETHER_API_KEY",
}

NO_BACKEND_HINT = (
    "No OS keyring is available here (usual on a headless Linux box). Install and unlock one "
    "(e.g. gnome-keyring with dbus, or `pip install keyrings.alt` for a file-based keyring), "
    "or set the provider's environment variable ({env}) instead.")


@dataclass(frozen=True)
class KeyStatus:
    """Where a provider's key would come from; never the key itself."""

    provider: str
    source: str          # keyring | env | missing
    env_var: str | None
    keyring_available: bool
    detail: str = ""

    def to_dict(self) -> dict:
        return {"provider": self.provider, "source": self.source, "env_var": self.env_var,
                "keyring_available": self.keyring_available, "detail": self.detail}


def env_var_for(kind: str) -> str | None:
    return ENV_VARS.get(kind)


def keyring_available() -> bool:
    """True when `keyring` found a usable backend (not the fail/null placeholders)."""
    try:
        import keyring
        from keyring.backends import fail
    except ImportError:
        return False
    backend = keyring.get_keyring()
    if isinstance(backend, fail.Keyring):
        return False
    if type(backend).__module__.startswith("keyring.backends.null"):
        return False
    chained = getattr(backend, "backends", None)
    return chained is None or bool(chained)


def _require_keyring(kind: str):
    import keyring

    if not keyring_available():
        raise KeyringUnavailable("Cannot store the key: no OS keyring.",
                                 NO_BACKEND_HINT.format(env=env_var_for(kind) or "none for this kind"))
    return keyring


def set_key(provider_name: str, kind: str, secret: str) -> None:
    """Store a provider's key in the keyring (replacing an older one)."""
    from keyring.errors import KeyringError

    secret = secret.strip()
    if not secret:
        raise MissingKey("The key is empty; nothing was stored.", "Paste the provider's API key.")
    keyring = _require_keyring(kind)
    try:
        keyring.set_password(SERVICE, provider_name, secret)
    except KeyringError as exc:
        raise KeyringUnavailable(f"The keyring refused the key ({type(exc).__name__}).",
                                 NO_BACKEND_HINT.format(env=env_var_for(kind) or "none for this kind")) from None


def delete_key(provider_name: str, kind: str) -> bool:
    """Remove a provider's key from the keyring; False when there was none."""
    from keyring.errors import KeyringError, PasswordDeleteError

    keyring = _require_keyring(kind)
    try:
        keyring.delete_password(SERVICE, provider_name)
    except PasswordDeleteError:
        return False
    except KeyringError as exc:
        raise KeyringUnavailable(f"The keyring refused ({type(exc).__name__}).",
                                 NO_BACKEND_HINT.format(env=env_var_for(kind) or "none for this kind")) from None
    return True


def _from_keyring(provider_name: str) -> str | None:
    if not keyring_available():
        return None
    import keyring
    from keyring.errors import KeyringError

    try:
        return keyring.get_password(SERVICE, provider_name) or None
    except KeyringError:
        return None


def get_key(provider_name: str, kind: str) -> str | None:
    """The key for a provider: the keyring first, then the kind's environment variable."""
    secret = _from_keyring(provider_name)
    if secret:
        return secret
    env = env_var_for(kind)
    return (os.environ.get(env) or None) if env else None


def require_key(provider_name: str, kind: str) -> str:
    secret = get_key(provider_name, kind)
    if secret:
        return secret
    env = env_var_for(kind)
    where = f" or the environment variable {env}" if env else ""
    raise MissingKey(f"No API key for provider {provider_name!r} in the OS keyring{where}.",
                     "Store the key in the keyring for this provider" + (f", or set {env}." if env else "."),
                     hint_key="set_key")


def key_status(provider_name: str, kind: str) -> KeyStatus:
    available = keyring_available()
    env = env_var_for(kind)
    if _from_keyring(provider_name):
        return KeyStatus(provider_name, "keyring", env, available, f"keyring service {SERVICE!r}")
    if env and os.environ.get(env):
        return KeyStatus(provider_name, "env", env, available, f"environment variable {env}")
    detail = "" if available else "no OS keyring backend"
    return KeyStatus(provider_name, "missing", env, available, detail)
