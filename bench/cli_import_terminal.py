"""Done-when check of issue 18: `workbench import` of 100k examples in a terminal.

Generates a JSONL file (every 10th example without a system message, like the file in
the issue, so 10% of the lines carry the same warning), runs the real `workbench
import` with stderr on a pseudo-terminal and stdout on a pipe, and reports what a user
sees: whether the live bar appeared, how many distinct frames it drew, whether it
showed a rate and an ETA, the exit code, and how many lines the final summary has.

    .venv/bin/python bench/cli_import_terminal.py [--n 100000]

Not a ratio benchmark (run_all.py skips it): it checks behaviour, prints figures, and
exits 1 when the bar never showed an ETA or the summary is longer than 20 lines.
"""

from __future__ import annotations

import argparse
import json
import os
import pty
import re
import select
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
ETA = re.compile(r"eta (\d+:\d\d:\d\d)")


def write_examples(path: Path, n: int) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        for i in range(n):
            messages = [] if i % 10 == 7 else [{"role": "system", "content": "You are Aurora Assist."}]
            messages += [{"role": "user", "content": f"Where is order AUR-{i}? It was due on day {i % 28 + 1}."},
                         {"role": "assistant", "content": f"Order AUR-{i} ships tomorrow; tracking follows."}]
            handle.write(json.dumps({"messages": messages}) + "\n")


def run_in_terminal(args: list[str], env: dict) -> tuple[int, str, str]:
    """Run with stderr on a pty (100 columns) and stdout on a pipe; (code, stderr, stdout)."""
    import fcntl
    import struct
    import termios

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=slave, stdin=subprocess.DEVNULL, env=env)
    os.close(slave)
    chunks = []
    while True:
        ready, _, _ = select.select([master], [], [], 0.5)
        if ready:
            try:
                data = os.read(master, 65536)
            except OSError:  # the child closed its end
                break
            if not data:
                break
            chunks.append(data)
        elif proc.poll() is not None:
            break
    stdout = proc.stdout.read().decode()
    code = proc.wait()
    os.close(master)
    return code, b"".join(chunks).decode(errors="replace"), stdout


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=100_000)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "support.jsonl"
        write_examples(data, options.n)
        size = data.stat().st_size
        env = {**os.environ, "WORKBENCH_HOME": str(Path(tmp) / "home"), "COLUMNS": "100"}
        start = time.perf_counter()
        code, terminal, stdout = run_in_terminal(
            [sys.executable, "-m", "workbench.cli", "--db", str(Path(tmp) / "s.db"), "import", str(data),
             "--dataset", "support"], env)
        seconds = time.perf_counter() - start
    frames = [ANSI.sub("", f).strip() for f in re.split(r"\r|\x1b\[2K|\x1b\[1A", terminal)]
    frames = [f for f in frames if "importing" in f]
    etas = {m.group(1) for f in frames for m in [ETA.search(f)] if m}
    summary = stdout.rstrip("\n").splitlines()
    print(f"examples: {options.n:,}; {size:,} bytes; exit {code}; "
          f"{seconds:.1f} s wall")
    print(f"bar frames drawn: {len(set(frames))}; distinct ETA values shown: {len(etas)} "
          f"(e.g. {sorted(etas)[:3]}); rate shown: {any('/s' in f for f in frames)}")
    print(f"last frame: {frames[-1] if frames else '(none)'}")
    print(f"summary lines on stdout: {len(summary)}")
    print("\n".join(f"  | {line}" for line in summary))
    return 0 if etas and len(summary) <= 20 and code == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
