"""Provider errors in plain words: what happened, why, and the ways forward.

Works on any SDK error that carries an HTTP status (openai's and together's both do)
or on connection failures and timeouts. The wording never includes a key.
"""

from __future__ import annotations

import re
from typing import Any

from workbench.errors import WorkbenchError
from workbench.providers.errors import ProviderRefused

OPENAI_WIND_DOWN = (
    "OpenAI no longer accepts this fine-tuning job (403 training_not_available). OpenAI is winding "
    "down self-serve fine-tuning: new organisations were blocked from 2026-05-07, inactive ones from "
    "2026-07-02, and from 2027-01-06 nobody can create jobs; gpt-4o, gpt-4o-mini, gpt-4.1 and "
    "gpt-4.1-mini snapshots and their fine-tunes stop serving on 2027-01-14.")
WIND_DOWN_WAYS = (
    "Ways forward: train the same frozen version on Together AI (same chat and DPO format), on Azure "
    "OpenAI if your account already has fine-tuning there, or on your own GPU with the training kit "
    "(TRL, Axolotl or Unsloth).")


class TrainingNotAvailable(ProviderRefused):
    """OpenAI's 403 training_not_available."""


class KeyRejected(ProviderRefused):
    """401, or a 403 about permissions."""


class RateLimited(ProviderRefused):
    """429; `retry_after` in seconds when the provider said so."""

    def __init__(self, message: str, hint: str = "", *, retry_after: float | None = None):
        super().__init__(message, hint)
        self.retry_after = retry_after


class ProviderUnavailable(ProviderRefused):
    """5xx, a timeout or a dropped connection: worth retrying later."""


class FileRejected(ProviderRefused):
    """The provider refused an uploaded file; `examples` are 1-based line numbers."""

    def __init__(self, message: str, hint: str = "", *, examples: list[int] | None = None):
        super().__init__(message, hint)
        self.examples = examples or []


def _body(exc: Any) -> dict:
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        return body.get("error", body) if isinstance(body.get("error"), dict) else body
    response = getattr(exc, "response", None)
    try:
        data = response.json() if response is not None else {}
    except Exception:  # noqa: BLE001 - a non-JSON error page
        return {}
    if isinstance(data, dict) and isinstance(data.get("error"), dict):
        return data["error"]
    return data if isinstance(data, dict) else {}


def _status(exc: Any) -> int | None:
    status = getattr(exc, "status_code", None) or getattr(exc, "http_status", None)
    if status is None and getattr(exc, "response", None) is not None:
        status = getattr(exc.response, "status_code", None)
    return int(status) if status else None


def retry_after_seconds(exc: Any) -> float | None:
    """The Retry-After (seconds or retry-after-ms) header of an SDK error's response."""
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None) or {}
    try:
        if headers.get("retry-after-ms"):
            return float(headers["retry-after-ms"]) / 1000
        if headers.get("retry-after"):
            return float(headers["retry-after"])
    except (TypeError, ValueError):
        return None
    return None


def example_numbers(text: str) -> list[int]:
    """Line/example numbers a provider's file-validation message names."""
    numbers = re.findall(r"(?:line|example|row)s?\s*(?:#|number\s*)?(\d+)", text or "", flags=re.IGNORECASE)
    return sorted({int(n) for n in numbers})


def explain(exc: Exception, provider: dict | None = None) -> WorkbenchError:
    """A WorkbenchError in plain words for any SDK or network failure."""
    if isinstance(exc, WorkbenchError):
        return exc
    name = (provider or {}).get("name", "the provider")
    kind = type(exc).__name__
    if "Timeout" in kind:
        return ProviderUnavailable(f"{name} did not answer in time.", "Try again; nothing was changed on our side.")
    status = _status(exc)
    if status is None:
        if "Connection" in kind or isinstance(exc, OSError):
            return ProviderUnavailable(f"Cannot reach {name} ({(provider or {}).get('base_url') or 'default URL'}).",
                                       "Check the network or the provider's base URL, then try again.")
        return ProviderRefused(f"{name} call failed: {kind}.", "Try again; if it repeats, report it.")
    body = _body(exc)
    code = str(body.get("code") or body.get("type") or "")
    text = str(body.get("message") or getattr(exc, "message", "") or "")
    if status == 403 and code == "training_not_available":
        return TrainingNotAvailable(OPENAI_WIND_DOWN, WIND_DOWN_WAYS)
    if status == 401:
        return KeyRejected(f"{name} rejected the API key (401).",
                           "Store a valid key for this provider (or fix its environment variable).",
                           hint_key="set_key")
    if status == 403:
        return KeyRejected(f"{name} refused: the key has no permission for this ({text or 'forbidden'}).",
                           "Check the key's project, organisation or role at the provider.")
    if status == 429:
        wait = retry_after_seconds(exc)
        when = f" in {wait:g} s" if wait is not None else " in a minute"
        return RateLimited(f"{name} is rate-limiting requests (429).", f"It will be retried{when}.",
                           retry_after=wait)
    if status >= 500:
        return ProviderUnavailable(f"{name} had a server error ({status}).", "It will be retried; nothing was lost.")
    numbers = example_numbers(text)
    if numbers or "file" in code.lower() or "file" in text.lower():
        where = f" (examples {', '.join(map(str, numbers[:20]))})" if numbers else ""
        return FileRejected(f"{name} rejected the training file{where}: {text}",
                            "Fix those examples in the dataset, freeze a new version and launch again.",
                            examples=numbers)
    return ProviderRefused(f"{name} refused the request ({status}{', ' + code if code else ''}): {text}",
                           "Check the job's settings against the provider's rules.")
