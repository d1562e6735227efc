"""Child process of the SIGKILL test: reconcile, then launch jobs until killed.

argv: DB VERSION_REF [--finish]. The key comes from OPENAI_API_KEY.
"""

from __future__ import annotations

import sys

from workbench.jobs import launch, plan_launch, reconcile
from workbench.workspace import open_store


def main() -> None:
    store = open_store(sys.argv[1])
    reconcile(store)
    if "--finish" in sys.argv:
        return
    # A first preflight loads the tokenizer (a second or more): "ready" means launching
    # starts now, so the parent's random kills land across the launch's steps.
    plan_launch(store, sys.argv[2], "oa", "gpt-4.1-mini-2025-04-14")
    print("ready", flush=True)
    while True:
        launch(store, plan_launch(store, sys.argv[2], "oa", "gpt-4.1-mini-2025-04-14"), confirmed=True)


if __name__ == "__main__":
    main()
