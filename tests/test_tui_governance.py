"""The Governance mode (key 7): risk register and audit log, driven with Pilot on a real store."""

from __future__ import annotations

from screens.app import make_app
from screens.governance import GovernanceScreen
from workbench.governance.risks import add_risk, seed_typical_risks


async def test_key_7_shows_the_register_filters_and_the_audit_log(store):
    seed_typical_risks(store, owner="ml-team")
    add_risk(store, "Label drift", severity="low", actor="ann")
    app = make_app(store)
    app.cursor_blink = False
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("7")
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, GovernanceScreen)
        assert [r["title"] for r in screen.rows][0] == "PII leakage"  # critical first
        assert len(screen.rows) == 5
        await pilot.press("slash", *"retire")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert [r["title"] for r in screen.rows] == ["Base model retirement"]
        await pilot.press("enter", "s")  # back to the table; next status
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert store.risks.get("Base model retirement")["status"] == "mitigating"
        await pilot.press("escape", "v")
        await pilot.press("slash", *"risk_update", "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert screen.view == "audit"
        assert [r["action"] for r in screen.rows] == ["risk_update"]
        assert "v risk register" in str(app.screen.query_one("#governance-title").render())
