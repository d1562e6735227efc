"""Golden capture: before a model stops serving, record its answers to every golden set
(the latest version of each), so a replacement can still be rated against it after it is
gone. Generation resumes like any other run; what was captured stays in `generations`."""

from __future__ import annotations

from store import Store
from workbench.eval import generation, golden
from workbench.registry.entries import RegistryError, get, record


def capture(store: Store, key: str, *, client=None, settings: generation.GenerationSettings | None = None,
            on_progress=None, cancel=None, who: str | None = None) -> list[generation.GenerationReport]:
    model = get(store, key)
    if not model.get("provider"):
        raise RegistryError(f"{model['name']} has no provider on record; register it with its provider to capture.")
    sets = [g for g in store.golden.list_golden_sets() if g["latest_version"]]
    if not sets:
        raise RegistryError("No frozen golden set to capture answers for.")
    client = client or generation.client_for(store, model["provider"])
    reports = []
    for golden_set in sets:
        version = golden.resolve_version(store, golden_set["name"])
        reports.append(generation.generate(store, version, model["provider_model_id"], client,
                                           provider=model["provider"], settings=settings,
                                           on_progress=on_progress, cancel=cancel))
        if cancel is not None and cancel.is_set():
            break
    with store.transaction():
        record(store, model, "capture", who=who, details={
            "golden_sets": [f"{g['name']}@{g['latest_version']}" for g in sets[:len(reports)]],
            "answered": sum(r.answered for r in reports), "complete": all(r.complete for r in reports)})
    return reports
