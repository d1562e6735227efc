#!/usr/bin/env python3
"""The two quick-start commands: `python3 tasks.py app` and `python3 tasks.py test`.

Both create (or refresh, when pyproject.toml changed) a virtualenv in .venv and run
inside it, so a fresh machine needs nothing but Python >= 3.10.

    python3 tasks.py app [workbench args...]   open the workbench on the default store
    python3 tasks.py test [pytest args...]     run the whole test suite
    python3 tasks.py bench                     run the benchmarks in bench/
    python3 tasks.py mutate [mutmut args...]   mutation testing of the rule modules (long; not in CI)
    python3 tasks.py mutate module PATH...     the same, one module at a time (only mutants not run yet)
    python3 tasks.py mutate report             killed/survived per module from the last runs

Only the standard library is used here: this file runs before any dependency exists.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
STAMP = VENV / ".ft-workbench-installed"


def venv_python() -> Path:
    if os.name == "nt":
        return VENV / "Scripts" / "python.exe"
    return VENV / "bin" / "python"


def requirements_fingerprint() -> str:
    """Changes whenever what the venv should hold changes."""
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes())
    digest.update(sys.version.encode())
    return digest.hexdigest()


LOCK = ROOT / ".venv.lock"


def lock_venv():
    """Hold an exclusive lock on .venv.lock until the returned file is closed, so that two
    first runs at once (`tasks.py app` in one terminal, `tasks.py test` in another) do not
    both build .venv: the second waits and then finds it ready."""
    handle = open(LOCK, "a+b")
    if os.name == "nt":
        import msvcrt

        lock = lambda blocking: msvcrt.locking(handle.fileno(), msvcrt.LK_LOCK if blocking else msvcrt.LK_NBLCK, 1)  # noqa: E731
    else:
        import fcntl

        lock = lambda blocking: fcntl.flock(handle, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))  # noqa: E731
    try:
        lock(False)
    except OSError:
        print("Another tasks.py is setting up .venv; waiting for it ...", flush=True)
        lock(True)
    return handle


def ensure_venv() -> Path:
    """Create .venv if missing and (re)install the project when pyproject.toml changed."""
    if sys.version_info < (3, 10):
        sys.exit(f"ft-workbench needs Python 3.10 or newer; this is {sys.version.split()[0]}.")
    with lock_venv():
        return _ensure_venv_locked()


def _ensure_venv_locked() -> Path:
    python = venv_python()
    if not python.exists():
        print(f"Creating virtualenv in {VENV} ...", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    wanted = requirements_fingerprint()
    if not STAMP.exists() or STAMP.read_text() != wanted:
        print("Installing ft-workbench and its dependencies into .venv ...", flush=True)
        pip = [str(python), "-m", "pip", "--disable-pip-version-check"]
        subprocess.run([*pip, "install", "--quiet", "--upgrade", "pip"], check=True)
        subprocess.run([*pip, "install", "--quiet", "-e", f"{ROOT}[test]"], check=True)
        STAMP.write_text(wanted)
    return python


def keyring_wrapper() -> list[str]:
    """Run tests inside a private D-Bus session with an unlocked GNOME keyring when the
    machine has them, so keyring tests talk to a real Secret Service."""
    if os.environ.get("WORKBENCH_IN_DBUS") == "1":
        return []
    if shutil.which("dbus-run-session") and shutil.which("gnome-keyring-daemon"):
        return ["dbus-run-session", "--", str(venv_python()), str(ROOT / "tests" / "keyring_session.py")]
    return []

#: mutmut's exit codes per mutant (mutmut/stats.py), grouped the way docs/testing.md reports them.
MUTANT_STATUS = {1: "killed", 3: "killed", 37: "killed", 0: "survived", 5: "no tests", 33: "no tests",
                 36: "timeout", -24: "timeout", 24: "timeout", 152: "timeout", 255: "timeout", None: "not run"}


def mutate(python: Path, rest: list[str], env: dict) -> int:
    """`mutate` runs mutmut (all rule modules, or the given mutant names/globs);
    `mutate module PATH...` runs one module at a time, only its mutants not run yet, so a
    long run can be done in pieces; `mutate report` prints the per-module table."""
    if rest[:1] == ["report"]:
        print(mutation_report())
        return 0
    # mutmut is a tool for developers, not a dependency of the app or its tests.
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "mutmut>=3.3,<4"], check=True)
    # inside the throwaway keyring, as `test` runs: the keyring tests of the selection run too
    mutmut = [*keyring_wrapper(), str(python), "-m", "mutmut"]
    if rest[:1] == ["module"]:
        code = 0
        for module in rest[1:]:
            pending = [name for name, exit_code in mutant_results(module).items() if exit_code is None]
            if pending or not mutant_results(module):
                # an empty name list would mean "every mutant": a first run mutates everything
                code |= subprocess.call([*mutmut, "run", "--max-children", "2", *pending], cwd=ROOT, env=env)
            print(mutation_report(), flush=True)
        return code
    code = subprocess.call([*mutmut, *(rest or ["run", "--max-children", "2"])], cwd=ROOT, env=env)
    print(mutation_report())
    return code


def mutant_results(module: str) -> dict[str, int | None]:
    """Exit code per mutant of one source file, from mutmut's mutants/<file>.meta."""
    meta = ROOT / "mutants" / f"{module}.meta"
    if not meta.exists():
        return {}
    return json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"]


def mutation_report() -> str:
    """Per module: mutants, killed, survived, no tests, timeout, not run, equivalent (listed
    with why in docs/mutation/equivalent.json) and the score: killed / (run - equivalent)."""
    # equivalent.json plus one equivalent-<topic>.json per piece of work, so two people
    # classifying survivors at once never edit the same file
    equivalent: set[str] = set()
    for listed in sorted((ROOT / "docs" / "mutation").glob("equivalent*.json")):
        equivalent |= set(json.loads(listed.read_text(encoding="utf-8")))
    rows = ["module | mutants | killed | survived | no tests | timeout | not run | equivalent | score %",
            "--- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---:"]
    for meta in sorted((ROOT / "mutants").rglob("*.py.meta")):
        module = meta.relative_to(ROOT / "mutants").as_posix()[: -len(".meta")]
        counts = {"killed": 0, "survived": 0, "no tests": 0, "timeout": 0, "not run": 0}
        same = 0
        for name, exit_code in mutant_results(module).items():
            status = MUTANT_STATUS.get(exit_code, "survived")  # suspicious/segfault: not a kill
            counts[status] += 1
            same += status in ("survived", "no tests") and name in equivalent
        total = sum(counts.values())
        run = total - counts["not run"] - same
        score = f"{100 * counts['killed'] / run:.1f}" if run else "-"
        rows.append(f"{module} | {total} | {counts['killed']} | {counts['survived']} | {counts['no tests']} | "
                    f"{counts['timeout']} | {counts['not run']} | {same} | {score}")
    return "\n".join(rows)


def main(argv: list[str]) -> int:
    if not argv or argv[0] in {"-h", "--help", "help"}:
        print(__doc__)
        return 0
    command, rest = argv[0], argv[1:]
    python = ensure_venv()
    env = dict(os.environ)
    if command == "app":
        workbench = python.parent / ("workbench.exe" if os.name == "nt" else "workbench")
        return subprocess.call([str(workbench), *rest], env=env)
    if command == "test":
        pytest = [str(python), "-m", "pytest", *rest]
        wrapper = keyring_wrapper()
        return subprocess.call([*wrapper, *pytest] if wrapper else pytest, cwd=ROOT, env=env)
    if command == "mutate":
        return mutate(python, rest, env)
    if command == "bench":
        return subprocess.call([str(python), str(ROOT / "bench" / "run_all.py"), *rest], cwd=ROOT, env=env)
    print(f"unknown command {command!r}\n{__doc__}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
