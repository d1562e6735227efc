"""The risk register and the audit viewer, through the CLI on a real store."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from workbench.workspace import open_store

WORKBENCH = [sys.executable, "-m", "workbench.cli"]


def cli(db, *args) -> subprocess.CompletedProcess:
    return subprocess.run([*WORKBENCH, "--db", str(db), *map(str, args)], capture_output=True, text=True,
                          timeout=120, env=os.environ.copy())


def test_sample_workspace_has_the_typical_risks(tmp_path):
    store = open_store(tmp_path / "s.db", seed_sample=True)
    titles = {r["title"] for r in store.risks.list()}
    assert {"PII leakage", "Regression on refusals", "Base model retirement",
            "Provider shutdown of fine-tuning"} <= titles
    store.close()


def test_risks_and_audit_from_the_command_line(tmp_path):
    db = tmp_path / "g.db"
    added = cli(db, "risks", "add", "Label drift", "--severity", "high", "--owner", "ann")
    assert added.returncode == 0, added.stderr
    risk_id = added.stdout.split()[1]
    bad = cli(db, "risks", "link", risk_id, "rating_session", "no-such-session")
    assert bad.returncode == 2 and "No rating session 'no-such-session'" in bad.stderr
    assert cli(db, "risks", "link", risk_id, "link", "https://example.org/memo").returncode == 0
    assert cli(db, "risks", "update", risk_id, "--status", "mitigating").returncode == 0
    rows = json.loads(cli(db, "risks", "list", "--json").stdout)
    assert [(r["title"], r["status"], r["evidence_count"]) for r in rows] == [("Label drift", "mitigating", 1)]
    assert json.loads(cli(db, "risks", "list", "--status", "closed", "--json").stdout) == []
    log = json.loads(cli(db, "audit", "--action", "risks", "--json").stdout)
    assert [e["action"] for e in log] == ["risk_update", "risk_evidence", "risk_add"]
    assert log[0]["details"] == {"status": {"from": "open", "to": "mitigating"}}
    assert json.loads(cli(db, "audit", "--search", "mitigating", "--json").stdout)[0]["action"] == "risk_update"
    assert "until must be a date" in cli(db, "audit", "--until", "yesterday").stderr


def test_audit_action_filter_is_a_literal_prefix(store):
    """`_` and `%` in the prefix are characters, not LIKE wildcards."""
    store.audit("pii_scan", "dataset", "d1")
    store.audit("piiXscan", "dataset", "d2")
    store.audit("100%_done", "dataset", "d3")
    assert [e["action"] for e in store.audit_log.entries(action="pii_")] == ["pii_scan"]
    assert [e["action"] for e in store.audit_log.entries(action="100%")] == ["100%_done"]
    assert store.audit_log.entries(action="10%d") == []
