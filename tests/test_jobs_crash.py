"""SIGKILL during launches against a local server: nothing lost, nothing duplicated.

A child process reconciles and then launches jobs in a loop; the test kills it with
SIGKILL after a random delay, 50 times, then lets one last child reconcile. Every job
the provider has must be recorded exactly once, and every recorded job must exist at
the provider.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

from tests.servers.scripted import ScriptedServer
from tests.test_jobs import KEY, freeze
from workbench.providers import add_provider

ROOT = Path(__file__).resolve().parent.parent
KILLS = 50


def _child(db: Path, ref: str, *extra: str) -> subprocess.Popen:
    env = {**os.environ, "OPENAI_API_KEY": KEY, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, str(ROOT / "tests" / "servers" / "launch_child.py"), str(db), ref,
                             *extra], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True)


def _stage(store) -> str:
    open_rows = store.jobs.outbox_open()
    if not open_rows:
        return "between calls"
    return ", ".join(sorted({f"{r['kind']} {r['status']}" for r in open_rows}))


def test_fifty_sigkills_lose_and_duplicate_nothing(store, tmp_path):
    rng = random.Random(11)
    with ScriptedServer(key=KEY) as server:
        os.environ["OPENAI_API_KEY"] = KEY
        add_provider(store, "oa", "openai", base_url=server.url)
        refs = [freeze(store, tmp_path, name=f"ds{i}") for i in range(3)]
        # Slow writes widen the windows between "sent" and "recorded".
        server.fault(r"POST /v1/(files|fine_tuning/jobs)$", "slow", times=10**6, delay=0.12)
        stages: Counter = Counter()
        for kill in range(KILLS):
            child = _child(Path(store.path), refs[kill % len(refs)])
            assert child.stdout.readline().strip() == "ready", child.stderr.read()
            delay = rng.uniform(0, 0.5)
            try:
                child.wait(timeout=delay)
            except subprocess.TimeoutExpired:
                pass
            child.send_signal(signal.SIGKILL)
            child.wait()
            stages[_stage(store)] += 1
        final = _child(Path(store.path), refs[0], "--finish")
        assert final.wait(timeout=120) == 0, final.stderr.read()

        provider_jobs = list(server.state.jobs.values())
        local = store.jobs.list_jobs()
        by_workbench_id = Counter(j["metadata"]["workbench_job_id"] for j in provider_jobs)
        duplicates = {k: n for k, n in by_workbench_id.items() if n > 1}
        recorded = {j["provider_job_id"] for j in local if j["provider_job_id"]}
        lost = [j["id"] for j in provider_jobs if j["id"] not in recorded]
        unlaunched = [j["id"] for j in local if not j["provider_job_id"] and j["status"] != "failed"]
        print(f"\n{KILLS} kills; stages at kill: {dict(stages)}; provider jobs {len(provider_jobs)}, "
              f"local jobs {len(local)}, lost {len(lost)}, duplicates {len(duplicates)}")
        assert duplicates == {}
        assert lost == []
        assert unlaunched == []
        assert len(recorded) == len(provider_jobs)
