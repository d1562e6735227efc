"""Near-duplicate examples: find them (MinHash + LSH, `datasketch`), group them, and
review a group (keep one, reject the rest, undo).

An example's text is its user and assistant turns (the system prompt is left out: a
dataset usually shares one, which would make every pair look alike), lower-cased, as
word 3-grams (shingles). Two examples are near-duplicates when the MinHash estimate of
the Jaccard similarity of their shingle sets is at least the threshold; LSH proposes
candidate pairs without comparing every pair, each candidate is checked against the
threshold, and groups are the connected components (union-find).

Rejecting goes through `workbench.dataset.curation`, so it is one undoable action like
any other edit of the Examples screen.
"""

from __future__ import annotations

import json
import re
import zlib
from dataclasses import dataclass
from typing import Callable, Iterable

import numpy as np
from store import Store
from workbench.dataset.curation import Curation
from workbench.errors import InvalidRequest

DEFAULT_THRESHOLD = 0.6
NUM_PERM = 64
CANDIDATE_SLACK = 0.1
SHINGLE = 3
_WORD = re.compile(r"\w+", re.UNICODE)
_MULTIPLIER = 1_000_003  # an odd multiplier: the polynomial hash of an n-gram's words
_MASK = np.uint64(0xFFFFFFFF)


def example_text(messages: list) -> str:
    """The words that make two examples the same: user and assistant turns, no system prompt."""
    parts = []
    for message in messages or []:
        if not isinstance(message, dict) or message.get("role") == "system":
            continue
        content = message.get("content")
        if isinstance(content, list):
            content = " ".join(p.get("text", "") for p in content if isinstance(p, dict))
        if isinstance(content, str):
            parts.append(content)
        if message.get("tool_calls"):
            parts.append(json.dumps(message["tool_calls"], sort_keys=True))
    return "\n".join(parts)


class _WordCodes(dict):
    """crc32 of each distinct word, computed on first sight (vocabularies repeat)."""

    def __missing__(self, word: str) -> int:
        if len(self) > 2_000_000:  # a bound on the remembered vocabulary
            self.clear()
        code = self[word] = zlib.crc32(word.encode("utf-8"))
        return code


def _gram_hashes(codes: np.ndarray, size: int) -> np.ndarray:
    """Hash of every n-gram of a run of word codes: a polynomial modulo 2^32."""
    if len(codes) < size:
        size = len(codes)
    count = len(codes) - size + 1
    combined = np.zeros(count, dtype=np.uint64)
    for offset in range(size):
        combined = (combined * np.uint64(_MULTIPLIER) + codes[offset:offset + count]) & _MASK
    return combined


def shingles(text: str, size: int = SHINGLE, _codes: _WordCodes = _WordCodes()) -> set[int]:
    """32-bit hashes of the word n-grams of a text (all its words as one gram when shorter)."""
    words = _WORD.findall(text.lower())
    if not words:
        return set()
    return set(_gram_hashes(np.array(list(map(_codes.__getitem__, words)), dtype=np.uint64), size).tolist())


def _fmix32(hv: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finaliser (as datasketch applies it before its permutations)."""
    hv = hv ^ (hv >> np.uint32(16))
    hv = hv * np.uint32(0x85EBCA6B)
    hv = hv ^ (hv >> np.uint32(13))
    hv = hv * np.uint32(0xC2B2AE35)
    return hv ^ (hv >> np.uint32(16))


class Signer:
    """MinHash signatures in datasketch's default "affine32" scheme (each shingle hash
    mixed by MurmurHash3's finaliser, then a·h + b mod 2^32 with a and b drawn by
    datasketch from the seed), computed with numpy for a batch of examples at once;
    each becomes a datasketch LeanMinHash for its LSH index. Per example, datasketch's
    own update loop costs more than the rest of the search together; a test checks
    the values are the ones datasketch computes."""

    BATCH = 400  # examples per numpy step: ~ BATCH x 150 shingles x num_perm x 4 bytes

    def __init__(self, num_perm: int = NUM_PERM, seed: int = 1, size: int = SHINGLE):
        from datasketch import MinHash

        self.num_perm, self.seed, self.size = num_perm, seed, size
        template = MinHash(num_perm=num_perm, seed=seed, scheme="affine32")
        a, b = template.permutations
        self.a, self.b = a.astype(np.uint32)[None, :], b.astype(np.uint32)[None, :]
        self.empty = np.asarray(template.hashvalues, dtype=np.uint32)
        self.codes = _WordCodes()

    def sign_batch(self, texts: list[str]) -> list:
        """LeanMinHash of each text (texts without words get an empty signature)."""
        from datasketch import LeanMinHash

        grams, starts, live = [], [], []
        total = 0
        for index, text in enumerate(texts):
            words = _WORD.findall(text.lower())
            if not words:
                continue
            hashes = _gram_hashes(np.array(list(map(self.codes.__getitem__, words)), dtype=np.uint64), self.size)
            grams.append(hashes)
            starts.append(total)
            live.append(index)
            total += len(hashes)
        signatures = np.tile(self.empty, (len(texts), 1))
        if grams:
            hv = _fmix32(np.concatenate(grams).astype(np.uint32))[:, None]
            signatures[live] = np.minimum.reduceat(hv * self.a + self.b, starts, axis=0)
        return [LeanMinHash(seed=self.seed, hashvalues=row, scheme="affine32") for row in signatures]


@dataclass(frozen=True)
class DuplicateGroup:
    members: tuple[tuple[str, float], ...]  # (example id, similarity to the first member)

    @property
    def ids(self) -> list[str]:
        return [m[0] for m in self.members]


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        parent = self.parent.setdefault(x, x)
        while parent != x:
            grand = self.parent.setdefault(parent, parent)
            self.parent[x] = grand
            x, parent = parent, grand
        return x

    def union(self, x: str, y: str) -> None:
        rx, ry = self.find(x), self.find(y)
        if rx != ry:
            self.parent[ry] = rx


def find_groups(texts: Iterable[tuple[str, str]], threshold: float = DEFAULT_THRESHOLD,
                num_perm: int = NUM_PERM, progress: Callable[[int], None] | None = None) -> list[DuplicateGroup]:
    """Groups of near-identical texts. texts: (key, text) in a stable order; a group's
    members keep that order."""
    from datasketch import MinHashLSH

    if not 0 < threshold <= 1:
        raise InvalidRequest(f"The similarity threshold must be above 0 and at most 1, not {threshold}.")
    signer = Signer(num_perm)
    # The index proposes pairs a little below the threshold: candidates near it are
    # kept or dropped by the signature estimate, not lost to the banding.
    lsh = MinHashLSH(threshold=max(0.05, threshold - CANDIDATE_SLACK), num_perm=num_perm)
    signatures: dict[str, object] = {}
    order: dict[str, int] = {}
    pairs = _UnionFind()
    batch: list[tuple[str, str]] = []

    def flush() -> None:
        for (key, _), signature in zip(batch, signer.sign_batch([text for _, text in batch])):
            # Query before inserting: each candidate pair is seen once, from its later member.
            for other in lsh.query(signature):
                if signature.jaccard(signatures[other]) >= threshold:
                    pairs.union(other, key)
            lsh.insert(key, signature, check_duplication=False)
            signatures[key] = signature
            order[key] = len(order)
        batch.clear()
        if progress:
            progress(len(order))

    for key, text in texts:
        batch.append((key, text))
        if len(batch) >= Signer.BATCH:
            flush()
    flush()
    components: dict[str, list[str]] = {}
    for key in pairs.parent:
        components.setdefault(pairs.find(key), []).append(key)
    groups = []
    for keys in components.values():
        if len(keys) < 2:
            continue
        keys.sort(key=order.__getitem__)
        first = signatures[keys[0]]
        groups.append(DuplicateGroup(tuple((k, 1.0 if i == 0 else round(first.jaccard(signatures[k]), 3))
                                           for i, k in enumerate(keys))))
    groups.sort(key=lambda g: order[g.members[0][0]])
    return groups


def _dataset(store: Store, dataset_name: str) -> dict:
    dataset = store.datasets.get_dataset(dataset_name)
    if dataset is None:
        names = ", ".join(d["name"] for d in store.datasets.dataset_names()) or "none yet"
        raise InvalidRequest(f"No dataset named {dataset_name!r} (datasets: {names}).")
    return dataset


def scan(store: Store, dataset_name: str, threshold: float = DEFAULT_THRESHOLD,
         progress: Callable[[int], None] | None = None) -> list[DuplicateGroup]:
    """Find the dataset's near-duplicate groups and store them (replacing the open
    groups of an earlier scan; resolved ones stay as history)."""
    dataset = _dataset(store, dataset_name)
    texts = ((example_id, example_text(json.loads(messages)))
             for example_id, _position, messages in store.health.example_texts(dataset["id"]))
    groups = find_groups(texts, threshold, progress=progress)
    store.health.replace_duplicate_groups(dataset["id"], threshold, [list(g.members) for g in groups])
    return groups


def open_groups(store: Store, dataset_name: str) -> list[dict]:
    return store.health.duplicate_groups(_dataset(store, dataset_name)["id"])


def members(store: Store, group_id: str) -> list[dict]:
    return store.health.group_members(group_id)


def _group_dataset(store: Store, group_id: str) -> str:
    return store.health.group_dataset(group_id)


def keep_one(store: Store, curation: Curation, group_id: str, keep_id: str) -> list[str]:
    """Keep one member, reject the others (one undoable curation action); the group is
    marked resolved. Returns the ids rejected."""
    ids = [m["example_id"] for m in store.health.group_members(group_id)]
    if keep_id not in ids:
        raise InvalidRequest("The example to keep is not in this group.")
    rejected = [i for i in ids if i != keep_id]
    changed = curation.set_status(rejected, "rejected")
    store.health.set_group_state(group_id, "resolved", keep_id)
    store.audit("near_duplicates_resolved", "near_duplicate_group", group_id,
                {"kept": keep_id, "rejected": rejected}, actor=curation.author)
    return changed


def undo_keep(store: Store, curation: Curation, group_id: str) -> bool:
    """Undo the rejections of a group (the newest curation action) and reopen it.
    Refused when a later edit came after them: undo that one first."""
    group = next((g for g in store.health.duplicate_groups(_group_dataset(store, group_id), state=None)
                  if g["id"] == group_id), None)
    if group is None or group["state"] != "resolved":
        return False
    expected = {m["example_id"] for m in store.health.group_members(group_id)} - {group["kept_example_id"]}
    # The rejections are the newest action (members already rejected were not changed,
    # so the action may hold fewer than all of them).
    newest = {row["example_id"] for row in store.examples.undo_group()}
    if not newest or not newest <= expected:
        raise InvalidRequest("Another edit came after these rejections.", "Undo the later edits first.")
    step = curation.undo()
    if step is None:
        return False
    store.health.set_group_state(group_id, "open", None)
    return True
