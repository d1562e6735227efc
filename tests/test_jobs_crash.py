"""SIGKILL during launches against a local server: nothing lost, nothing duplicated.

A child process reconciles and then launches jobs in a loop; the test kills it with
SIGKILL after a random delay, 50 times, then lets one last child reconcile. Every job
the provider has must be recorded exactly once, and every recorded job must exist at
the provider. A second test kills the child while the server is receiving an upload
(between "upload sent" and "upload recorded"): the provider must hold each file once.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from tests.servers.scripted import ScriptedServer
from tests.test_jobs import KEY, freeze
from workbench.jobs.launch import find_version, upload_name
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
        assert len(provider_jobs) >= 5 and len(stages) >= 2  # the kills landed inside launches
        assert duplicates == {}
        assert lost == []
        assert unlaunched == []
        assert len(recorded) == len(provider_jobs)
        assert duplicate_files(server) == {}


def duplicate_files(server) -> dict[str, int]:
    """Uploaded training files the provider holds more than once (by name: it carries the sha256)."""
    names = Counter(f["filename"] for f in server.state.files.values() if f["purpose"] == "fine-tune")
    return {name: n for name, n in names.items() if n > 1}


UPLOAD_KILLS = 12


def test_sigkills_during_uploads_leave_each_file_once(store, tmp_path):
    rng = random.Random(23)
    with ScriptedServer(key=KEY) as server:
        os.environ["OPENAI_API_KEY"] = KEY
        add_provider(store, "oa", "openai", base_url=server.url)
        refs = [freeze(store, tmp_path, name=f"up{i}") for i in range(UPLOAD_KILLS)]
        # The server stores an upload after 0.6 s: a kill inside that window leaves an
        # upload the provider gets and the child never records.
        server.fault(r"POST /v1/files$", "slow", times=10**6, delay=0.6)
        in_upload = 0
        for ref in refs:
            before = len(server.requests("POST /v1/files$"))
            child = _child(Path(store.path), ref)
            assert child.stdout.readline().strip() == "ready", child.stderr.read()
            for _ in range(400):  # until the server is receiving an upload (or the child is gone)
                if len(server.requests("POST /v1/files$")) > before or child.poll() is not None:
                    break
                time.sleep(0.01)
            time.sleep(rng.uniform(0, 0.3))
            child.send_signal(signal.SIGKILL)
            child.wait()
            in_upload += any(r["kind"] == "upload_file" and r["status"] == "sent" for r in store.jobs.outbox_open())
        time.sleep(0.8)  # the last upload the server was receiving lands
        final = _child(Path(store.path), refs[0], "--finish")
        assert final.wait(timeout=120) == 0, final.stderr.read()

        uploads = len(server.requests("POST /v1/files$"))
        files = [f for f in server.state.files.values() if f["purpose"] == "fine-tune"]
        local = store.jobs.list_jobs()
        print(f"\n{UPLOAD_KILLS} kills, {in_upload} with an upload sent and not recorded; {uploads} upload "
              f"requests, {len(files)} files at the provider, duplicates {len(duplicate_files(server))}")
        # The kills did land inside uploads. One such kill is enough for a double upload without
        # the reconcile; a loaded machine lands fewer (4-5 of 12 seen), so ask for 2, not a share.
        assert in_upload >= 2
        assert duplicate_files(server) == {}
        # every split of every launched version, once each (a child may be killed before it
        # launches its own version: it finishes the launches its predecessors left first)
        expected = {upload_name(v, split) for v in (find_version(store, j["dataset_version_id"]) for j in local)
                    for split in ("train", "validation")}
        assert len(local) >= UPLOAD_KILLS // 2
        assert {f["filename"] for f in files} == expected
        assert all(j["provider_job_id"] for j in local)
        recorded = {f for j in local for f in (j["training_file_id"], j["validation_file_id"])}
        assert recorded <= {f["id"] for f in files}
