"""Validate and import speed against the floors of issue 14, measured in the same run.

    .venv/bin/python bench/validate_import_speed.py [--sizes 10000,100000] [--scale]

Floors (exactly the ones the issue names):
  token floor   one process: `json.loads` each line + tiktoken `encode_ordinary`
                (o200k_base) on every string of the record.
  SQLite floor  one process inserting the same canonical lines into a plain table
                (id TEXT PRIMARY KEY, dataset TEXT, line TEXT) with executemany in one
                transaction (WAL, synchronous=NORMAL).

Targets, per size (the real `workbench` program, each in a fresh process):
  validate      `workbench validate FILE --model gpt-4o-mini --json` <= 0.75 x token floor,
                peak memory (PSS of the whole process tree) <= 250 MB
  start         `workbench validate` of a 10-line file <= 0.3 s
  import        `workbench --db NEW import FILE --dataset d` <= 1.5 x (token + SQLite floor)
  --scale adds 1,000,000 examples and checks time per example grows <= 1.15x from 100k.

Beside the import's figure (never instead of the floors or the ratio), the store's own
parts, each measured alone in the same run: the same rows into the real examples table
without and with its indexes, their first revisions, and their text into the full-text
index (FTS5, the store's tokenizer), one transaction each: how much of the import is
the writing that the app's screens, undo and search need.

Files are generated seeded into the cache folder (WORKBENCH_BENCH_CACHE, default
/tmp/ft-workbench-bench) and reused; never committed. Exit status 1 when a target fails.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

from _chatgen import make_file  # noqa: E402

CACHE = Path(os.environ.get("WORKBENCH_BENCH_CACHE", "/tmp/ft-workbench-bench"))
WORKBENCH = Path(sys.executable).parent / "workbench"
MB = 1024 * 1024

results: list[tuple[str, str, str, str, bool]] = []


def report(target: str, measured: str, floor: str, ratio: str, ok: bool) -> None:
    results.append((target, measured, floor, ratio, ok))
    print(f"  {target:<46} {measured:>12} {floor:>12} {ratio:>9}  {'PASS' if ok else 'FAIL'}", flush=True)


# ----------------------------------------------------------------------------- floors

def _strings(value, out: list) -> None:
    if isinstance(value, str):
        out.append(value)
    elif isinstance(value, dict):
        for key, item in value.items():
            _strings(item, out)
    elif isinstance(value, list):
        for item in value:
            _strings(item, out)


def token_floor(path: Path) -> tuple[float, int]:
    """json.loads each line + encode_ordinary on each string, one process. (seconds, tokens)"""
    from workbench.budget.tokens import get_encoding

    encode = get_encoding("o200k_base").encode_ordinary
    tokens = 0
    start = time.perf_counter()
    with open(path, "rb") as handle:
        for raw in handle:
            strings: list[str] = []
            _strings(json.loads(raw), strings)
            for text in strings:
                tokens += len(encode(text))
    return time.perf_counter() - start, tokens


def canonical_lines(path: Path, out: Path) -> Path:
    """The canonical line of every record (untimed preparation for the SQLite floor)."""
    from workbench.chat.format import canonical_line

    if out.exists():
        return out
    tmp = out.with_suffix(".part")
    with open(path, "rb") as src, open(tmp, "w", encoding="utf-8") as dst:
        for raw in src:
            dst.write(canonical_line(json.loads(raw)) + "\n")
    os.replace(tmp, out)
    return out


def sqlite_floor(lines: Path, db: Path) -> float:
    """Plain-table executemany of the canonical lines in one transaction (WAL, NORMAL)."""
    import sqlite3

    conn = sqlite3.connect(str(db), isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("CREATE TABLE lines (id TEXT PRIMARY KEY, dataset TEXT, line TEXT)")
    start = time.perf_counter()
    with open(lines, encoding="utf-8") as handle:
        conn.execute("BEGIN")
        conn.executemany("INSERT INTO lines VALUES (?, ?, ?)",
                         ((str(uuid.uuid4()), "d", line.rstrip("\n")) for line in handle))
        conn.execute("COMMIT")
    elapsed = time.perf_counter() - start
    conn.close()
    return elapsed


# ------------------------------------------------------- what the store itself costs (import)
# Not the floors (those stay exactly as named above): the parts of the store an
# import has to write, each measured alone in the same run, one transaction, prepared
# statements, WAL + synchronous=NORMAL, into the real tables (their DDL read from a
# migrated store). They say how much of an import's time is the store's own writing:
# the rows with the columns the app reads, the indexes its screens need, the first
# revision undo needs and the full-text index search needs.

STORE_PARTS_MAX = 100_000  # examples; above, the store's parts are not measured


def _store_ddl(tmp: Path) -> dict[str, list[str]]:
    """CREATE statements of examples (table; its indexes), example_revisions and examples_fts."""
    from store import Store

    store = Store(tmp / "ddl.db")
    rows = store.db.execute("SELECT name, type, tbl_name, sql FROM sqlite_master WHERE sql IS NOT NULL "
                            "AND tbl_name IN ('examples', 'example_revisions', 'examples_fts')").fetchall()
    store.close()
    return {"examples": [r[3] for r in rows if r[0] == "examples"],
            "examples_indexes": [r[3] for r in rows if r[1] == "index" and r[2] == "examples"],
            "example_revisions": [r[3] for r in rows if r[0] == "example_revisions"],
            "examples_fts": [r[3] for r in rows if r[0] == "examples_fts"]}


def _component_rows(lines: Path, part: str) -> tuple[str, list[tuple]]:
    """(INSERT statement, rows) of one part, from the canonical lines (untimed)."""
    import hashlib

    from store.examples import FIRST_SNAPSHOT_IS_ROW, fts_text
    from workbench.chat.format import dumps_compact

    def js(value) -> str | None:
        return None if value is None else dumps_compact(value)

    out: list[tuple] = []
    stamp = "2026-11-30T00:00:00.000000+00:00"
    with open(lines, encoding="utf-8") as handle:
        for rowid, line in enumerate(handle, 1):
            record = json.loads(line)
            messages = js(record.get("messages") or [])
            if part == "examples":
                out.append((rowid, str(uuid.uuid4()), "d", rowid, "chat", messages, js(record.get("tools")),
                            js(record.get("functions")), None, None, None, "[]", "draft", "",
                            hashlib.sha256(line.rstrip("\n").encode()).hexdigest(), "en",
                            len(record.get("messages") or []), "[]", 0, 0, "i", rowid, 1, stamp, stamp))
            elif part == "example_revisions":
                # as an import writes it since migration 0019: "the same as the row"
                out.append((str(uuid.uuid4()), str(rowid), 1, "create", FIRST_SNAPSHOT_IS_ROW, "import", stamp))
            else:
                out.append((rowid, fts_text(record.get("messages") or [], None, None)))
    sql = {"examples": "INSERT INTO examples(rowid, id, dataset_id, position, kind, messages, tools, functions, "
                       "parallel_tool_calls, preferred_output, non_preferred_output, tags, status, notes, "
                       "content_hash, language, turns, findings, errors, warnings, import_id, source_line, "
                       "revision, created_at, updated_at) VALUES (" + ", ".join("?" * 25) + ")",
           "example_revisions": "INSERT INTO example_revisions(id, example_id, revision, action, snapshot, "
                                "author, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
           "examples_fts": "INSERT INTO examples_fts(rowid, text) VALUES (?, ?)"}[part]
    return sql, out


def _timed_insert(db: Path, ddl: list[str], sql: str, rows: list[tuple]) -> tuple[float, float]:
    """(wall, CPU) seconds of one executemany transaction into a fresh file."""
    import sqlite3

    for leftover in db.parent.glob(db.name + "*"):
        leftover.unlink()
    conn = sqlite3.connect(str(db), isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    for statement in ddl:
        conn.execute(statement)
    wall, cpu = time.perf_counter(), time.process_time()
    conn.execute("BEGIN")
    conn.executemany(sql, rows)
    conn.execute("COMMIT")
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    conn.close()
    for leftover in db.parent.glob(db.name + "*"):
        leftover.unlink()
    return wall, cpu


def store_floors(lines: Path, tmp: Path) -> dict[str, tuple[float, float]]:
    """{part: (wall, CPU)} of the store's parts, each alone (see above)."""
    ddl = _store_ddl(tmp)
    db = tmp / "parts.db"
    found: dict[str, tuple[float, float]] = {}
    sql, rows = _component_rows(lines, "examples")
    found["rows"] = _timed_insert(db, ddl["examples"], sql, rows)
    found["rows + indexes"] = _timed_insert(db, ddl["examples"] + ddl["examples_indexes"], sql, rows)
    del rows
    sql, rows = _component_rows(lines, "example_revisions")
    found["first revisions"] = _timed_insert(db, ddl["example_revisions"], sql, rows)
    del rows
    sql, rows = _component_rows(lines, "examples_fts")
    found["full-text index"] = _timed_insert(db, ddl["examples_fts"], sql, rows)
    return found


def store_floors_report(imp_s: float, imp_cpu: float, tok_s: float, tok_cpu: float, sql_s: float,
                        parts: dict[str, tuple[float, float]]) -> None:
    """Explanatory lines beside the issue's floors and ratio (which they never replace)."""
    fts = parts["full-text index"]
    revisions = parts["first revisions"]
    rows = parts["rows + indexes"]
    store = rows[0] + revisions[0] + fts[0]
    store_cpu = rows[1] + revisions[1] + fts[1]
    print(f"  store parts, each measured alone (one transaction; not the issue's floors): examples rows "
          f"{parts['rows'][0]:.2f} s, with their indexes {rows[0]:.2f} s, first revisions "
          f"{revisions[0]:.2f} s, full-text index (FTS5) {fts[0]:.2f} s; together {store:.2f} s wall, "
          f"{store_cpu:.2f} s CPU (the SQLite floor's plain table: {sql_s:.2f} s)", flush=True)
    explained = tok_s + store
    print(f"  import {imp_s:.2f} s ({imp_cpu:.2f} s CPU) against token floor + store parts {explained:.2f} s "
          f"({tok_cpu + store_cpu:.2f} s CPU): {imp_s / explained:.2f}x wall, {imp_cpu / (tok_cpu + store_cpu):.2f}x "
          f"CPU; of the import, {fts[0]:.2f} s is the full-text index that search needs, measured alone",
          flush=True)


# ----------------------------------------------------------------------------- commands

def _tree_rss(pid: int) -> int:
    """Memory of a process and all its descendants (Linux /proc, PSS)."""
    total = 0
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(entry))
        except OSError:
            continue
    stack = [pid]
    while stack:
        current = stack.pop()
        try:
            # proportional set size: pages the forked workers share with the parent
            # (tokenizers, modules) are counted once, not once per process
            with open(f"/proc/{current}/smaps_rollup") as handle:
                for row in handle:
                    if row.startswith("Pss:"):
                        total += int(row.split()[1]) * 1024
                        break
        except OSError:
            pass
        stack.extend(children.get(current, []))
    return total


def run(args: list[str], env: dict) -> tuple[float, int, int]:
    """(seconds, peak tree RSS bytes, exit code) of one command, output discarded.
    The CPU seconds it used (workers included) are kept in CPU_USED for the report."""
    peak = 0
    start = time.perf_counter()
    with tempfile.TemporaryFile() as errors:
        proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=errors, env=env)
        done = threading.Event()

        def sample() -> None:
            nonlocal peak
            while not done.is_set():
                peak = max(peak, _tree_rss(proc.pid))
                # every 0.25 s: reading every process's page tables for PSS each 50 ms took
                # a tenth of a core from the CPU-bound command it measures (the import ran
                # 18.0 s alone and 20-22 s under the sampler); its memory rises and stays flat
                done.wait(SAMPLE_S)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
        done.set()
        sampler.join()
        proc.returncode = os.waitstatus_to_exitcode(status)
        CPU_USED[0] = usage.ru_utime + usage.ru_stime
        errors.seek(0)
        LAST_ERRORS[0] = errors.read().decode(errors="replace")
        if proc.returncode not in (0, 1):
            print(LAST_ERRORS[0][-2000:], file=sys.stderr)
    return elapsed, peak, proc.returncode


CPU_USED = [0.0]
LAST_ERRORS = [""]  # what the last command wrote to stderr
SAMPLE_S = 0.25  # seconds between memory samples of a running command
ONLY_IMPORT = False
ONLY_VALIDATE = False


def cpu_now() -> float:
    times = os.times()
    return times.user + times.system


def bench_size(n: int, env: dict, tmp: Path) -> dict:
    path = make_file(CACHE / f"chat_{n}.jsonl", n)
    size = path.stat().st_size
    # validate alone needs no SQLite floor (nor the canonical lines it inserts)
    lines = None if ONLY_VALIDATE else canonical_lines(path, CACHE / f"chat_{n}.canonical.jsonl")
    print(f"\n{n:,} examples, {size / MB:,.0f} MB", flush=True)
    cpu = cpu_now()
    tok_s, tokens = token_floor(path)
    tok_cpu = cpu_now() - cpu
    sql_s = 0.0 if lines is None else sqlite_floor(lines, tmp / f"floor_{n}.db")
    sql_cpu = cpu_now() - cpu - tok_cpu
    print(f"  token floor {tok_s:.2f} s wall, {tok_cpu:.2f} s CPU ({tokens / 1e6:.1f} M tokens); "
          f"SQLite floor {sql_s:.2f} s wall, {sql_cpu:.2f} s CPU; load average {os.getloadavg()[0]:.1f}",
          flush=True)
    print(f"  {'target':<46} {'measured':>12} {'floor':>12} {'ratio':>9}", flush=True)
    if not ONLY_IMPORT:
        val_s, val_rss, code = run([str(WORKBENCH), "validate", str(path), "--model", "gpt-4o-mini", "--json"], env)
        validate_report(n, val_s, val_rss, tok_s, code)
        validate_breakdown(path)
    else:
        val_s = val_rss = 0
    if ONLY_VALIDATE:
        return {"n": n, "validate": val_s, "validate_rss": val_rss, "token_floor": tok_s, "sqlite_floor": sql_s}
    db = tmp / f"import_{n}.db"
    imp_s, imp_rss, code = run([str(WORKBENCH), "--db", str(db), "import", str(path), "--dataset", "d"], env)
    floor = tok_s + sql_s
    report(f"import {n:,} <= 1.5x (token + SQLite floor)", f"{imp_s:.2f} s", f"{floor:.2f} s",
           f"{imp_s / floor:.2f}x", imp_s <= 1.5 * floor and code == 0)
    print(f"  import used {CPU_USED[0]:.2f} s CPU (all processes), peak memory {imp_rss / MB:.0f} MB", flush=True)
    if code != 0:  # a refused or failed import stops writing early: its time says nothing
        print(f"  the import exited with {code} (nothing committed: a full disk?); its time is not a measure; "
              f"its output: {LAST_ERRORS[0][-500:]!r}", flush=True)
    if n <= STORE_PARTS_MAX:  # the parts' rows are held in memory (about 2.5 KB an example)
        store_floors_report(imp_s, CPU_USED[0], tok_s, tok_cpu, sql_s, store_floors(lines, tmp))
    for leftover in tmp.glob(f"import_{n}.db*"):
        leftover.unlink()
    for leftover in tmp.glob(f"floor_{n}.db*"):
        leftover.unlink()
    return {"n": n, "validate": val_s, "validate_rss": val_rss, "import": imp_s, "import_rss": imp_rss,
            "token_floor": tok_s, "sqlite_floor": sql_s}


def validate_breakdown(path: Path, sample: int = 10_000) -> None:
    """Where validate's CPU goes, stage by stage, on the file's first `sample` lines, in
    this process (one core), next to the token floor's own two stages: the measured
    reason behind a ratio that is not reached."""
    from workbench.budget import tokens
    from workbench.chat import checks

    encoding = tokens.get_encoding("o200k_base")
    with open(path, "rb") as handle:
        raws = [handle.readline().rstrip(b"\n") for _ in range(sample)]
    raws = [raw for raw in raws if raw]
    stages: dict[str, float] = {}

    def timed(name: str, fn) -> None:
        start = cpu_now()
        fn()
        stages[name] = cpu_now() - start

    records: list = []
    timed("floor: json.loads", lambda: records.extend(json.loads(raw) for raw in raws))
    encode = encoding.encode_ordinary

    def floor_tokenize() -> None:
        for record in records:
            strings: list[str] = []
            _strings(record, strings)
            for text in strings:
                len(encode(text))

    timed("floor: encode every string", floor_tokenize)
    timed("parse (strict JSON, UTF-8)", lambda: [checks._parse(i + 2, raw) for i, raw in enumerate(raws)])
    timed("format checks", lambda: [checks.check_record(record, 2) for record in records])
    timed("duplicate key", lambda: [checks._duplicate_key(record) for record in records])
    tokens._memos.clear()
    timed("token count, memo cold", lambda: [tokens.count_example(record, encoding) for record in records])
    timed("token count walk, memo warm", lambda: [tokens.count_example(record, encoding) for record in records])
    tokenizing = stages["token count, memo cold"] - stages["token count walk, memo warm"]
    ours = sum(v for k, v in stages.items() if not k.startswith("floor") and k != "token count, memo cold") + tokenizing
    floor = stages["floor: json.loads"] + stages["floor: encode every string"]
    print(f"  where validate's CPU goes ({len(raws):,} lines, one core): " + ", ".join(
        f"{k} {v:.2f} s" for k, v in stages.items() if not k.startswith("floor") and k != "token count, memo cold")
        + f", tokenizing distinct strings {tokenizing:.2f} s; total {ours:.2f} s = {ours / floor:.2f}x the floor's "
        f"{floor:.2f} s (json.loads {stages['floor: json.loads']:.2f} s + encoding {stages['floor: encode every string']:.2f} s); "
        f"tokenizing is {tokenizing / ours:.0%} of validate's work, {stages['floor: encode every string'] / floor:.0%} "
        f"of the floor's", flush=True)


def validate_report(n: int, val_s: float, val_rss: int, tok_s: float, code: int) -> None:
    report(f"validate {n:,} <= 0.75x token floor", f"{val_s:.2f} s", f"{tok_s:.2f} s", f"{val_s / tok_s:.2f}x",
           val_s <= 0.75 * tok_s and code in (0, 1))
    print(f"  validate used {CPU_USED[0]:.2f} s CPU (all processes)", flush=True)
    report(f"validate {n:,} peak RSS <= 250 MB", f"{val_rss / MB:.0f} MB", "-", "-", val_rss <= 250 * MB)


def bench_start(env: dict, tmp: Path) -> None:
    small = make_file(CACHE / "chat_10.jsonl", 10)
    command = [str(WORKBENCH), "validate", str(small), "--model", "gpt-4o-mini"]
    run(command, env)  # warm-up: writes the bytecode caches an installed program has
    runs = sorted((run(command, env)[0], CPU_USED[0]) for _ in range(5))
    bare = sorted(run([sys.executable, "-c", "pass"], env)[0] for _ in range(5))
    wall, cpu = runs[2]
    report("validate start (10 lines) <= 0.3 s", f"{wall:.2f} s", f"{bare[2]:.2f} s",
           f"{wall / bare[2]:.1f}x", wall <= 0.3)
    probe = ("import time, resource; from workbench.budget import tokens; t = time.process_time();"
             "tokens.get_encoding('o200k_base'); print(time.process_time() - t)")
    encoder = float(subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True,
                                   check=True).stdout)
    print(f"  start used {cpu:.2f} s CPU; of that, tiktoken building the o200k_base encoder from its "
          f"cached ranks takes {encoder:.2f} s CPU in a fresh process (the floor's timer starts after it)", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--scale", action="store_true", help="also 1,000,000 examples (about 2 GB, long)")
    parser.add_argument("--only-import", action="store_true", help="skip validate and the start figure")
    parser.add_argument("--only-validate", action="store_true", help="skip import (validate and start only)")
    args = parser.parse_args()
    global ONLY_IMPORT, ONLY_VALIDATE
    ONLY_IMPORT = args.only_import
    ONLY_VALIDATE = args.only_validate
    sizes = [int(s) for s in args.sizes.split(",") if s]
    if args.scale and 1_000_000 not in sizes:
        sizes.append(1_000_000)
    print(f"machine: {os.cpu_count()} cores, python {sys.version.split()[0]}, cache {CACHE}")
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        env = {**os.environ, "WORKBENCH_HOME": str(tmp / "home"), "WORKBENCH_NO_SAMPLE": "1"}
        # an installed program has its bytecode cached; without this, every run would
        # compile the sources again (a sandbox may set it)
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        # a store that exists (the catalogue is read from it) and tokenizer files in place
        subprocess.run([str(WORKBENCH), "models", "list"], env=env, stdout=subprocess.DEVNULL, check=True)
        if not ONLY_IMPORT:
            bench_start(env, tmp)
        by_size = {n: bench_size(n, env, tmp) for n in sizes}
        if 100_000 in by_size and 1_000_000 in by_size:
            commands = ("import",) if ONLY_IMPORT else ("validate",) if ONLY_VALIDATE else ("validate", "import")
            for command in commands:
                small, large = by_size[100_000], by_size[1_000_000]
                growth = (large[command] / 1_000_000) / (small[command] / 100_000)
                report(f"{command} time per example 100k -> 1M <= 1.15x", f"{growth:.2f}x", "1.00x",
                       f"{growth:.2f}", growth <= 1.15)
                rss = large[f"{command}_rss"] / max(1, small[f"{command}_rss"])
                report(f"{command} peak RSS 100k -> 1M flat (<= 1.15x)", f"{large[f'{command}_rss'] / MB:.0f} MB",
                       f"{small[f'{command}_rss'] / MB:.0f} MB", f"{rss:.2f}x", rss <= 1.15)
        shutil.rmtree(tmp / "home", ignore_errors=True)
    failed = [r for r in results if not r[4]]
    print(f"\n{len(results) - len(failed)} PASS, {len(failed)} FAIL")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
