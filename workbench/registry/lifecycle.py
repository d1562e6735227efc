"""Lifecycle dates of registered models and the warnings they raise.

Dates are data: the provider's `/v1/models` `shutdown_date` where it returns one, else
what the user typed, else the models table's `retires_at`. A promoted model or a model
used as a rating baseline within WARN_DAYS of its shutdown gets a warning (capture its
answers before it is gone); a training cutoff within WARN_DAYS gets a note.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass

from store import Store
from workbench.errors import InvalidRequest

WARN_DAYS = 30


@dataclass(frozen=True)
class LifecycleWarning:
    model_id: str
    model: str
    what: str          # shutdown | training_cutoff
    date: str
    days: int
    role: str          # promoted | baseline | candidate

    @property
    def text(self) -> str:
        when = (f"in {self.days} days" if self.days > 1 else "tomorrow" if self.days == 1
                else "today" if self.days == 0 else f"{-self.days} days ago")
        if self.what == "shutdown":
            return (f"{self.model} ({self.role}) stops serving {when} ({self.date}): capture its answers to the "
                    f"golden sets now so a replacement can still be rated against it.")
        return f"{self.model} ({self.role}): fine-tuning on it ends {when} ({self.date})."


def parse_date(value: str | None, what: str = "date") -> str | None:
    """A YYYY-MM-DD date (or an ISO timestamp, or a Unix time from a provider) as YYYY-MM-DD."""
    if value in (None, ""):
        return None
    if isinstance(value, (int, float)):
        return _dt.datetime.fromtimestamp(value, _dt.timezone.utc).date().isoformat()
    text = str(value).strip()
    try:
        return _dt.date.fromisoformat(text[:10]).isoformat()
    except ValueError:
        raise InvalidRequest(f"{what} {text!r} is not a date; write it as YYYY-MM-DD.") from None


def days_until(date: str | None, today: _dt.date | None = None) -> int | None:
    if not date:
        return None
    today = today or _dt.datetime.now(_dt.timezone.utc).date()
    return (_dt.date.fromisoformat(date) - today).days


def model_warnings(model: dict, baselines: set[str], today: _dt.date | None = None,
                   within: int = WARN_DAYS) -> list[LifecycleWarning]:
    if model["status"] == "retired":
        return []
    role = ("promoted" if model["status"] == "promoted"
            else "baseline" if model["provider_model_id"] in baselines else "candidate")
    found = []
    shutdown = days_until(model.get("shutdown_date"), today)
    if shutdown is not None and shutdown <= within and role in ("promoted", "baseline"):
        found.append(LifecycleWarning(model["id"], model["name"], "shutdown", model["shutdown_date"], shutdown, role))
    cutoff = days_until(model.get("training_cutoff"), today)
    if cutoff is not None and 0 <= cutoff <= within:
        found.append(LifecycleWarning(model["id"], model["name"], "training_cutoff", model["training_cutoff"],
                                      cutoff, role))
    return found


def warnings(store: Store, today: _dt.date | None = None, within: int = WARN_DAYS) -> list[LifecycleWarning]:
    """Every lifecycle warning of the registry (promoted and baseline models first)."""
    baselines = store.registry.baseline_models()
    found = [w for m in store.registry.list_models() for w in model_warnings(m, baselines, today, within)]
    return sorted(found, key=lambda w: (w.what != "shutdown", w.role != "promoted", w.days))
