"""CLI commands for training jobs: `workbench jobs launch|list|show|watch|cancel`."""

from __future__ import annotations

import click

from workbench.cli.common import _echo_json, _store, user_errors

_errors = user_errors("workbench.errors:WorkbenchError")


@click.group()
def jobs() -> None:
    """Fine-tuning jobs: launch from a frozen version, watch, cancel."""


@jobs.command(name="launch")
@click.argument("version")
@click.option("--provider", "provider_name", required=True, help="A provider added with `workbench provider add`.")
@click.option("--base", "base_model", required=True, help="Base model, e.g. gpt-4.1-mini-2025-04-14.")
@click.option("--method", type=click.Choice(["supervised", "dpo"]), default="supervised", show_default=True)
@click.option("--epochs", type=click.IntRange(1, 50))
@click.option("--batch-size", type=click.IntRange(1, 256))
@click.option("--lr", "learning_rate", type=float, help="Learning rate multiplier (OpenAI) or rate (Together).")
@click.option("--beta", type=float, help="DPO beta.")
@click.option("--suffix")
@click.option("--seed", type=int)
@click.option("--yes", is_flag=True, help="Confirm the launch (and its cost) without asking.")
@click.option("--allow-pii", is_flag=True, help="Launch even if examples have unreviewed personal data (audited).")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
@_errors
def jobs_launch(ctx, version, provider_name, base_model, method, epochs, batch_size, learning_rate, beta, suffix,
                seed, yes, allow_pii, as_json) -> None:
    """Launch a job from a frozen VERSION (DATASET@NUMBER)."""
    from workbench.jobs import launch, plan_launch
    from workbench.jobs.launch import hyperparameters_for
    from workbench.providers import get_provider

    store = _store(ctx)
    kind = get_provider(store, provider_name)["kind"]
    plan = plan_launch(store, version, provider_name, base_model, method=method, suffix=suffix, seed=seed,
                       allow_pii=allow_pii,
                       hyperparameters=hyperparameters_for(kind, epochs=epochs, batch_size=batch_size,
                                                           learning_rate=learning_rate, beta=beta))
    info = plan.to_dict()
    cost = f"${info['estimated_cost']:.2f}" if info["estimated_cost"] is not None else "unknown (no price for it)"
    click.echo(f"Launch {info['dataset']}@{info['version']} ({info['train_examples']} train, "
               f"{info['validation_examples']} validation; sha256 {info['version_sha256'][:12]}) on "
               f"{info['provider']} / {base_model}, {method}. Billed tokens: {info['billed_tokens'] or '?'} "
               f"({info['epochs'] or '?'} epochs). Estimated cost: {cost}.", err=as_json)
    for warning in plan.warnings:
        click.echo(f"  note: {warning}", err=True)
    for problem in plan.problems:
        click.echo(f"  problem: {problem}", err=True)
    confirmed = yes or (not plan.problems and click.confirm("Launch it?", default=False))
    job = launch(store, plan, confirmed=confirmed)
    if as_json:
        _echo_json(job)
    else:
        click.echo(f"Job {job['id'][:8]} created at the provider as {job['provider_job_id']} ({job['status']}). "
                   f"Watch it with `workbench jobs watch {job['id'][:8]}`.")


def _row(job: dict) -> str:
    version = f"{job['dataset_name']}@{job['version_number']}" if job.get("dataset_name") else "-"
    cost = f"${job['estimated_cost']:.2f}" if job.get("estimated_cost") is not None else "-"
    flag = f"  ! {job['loss_flag']['kind']}" if job.get("loss_flag") else ""
    return (f"{job['id'][:8]}  {job['status']:<10} {job.get('provider_name') or '-':<12} {job['base_model']:<32} "
            f"{version:<18} {cost:>8}  {job.get('estimated_finish') or ''}{flag}")


@jobs.command(name="list")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
@_errors
def jobs_list(ctx, as_json: bool) -> None:
    """Jobs with status, provider, base model, dataset version, cost estimate, ETA."""
    from workbench.jobs import list_jobs

    rows = list_jobs(_store(ctx))
    if as_json:
        _echo_json(rows)
        return
    if not rows:
        click.echo("No jobs yet: `workbench jobs launch DATASET@N --provider P --base MODEL`.")
    for job in rows:
        click.echo(_row(job))


def _render_detail(detail: dict) -> str:
    from workbench.jobs.render import detail_text

    return detail_text(detail)


@jobs.command(name="show")
@click.argument("job")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
@_errors
def jobs_show(ctx, job: str, as_json: bool) -> None:
    """One job: status, hyperparameters, loss flag, failure in plain words, events, metrics."""
    from workbench.jobs import job_detail

    detail = job_detail(_store(ctx), job)
    _echo_json(detail) if as_json else click.echo(_render_detail(detail))


@jobs.command(name="watch")
@click.option("--interval", type=click.FloatRange(0.1, 600), default=10, show_default=True)
@click.pass_context
@_errors
def jobs_watch(ctx, interval: float) -> None:
    """Poll every running job until none runs (Ctrl-C stops watching, not the jobs)."""
    from workbench.jobs import reconcile
    from workbench.jobs.monitor import Monitor

    store = _store(ctx)
    reconcile(store)

    def report(result) -> None:
        if result.changed:
            click.echo(f"{result.job_id[:8]}  {result.status}  (+{result.new_events} events)")

    monitor = Monitor(store, base_interval=interval, on_update=report)
    try:
        monitor.run()
    except KeyboardInterrupt:
        click.echo("Stopped watching; the jobs go on.")
        return
    click.echo("No job is running.")


@jobs.command(name="cancel")
@click.argument("job")
@click.pass_context
@_errors
def jobs_cancel(ctx, job: str) -> None:
    """Cancel a job at its provider."""
    from workbench.jobs import cancel_job

    row = cancel_job(_store(ctx), job)
    click.echo(f"Job {row['id'][:8]}: {row['status']}.")


@click.command(name="kit")
@click.argument("version")
@click.option("--trainer", type=click.Choice(["trl", "axolotl", "unsloth"]), required=True)
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False))
@click.option("--base", "base_model", default="meta-llama/Llama-3.1-8B-Instruct", show_default=True)
@click.option("--epochs", type=click.IntRange(1, 50))
@click.option("--lr", "learning_rate", type=float)
@click.option("--batch-size", type=click.IntRange(1, 256))
@click.option("--beta", type=float, help="DPO beta.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
@_errors
def kit(ctx, version, trainer, out_dir, base_model, epochs, learning_rate, batch_size, beta, as_json) -> None:
    """Write a training kit for your own GPU from a frozen VERSION (DATASET@NUMBER)."""
    from pathlib import Path

    from workbench.jobs.kit import write_kit

    manifest = write_kit(_store(ctx), version, trainer, Path(out_dir), base_model,
                         {"n_epochs": epochs, "learning_rate": learning_rate, "batch_size": batch_size,
                          "beta": beta})
    if as_json:
        _echo_json(manifest)
    else:
        click.echo(f"Wrote the {trainer} kit to {out_dir} ({manifest['examples']}). Launch: {manifest['command']}")
