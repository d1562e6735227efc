"""Ctrl+C during a parallel PII scan stops it with no traceback from the worker
processes (issue 19): the terminal sends SIGINT to the whole process group, the workers
ignore it, and the parent, which owns the scan, stops it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

SCRIPT = '''
import sys
from workbench.pii import build_analyzer
from workbench.pii.parallel import iter_analyze_many

if __name__ == "__main__":
    analyzer = build_analyzer()
    print("built", flush=True)
    items = [("Bel Sanne de Vries op 06-12345678, mail sanne@example.nl. " * 20, "nl")] * 200_000
    try:
        for index, _ in iter_analyze_many(analyzer.config, items, workers=2, chunk_size=64, analyzer=analyzer):
            if index == 64:
                print("started", flush=True)
    except KeyboardInterrupt:
        print("interrupted", flush=True)
        sys.exit(130)
    print("finished", flush=True)
'''


@pytest.mark.skipif(os.name != "posix", reason="process groups and SIGINT to a group are POSIX")
@pytest.mark.parametrize("after, delay", [
    ("built", 0.3),     # the workers are still starting (importing): the traceback came from here
    ("started", 0.5),   # both workers busy with a chunk
])
def test_ctrl_c_during_a_parallel_scan_prints_no_worker_traceback(tmp_path, after, delay):
    script = tmp_path / "scan.py"
    script.write_text(SCRIPT)
    process = subprocess.Popen([sys.executable, str(script)], cwd=ROOT, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, start_new_session=True,
                               env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        while (line := process.stdout.readline()) and line.strip() != after:
            pass
        time.sleep(delay)
        os.killpg(process.pid, signal.SIGINT)  # what Ctrl+C in a terminal does
        stdout, stderr = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    assert "interrupted" in stdout
    assert process.returncode == 130
    assert "Traceback" not in stderr and "KeyboardInterrupt" not in stderr, stderr
