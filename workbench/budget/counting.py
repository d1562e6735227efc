"""Token counts for stored examples: computed once per content hash and encoding, cached.

The store keeps counts keyed by (content hash, encoding); this module fills the gaps
(after an edit, or for an encoding added later) and hands budget code plain numbers.
"""

from __future__ import annotations

from typing import Iterable, Iterator

from store import Store
from workbench.budget import catalog
from workbench.budget import tokens
from workbench.chat.records import record_from_example

#: Imports count every encoding of the catalogue, so switching the target model never
#: has to re-tokenize.
ENCODINGS = catalog.ENCODINGS


def count_all(record: dict, encodings: Iterable[str] = ENCODINGS, small: bool = False) -> dict[str, "tokens.TokenCount"]:
    """Counts of one record per encoding. small=True for a few records in an interactive
    process (the editor): the Python encoder over the cached ranks answers unless tiktoken's
    is built already, so the app never holds the GIL 0.2-0.3 s building a Rust encoder."""
    return {name: tokens.count_example(record, tokens.get_encoding(name, small=small)) for name in encodings}


def dataset_counts(store: Store, dataset_id: str, encoding: str,
                   status: str | None = None) -> Iterator[dict]:
    """{id, position, total, trained} for every live example, filling missing cache entries."""
    missing: list[dict] = []
    for row in store.examples.dataset_token_counts(dataset_id, encoding, status):
        if row["total"] is None:
            missing.append(row)
            continue
        yield row
    if not missing:
        return
    enc = tokens.get_encoding(encoding)
    fresh = []
    for row in missing:
        example = store.examples.get_example(row["id"])
        count = tokens.count_example(record_from_example(example), enc)
        fresh.append((row["content_hash"], encoding, count.total, count.trained))
        yield {**row, "total": count.total, "trained": count.trained}
    store.examples.save_token_counts(fresh)


def fill_missing(store: Store, dataset_id: str, encoding: str, status: str | None = None) -> int:
    """Count the live examples that have no cached count for the encoding (after an edit,
    or an encoding added later), found through the running totals: none missing costs two
    small reads. Returns how many examples were counted."""
    totals = store.token_totals
    live = totals.parts(dataset_id, status)["examples"]
    if _counted(store, dataset_id, encoding, status) >= live:
        return 0
    missing = totals.uncounted(dataset_id, encoding, status) if totals.tracks_uncounted(encoding) else []
    if missing:
        enc = tokens.get_encoding(encoding)
        fresh = {}
        for row in missing:
            if row["content_hash"] not in fresh:
                count = tokens.count_example(record_from_example(store.examples.get_example(row["id"])), enc)
                fresh[row["content_hash"]] = (row["content_hash"], encoding, count.total, count.trained)
        with store.transaction():
            store.examples.save_token_counts(fresh.values())
    if _counted(store, dataset_id, encoding, status) < live:  # an encoding the totals do not track
        missing = [row for row in dataset_counts(store, dataset_id, encoding, status)]
    return len(missing)


def _counted(store: Store, dataset_id: str, encoding: str, status: str | None) -> int:
    return sum(examples for _, examples, _ in store.token_totals.sizes(dataset_id, encoding, status))
