"""CLI commands for the model registry and generation: `workbench registry ...` and
`workbench generate`. `registry promote` exits 1 when the gate refuses, so a script
can use it; usage problems exit 2."""

from __future__ import annotations

import click

from workbench.cli.common import _echo_json, _store, user_errors

_errors = user_errors("workbench.errors:WorkbenchError")


def _days(days) -> str:
    return "-" if days is None else f"{days} d"


def _money(value) -> str:
    return "-" if value is None else f"${value:.4f}"


def _ms(value) -> str:
    return "-" if value is None else f"{value:.0f} ms"


@click.group()
def registry() -> None:
    """Every model used or produced: lineage, status, lifecycle, promotion and rollback."""


@registry.command(name="list")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
@_errors
def registry_list(ctx, as_json: bool) -> None:
    """List registered models (models of succeeded jobs and answering models are added)."""
    from workbench.cli.render import table
    from workbench.registry.entries import list_models

    rows = list_models(_store(ctx))
    if as_json:
        _echo_json(rows)
        return
    if not rows:
        click.echo("No models yet; `workbench registry register` adds one, and generated or imported answers do too.")
        return
    click.echo(table(["name", "status", "provider", "model id", "base", "shutdown", "cutoff"],
                     [(r["name"], r["status"] + (" (baseline)" if r["baseline"] else ""), r["provider"] or "-",
                       r["provider_model_id"], r["base_model"] or "-",
                       f"{r['shutdown_date'] or '-'} {_days(r['days_to_shutdown'])}",
                       f"{r['training_cutoff'] or '-'} {_days(r['days_to_training_cutoff'])}") for r in rows]))
    for row in rows:
        for warning in row["warnings"]:
            click.echo(f"warning: {warning}")


@registry.command(name="show")
@click.argument("model")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
@_errors
def registry_show(ctx, model: str, as_json: bool) -> None:
    """The whole record of one model: lineage, notes, lifecycle, SBS results, cost, history."""
    from workbench.cli.render_registry import render_show
    from workbench.registry.entries import show

    record = show(_store(ctx), model)
    _echo_json(record) if as_json else click.echo(render_show(record))


@registry.command(name="register")
@click.argument("provider_model")
@click.option("--name", help="What the team calls it (default: the model id).")
@click.option("--base", "base_model", help="Base model it was trained from.")
@click.option("--kind", type=click.Choice(["base", "fine_tuned"]), help="Default: fine_tuned for ft: ids.")
@click.option("--endpoint", help="Where it answers (models trained elsewhere).")
@click.option("--dataset-sha256", help="sha256 of the dataset version it was trained on (e.g. the kit's).")
@click.option("--hyperparameters", help="JSON object, e.g. '{\"n_epochs\": 3}'.")
@click.option("--purpose", default="")
@click.option("--acceptable-use", default="")
@click.option("--limits", default="", help="Known limits.")
@click.option("--shutdown", help="Date the provider stops serving it (YYYY-MM-DD).")
@click.option("--cutoff", help="Date fine-tuning on it ends (YYYY-MM-DD).")
@click.pass_context
@_errors
def registry_register(ctx, provider_model, name, base_model, kind, endpoint, dataset_sha256, hyperparameters,
                      purpose, acceptable_use, limits, shutdown, cutoff) -> None:
    """Register PROVIDER:MODEL by hand (e.g. a model trained with the training kit)."""
    import json

    from workbench.cli.common import UserError
    from workbench.eval.generation import parse_model_ref
    from workbench.registry.entries import register

    provider, model_id = parse_model_ref(provider_model)
    try:
        params = json.loads(hyperparameters) if hyperparameters else {}
    except json.JSONDecodeError as exc:
        raise UserError(f"--hyperparameters is not JSON ({exc}).") from exc
    row = register(_store(ctx), name, model_id, provider=provider, base_model=base_model, kind=kind,
                   endpoint=endpoint, dataset_sha256=dataset_sha256, hyperparameters=params, purpose=purpose,
                   acceptable_use=acceptable_use, limits=limits, shutdown_date=shutdown, training_cutoff=cutoff)
    click.echo(f"Registered {row['name']} ({provider}:{model_id}) as a candidate.")


@registry.command(name="note")
@click.argument("model")
@click.option("--changelog", "-m", help="A changelog line (dated).")
@click.option("--purpose")
@click.option("--acceptable-use")
@click.option("--limits", help="Known limits.")
@click.option("--shutdown", help="Shutdown date (YYYY-MM-DD), when the provider does not say.")
@click.option("--cutoff", help="Training cutoff date (YYYY-MM-DD).")
@click.pass_context
@_errors
def registry_note(ctx, model, changelog, purpose, acceptable_use, limits, shutdown, cutoff) -> None:
    """Add a changelog line, set purpose, acceptable use, known limits or lifecycle dates."""
    from workbench.registry import entries

    store = _store(ctx)
    row = None
    if shutdown or cutoff:
        row = entries.set_lifecycle(store, model, shutdown_date=shutdown, training_cutoff=cutoff)
    if changelog or purpose is not None or acceptable_use is not None or limits is not None or row is None:
        row = entries.note(store, model, changelog=changelog, purpose=purpose, acceptable_use=acceptable_use,
                           limits=limits)
    click.echo(f"{row['name']}: noted.")


@registry.command(name="refresh")
@click.argument("model", required=False)
@click.pass_context
@_errors
def registry_refresh(ctx, model: str | None) -> None:
    """Read shutdown dates from the providers' model lists (/v1/models)."""
    from workbench.registry.entries import refresh_lifecycle

    changed = refresh_lifecycle(_store(ctx), model)
    click.echo("\n".join(f"{m['name']}: shutdown {m['shutdown_date']}" for m in changed) or "No dates changed.")


@registry.command(name="retire")
@click.argument("model")
@click.option("--reason", default="")
@click.pass_context
@_errors
def registry_retire(ctx, model: str, reason: str) -> None:
    """Retire a model (it stays on record, with its answers and history)."""
    from workbench.registry.entries import retire

    row = retire(_store(ctx), model, reason)
    click.echo(f"{row['name']}: retired.")


@registry.command(name="promote")
@click.argument("model")
@click.option("--session", help="The rating session whose gate decides (default: the newest decided one).")
@click.option("--override", is_flag=True, help="Promote although the gate does not say so (needs --reason).")
@click.option("--reason", default="", help="Why; written to the audit log.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
@_errors
def registry_promote(ctx, model: str, session: str | None, override: bool, reason: str, as_json: bool) -> None:
    """Promote a candidate when the gate against the promoted model says promote. Exit 1 when it refuses."""
    from workbench.registry.promotion import promote

    result = promote(_store(ctx), model, override=override, reason=reason, session=session)
    if as_json:
        _echo_json(result)
        return
    previous = result["previous"]
    click.echo(f"Promoted {result['model']['name']}" + (f" (replaces {previous['name']})" if previous else "")
               + (" by OVERRIDE" if result["override"] else "") + ".")
    for line in result["gate"]["reasons"]:
        click.echo(f"  gate: {line}")


@registry.command(name="rollback")
@click.option("--reason", default="", help="Why; written to the audit log.")
@click.pass_context
@_errors
def registry_rollback(ctx, reason: str) -> None:
    """Re-promote the model that was promoted before the current one."""
    from workbench.registry.promotion import rollback

    result = rollback(_store(ctx), reason)
    click.echo(f"Rolled back {result['rolled_back']['name']}; {result['model']['name']} is promoted again.")


def _progress_printer():
    last = {"done": -1}

    def show(progress) -> None:
        if progress.done != last["done"] and (progress.done == progress.total or progress.done % 10 == 0):
            last["done"] = progress.done
            click.echo(f"  {progress.done}/{progress.total} answered"
                       + (f", {progress.failed} failed" if progress.failed else "")
                       + (f", {progress.retries} retries" if progress.retries else ""), err=True)
    return show


def _echo_report(report) -> None:
    click.echo(f"{report.model}: {report.answered} answered now, {report.already} already there, "
               f"{len(report.failed)} failed, of {report.total} prompts"
               + (" (cancelled)" if report.cancelled else "") + ".")
    click.echo(f"  latency p50 {_ms(report.latency_p50_ms)}, p95 {_ms(report.latency_p95_ms)}; tokens "
               f"{report.prompt_tokens} in / {report.completion_tokens} out; cost {_money(report.cost_usd)}"
               + (" (no price for this model in the models table)" if report.cost_usd is None and report.answered
                  else ""))
    for failure in report.failed[:10]:
        click.echo(f"  failed {failure['external_id'] or failure['prompt_id']}: {failure['error']}")
    if report.failed:
        click.echo("  Run the same command again to retry the failed prompts.")


@registry.command(name="capture")
@click.argument("model")
@click.option("--concurrency", type=click.IntRange(1, 64), default=4, show_default=True)
@click.pass_context
@_errors
def registry_capture(ctx, model: str, concurrency: int) -> None:
    """Record MODEL's answers to every golden set before it stops serving."""
    from workbench.eval.generation import GenerationSettings
    from workbench.registry.capture import capture

    reports = capture(_store(ctx), model, settings=GenerationSettings(concurrency=concurrency),
                      on_progress=_progress_printer())
    for report in reports:
        _echo_report(report)
    if any(not r.complete for r in reports):
        ctx.exit(1)


@click.command()
@click.option("--set", "set_ref", required=True, help="Golden set, optionally @VERSION (default: latest).")
@click.option("--model", "model_ref", required=True, help="PROVIDER:MODEL, e.g. openai:gpt-4.1-mini.")
@click.option("--temperature", type=click.FloatRange(0, 2), default=0.0, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True, help="Sent where the provider supports it.")
@click.option("--max-tokens", type=click.IntRange(min=1))
@click.option("--concurrency", type=click.IntRange(1, 64), default=4, show_default=True)
@click.option("--retries", type=click.IntRange(0, 20), default=5, show_default=True)
@click.option("--batch", is_flag=True, help="Through the provider's Batch API (OpenAI, Together): half price, "
              "hours not seconds; rerun to collect.")
@click.option("--poll", type=click.FloatRange(min=1), default=30, show_default=True,
              help="Seconds between batch status checks.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
@_errors
def generate(ctx, set_ref, model_ref, temperature, seed, max_tokens, concurrency, retries, batch, poll,
             as_json) -> None:
    """Answer every prompt of a golden set with a model; rerun to resume (no duplicates)."""
    from workbench.eval.generation import GenerationSettings, generate_for_set

    settings = GenerationSettings(temperature=temperature, seed=seed, max_tokens=max_tokens,
                                  concurrency=concurrency, max_retries=retries)
    try:
        if batch:
            from workbench.eval.batch import generate_batch_for_set

            report = generate_batch_for_set(
                _store(ctx), set_ref, model_ref, settings=settings, poll_every=poll,
                on_status=None if as_json else
                lambda status, done, total: click.echo(f"  batch {status}: {done}/{total}", err=True))
        else:
            report = generate_for_set(_store(ctx), set_ref, model_ref, settings=settings,
                                      on_progress=None if as_json else _progress_printer())
    except KeyboardInterrupt:
        click.echo("Interrupted; every answer received so far is kept. Run it again to resume.", err=True)
        ctx.exit(130)
    _echo_json(report.to_dict()) if as_json else _echo_report(report)
    if not report.complete:
        ctx.exit(1)


def register(cli: click.Group) -> None:
    cli.add_command(registry)
    cli.add_command(generate)
