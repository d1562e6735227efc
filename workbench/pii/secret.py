"""The secret that keys the hashes of personal-data values (dismissals, "same value"
decisions, pseudonym seeds). It lives outside the store file, in the OS keyring
(service "ft-workbench"), or in the WORKBENCH_PII_KEY environment variable where no
keyring exists, so a copy of the file alone cannot be used to test guesses against
the hashes. docs/pii.md says what this protects against and what it does not.
"""

from __future__ import annotations

import os
import secrets
import threading
from dataclasses import dataclass

SERVICE = "ft-workbench"
ACCOUNT = "pii-hash-key"
ENV_VAR = "WORKBENCH_PII_KEY"

_lock = threading.Lock()
_cached: "HashKey | None" = None


@dataclass(frozen=True)
class HashKey:
    key: bytes
    source: str  # keyring | env | session
    warning: str = ""


def _keyring():
    """The keyring module when a real backend is available, else None."""
    try:
        import keyring
        from keyring.backends import fail

        backend = keyring.get_keyring()
        if isinstance(backend, fail.Keyring) or "fail" in type(backend).__module__:
            return None
        return keyring
    except Exception:  # noqa: BLE001 - no keyring (no D-Bus session, locked, missing package)
        return None


def _from_keyring(adopt: str | None) -> bytes | None:
    keyring = _keyring()
    if keyring is None:
        return None
    try:
        stored = keyring.get_password(SERVICE, ACCOUNT)
        if not stored:
            stored = adopt or secrets.token_hex(32)
            keyring.set_password(SERVICE, ACCOUNT, stored)
        return bytes.fromhex(stored)
    except Exception:  # noqa: BLE001 - a locked or broken keyring counts as none
        return None


def hash_key(adopt: str | None = None) -> HashKey:
    """The key, from the keyring, else the environment, else one for this process only
    (with a warning: dismissed values are then not recognised by a later run).
    `adopt`: a key found in an old store file, moved into the keyring when it has none,
    so the findings and dismissals already made keep matching."""
    global _cached
    with _lock:
        if _cached is not None and not adopt:
            return _cached
        env = os.environ.get(ENV_VAR, "").strip()
        key = _from_keyring(adopt)
        if key is not None:
            _cached = HashKey(key, "keyring")
        elif env:
            _cached = HashKey(env.encode(), "env")
        else:
            _cached = HashKey(secrets.token_bytes(32), "session",
                              "No OS keyring is available and WORKBENCH_PII_KEY is not set: dismissed values "
                              "are recognised during this run only. Set WORKBENCH_PII_KEY to a long random "
                              "secret to keep them.")
        return _cached


def forget_cached() -> None:
    """Tests and a changed environment: read the key again next time."""
    global _cached
    with _lock:
        _cached = None
