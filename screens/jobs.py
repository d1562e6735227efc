"""The Jobs mode: every training job (status, provider, base model, dataset version,
cost estimate, ETA, loss flag) and one job in detail: its failure in plain words,
hyperparameters, train/valid loss and token-accuracy curves, checkpoints and event log.
Cancel asks first.

The screen never polls a provider: the app's one monitor (screens/app.py) does, and
publishes `app.jobs_changed` after each round; the screen reloads from the store then.
"""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, Label, Select, Static
from textual.worker import Worker, WorkerState
from textual_plotext import PlotextPlot

from screens import keys
from screens.dialogs import ConfirmDialog, Dialog, app_message, compact
from screens.widgets.modebar import ModeBar
from workbench.jobs import render


class JobsLoaded(Message):
    def __init__(self, jobs: list[dict], detail: dict | None):
        super().__init__()
        self.jobs, self.detail = jobs, detail


class JobCancelled(Message):
    def __init__(self, text: str, error: str = ""):
        super().__init__()
        self.text, self.error = text, error


class ProviderSaved(Message):
    def __init__(self, text: str, error: str = ""):
        super().__init__()
        self.text, self.error = text, error


class LaunchChoices(Message):
    def __init__(self, choices: dict):
        super().__init__()
        self.choices = choices


class LaunchPlanned(Message):
    def __init__(self, plan=None, error: str = ""):
        super().__init__()
        self.plan, self.error = plan, error


class LaunchDone(Message):
    def __init__(self, job: dict | None, error: str = ""):
        super().__init__()
        self.job, self.error = job, error


def one_line(error: Exception | str) -> str:
    """An error as a plain one-line notice (message and hint, no CLI flags)."""
    text = app_message(error) if isinstance(error, Exception) else error
    return " ".join(part.strip() for part in str(text).splitlines() if part.strip())


def plan_text(plan) -> str:
    """What the confirmation shows: version, provider, base model, budget and cost."""
    info = plan.to_dict()
    cost = f"${info['estimated_cost']:.2f}" if info["estimated_cost"] is not None else "unknown (no price for it)"
    tokens = f"{info['billed_tokens']:,}" if info["billed_tokens"] is not None else "unknown"
    hyper = ", ".join(f"{k}={v}" for k, v in info["hyperparameters"].items()) or "provider defaults"
    lines = [f"{info['dataset']}@{info['version']}: {info['train_examples']} train, "
             f"{info['validation_examples']} validation (sha256 {info['version_sha256'][:12]})",
             f"{info['provider']} ({info['kind']}) · {info['base_model']} · {info['method']}",
             f"hyperparameters: {hyper}",
             f"billed tokens: {tokens} ({info['epochs'] or '?'} epochs) · estimated cost: {cost}"]
    lines += [f"note: {warning}" for warning in info["warnings"]]
    if info["allow_pii"]:
        lines.append("personal-data gate skipped (recorded in the audit log)")
    return "\n".join(lines)


class ProviderDialog(Dialog):
    """Add a provider and/or store its key in the OS keyring. The key field is a password
    field (shown as dots) and the key is handed straight to the keyring: never echoed,
    never stored in the workspace. Returns the form's values or None."""

    KINDS = (("together", "Together AI"), ("openai", "OpenAI"), ("azure", "Azure OpenAI"),
             ("openai-compatible", "OpenAI-compatible (chat only)"))

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label("Provider and key", classes="dialog-title")
            yield compact(Input, placeholder="name, e.g. together (an existing one: only its key is set)",
                          id="provider-name")
            yield Select([(label, kind) for kind, label in self.KINDS], value="together", allow_blank=False,
                         compact=True, id="provider-kind")
            yield compact(Input, placeholder="base URL (empty: the provider's default)", id="provider-url")
            yield compact(Input, placeholder="API key (kept in the OS keyring; empty: keep)", password=True,
                          id="provider-key")
            yield Label("enter saves · esc cancels", classes="dialog-hint")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        name = self.query_one("#provider-name", Input).value.strip()
        if not name:
            self.notify("A provider needs a name.", severity="warning")
            return
        self.dismiss({"name": name, "kind": self.query_one("#provider-kind", Select).value,
                      "base_url": self.query_one("#provider-url", Input).value.strip() or None,
                      "key": self.query_one("#provider-key", Input).value})


def version_label(job: dict) -> str:
    return f"{job['dataset_name']}@{job['version_number']}" if job.get("dataset_name") else "-"


def eta_label(job: dict) -> str:
    """When a running job should end (provider's estimate), as a UTC clock time."""
    finish = job.get("estimated_finish")
    if not finish or job["status"] not in ("pending", "queued", "running"):
        return "-"
    return str(finish)[5:16].replace("T", " ")


def cost_label(job: dict) -> str:
    return "-" if job.get("estimated_cost") is None else f"${job['estimated_cost']:.2f}"


def row_cells(job: dict) -> tuple:
    return (job["status"] + (" !" if job.get("loss_flag") else ""), job.get("provider_name") or "-",
            job["base_model"], version_label(job), cost_label(job), eta_label(job))


def summary_text(detail: dict) -> Text:
    """The job's head: what, where, from which version, and a failure in plain words."""
    text = Text()
    text.append(f"{detail['status'].upper()}", "bold")
    text.append(f"  {detail.get('provider_name') or '-'} {detail.get('provider_job_id') or '(not created yet)'}"
                f"  raw: {detail.get('raw_status') or '-'}\n")
    text.append(f"base {detail['base_model']} · {detail['method']} · version {version_label(detail)}"
                f" sha256 {(detail.get('version_sha256') or '-')[:12]}\n")
    text.append(f"cost est. {cost_label(detail)} · ETA {eta_label(detail)} · model "
                f"{detail.get('fine_tuned_model') or '-'}\n")
    failure = render.failure_text(detail)
    if failure:
        text.append(f"FAILED: {failure}\n", "bold")
    if detail.get("loss_flag"):
        text.append(f"LOSS FLAG: {detail['loss_flag']['message']}\n", "bold")
    hyper = detail.get("hyperparameters") or {}
    text.append("hyperparameters " + (", ".join(f"{k}={v}" for k, v in hyper.items()) or "provider defaults")
                + (f", seed {detail['seed']}" if detail.get("seed") is not None else "") + "\n")
    return text


def checkpoints_text(detail: dict) -> str:
    lines = [f"step {cp['step']}: {cp['model']}" for cp in detail.get("checkpoints") or []]
    return "Checkpoints\n" + ("\n".join(lines) if lines else "none yet")


def events_text(detail: dict, last: int = 200) -> str:
    events = detail.get("events") or []
    lines = [f"{e['created_at'][:19].replace('T', ' ')}  {e['message']}" for e in events[-last:]]
    return f"Events ({len(events)})\n" + ("\n".join(reversed(lines)) if lines else "none yet")


def curve(metrics: list[dict], column: str) -> tuple[list[int], list[float]]:
    points = [(m["step"], m[column]) for m in metrics if m.get(column) is not None]
    return [p[0] for p in points], [p[1] for p in points]


class JobsScreen(Screen):
    """The jobs table on top, the highlighted job below."""

    CSS_PATH = "jobs.tcss"
    BINDINGS = keys.bindings("jobs")
    KEY_SCOPE = "jobs"

    def __init__(self) -> None:
        super().__init__()
        self.jobs: list[dict] = []
        self.detail: dict | None = None
        self.selected: str | None = None
        self.help = ("Training jobs launched from frozen versions. The app polls running jobs in the background "
                     "and tells you when one ends.")

    @property
    def store(self):
        return self.app.store

    def compose(self) -> ComposeResult:
        yield ModeBar("jobs")
        table = DataTable(id="jobs-table", cursor_type="row", zebra_stripes=True)
        table.help = "Training jobs, newest first; ↑↓ picks the one shown below (! = loss flag)."
        yield table
        with VerticalScroll(id="job-detail"):
            yield Static("Loading…", id="job-summary")
            with Horizontal(id="job-curves"):
                yield PlotextPlot(id="job-loss")
                yield PlotextPlot(id="job-accuracy")
            yield Static("", id="job-checkpoints")
            yield Static("", id="job-events")
        yield Static("", id="jobs-status")
        yield Footer(show_command_palette=False)

    def on_mount(self) -> None:
        self.query_one(DataTable).add_columns("status", "provider", "base", "version", "cost", "ETA")
        signal = getattr(self.app, "jobs_changed", None)
        if signal is not None:
            signal.subscribe(self, lambda _result: self.load())
        self._hint()
        self.load()

    def _hint(self, text: str = "") -> None:
        k = lambda action: keys.key_in(self.app, action)  # noqa: E731
        self.query_one("#jobs-status", Static).update(
            text or f"{k('jobs.launch')} launch · {k('jobs.cancel')} cancel · {k('jobs.provider')} provider/key · "
                    f"{k('jobs.refresh')} refresh")

    # ------------------------------------------------------------------ loading

    @work(thread=True, exclusive=True, exit_on_error=False, group="jobs-load")
    def load(self) -> None:
        from workbench.jobs import job_detail, list_jobs

        jobs = list_jobs(self.store)
        selected = self.selected if any(j["id"] == self.selected for j in jobs) else (jobs[0]["id"] if jobs else None)
        self.post_message(JobsLoaded(jobs, job_detail(self.store, selected) if selected else None))

    def on_jobs_loaded(self, message: JobsLoaded) -> None:
        self.jobs, self.detail = message.jobs, message.detail
        table = self.query_one(DataTable)
        with self.prevent(DataTable.RowHighlighted):  # refilling moves the cursor: not the user's choice
            table.clear()
            for job in self.jobs:
                table.add_row(*row_cells(job), key=job["id"])
            if self.detail:
                self.selected = self.detail["id"]
                table.move_cursor(row=next(i for i, j in enumerate(self.jobs) if j["id"] == self.selected))
        self.show_detail(self.detail)

    def show_detail(self, detail: dict | None) -> None:
        summary = self.query_one("#job-summary", Static)
        self.query_one("#job-curves").display = bool(detail and detail.get("metrics"))
        if detail is None:
            summary.update("No training jobs yet. Freeze a version (Examples, then export) and launch one "
                           f"with {keys.key_in(self.app, 'jobs.launch')}.")
            self.query_one("#job-checkpoints", Static).update("")
            self.query_one("#job-events", Static).update("")
            return
        summary.update(summary_text(detail))
        self.query_one("#job-checkpoints", Static).update(checkpoints_text(detail))
        self.query_one("#job-events", Static).update(Text(events_text(detail)))
        self.draw(detail.get("metrics") or [])

    def draw(self, metrics: list[dict]) -> None:
        """Loss and token accuracy, train and valid, against the step."""
        for widget_id, title, columns in (
                ("#job-loss", "loss", (("train_loss", "train"), ("valid_loss", "valid"))),
                ("#job-accuracy", "token accuracy", (("train_accuracy", "train"),
                                                     ("valid_mean_token_accuracy", "valid")))):
            plot = self.query_one(widget_id, PlotextPlot)
            plt = plot.plt
            plt.clear_figure()
            plt.title(title)
            for column, label in columns:
                xs, ys = curve(metrics, column)
                if xs:
                    plt.plot(xs, ys, label=label, marker="braille")
            plot.refresh()

    @on(DataTable.RowHighlighted)
    def row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        key = event.row_key.value if event.row_key else None
        if key and key != self.selected:
            self.selected = key
            self.load()

    def current(self) -> dict | None:
        return next((j for j in self.jobs if j["id"] == self.selected), None)

    # ------------------------------------------------------------------ actions

    def action_cancel_job(self) -> None:
        from workbench.jobs.status import is_final

        job = self.current()
        if job is None:
            return
        if is_final(job["status"]):
            self.notify(f"This job is already {job['status']}.", severity="warning")
            return
        self.app.push_screen(ConfirmDialog(f"Cancel job {job['id'][:8]}?",
                                           f"{job.get('provider_name') or '-'} stops training {job['base_model']}; "
                                           "a cancelled job cannot be resumed."),
                             lambda yes: yes and self.cancel_worker(job["id"]))

    @work(thread=True, exclusive=True, exit_on_error=False, group="jobs-cancel")
    def cancel_worker(self, job_id: str) -> None:
        from workbench.errors import WorkbenchError
        from workbench.jobs import cancel_job

        try:
            job = cancel_job(self.store, job_id)
        except WorkbenchError as exc:
            self.post_message(JobCancelled("", app_message(exc)))
            return
        self.post_message(JobCancelled(f"Job {job_id[:8]}: {job['status']}."))

    def on_job_cancelled(self, message: JobCancelled) -> None:
        if message.error:
            self.notify(message.error, title="Not cancelled", severity="error", timeout=12)
        else:
            self.notify(message.text)
        self.load()

    def action_launch(self) -> None:
        self.launch_choices()

    @work(thread=True, exclusive=True, exit_on_error=False, group="jobs-launch")
    def launch_choices(self) -> None:
        from workbench.jobs.launch import launch_choices

        self.post_message(LaunchChoices(launch_choices(self.store)))

    def on_launch_choices(self, message: LaunchChoices) -> None:
        from screens.launch_dialog import LaunchDialog

        choices = message.choices
        if not choices["versions"]:
            self.notify("No frozen version to train on: export a dataset first (Examples mode).",
                        severity="warning")
            return
        if not choices["providers"]:
            self.notify(f"No provider that trains: add one with {keys.key_in(self.app, 'jobs.provider')}.",
                        severity="warning")
            return
        self.app.push_screen(LaunchDialog(choices["versions"], choices["providers"], choices["base_models"]),
                             lambda form: form and self.plan_worker(form))

    @work(thread=True, exclusive=True, exit_on_error=False, group="jobs-launch")
    def plan_worker(self, form: dict) -> None:
        """The CLI's preflight: the same feature function, nothing sent."""
        from workbench.errors import WorkbenchError
        from workbench.jobs import plan_launch
        from workbench.jobs.launch import hyperparameters_for
        from workbench.providers import get_provider

        try:
            kind = get_provider(self.store, form["provider"])["kind"]
            plan = plan_launch(self.store, form["version"], form["provider"], form["base_model"],
                               method=form["method"], suffix=form["suffix"], seed=form["seed"],
                               allow_pii=form["allow_pii"],
                               hyperparameters=hyperparameters_for(kind, epochs=form["epochs"],
                                                                   batch_size=form["batch_size"],
                                                                   learning_rate=form["learning_rate"],
                                                                   beta=form["beta"]))
        except WorkbenchError as exc:
            self.post_message(LaunchPlanned(None, one_line(exc)))
            return
        self.post_message(LaunchPlanned(plan))

    def on_launch_planned(self, message: LaunchPlanned) -> None:
        if message.error:
            self.notify(message.error, title="Not launched", severity="error", timeout=12)
            return
        plan = message.plan
        if plan.problems:
            self.notify(one_line("Cannot launch: " + " ".join(plan.problems)), title="Not launched",
                        severity="error", timeout=15)
            return
        self.app.push_screen(ConfirmDialog(f"Launch on {plan.provider['name']}? It costs money.", plan_text(plan)),
                             lambda yes: yes and self.launch_worker(plan))

    @work(thread=True, exclusive=True, exit_on_error=False, group="jobs-launch")
    def launch_worker(self, plan) -> None:
        """The CLI's launch: upload (or reuse) the files, create the job, crash-safe."""
        from workbench.errors import WorkbenchError
        from workbench.jobs import launch

        try:
            job = launch(self.store, plan, confirmed=True)
        except WorkbenchError as exc:
            self.post_message(LaunchDone(None, one_line(exc)))
            return
        self.post_message(LaunchDone(job))

    def on_launch_done(self, message: LaunchDone) -> None:
        if message.error:
            self.notify(message.error, title="Not launched", severity="error", timeout=15)
            self.load()
            return
        job = message.job
        self.notify(f"Job {job['id'][:8]} created at {job.get('provider_name') or 'the provider'} as "
                    f"{job['provider_job_id']} ({job['status']}).", title="Launched")
        self.selected = job["id"]
        if hasattr(self.app, "watch_jobs"):
            self.app.watch_jobs()
        self.load()

    def action_provider(self) -> None:
        self.app.push_screen(ProviderDialog(), lambda form: form and self.save_provider(form))

    @work(thread=True, exclusive=True, exit_on_error=False, group="jobs-provider")
    def save_provider(self, form: dict) -> None:
        from workbench.errors import WorkbenchError
        from workbench.providers import add_provider, keys as provider_keys, list_providers

        try:
            existing = next((p for p in list_providers(self.store) if p["name"] == form["name"]), None)
            row = existing or add_provider(self.store, form["name"], form["kind"], base_url=form["base_url"])
            if form["key"].strip():
                provider_keys.set_key(row["name"], row["kind"], form["key"])
        except WorkbenchError as exc:
            self.post_message(ProviderSaved("", app_message(exc)))
            return
        said = "added" if existing is None else "kept"
        self.post_message(ProviderSaved(f"Provider {row['name']} ({row['kind']}) {said}"
                                        + ("; its key is in the OS keyring." if form["key"].strip() else ".")))

    def on_provider_saved(self, message: ProviderSaved) -> None:
        if message.error:
            self.notify(message.error, title="Provider not saved", severity="error", timeout=12)
        else:
            self.notify(message.text)

    def action_refresh(self) -> None:
        if hasattr(self.app, "watch_jobs"):
            self.app.watch_jobs()  # a job launched from the CLI meanwhile gets polled too
        self.load()

    # ------------------------------------------------------------------ worker errors

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state != WorkerState.ERROR:
            return
        what = {"jobs-load": "Loading the jobs", "jobs-cancel": "Cancelling", "jobs-provider": "Saving the provider",
                "jobs-launch": "Launching"}.get(event.worker.group,
                                                                                  "A background task")
        self.notify(f"{what} failed: {app_message(event.worker.error)}", severity="error", timeout=12)
