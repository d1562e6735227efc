"""Import streams: peak memory must not grow with file size.

Imports a small and a 10x larger generated JSONL file, each in a fresh process, and
compares the peak resident memory above a floor measured in the same run: a process
that loads the same modules, opens a store and the tokenizers but imports nothing.
Also prints import throughput against a floor of plain json.loads over the same file.

    .venv/bin/python bench/import_memory.py [--small 5000] [--factor 10]

Exit status 1 when the large import needs more than 1.5x the small one's extra memory.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
from pathlib import Path

CHILD = r"""
import json, resource, sys, time
from pathlib import Path
from workbench.workspace import open_store
from workbench.budget import tokens
mode, db, path = sys.argv[1], sys.argv[2], sys.argv[3]
store = open_store(db)
for name in ("cl100k_base", "o200k_base"):
    tokens.get_encoding(name)
start = time.perf_counter()
if mode == "import":
    from workbench.dataset.importer import import_file
    result = import_file(store, Path(path), "bench")
    assert result.committed, result.bad_lines[:5]
elif mode == "parse":
    with open(path, "rb") as handle:
        for line in handle:
            json.loads(line)
elapsed = time.perf_counter() - start
print(json.dumps({"peak_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, "seconds": elapsed}))
"""

WORDS = ("order parcel return refund size delivery voucher invoice colis retour taille bestelling "
         "pakket levering maat factuur please thanks when where why how my your the a").split()


def sentence(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + "."


def make_file(path: Path, n: int, seed: int) -> Path:
    rng = random.Random(seed)
    with open(path, "w", encoding="utf-8") as handle:
        for i in range(n):
            record = {"messages": [
                {"role": "system", "content": "You are Aurora Assist."},
                {"role": "user", "content": f"#{seed}-{i} " + sentence(rng, rng.randint(8, 60))},
                {"role": "assistant", "content": sentence(rng, rng.randint(10, 120))},
            ]}
            handle.write(json.dumps(record) + "\n")
    return path


def run_child(mode: str, db: Path, path: Path, env: dict) -> dict:
    out = subprocess.run([sys.executable, "-c", CHILD, mode, str(db), str(path)], capture_output=True,
                         text=True, env=env, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--small", type=int, default=5000)
    parser.add_argument("--factor", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        env = {**os.environ, "WORKBENCH_HOME": str(tmp / "home"), "WORKBENCH_NO_SAMPLE": "1"}
        small = make_file(tmp / "small.jsonl", args.small, 1)
        large = make_file(tmp / "large.jsonl", args.small * args.factor, 2)
        floor = run_child("none", tmp / "floor.db", small, env)
        parse = run_child("parse", tmp / "parse.db", large, env)
        a = run_child("import", tmp / "a.db", small, env)
        b = run_child("import", tmp / "b.db", large, env)
    extra_small = max(1, a["peak_kb"] - floor["peak_kb"])
    extra_large = max(1, b["peak_kb"] - floor["peak_kb"])
    growth = extra_large / extra_small
    n_large = args.small * args.factor
    rate = n_large / b["seconds"]
    parse_rate = n_large / parse["seconds"]
    print(f"floor process (modules + store + tokenizers): {floor['peak_kb'] / 1024:.1f} MiB peak")
    print(f"import {args.small:>7,} lines: {a['peak_kb'] / 1024:.1f} MiB peak, +{extra_small / 1024:.1f} MiB over floor")
    print(f"import {n_large:>7,} lines: {b['peak_kb'] / 1024:.1f} MiB peak, +{extra_large / 1024:.1f} MiB over floor")
    print(f"memory growth for {args.factor}x the lines: {growth:.2f}x (target <= 1.5x)")
    print(f"import throughput: {rate:,.0f} examples/s; json.loads floor {parse_rate:,.0f} lines/s; "
          f"ratio {rate / parse_rate:.3f}")
    return 0 if growth <= 1.5 else 1


if __name__ == "__main__":
    sys.exit(main())
