"""The workbench App: modes (Examples, Budget, Jobs, Rating, Registry, PII), the keymap,
help, the command palette, and `run_app` for the CLI.

`make_app` is the one factory used by the CLI and the tests. Startup stays light: the
screens other than Examples and the import/export code load on first use, the target
model's tokenizer right after the first paint.
"""

from __future__ import annotations

import threading
from functools import partial
from pathlib import Path
from typing import Iterable

from textual import work
from textual.app import App, SystemCommand
from textual.message import Message
from textual.screen import Screen
from textual.signal import Signal
from textual.worker import Worker, WorkerState, get_current_worker

from screens import collector, keys
from workbench.dataset import curation
from workbench.budget import catalog
from workbench import workspace

TARGET_MODEL_SETTING = "tui.target_model"
DATASET_SETTING = "tui.dataset"
DEFAULT_MODEL = "gpt-4o-mini-2024-07-18"
#: How often the app looks for jobs to watch that it did not start itself (a CLI launch).
JOB_WATCH_SECONDS = 30.0
#: After the first refresh, how long the app lets the terminal writer thread put the
#: first frame on screen before the start-up work that holds the GIL.
AFTER_FIRST_PAINT_S = 0.05


class JobPolled(Message):
    """The monitor brought one job up to date (a `workbench.jobs.monitor.PollResult`)."""

    def __init__(self, result, job: dict | None) -> None:
        super().__init__()
        self.result, self.job = result, job or {}


class LaunchesReconciled(Message):
    """Interrupted launches finished at start (job ids), or why they could not be."""

    def __init__(self, job_ids: list[str], error: str = "") -> None:
        super().__init__()
        self.job_ids, self.error = job_ids, error


def _examples() -> Screen:
    from screens.examples import ExamplesScreen

    return ExamplesScreen()


def _budget() -> Screen:
    from screens.budget import BudgetScreen

    return BudgetScreen()


def _jobs() -> Screen:
    from screens.jobs import JobsScreen

    return JobsScreen()


def _registry() -> Screen:
    from screens.registry import RegistryScreen

    return RegistryScreen()


def _rating() -> Screen:
    from screens.rating import RatingScreen

    return RatingScreen()


def _governance() -> Screen:
    from screens.governance import GovernanceScreen

    return GovernanceScreen()


def _pii() -> Screen:
    from screens.pii import PiiScreen

    return PiiScreen()


def _health() -> Screen:
    from screens.health import HealthScreen

    return HealthScreen()


class WorkbenchApp(App):
    TITLE = "ft-workbench"
    MODES = {"examples": _examples, "budget": _budget, "jobs": _jobs,
             "rating": _rating, "registry": _registry, "pii": _pii,
             "governance": _governance, "health": _health}
    DEFAULT_MODE = "examples"
    #: Tests set this False for stable snapshots; every Input/TextArea follows it.
    cursor_blink = True
    #: Seconds between two polls of a running job (tests shorten it; the provider's Retry-After still wins).
    job_poll_seconds: float | None = None
    BINDINGS = keys.bindings("app")
    CSS = """
    Screen { background: $background; }
    Footer { height: 1; }
    """

    def __init__(self, store, keymap_file: Path | None = None) -> None:
        super().__init__()
        from workbench.dataset.curation import Curation

        self.store = store
        self.curation = Curation(store)
        self.user_keymap, self.keymap_problems = keys.load_keymap(keymap_file)
        from screens.writes import WriteQueue

        self.writes = WriteQueue(self)  # ratings and status changes: never lost on a busy store
        self._target_model = None
        #: Published after every monitor round of a job; the Jobs screen reloads on it.
        self.jobs_changed: Signal = Signal(self, "jobs-changed")
        self.monitor_stop = threading.Event()  # set on exit: the poller's thread wakes and returns
        self._reconciled = False
        #: True once the first complete frame was handed to the terminal (see after_first_frame).
        self.first_frame_shown = False
        self._first_frame_callbacks: list = []

    # ------------------------------------------------------------------ shared state

    def key_for(self, action_id: str) -> str:
        """The key for an action after the user's keymap (see keys.key_for)."""
        return keys.key_for(action_id, self.user_keymap)

    @property
    def target_model(self):
        """The model whose encoding and context limit the screens use (a ModelSpec)."""
        if self._target_model is None:
            from workbench.budget.estimate import UnknownModel
            from workbench.budget.catalog import resolve_model

            name = workspace.get_setting(self.store, TARGET_MODEL_SETTING, DEFAULT_MODEL)
            try:
                self._target_model = resolve_model(self.store, name)
            except UnknownModel:
                self._target_model = resolve_model(self.store, catalog.list_models(self.store)[0]["name"])
        return self._target_model

    def set_target_model(self, name: str) -> None:
        workspace.set_setting(self.store, TARGET_MODEL_SETTING, name)
        self._target_model = None

    def current_dataset(self) -> dict | None:
        dataset_id = workspace.get_setting(self.store, DATASET_SETTING)
        return (curation.find_dataset(self.store, dataset_id) if dataset_id else None) or curation.first_dataset(self.store)

    def set_dataset(self, dataset_id: str) -> None:
        workspace.set_setting(self.store, DATASET_SETTING, dataset_id)

    # ------------------------------------------------------------------ startup

    def apply_cursor_blink(self, screen: Screen) -> None:
        for widget in screen.query("Input, TextArea"):
            widget.cursor_blink = self.cursor_blink

    def on_mount(self) -> None:
        if self.user_keymap:
            self.set_keymap(self.user_keymap)
        for problem in self.keymap_problems:
            self.notify(problem, title="Keymap", severity="warning", timeout=12)
        # The rest waits for the first screen: it is on the terminal sooner (issue 14)
        self.after_first_frame(self.set_timer, AFTER_FIRST_PAINT_S, self.after_first_paint)

    def after_first_frame(self, callback, *args) -> None:
        """Run `callback(*args)` once the first complete frame is on its way to the
        terminal (at once after that). `call_after_refresh` is not that at start: Textual
        renders the first frame inside its start-up batch and drops it, and the
        callbacks of that refresh run all the same; the title row then reached the
        terminal only with the next full layout, after the first conversation's render
        and everything else queued (issue 14, session 5)."""
        if self.first_frame_shown:
            callback(*args)
        else:
            self._first_frame_callbacks.append(partial(callback, *args))

    def on_ready(self) -> None:
        """The DOM is ready: the start-up batch is over and the screen's first frame was
        dropped in it. Repaint the whole screen (no new layout) and let the work that
        waited for the first frame run after that repaint."""
        self.screen.refresh()
        self.screen.call_after_refresh(self._first_frame_written)

    def _first_frame_written(self) -> None:
        self.first_frame_shown = True
        callbacks, self._first_frame_callbacks = self._first_frame_callbacks, []
        for callback in callbacks:
            callback()

    def after_first_paint(self) -> None:
        """Start-up work the first screen need not wait for: the lifecycle warnings, the
        job watcher (its thread imports the jobs code) and the target model's tokenizer
        (0.3–1 s holding the GIL, see warm_tokenizer): run once the first frame is
        written (the terminal writer is a thread and needs the GIL too)."""
        collector.start()  # start-up's objects: no full collection walks them again
        self.warn_lifecycle()
        self.writes.start()  # its thread and connection ready before a write meets a busy store
        self.watch_jobs()
        self.set_interval(JOB_WATCH_SECONDS, self.watch_jobs)
        # in a thread: the cached ranks load in chunks, so the UI runs between them
        self.run_worker(partial(warm_tokenizer, self), thread=True, exit_on_error=False, group="tokenizer")

    def warn_lifecycle(self) -> None:
        """A promoted or baseline model near its shutdown: say so at start (capture in time)."""
        from workbench.registry import lifecycle

        for warning in [w for w in lifecycle.warnings(self.store) if w.what == "shutdown"][:3]:
            self.notify(warning.text, title="Model lifecycle", severity="warning", timeout=15)

    # ------------------------------------------------------------------ the job monitor

    def watch_jobs(self) -> None:
        """Start the one app-wide job poller unless it runs (it stops when no job is active)."""
        if any(w.group == "job-monitor" and not w.is_finished for w in self.workers):
            return
        self.run_monitor()

    @work(thread=True, exclusive=True, exit_on_error=False, group="job-monitor")
    def run_monitor(self) -> None:
        from workbench.errors import WorkbenchError
        from workbench.jobs import get_job, reconcile
        from workbench.jobs.manage import has_active_jobs
        from workbench.jobs.monitor import Monitor

        if not self._reconciled:  # a launch killed between "created" and "recorded" is finished first
            self._reconciled = True
            try:
                touched = reconcile(self.store)
            except WorkbenchError as exc:
                from screens.dialogs import app_message

                self.post_message(LaunchesReconciled([], app_message(exc)))
            else:
                if touched:
                    self.post_message(LaunchesReconciled(touched))
        if not has_active_jobs(self.store):
            return

        def polled(result) -> None:
            self.post_message(JobPolled(result, get_job(self.store, result.job_id)))

        monitor = Monitor(self.store, on_update=polled, **({"base_interval": self.job_poll_seconds}
                                                            if self.job_poll_seconds is not None else {}))
        monitor.stop = self.monitor_stop
        worker = get_current_worker()
        # Monitor.run, but waking each second: Textual cancels this worker on exit and a
        # thread cannot be interrupted, so it looks (round() only polls the jobs that are due).
        while not (self.monitor_stop.is_set() or worker.is_cancelled):
            wait = monitor.round()
            if wait is None:
                return
            self.monitor_stop.wait(min(wait, 1.0))

    def on_job_polled(self, message: JobPolled) -> None:
        result = message.result
        if result.ended:
            job = message.job
            model = f": {job['fine_tuned_model']}" if job.get("fine_tuned_model") else ""
            self.notify(f"Job {result.job_id[:8]} ({job.get('base_model', '')}) {result.status}{model}.",
                        title="Training job ended", severity="information" if result.status == "succeeded"
                        else "warning", timeout=15)
        self.jobs_changed.publish(result)

    def on_launches_reconciled(self, message: LaunchesReconciled) -> None:
        if message.error:
            self.notify(message.error, title="Interrupted launch not finished", severity="error", timeout=15)
        else:
            self.notify(f"Finished {len(message.job_ids)} launch(es) interrupted last time.", title="Jobs")
        self.jobs_changed.publish(None)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group == "job-monitor" and event.state == WorkerState.ERROR:
            from screens.dialogs import app_message

            self.notify(f"Watching the training jobs stopped: {app_message(event.worker.error)}",
                        severity="error", timeout=15)

    def on_unmount(self) -> None:
        self.monitor_stop.set()
        collector.stop()

    # ------------------------------------------------------------------ help and palette

    def _scopes(self) -> list[str]:
        scope = getattr(self.screen, "KEY_SCOPE", None)
        return ([scope] if scope else []) + ["app"]

    def action_help(self) -> None:
        from screens.dialogs import HelpScreen

        if isinstance(self.screen, HelpScreen):
            return
        widget_help, node = "", self.focused
        while node is not None and not widget_help:
            widget_help = getattr(node, "help", "") or ""
            node = node.parent
        if not widget_help:
            widget_help = getattr(self.screen, "help", "")
        self.push_screen(HelpScreen(type(self.screen).__name__.replace("Screen", ""), widget_help,
                                    self._scopes(), self.user_keymap))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """The palette lists every action of the current screen (with its key), then the app's."""
        scope = getattr(screen, "KEY_SCOPE", None)
        for scope_name, target in ((scope, screen), ("app", self)):
            if not scope_name:
                continue
            for action in keys.REGISTRY[scope_name]:
                key = keys.display_key(self.user_keymap.get(action.id, action.key))
                yield SystemCommand(f"{action.description} · {key}", action.help,
                                    lambda t=target, a=action.action: self.call_later(t.run_action, a))
        yield from (c for c in super().get_system_commands(screen) if c.title not in ("Quit",))

    # ------------------------------------------------------------------ cross-screen

    def open_example(self, example_id: str) -> None:
        """Switch to Examples and open one example in the editor (from Budget)."""
        from screens.examples import ExamplesScreen

        origin = self.current_mode  # Esc in the editor comes back here
        self.switch_mode("examples")

        def open_it() -> None:
            for screen in reversed(self.screen_stack):
                if isinstance(screen, ExamplesScreen):
                    screen.open_example(example_id, return_to=origin)
                    return

        self.call_after_refresh(open_it)


def make_app(store) -> WorkbenchApp:
    """The App on an opened store (the one factory used by the launcher and the tests)."""
    return WorkbenchApp(store)


def warm_tokenizer(app: WorkbenchApp) -> None:
    """Load the target model's Python encoder (tokens.SmallTextEncoding over the cached
    ranks, ~0.1 s in chunks of ~10 ms) in a thread right after the first paint; the
    editor's preflight and the count after an edit use it. tiktoken's Rust encoder is
    not built in the app for that: its constructor holds the GIL for 0.2-0.3 s, which
    froze the screen in a worker thread (bench/concurrent_use.py, idle store), delayed
    the first paint by 0.5-1 s before the event loop (issue 14), and froze the first key
    presses right after it. Bulk counting (a budget for a new encoding, many edited
    examples) still builds it, in a worker, once per process."""
    from workbench.budget import tokens

    try:
        # the editor counts with the Python encoder over the cached ranks (40 ms to load,
        # no Rust encoder to build while holding the GIL): warm that one
        tokens.get_encoding(app.target_model.encoding, small=True)
    except Exception:  # noqa: BLE001 - the first count builds it (and reports) instead
        pass
    collector.freeze_long_lived()  # the encoder and the modules it imported live on


def run_app(store) -> int:
    """Run the TUI on an opened store; returns an exit code. The caller closes the store."""
    app = make_app(store)
    app.run()
    app.writes.wait_idle()  # pending ratings and status changes are written before the store closes
    app.writes.close()
    return app.return_code or 0
