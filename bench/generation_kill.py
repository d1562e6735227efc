"""Kill generation with SIGKILL at random moments and resume it (issue 12): answers lost,
duplicated, and prompts sent again after the resume.

Not a test (it runs many processes): each round starts `generation.generate` in a child
process against the tests' scripted server on 127.0.0.1 (a small delay per answer),
kills it after a random number of committed answers, then resumes in this process and
checks the store: every prompt answered once, answers committed before the kill
untouched, and how many prompts that were already answered were sent again (must be 0;
only requests in flight at the kill, never committed, may be sent twice).

    .venv/bin/python bench/generation_kill.py --rounds 20
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

CHILD = """
import sys, openai
from store import Store
from workbench.eval import generation, golden
store = Store(sys.argv[1])
version = golden.resolve_version(store, "aurora-golden")
client = openai.OpenAI(base_url=sys.argv[2], api_key="k", max_retries=0)
generation.generate(store, version, sys.argv[3], client, settings=generation.GenerationSettings(concurrency=4))
"""


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--seed", type=int, default=12)
    args = parser.parse_args()
    os.environ.setdefault("WORKBENCH_HOME", tempfile.mkdtemp())
    import openai
    from chat_server import ChatServer
    from workbench.eval import generation, golden
    from workbench.workspace import open_store, seed_sample_rating

    rng = random.Random(args.seed)
    folder = Path(tempfile.mkdtemp())
    store = open_store(folder / "kill.db")
    seed_sample_rating(store)
    version = golden.resolve_version(store, "aurora-golden")
    prompts = {p["prompt_id"]: p for p in store.golden.version_prompts(version["id"])}
    totals = {"lost": 0, "duplicates": 0, "changed": 0, "resent_answered": 0, "in_flight_resent": 0, "killed_at": []}
    with ChatServer(delay=0.03) as server:
        for round_ in range(args.rounds):
            model = f"kill-{round_}"
            target = rng.randint(1, len(prompts) - 2)
            child = subprocess.Popen([sys.executable, "-c", CHILD, str(store.path), server.base_url, model], cwd=ROOT,
                                     env={**os.environ, "PYTHONPATH": str(ROOT)})
            while len(store.golden.generations(version["id"], model)) < target and child.poll() is None:
                time.sleep(0.005)
            os.kill(child.pid, signal.SIGKILL)
            child.wait()
            before = store.golden.generations(version["id"], model)
            totals["killed_at"].append(len(before))
            mark = len(server.requests)
            generation.generate(store, version, model, openai.OpenAI(base_url=server.base_url, api_key="k",
                                                                     max_retries=0))
            after = store.golden.generations(version["id"], model)
            count = store.db.execute("SELECT count(*) FROM generations WHERE model = ?", [model]).fetchone()[0]
            answered_messages = [prompts[pid]["messages"] for pid in before]
            resent = [r for r in server.requests[mark:] if r["model"] == model and r["messages"] in answered_messages]
            totals["lost"] += len(set(prompts) - set(after))
            totals["duplicates"] += count - len(after)
            totals["changed"] += sum(after[pid]["id"] != row["id"] for pid, row in before.items())
            totals["resent_answered"] += len(resent)
    store.close()
    print(f"rounds {args.rounds}; killed after {min(totals['killed_at'])}-{max(totals['killed_at'])} of "
          f"{len(prompts)} committed answers")
    print(f"lost answers {totals['lost']}, duplicate answers {totals['duplicates']}, "
          f"committed answers changed {totals['changed']}, answered prompts sent again {totals['resent_answered']}")
    return 0 if not (totals["lost"] or totals["duplicates"] or totals["changed"] or totals["resent_answered"]) else 1


if __name__ == "__main__":
    sys.exit(main())
