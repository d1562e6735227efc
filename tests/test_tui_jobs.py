"""The Jobs mode, driven with Pilot on a real store: the sample workspace's finished job
with its curves at 80x24, a running job followed by the app's one poller over real HTTP
(scripted server) to its end with a notification, and cancel."""

from __future__ import annotations

import pytest

from screens.app import JobPolled, make_app
from screens.jobs import JobsScreen, summary_text
from tests.conftest import many_chats, write_jsonl
from tests.servers.scripted import ScriptedServer
from workbench.jobs import launch, plan_launch
from workbench.providers import add_provider
from workbench.workspace import seed_sample_job

KEY = "sk-jobsui-PLANTED-5c1d"
BASE = "gpt-4.1-mini-2025-04-14"


@pytest.fixture
def server():
    with ScriptedServer(key=KEY) as srv:
        yield srv


@pytest.fixture
def running_job(store, tmp_path, server, monkeypatch):
    """A job launched from a frozen version at the scripted server (not finished yet)."""
    from tests.test_jobs import freeze

    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    add_provider(store, "oa", "openai", base_url=server.url)
    freeze(store, tmp_path)
    return launch(store, plan_launch(store, "ds@1", "oa", BASE, hyperparameters={"n_epochs": 2}), confirmed=True)


async def settle(app, pilot) -> None:
    """Wait for the screen's workers (not the app's poller, which may be between polls)."""
    from textual.worker import WorkerCancelled

    for _ in range(5):
        try:
            others = [w for w in app.workers if w.group != "job-monitor"]
            if others:  # an empty list would mean "every worker"
                await app.workers.wait_for_complete(others)
            break
        except WorkerCancelled:
            continue
    await pilot.pause()


async def open_jobs(app, pilot) -> JobsScreen:
    await pilot.press("3")
    await pilot.pause()
    await settle(app, pilot)
    assert isinstance(app.screen, JobsScreen)
    return app.screen


def text_of(screen, selector: str) -> str:
    return str(screen.query_one(selector).render())


async def test_sample_job_shows_curves_events_and_hyperparameters_at_80x24(store):
    seed_sample_job(store)
    app = make_app(store)
    app.cursor_blink = False
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_jobs(app, pilot)
        assert len(screen.jobs) == 1 and screen.jobs[0]["status"] == "succeeded"
        assert len(screen.detail["metrics"]) == 180
        summary = text_of(screen, "#job-summary")
        assert "SUCCEEDED" in summary and "hyperparameters" in summary and "n_epochs" in summary
        assert screen.query_one("#job-curves").display
        assert "Events (" in text_of(screen, "#job-events")
        row = screen.query_one("#jobs-table").get_row_at(0)
        assert row[0].startswith("succeeded") and row[1] == "openai-sample"
        assert "c cancel" in text_of(screen, "#jobs-status")
        # nothing runs: the app's poller is not running
        assert not any(w.group == "job-monitor" and not w.is_finished for w in app.workers)


async def test_running_job_is_followed_to_its_end_with_a_notification(store, running_job, server):
    messages, notices = [], []
    app = make_app(store)
    app.cursor_blink = False
    app.job_poll_seconds = 0.05
    original = app.notify
    app.notify = lambda message, *a, **k: (notices.append(message), original(message, *a, **k))[1]
    async with app.run_test(size=(80, 24), message_hook=messages.append) as pilot:
        screen = await open_jobs(app, pilot)
        for _ in range(200):  # rounds, not seconds: the scripted job ends after six polls
            if any(isinstance(m, JobPolled) and m.result.ended for m in messages):
                break
            await pilot.pause(0.05)
        await settle(app, pilot)
        assert any(f"Job {running_job['id'][:8]}" in n and "succeeded" in n for n in notices)
        assert screen.detail["id"] == running_job["id"]
        assert screen.detail["status"] == "succeeded" and screen.detail["metrics"]
        assert "SUCCEEDED" in text_of(screen, "#job-summary")
        assert screen.query_one("#job-curves").display
        assert len(server.requests("GET /v1/fine_tuning/jobs/")) >= 5


async def test_cancel_asks_then_cancels_at_the_provider(store, running_job, server):
    app = make_app(store)
    app.cursor_blink = False
    app.job_poll_seconds = 600  # one poll at start, then the job stays where it is
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_jobs(app, pilot)
        await pilot.press("c")
        await pilot.pause()
        assert type(app.screen).__name__ == "ConfirmDialog"
        await pilot.press("y")
        await settle(app, pilot)
        assert store.jobs.get_job(running_job["id"])["status"] == "cancelled"
        assert server.requests("POST /v1/fine_tuning/jobs/")
        assert screen.jobs[0]["status"] == "cancelled"
        await pilot.press("c")  # a final job: nothing to ask
        await pilot.pause()
        assert isinstance(app.screen, JobsScreen)


def test_a_failure_reads_in_plain_words():
    detail = {"id": "j1", "status": "failed", "provider_name": "oa", "provider_job_id": "ftjob-1",
              "raw_status": "failed", "base_model": BASE, "method": "supervised", "hyperparameters": {},
              "error": {"code": "invalid_training_file", "message": "Line 3 has no assistant message."}}
    text = str(summary_text(detail))
    assert "FAILED" in text and "Line 3 has no assistant message." in text


@pytest.mark.skipif(__import__("os").environ.get("WORKBENCH_REAL_KEYRING") != "1",
                    reason="needs the real gnome-keyring under dbus-run-session (tasks.py test)")
async def test_provider_and_key_from_the_jobs_screen_never_echo_the_key(store, tmp_path):
    from workbench.providers import get_provider
    from workbench.providers import keys as provider_keys

    secret = "tg-PLANTED-jobsui-key-31337"
    app = make_app(store)
    app.cursor_blink = False
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await open_jobs(app, pilot)
            await pilot.press("p")
            await pilot.pause()
            assert type(app.screen).__name__ == "ProviderDialog"
            app.screen.query_one("#provider-name").value = "tog-ui"
            app.screen.query_one("#provider-key").focus()
            await pilot.press(*secret)
            assert secret not in app.export_screenshot()  # a password field: dots, not the key
            await pilot.press("enter")
            await settle(app, pilot)
            assert secret not in app.export_screenshot()
        assert get_provider(store, "tog-ui")["kind"] == "together"
        assert provider_keys.get_key("tog-ui", "together") == secret
        for path in tmp_path.rglob("*"):  # the key never reaches the store file or the workspace home
            if path.is_file():
                assert secret.encode() not in path.read_bytes(), path
    finally:
        provider_keys.delete_key("tog-ui", "together")


@pytest.fixture
def frozen(store, tmp_path, server, monkeypatch):
    """A provider at the scripted server and a frozen, scanned version; no job yet."""
    from tests.test_jobs import freeze

    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    add_provider(store, "oa", "openai", base_url=server.url)
    return freeze(store, tmp_path)


async def fill_launch_form(app, pilot, **fields) -> None:
    """Open the launch form with l and type into its fields."""
    await pilot.press("l")
    await settle(app, pilot)
    assert type(app.screen).__name__ == "LaunchDialog"
    for widget in app.screen.query("Input, Select, Checkbox"):  # every control on screen at 80x24
        assert widget.region.height == 1 and widget.region.bottom <= 24, widget.id
    for field_id, value in fields.items():
        app.screen.query_one(f"#{field_id}").value = value
    app.screen.query_one("#launch-epochs").focus()
    await pilot.press("enter")
    await settle(app, pilot)


def app_recording_notices(store):
    """The app (jobs polled rarely) and the list every notice it shows is appended to."""
    notices = []
    app = make_app(store)
    app.cursor_blink = False
    app.job_poll_seconds = 600
    original = app.notify
    app.notify = lambda message, *a, **k: (notices.append(message), original(message, *a, **k))[1]
    return app, notices


async def test_launch_from_the_jobs_mode_shows_the_cost_then_launches(store, frozen, server):
    app, notices = app_recording_notices(store)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_jobs(app, pilot)
        assert "l launch" in text_of(screen, "#jobs-status")
        await fill_launch_form(app, pilot, **{"launch-base": BASE, "launch-epochs": "2", "launch-suffix": "ui"})
        assert type(app.screen).__name__ == "ConfirmDialog"
        body = app.screen.body
        assert "ds@1" in body and "estimated cost: $" in body and "n_epochs=2" in body
        assert not server.requests("POST /v1/")  # nothing sent before the confirmation
        await pilot.press("y")
        await settle(app, pilot)
        jobs = store.jobs.list_jobs()
        assert len(jobs) == 1 and jobs[0]["provider_job_id"] and jobs[0]["hyperparameters"] == {"n_epochs": 2}
        assert jobs[0]["suffix"] == "ui" and jobs[0]["estimated_cost"] is not None
        assert len(server.requests("POST /v1/fine_tuning/jobs$")) == 1
        assert any(n.startswith(f"Job {jobs[0]['id'][:8]} created") for n in notices)
        assert screen.selected == jobs[0]["id"]


async def test_launch_declined_at_the_confirmation_sends_nothing(store, frozen, server):
    app = make_app(store)
    app.cursor_blink = False
    async with app.run_test(size=(80, 24)) as pilot:
        await open_jobs(app, pilot)
        await fill_launch_form(app, pilot, **{"launch-base": BASE})
        assert type(app.screen).__name__ == "ConfirmDialog"
        await pilot.press("n")
        await settle(app, pilot)
        assert store.jobs.list_jobs() == [] and not server.requests("POST /v1/")


@pytest.mark.expect_error_notice
async def test_launch_refusals_are_one_line_notices(store, frozen, server):
    app, notices = app_recording_notices(store)
    server.fault("POST /v1/fine_tuning/jobs", "training_not_available")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_jobs(app, pilot)
        await fill_launch_form(app, pilot, **{"launch-base": BASE, "launch-epochs": "two"})
        assert type(app.screen).__name__ == "LaunchDialog"  # a bad number: the form stays, a notice says why
        assert any("epochs must be a whole number" in n for n in notices)
        app.screen.query_one("#launch-epochs").value = ""
        await pilot.press("enter")
        await settle(app, pilot)
        await pilot.press("y")
        await settle(app, pilot)
        refused = [n for n in notices if "2027-01-06" in n]
        assert refused and "\n" not in refused[-1] and "Together" in refused[-1]
        assert store.jobs.list_jobs()[0]["status"] == "failed"
