"""Concurrent use of one store by several processes (issue 9, item 6).

    .venv/bin/python bench/concurrent_use.py [--examples 20000]

Two imports into the same new dataset, a personal-data scan, a rater committing
verdicts and a curator approving examples run at once, each in its own process, on one
real store file. Target: 0 failures, 0 lost writes, and no rating or status write
waiting more than 100 ms (what the app's UI would wait for). The floor is the same
rating write on the idle store, measured in the same run.

The app's UI figures: how late a 10 ms timer ran (wall clock, load-dependent) and,
load-independent, the UI thread's CPU per approval and in its costliest tick (the CPU
between two runs of the timer: the longest stretch the event loop could not run), with
the garbage collections that ran on the UI thread. `--profile-ticks FILE` profiles the
UI thread tick by tick and keeps what ran in every tick over 40 ms of CPU.

tests/test_concurrent_use.py runs the same scenario small (without timing targets).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

IMPORTER = r"""
import sys
from workbench.workspace import open_store
from workbench.dataset.importer import import_file
store = open_store(sys.argv[1])
result = import_file(store, sys.argv[2], "together")
assert result.committed, result.bad_lines[:5]
print(result.added)
"""

SCANNER = r"""
import sys
from workbench.workspace import open_store
from workbench.pii.review import scan_dataset
store = open_store(sys.argv[1])
result = scan_dataset(store, sys.argv[2], workers=1)
print(result.scanned)
"""

RATER = r"""
import json, os, sys, time
from workbench.workspace import open_store
from workbench.eval.rating import RatingRun
store = open_store(sys.argv[1])
run = RatingRun.open(store, sys.argv[2], rater="bench-rater")
stop = sys.argv[3]
waits, rated = [], 0

def timed(write):
    start = time.perf_counter()
    result = write()
    waits.append(time.perf_counter() - start)
    return result

# Rate through the queue, then take back and re-rate the last verdict, until the
# imports are done: the rater writes for as long as they run.
while not os.path.exists(stop):
    queue = run.queue()
    if queue:
        rated += timed(lambda: run.rate(run.pair(queue[0]), "left"))
    elif rated:
        undone = timed(run.undo)
        if undone and not undone.get("skipped"):
            rated -= 1
    time.sleep(0.1)  # a rater reads before the next verdict
print(json.dumps({"rated": rated, "waits": waits}))
"""

CURATOR = r"""
import json, os, sys, time
from workbench.workspace import open_store
from workbench.dataset.curation import Curation
store = open_store(sys.argv[1])
dataset = store.datasets.get_dataset(sys.argv[2])
ids = [e["id"] for e in store.examples.iter_examples(dataset["id"])][:int(sys.argv[3])]
stop = sys.argv[4]
curation = Curation(store)
waits = []

def set_status(example_id, status):
    start = time.perf_counter()
    curation.set_status([example_id], status)
    waits.append(time.perf_counter() - start)
    time.sleep(0.05)

# Approve them all, then flip them back and forth until the imports are done; the last
# pass approves, so every id ends approved.
passes = 0
while passes == 0 or not os.path.exists(stop):
    for example_id in ids:
        set_status(example_id, "approved" if passes % 2 == 0 else "draft")
    passes += 1
if passes % 2 == 0:
    for example_id in ids:
        set_status(example_id, "approved")
print(json.dumps({"approved": len(ids), "waits": waits}))
"""


APP = r"""
import asyncio, gc, json, os, sys, threading, time
from workbench.workspace import open_store
from screens.app import make_app

# The real app, headless: approve one example after another (each approval moves to the
# next row) while a 10 ms timer measures how late the app's event loop runs it: the
# longest delay is the longest the UI was blocked (writes, drawing, and the CPU the
# other processes take).
store = open_store(sys.argv[1])
stop = sys.argv[2]
app = make_app(store)
app.cursor_blink = False
lags, presses, most_pending, in_submit = [], 0, 0, []
tick_cpu = []  # the UI thread's CPU between two ticks (load-independent, unlike the lag)

from screens.writes import writes_of
queue = writes_of(app)
submit = queue.submit


in_write = []
ui_cpu = []  # the UI thread's CPU per approval (with its share of the 10 ms timer and the pilot)
late_ticks = []  # (lag, UI thread CPU, UI thread run-queue delay) for ticks over 50 ms late


def run_delay():
    # Linux: seconds this thread was runnable but waiting for a CPU (0 elsewhere)
    try:
        with open(f"/proc/self/task/{threading.get_native_id()}/schedstat") as handle:
            return int(handle.read().split()[1]) / 1e9
    except OSError:
        return 0.0


def timed_submit(label, run, *args, **kwargs):
    # what the UI thread spends handing a write over (writing at once when the lock is
    # free, else queueing it, then the screen's own update in `done`), and within it the
    # store write alone (`run` on the UI thread): the part the store causes
    def timed_run():
        begin = time.perf_counter()
        try:
            return run()
        finally:
            if threading.current_thread() is threading.main_thread():
                in_write.append(time.perf_counter() - begin)

    start = time.perf_counter()
    try:
        return submit(label, timed_run, *args, **kwargs)
    finally:
        in_submit.append(time.perf_counter() - start)


queue.submit = timed_submit


PROFILE = os.environ.get("BENCH_TICK_PROFILE")  # --profile-ticks: what ran in the costly ticks
gc_in_ui = []  # (generation, seconds) of every collection that ran on the UI thread
heavy = []  # per costly tick: its UI CPU, its collections, and the functions that took it


def watch_gc():
    # a collection runs in whichever thread allocates when a threshold is crossed; a
    # generation-2 one walks every tracked object (Textual's widgets, rich's caches)
    started = {}

    def callback(phase, info):
        if threading.current_thread() is not threading.main_thread():
            return
        if phase == "start":
            started["t"] = time.thread_time()
        elif "t" in started:
            gc_in_ui.append((info["generation"], time.thread_time() - started.pop("t")))

    gc.callbacks.append(callback)


def profile_ticks(app, threshold=0.04):
    # A profiler on the UI thread that starts afresh at every 10 ms tick: when the UI
    # thread's CPU since the last tick is over `threshold` (the profiler's own cost
    # included), keep the functions that took it (own time and cumulative).
    import cProfile, pstats
    profiler = cProfile.Profile()
    state = {"cpu": time.thread_time(), "gc": 0}

    def tick():
        profiler.disable()
        cpu = time.thread_time()
        used = cpu - state["cpu"]
        if used > threshold:
            stats = pstats.Stats(profiler)
            rows = [(f"{func[0].rsplit('/', 2)[-1]}:{func[1]}:{func[2]}", tt, ct)
                    for func, (cc, nc, tt, ct, callers) in stats.stats.items()]
            heavy.append({"cpu": used, "gc": gc_in_ui[state["gc"]:],
                          "own": sorted(((f, round(tt * 1000, 1)) for f, tt, _ in rows), key=lambda r: -r[1])[:25],
                          "cumulative": sorted(((f, round(ct * 1000, 1)) for f, _, ct in rows),
                                               key=lambda r: -r[1])[:60]})
        state["gc"] = len(gc_in_ui)
        profiler.clear()
        state["cpu"] = time.thread_time()
        profiler.enable()

    app.set_interval(0.01, tick)


async def main():
    global presses, most_pending
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause(0.5)
        last = [time.perf_counter(), time.thread_time(), run_delay()]
        t0 = last[0]  # when the measured approvals start (late ticks say how long after)

        def tick():
            # how late, and of that interval: the UI thread's own CPU, the time it was
            # runnable but not running (the kernel's run-queue delay: the CPU was taken),
            # and the rest (waiting on the GIL or a system call)
            now, cpu, delay = time.perf_counter(), time.thread_time(), run_delay()
            lag = now - last[0] - 0.01
            lags.append(lag)
            tick_cpu.append(cpu - last[1])
            if lag > 0.05:
                late_ticks.append((lag, cpu - last[1], delay - last[2], now - t0))
            last[:] = [now, cpu, delay]

        gc_in_ui.clear()  # from here on: the collections during the measured approvals
        if PROFILE:
            profile_ticks(app)
        app.set_interval(0.01, tick)
        cpu_start = time.thread_time()
        while presses == 0 or not os.path.exists(stop):
            await pilot.press("a")
            presses += 1
            most_pending = max(most_pending, len(app.writes.pending()))
            await pilot.pause(0.1)
        ui_cpu.append((time.thread_time() - cpu_start) / presses)
        deadline = time.monotonic() + 120
        while app.writes.pending() and time.monotonic() < deadline:
            await pilot.pause(0.05)
        assert not app.writes.pending(), "writes still pending"

watch_gc()
asyncio.run(main())
if PROFILE:
    with open(PROFILE, "a") as out:
        out.write(json.dumps({"heavy": heavy, "gc": gc_in_ui}) + "\n")
print(json.dumps({"gc_worst": max((t for _, t in gc_in_ui), default=0.0),
                  "gc_gen2": sum(g == 2 for g, _ in gc_in_ui), "gc_count": len(gc_in_ui),
                  "presses": presses, "most_pending": most_pending, "busy_retries": app.writes.busy_retries,
                  "worst_lag": max(lags), "lags": len(lags), "worst_submit": max(in_submit, default=0.0),
                  "submits": len(in_submit), "worst_write": max(in_write, default=0.0),
                  "writes_on_ui": len(in_write), "late_ticks": sorted(late_ticks, reverse=True),
                  "ui_cpu_per_approval": ui_cpu[0], "worst_tick_cpu": max(tick_cpu, default=0.0),
                  "ticks_cpu_over_50ms": sum(c > 0.05 for c in tick_cpu),
                  "ticks_cpu_over_40ms": sum(c > 0.04 for c in tick_cpu)}))
"""


def write_file(path: Path, n: int, prefix: str) -> Path:
    with open(path, "w", encoding="utf-8") as handle:
        for i in range(n):
            handle.write(json.dumps({"messages": [
                {"role": "system", "content": "You are Aurora Assist."},
                {"role": "user", "content": f"{prefix} question {i}: where is my parcel?"},
                {"role": "assistant", "content": f"Parcel {prefix}-{i} ships tomorrow."}]}) + "\n")
    return path


def prepare(folder: Path) -> tuple[Path, str]:
    """A store with the sample workspace (dataset, golden set, rating session)."""
    from workbench.workspace import SAMPLE_DATASET, SAMPLE_SESSION, open_store

    db = folder / "shared.db"
    open_store(db, seed_sample=True).close()
    del SAMPLE_DATASET
    return db, SAMPLE_SESSION


def run_scenario(folder: Path, examples: int, approvals: int = 30, with_app: bool = False,
                 bulk_nice: int = 0, terminals: bool = True) -> dict:
    """Start everything at once; return what each process reported and its exit code."""
    from workbench.workspace import SAMPLE_DATASET

    db, session = prepare(folder)
    first = write_file(folder / "first.jsonl", examples, "first")
    second = write_file(folder / "second.jsonl", examples, "second")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    stop = folder / "stop"
    commands = {
        "import 1": [IMPORTER, str(db), str(first)],
        "import 2": [IMPORTER, str(db), str(second)],
        "scan": [SCANNER, str(db), SAMPLE_DATASET],
        "rating": [RATER, str(db), session, str(stop)],
        "approve": [CURATOR, str(db), SAMPLE_DATASET, str(approvals), str(stop)],
    }
    if with_app:
        commands["app"] = [APP, str(db), str(stop)]
    bulk = ("import 1", "import 2", "scan")

    def niced() -> None:  # --bulk-nice: the imports and the scan as if they lowered their own priority
        os.nice(bulk_nice)

    procs = {name: subprocess.Popen([sys.executable, "-c", code, *args], stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, text=True, env=env,
                                    preexec_fn=niced if bulk_nice and name in bulk else None,
                                    # a person runs each command in its own terminal (a tmux
                                    # pane, an ssh login): its own session, which Linux
                                    # schedules as its own group (autogroup) -- the app
                                    # then shares the CPU with each other command as a
                                    # whole, not with every process they start
                                    start_new_session=terminals)
             for name, (code, *args) in commands.items()}
    out = {}
    for name in ("import 1", "import 2", "scan"):
        out[name] = _finish(procs[name])
    stop.touch()  # the rater and the curator wrote all along; now they finish
    for name in ("rating", "approve", "app"):
        if name in procs:
            out[name] = _finish(procs[name])
    out["db"] = db
    return out


def _finish(proc: subprocess.Popen) -> dict:
    stdout, stderr = proc.communicate(timeout=900)
    return {"code": proc.returncode, "stdout": stdout.strip(), "stderr": stderr[-3000:]}


def idle_app_lag(folder: Path, db: Path) -> float:
    """The floor of the UI figure: the same app session on the store nobody else uses
    (about two seconds of approvals), measured in the same run."""
    stop = folder / "stop-idle"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-c", APP, str(db), str(stop)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)
    time.sleep(6)
    stop.touch()
    report = _finish(proc)
    assert report["code"] == 0, report["stderr"]
    return json.loads(report["stdout"].splitlines()[-1])


def explain_lag(app: dict) -> str:
    """Where the late ticks' time went: the UI thread working, waiting for a CPU (run
    queue), or neither (the GIL, a system call)."""
    late = app.get("late_ticks") or []
    if not late:
        return "no tick over 50 ms late"
    lag, cpu, queue, at = late[0]
    total = sum(t[0] + 0.01 for t in late)
    cpus = sum(t[1] for t in late)
    queues = sum(t[2] for t in late)
    return (f"worst tick {lag * 1000:.0f} ms late: UI thread CPU {cpu * 1000:.0f} ms, waiting for a CPU "
            f"{queue * 1000:.0f} ms, other {(lag + 0.01 - cpu - queue) * 1000:.0f} ms, {at:.1f} s into the "
            f"approvals; {len(late)} ticks over "
            f"50 ms late: {cpus / total:.0%} UI CPU, {queues / total:.0%} run queue, "
            f"{max(0.0, 1 - (cpus + queues) / total):.0%} other")


def idle_rating_wait(db: Path, session: str) -> float:
    """The floor: one rating write on a store nobody else uses (median of 5)."""
    from workbench.eval.rating import RatingRun
    from workbench.workspace import open_store

    store = open_store(db)
    run = RatingRun.open(store, session, rater="floor-rater")
    waits = []
    for comparison in run.queue()[:5]:
        start = time.perf_counter()
        run.rate(run.pair(comparison), "right")
        waits.append(time.perf_counter() - start)
    store.close()
    return sorted(waits)[len(waits) // 2]


def print_trace(path: Path) -> None:
    """Per caller: transactions, total and longest hold of the write lock, longest wait for it."""
    by_caller: dict[str, list[tuple[float, float]]] = {}
    for row in path.read_text(encoding="utf-8").splitlines():
        _, caller, wait, hold, _ = row.split("\t")
        by_caller.setdefault(caller, []).append((float(wait), float(hold)))
    print(f"{'write transactions by caller':<60} {'count':>6} {'held ms':>9} {'max held':>9} {'max wait':>9}")
    for caller, rows in sorted(by_caller.items(), key=lambda kv: -max(h for _, h in kv[1])):
        print(f"{caller[:60]:<60} {len(rows):>6} {sum(h for _, h in rows):>9.0f} "
              f"{max(h for _, h in rows):>9.1f} {max(w for w, _ in rows):>9.1f}")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--examples", type=int, default=20_000)
    parser.add_argument("--trace", action="store_true",
                        help="record every write transaction (WORKBENCH_TX_TRACE) and print who held the lock longest")
    parser.add_argument("--bulk-nice", type=int, default=0,
                        help="start the two imports and the scan this much nicer (what the app gains if bulk "
                             "commands lowered their own priority, as their worker processes do)")
    parser.add_argument("--profile-ticks", metavar="FILE",
                        help="profile the app's UI thread per 10 ms tick and append, for each tick whose UI CPU "
                             "is over 40 ms (profiler included), the functions that took it to FILE (JSON lines)")
    parser.add_argument("--one-shell", action="store_true",
                        help="start every process in the bench's own session (one autogroup), as background "
                             "jobs of a single shell, instead of one session each as separate terminals")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        if args.profile_ticks:
            os.environ["BENCH_TICK_PROFILE"] = str(Path(args.profile_ticks).resolve())
        if args.trace:
            os.environ["WORKBENCH_TX_TRACE"] = str(folder / "transactions.tsv")
        os.environ["WORKBENCH_HOME"] = str(folder / "home")
        os.environ["WORKBENCH_NO_SAMPLE"] = "1"
        out = run_scenario(folder, args.examples, with_app=True, bulk_nice=args.bulk_nice,
                           terminals=not args.one_shell)
        failures = [name for name, r in out.items() if name != "db" and r["code"] != 0]
        for name in failures:
            print(f"{name} failed:\n{out[name]['stderr']}")
        waits = []
        for name in ("rating", "approve"):
            if out[name]["code"] == 0:
                waits += json.loads(out[name]["stdout"].splitlines()[-1])["waits"]
        from workbench.workspace import SAMPLE_SESSION, open_store

        store = open_store(out["db"])
        together = store.datasets.get_dataset("together")
        stored = store.examples.count_examples(together["id"]) if together else 0
        store.close()
        floor = idle_rating_wait(out["db"], SAMPLE_SESSION)
        idle_app = idle_app_lag(folder, out["db"])
        app_floor = idle_app["worst_lag"]
        if args.trace:
            print_trace(folder / "transactions.tsv")
    worst = max(waits) if waits else float("nan")
    lost = 2 * args.examples - stored
    ok_fail = not failures
    ok_lost = lost == 0
    ok_wait = worst <= 0.1
    print(f"{'target':<52} {'measured':>10} {'floor':>10} {'ratio':>8}")
    print(f"{'failed processes = 0':<52} {len(failures):>10} {'0':>10} {'-':>8}  {'PASS' if ok_fail else 'FAIL'}")
    print(f"{'lost imported examples = 0':<52} {lost:>10} {'0':>10} {'-':>8}  {'PASS' if ok_lost else 'FAIL'}")
    print(f"{'worst rating/approve write wait <= 100 ms':<52} {worst * 1000:>8.0f}ms {floor * 1000:>8.1f}ms "
          f"{worst / floor:>7.0f}x  {'PASS' if ok_wait else 'FAIL'}")
    print(f"  ({len(waits)} writes; median {sorted(waits)[len(waits) // 2] * 1000:.0f} ms, "
          f"{sum(w > 0.1 for w in waits)} over 100 ms)" if waits else "")
    ok_ui = False
    if out["app"]["code"] == 0:
        app = json.loads(out["app"]["stdout"].splitlines()[-1])
        ok_ui = app["worst_lag"] <= 0.1
        print(f"{'app: UI blocked (event loop late) <= 100 ms':<52} {app['worst_lag'] * 1000:>8.0f}ms "
              f"{app_floor * 1000:>8.0f}ms {app['worst_lag'] / max(app_floor, 1e-3):>7.1f}x  "
              f"{'PASS' if ok_ui else 'FAIL'}")
        print(f"  under load: {explain_lag(app)}")
        print(f"  idle store: {explain_lag(idle_app)}")
        print(f"  UI thread CPU per approval: {app['ui_cpu_per_approval'] * 1000:.1f} ms under load, "
              f"{idle_app['ui_cpu_per_approval'] * 1000:.1f} ms on the idle store")
        for where, report in (("under load", app), ("idle store", idle_app)):
            print(f"  UI thread CPU of the costliest tick ({where}): {report['worst_tick_cpu'] * 1000:.0f} ms; "
                  f"ticks over 40/50 ms of UI CPU: {report['ticks_cpu_over_40ms']}/{report['ticks_cpu_over_50ms']} "
                  f"of {report['lags']}; garbage collections on the UI thread: {report['gc_count']} "
                  f"({report['gc_gen2']} of generation 2), the longest {report['gc_worst'] * 1000:.0f} ms")
        print(f"  ({app['presses']} approvals through the app's write queue; at most {app['most_pending']} "
              f"pending at once; {app['busy_retries']} met a busy store)")
        print(f"{'app: UI thread inside a write (submit) <= 100 ms':<52} {app['worst_submit'] * 1000:>8.0f}ms "
              f"{'-':>10} {'-':>8}  {'PASS' if app['worst_submit'] <= 0.1 else 'FAIL'}")
        print(f"  (of which the store write itself, on the UI thread: worst "
              f"{app['worst_write'] * 1000:.0f} ms over {app['writes_on_ui']} writes; the rest is the "
              f"screen's update after it)")
    print(f"load average {os.getloadavg()[0]:.1f} (1 min), {os.cpu_count()} cores"
          + (f"; imports and scan at nice +{args.bulk_nice}" if args.bulk_nice else "")
          + ("; every process in one session (one shell)" if args.one_shell
             else "; each process in its own session (separate terminals)"))
    return 0 if ok_fail and ok_lost and ok_wait and ok_ui else 1


if __name__ == "__main__":
    sys.exit(main())
