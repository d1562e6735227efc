"""Inside `dbus-run-session`: unlock a throwaway GNOME keyring, then exec the command.

tasks.py runs the test suite through this so keyring tests talk to a real Secret
Service daemon. The keyring lives in a temporary XDG data dir, never the user's.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile


def start_keyring() -> None:
    data_home = tempfile.mkdtemp(prefix="wb-keyring-")
    os.environ["XDG_DATA_HOME"] = data_home
    try:
        out = subprocess.run(
            ["gnome-keyring-daemon", "--unlock", "--components=secrets"],
            input=b"test-password\n",
            capture_output=True,
            timeout=20,
            check=False,
        ).stdout.decode()
    except (OSError, subprocess.TimeoutExpired) as exc:
        print(f"keyring_session: gnome-keyring-daemon did not start ({exc}); keyring tests will skip")
        return
    for line in out.splitlines():
        key, _, value = line.partition("=")
        if key and value:
            os.environ[key] = value
    os.environ["WORKBENCH_REAL_KEYRING"] = "1"


if __name__ == "__main__":
    start_keyring()
    os.environ["WORKBENCH_IN_DBUS"] = "1"
    os.execvp(sys.argv[1], sys.argv[1:])
