"""Deleting frozen copies of text for good: a dataset version's lines, a golden set with
everything made from it, an import's rejected lines, examples in the bin. Each purge
records a scrub and runs it, like a redaction, and says whether the file is clean."""

from __future__ import annotations

from dataclasses import dataclass

from store import Store
from workbench.errors import InvalidRequest


class PurgeRefused(InvalidRequest):
    """The named thing does not exist or cannot be purged as asked; nothing was deleted."""


@dataclass
class Purged:
    what: str
    rows: int
    scrubbed: bool


def _dataset(store: Store, name: str) -> dict:
    dataset = store.datasets.get_dataset(name)
    if dataset is None:
        raise PurgeRefused(f"No dataset named {name!r}; run `workbench datasets`.")
    return dataset


def _done(store: Store, what: str, rows: int) -> Purged:
    return Purged(what, rows, store.pii.run_pending_scrub())


def purge_version(store: Store, dataset_name: str, number: int) -> Purged:
    dataset = _dataset(store, dataset_name)
    version = next((v for v in store.datasets.list_versions(dataset["id"]) if v["number"] == number), None)
    if version is None:
        raise PurgeRefused(f"{dataset_name!r} has no version {number}; run `workbench versions {dataset_name}`.")
    rows = store.doctor.purge_version(version["id"])
    store.audit("purge_version", "dataset_version", version["id"], {"lines": rows})
    return _done(store, f"the {rows} frozen lines of {dataset_name} v{number}", rows)


def purge_golden(store: Store, name: str) -> Purged:
    golden = store.golden.get_golden_set(name)
    if golden is None:
        raise PurgeRefused(f"No golden set named {name!r}.")
    rows = store.doctor.purge_golden_set(golden["id"])
    store.audit("purge_golden", "golden_set", golden["id"], {"rows": rows})
    return _done(store, f"golden set {name!r} with its versions, answers and ratings ({rows} rows)", rows)


def purge_judgements(store: Store, session: str) -> Purged:
    """Judgements brought in with `rate import` under a session name, for good."""
    rows = store.doctor.purge_judgements(session)
    if not rows:
        raise PurgeRefused(f"No imported judgements under the session name {session!r}.")
    store.audit("purge_judgements", "imported_judgements", None, {"session": session, "rows": rows})
    return _done(store, f"{rows} imported judgements of {session!r}", rows)


def purge_rejections(store: Store, dataset_name: str) -> Purged:
    dataset = _dataset(store, dataset_name)
    rows = store.doctor.purge_rejections(dataset["id"])
    store.audit("purge_rejections", "dataset", dataset["id"], {"rows": rows})
    return _done(store, f"{rows} rejected import lines of {dataset_name}", rows)


def purge_deleted(store: Store, dataset_name: str) -> Purged:
    """Examples in the bin, for good. Ones a frozen version still lists are refused (the
    version's lines hold them too): purge that version first."""
    dataset = _dataset(store, dataset_name)
    rows = store.doctor.deleted_examples(dataset["id"])
    held = [r for r in rows if r["in_versions"]]
    if held:
        shown = ", ".join(f"#{r['position']}" for r in held[:10])
        raise PurgeRefused(f"{len(held)} deleted examples of {dataset_name} are in frozen versions ({shown}).",
                           "Purge those versions first.")
    count = store.doctor.purge_examples([r["id"] for r in rows])
    store.audit("purge_deleted", "dataset", dataset["id"], {"examples": count})
    return _done(store, f"{count} deleted examples of {dataset_name}", count)
