"""Progress on stderr as a user sees it: the real program under a pseudo-terminal shows a
live bar; through a pipe it prints nothing extra; NO_COLOR drops colour; Ctrl+C stops
an import with one line, exit 130 and nothing written."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import re
import select
import signal
import struct
import subprocess
import termios

from conftest import chat, write_jsonl
from test_cli import WORKBENCH, run

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
COLOUR = re.compile(r"\x1b\[[0-9;]*3[0-9](;[0-9]+)*m|\x1b\[38;")


def examples(path, n: int, every_nth_without_system: int = 10):
    return write_jsonl(path, [chat(f"question {i}", f"answer {i}",
                                   system=None if i % every_nth_without_system == 7 else "You are Aurora Assist.")
                              for i in range(n)])


class Terminal:
    """The program with stderr on a pty (100x30) and stdout on a pipe."""

    def __init__(self, *args, env=None):
        self.master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
        environ = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "WORKBENCH_PROGRESS")}
        environ.update({"TERM": "xterm-256color", "COLUMNS": "100", **(env or {})})
        self.proc = subprocess.Popen([*WORKBENCH, *map(str, args)], stdout=subprocess.PIPE, stderr=slave,
                                     stdin=subprocess.DEVNULL, env=environ)
        os.close(slave)
        self.seen = b""

    def read_until(self, predicate, timeout: float = 120) -> bool:
        """Read stderr until predicate(text so far) holds or the program ends."""
        while not predicate(self.text):
            ready, _, _ = select.select([self.master], [], [], timeout)
            if not ready:
                return False
            try:
                data = os.read(self.master, 65536)
            except OSError:  # the program closed its end
                return predicate(self.text)
            if not data:
                return predicate(self.text)
            self.seen += data
        return True

    @property
    def text(self) -> str:
        return self.seen.decode(errors="replace")

    def finish(self) -> tuple[int, str]:
        self.read_until(lambda _: False, timeout=60)
        stdout = self.proc.stdout.read().decode()
        code = self.proc.wait(timeout=120)
        os.close(self.master)
        return code, stdout


def test_terminal_sees_a_progress_bar_with_count_rate_and_eta(tmp_path):
    data = examples(tmp_path / "d.jsonl", 3000)
    term = Terminal("--db", tmp_path / "s.db", "import", data, "--dataset", "d")
    code, stdout = term.finish()
    plain = ANSI.sub("", term.text)
    assert code == 0, stdout + plain
    assert "importing d.jsonl" in plain and "eta" in plain and "elapsed" in plain
    assert re.search(r"\d+(\.\d+)?/\d+(\.\d+)? [kM]?B", plain), plain  # the count (bytes read)
    assert "/s" in plain  # the rate
    assert "Imported 3000 examples" in stdout
    # the summary, not a line per finding: 300 warnings, 3 example lines
    assert len(stdout.splitlines()) <= 20 and "... and 297 more" in stdout


def test_validate_shows_a_line_counting_bar_in_a_terminal(tmp_path):
    # big enough for several byte ranges (validate splits the file over the cores and
    # reports as each range is merged)
    data = examples(tmp_path / "v.jsonl", 60000)
    term = Terminal("validate", data)
    code, stdout = term.finish()
    plain = ANSI.sub("", term.text)
    assert code == 0, stdout + plain
    assert "validating v.jsonl" in plain and "/60000" in plain and "lines/s" in plain


def test_a_pipe_gets_no_progress_and_no_escape_codes(tmp_path):
    data = examples(tmp_path / "d.jsonl", 1500)
    out = run("--db", tmp_path / "s.db", "import", data, "--dataset", "d", env={"TERM": "xterm-256color"})
    assert out.returncode == 0, out.stderr
    assert out.stderr == ""
    assert "\x1b[" not in out.stdout and "\r" not in out.stdout
    validated = run("validate", data)
    assert validated.stderr == "" and "\x1b[" not in validated.stdout


def test_no_color_keeps_the_bar_but_drops_colour(tmp_path):
    data = examples(tmp_path / "d.jsonl", 2000)
    coloured = Terminal("validate", data)
    coloured.finish()
    assert COLOUR.search(coloured.text), "the bar should be coloured without NO_COLOR"
    plain = Terminal("validate", data, env={"NO_COLOR": "1"})
    code, _ = plain.finish()
    assert code == 0
    assert "validating d.jsonl" in ANSI.sub("", plain.text)
    assert not COLOUR.search(plain.text), repr(plain.text[:400])


def test_ctrl_c_during_an_import_writes_nothing_and_exits_130(tmp_path):
    data = examples(tmp_path / "big.jsonl", 40_000)
    db = tmp_path / "s.db"
    assert run("--db", db, "datasets").returncode == 0  # the store exists, empty
    term = Terminal("--db", db, "import", data, "--dataset", "big")
    # Wait until the bar has counted some bytes: the import is under way.
    assert term.read_until(lambda text: re.search(r"\b[1-9][0-9.]*/[0-9.]+ MB", ANSI.sub("", text)))
    term.proc.send_signal(signal.SIGINT)
    code, stdout = term.finish()
    plain = ANSI.sub("", term.text)
    assert code == 130, plain
    assert plain.strip().splitlines()[-1].strip() == "cancelled, nothing written"
    assert "Traceback" not in plain and stdout == ""
    listed = json.loads(run("--db", db, "datasets", "--json").stdout)
    assert all(row["name"] != "big" for row in listed)
    # and the store is usable afterwards: the same import runs to the end
    assert run("--db", db, "import", data, "--dataset", "big", "--show", "0").returncode == 0
