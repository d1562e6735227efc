"""Progress on stderr for the commands that can take more than a second.

`progress_bar(...)` gives a callback `(done, total)` that the features already accept
(`import_file(progress=)`, `scan_dataset(progress=)`, `validate_path(progress=)`). When
stderr is a terminal it drives a rich progress bar (description, bar, count, rate,
ETA); otherwise it is a no-op, so pipes and CI logs stay clean. Rich honours NO_COLOR
and TERM=dumb by itself.

Ctrl+C is not caught here: KeyboardInterrupt unwinds through the features, whose
transactions roll back (and whose partial files are discarded), then `main` prints
one line, "cancelled, nothing written", and exits 130. Leaving the `with` block on
any exception stops the live display first, so that line is not drawn over.
"""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

#: Units a bar can count in; bytes get human sizes (kB, MB) and a transfer rate.
UNITS = ("items", "lines", "examples", "texts", "bytes")

Callback = Callable[[int, int], None]


def stderr_is_terminal() -> bool:
    """True when a person is watching stderr (a bar helps), False for pipes and logs.
    WORKBENCH_PROGRESS=0/1 overrides, for people who want a bar in `script` logs or none."""
    forced = os.environ.get("WORKBENCH_PROGRESS")
    if forced in ("0", "1"):
        return forced == "1"
    try:
        return sys.stderr.isatty() and os.environ.get("TERM") != "dumb"
    except (AttributeError, ValueError):  # a closed or replaced stderr
        return False


def _noop(done: int, total: int | None = None) -> None:  # noqa: ARG001 - the callback's signature
    return None


def _columns(unit: str) -> list:
    from rich.progress import (BarColumn, DownloadColumn, MofNCompleteColumn, TaskProgressColumn,
                               TextColumn, TimeElapsedColumn, TimeRemainingColumn, TransferSpeedColumn)

    if unit == "bytes":
        count, rate = DownloadColumn(), TransferSpeedColumn()
    else:
        count, rate = MofNCompleteColumn(), TextColumn("{task.fields[rate]}")
    return [TextColumn("{task.description}"), BarColumn(bar_width=None), TaskProgressColumn(), count, rate,
            TextColumn("eta"), TimeRemainingColumn(), TextColumn("elapsed"), TimeElapsedColumn()]


def _rate_text(task, unit: str) -> str:
    speed = task.speed
    return f"{speed:,.0f} {unit}/s" if speed else f"? {unit}/s"


@contextmanager
def progress_bar(description: str, unit: str = "items", total: int | None = None,
                 enabled: bool | None = None) -> Iterator[Callback]:
    """A `(done, total)` callback drawing a bar on stderr while the block runs.

    `total` may be given up front or with each call (the features pass it). With
    `enabled=None` the bar shows only when stderr is a terminal."""
    if unit not in UNITS:
        raise ValueError(f"unit must be one of {UNITS}")
    if not (stderr_is_terminal() if enabled is None else enabled):
        yield _noop
        return
    from rich.console import Console
    from rich.progress import Progress

    console = Console(stderr=True)
    # transient: the bar disappears when done; the summary that follows is what stays.
    with Progress(*_columns(unit), console=console, transient=True, refresh_per_second=8,
                  speed_estimate_period=10.0) as bar:
        task = bar.add_task(description, total=total, rate="")

        def update(done: int, new_total: int | None = None) -> None:
            bar.update(task, completed=done, total=new_total if new_total else bar.tasks[task].total)
            if unit != "bytes":
                bar.update(task, rate=_rate_text(bar.tasks[task], unit))

        yield update
        # a fast run can end between two refreshes: draw the final count once before the
        # (transient) bar goes, so the person watching sees what was done
        bar.refresh()


@contextmanager
def spinner(description: str, enabled: bool | None = None) -> Iterator[None]:
    """An elapsed-time spinner for steps that report no progress of their own."""
    if not (stderr_is_terminal() if enabled is None else enabled):
        yield
        return
    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                  console=Console(stderr=True), transient=True) as bar:
        bar.add_task(description, total=None)
        yield


def count_lines(path: Path, block: int = 1 << 20) -> int:
    """Physical lines in a file, counted in 1 MB blocks (about 0.1 s per 100 MB): the
    total that lets a line-counting bar show an ETA."""
    lines, last = 0, b"\n"
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(block), b""):
            lines += chunk.count(b"\n")
            last = chunk[-1:]
    return lines + (last != b"\n")


def file_size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0
