"""Near-duplicate search on 100k examples (target: <= 30 s on this machine), with the
precision and recall of the planted groups.

Builds a store with N synthetic chat examples (a shared system prompt, user and
assistant turns of 30-120 words from a 6,000-word vocabulary) of which 2% are planted
near-copies (1-2 words changed per turn, a word dropped or a short sentence added) of another
example. Times `workbench.health.duplicates.scan` (read from SQLite, shingle, MinHash,
LSH, group, store the groups). The floor, measured in the same run, is the part no
method can skip: reading every example from the store and splitting its text into word
3-grams. Pair precision and recall are against the planted pairs.

    .venv/bin/python bench/near_duplicates.py [--n 100000]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from itertools import combinations
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

TARGET_S = 30.0
SYSTEM = "You are Aurora Assist, the support assistant of Aurora Commerce. Be friendly and concise."


def vocabulary(rng: random.Random, size: int = 6000) -> list[str]:
    syllables = ["ka", "lo", "mi", "ne", "ru", "sa", "ti", "vo", "be", "da", "fe", "go", "hu", "ji", "pa", "zo"]
    words = set()
    while len(words) < size:
        words.add("".join(rng.choice(syllables) for _ in range(rng.randint(2, 4))))
    return sorted(words)


def sentence(rng: random.Random, vocab: list[str], n: int) -> list[str]:
    return [rng.choice(vocab) for _ in range(n)]


def variant(rng: random.Random, vocab: list[str], words: list[str]) -> list[str]:
    """A near-copy: 1-2 words replaced, sometimes one dropped or a short phrase added."""
    words = list(words)
    for _ in range(rng.randint(1, 2)):
        words[rng.randrange(len(words))] = rng.choice(vocab)
    roll = rng.random()
    if roll < 0.3:
        del words[rng.randrange(len(words))]
    elif roll < 0.6:
        words += sentence(rng, vocab, 3)
    return words


def messages(user: list[str], assistant: list[str]) -> list[dict]:
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": " ".join(user)},
            {"role": "assistant", "content": " ".join(assistant)}]


def synthetic(n: int, planted_share: float = 0.02, seed: int = 7) -> tuple[list[list[dict]], list[set[int]]]:
    """n conversations and the planted groups (sets of indexes)."""
    rng = random.Random(seed)
    vocab = vocabulary(rng)
    planted = int(n * planted_share)
    originals = n - planted
    convs = []
    for _ in range(originals):
        convs.append((sentence(rng, vocab, rng.randint(30, 60)), sentence(rng, vocab, rng.randint(30, 120))))
    groups: dict[int, set[int]] = {}
    for _ in range(planted):
        source = rng.randrange(originals)
        user, assistant = convs[source]
        groups.setdefault(source, {source}).add(len(convs))
        convs.append((variant(rng, vocab, user), variant(rng, vocab, assistant)))
    order = list(range(n))
    rng.shuffle(order)
    where = {old: new for new, old in enumerate(order)}
    shuffled = [messages(*convs[old]) for old in order]
    return shuffled, [{where[i] for i in g} for g in groups.values()]


def pairs(groups) -> set[tuple]:
    return {tuple(sorted(p)) for g in groups for p in combinations(g, 2)}


def build_store(path: Path, convs: list[list[dict]]):
    from store import Store
    from store.db import new_id, now

    store = Store(path)
    dataset = store.datasets.create_dataset("bench")
    stamp = now()
    rows = [(new_id(), dataset["id"], i + 1, json.dumps(m), f"h{i}", stamp, stamp) for i, m in enumerate(convs)]
    with store.transaction():
        store.db.conn.executemany(
            "INSERT INTO examples(id, dataset_id, position, messages, content_hash, created_at, updated_at) "
            "VALUES (?,?,?,?,?,?,?)", rows)
    return store, [r[0] for r in rows]


def floor(store, dataset_id: str) -> tuple[float, float]:
    """(wall, CPU) seconds to read every example and split it into hashed word 3-grams."""
    from workbench.health.duplicates import example_text, shingles

    wall, cpu = time.perf_counter(), time.process_time()
    for _id, _position, raw in store.health.example_texts(dataset_id):
        shingles(example_text(json.loads(raw)))
    return time.perf_counter() - wall, time.process_time() - cpu


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=100_000)
    args = parser.parse_args()
    from workbench.health import duplicates

    convs, truth = synthetic(args.n)
    with tempfile.TemporaryDirectory() as tmp:
        store, ids = build_store(Path(tmp) / "bench.db", convs)
        dataset = store.datasets.get_dataset("bench")
        base = floor(store, dataset["id"])
        duplicates.Signer()  # import datasketch outside the timing (2 s of its own start-up)
        start, cpu_start = time.perf_counter(), time.process_time()
        found = duplicates.scan(store, "bench")
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu_start
        store.close()
    index = {example_id: i for i, example_id in enumerate(ids)}
    found_pairs = pairs({index[k] for k in g.ids} for g in found)
    true_pairs = pairs(truth)
    hit = len(found_pairs & true_pairs)
    precision = hit / len(found_pairs) if found_pairs else 1.0
    recall = hit / len(true_pairs) if true_pairs else 1.0
    print(f"examples {args.n:,}; planted groups {len(truth):,} ({len(true_pairs):,} pairs); found groups "
          f"{len(found):,} ({len(found_pairs):,} pairs)")
    print(f"pair precision {precision:.4f}  recall {recall:.4f}")
    # Wall time is what the user waits; CPU time shows the cost when other processes
    # share the two cores (the wall figure then includes their turns).
    print(f"floor (read + shingle): wall {base[0]:.1f} s, CPU {base[1]:.1f} s")
    print(f"scan: wall {elapsed:.1f} s ({elapsed / base[0]:.1f}x the floor), CPU {cpu:.1f} s "
          f"({cpu / base[1]:.1f}x the floor); target <= {TARGET_S:.0f} s: {'met' if elapsed <= TARGET_S else 'NOT met'}")
    return 0 if elapsed <= TARGET_S or args.n != 100_000 else 1


if __name__ == "__main__":
    sys.exit(main())
