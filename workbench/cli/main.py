"""The `workbench` command line (click).

Exit codes: 0 success; 1 the data has errors (validate found errors, an import or
export was refused); 2 a usage or I/O problem (bad option, missing file, unreadable
store). No traceback reaches the user: unexpected errors are written to crash.log in
the cache dir and summarised in one line.
"""

from __future__ import annotations

import sys
import traceback
from pathlib import Path

import click

from workbench import paths

from workbench.cli.common import (EXIT_DATA, EXIT_OK, EXIT_USAGE, UserError, _echo_json, _store,
                                  as_user_error, cli_message, exit_code_for)
from workbench.errors import WorkbenchError


def _resolve_model(store, name: str):
    from workbench.budget.estimate import UnknownModel
    from workbench.budget.catalog import resolve_model

    try:
        return resolve_model(store, name)
    except UnknownModel as exc:
        raise UserError(str(exc)) from exc


def _resolve_model_without_store(db: Path, name: str):
    from workbench.budget.estimate import UnknownModel
    from workbench.budget.catalog import resolve_model_without_store

    try:
        return resolve_model_without_store(db, name)
    except UnknownModel as exc:
        raise UserError(str(exc)) from exc


@click.group(invoke_without_command=True)
@click.option("--db", type=click.Path(dir_okay=False, path_type=Path),
              help="Store file to use (default: the built-in store; WORKBENCH_HOME moves it).")
@click.version_option(package_name="ft-workbench")
@click.pass_context
def cli(ctx: click.Context, db: Path | None) -> None:
    """ft-workbench: curate, scrub, budget and version fine-tuning data.

    With no command, opens the workbench on the store.
    """
    ctx.ensure_object(dict)
    ctx.obj["db"] = db
    if ctx.invoked_subcommand is None:
        ctx.invoke(tui)


@cli.command()
@click.option("--db", "db_option", type=click.Path(dir_okay=False, path_type=Path),
              help="Store file to open (same as the group's --db).")
@click.pass_context
def tui(ctx: click.Context, db_option: Path | None = None) -> None:
    """Open the workbench (terminal UI) on the store."""
    db = db_option or ctx.obj.get("db")
    if sys.stdout.isatty() and sys.stdin.isatty():
        # Lazily: the CLI never needs Textual otherwise.
        from workbench.cli.app import launch

        ctx.exit(launch(db))
    from workbench.cli.summary import workspace_summary

    ctx.obj["db"] = db
    click.echo(workspace_summary(_store(ctx)))


@cli.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--model", "model_name", help="Target model: adds over-length warnings for its context limit.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.pass_context
def validate(ctx: click.Context, file: Path, model_name: str | None, as_json: bool) -> None:
    """Check a JSONL (or prompt/response CSV) file against the fine-tuning format."""
    from workbench.budget import tokens
    from workbench.chat.format import ChatFormatError
    from workbench.chat.checks import validate_path
    from workbench.cli.render import render_report

    if not file.is_file():
        raise UserError(f"{file}: no such file; check the path.")
    count, limit = None, None
    if model_name:
        # The catalogue only, read without opening (migrating, seeding) the workspace.
        spec = _resolve_model_without_store(ctx.obj.get("db") or paths.default_db_path(), model_name)
        encoding = tokens.get_encoding(spec.encoding)
        limit = spec.training_context_limit
        count = lambda record: tokens.count_example(record, encoding).total  # noqa: E731
    try:
        report = validate_path(file, count_tokens=count, context_limit=limit)
    except (ChatFormatError, OSError) as exc:
        raise UserError(str(exc)) from exc
    if as_json:
        _echo_json(report.to_dict())
    else:
        click.echo(render_report(report))
    ctx.exit(EXIT_DATA if report.errors else EXIT_OK)


@cli.command()
@click.argument("target")
@click.option("--model", "model_name", required=True, help="Target model, e.g. gpt-4o-mini-2024-07-18.")
@click.option("--status", type=click.Choice(["draft", "approved", "rejected"]),
              help="Only examples with this status (datasets only).")
@click.option("--epochs", type=click.IntRange(min=1), help="Epochs (default: the cookbook's rule).")
@click.option("--json", "as_json", is_flag=True, help="Print the estimate as JSON.")
@click.pass_context
def budget(ctx: click.Context, target: str, model_name: str, status: str | None, epochs: int | None,
           as_json: bool) -> None:
    """Token counts, epochs and cost of training TARGET (a file or a dataset) on a model."""
    from workbench.budget.sources import budget_for_dataset, budget_for_file
    from workbench.cli.render import render_budget

    store = _store(ctx)
    spec = _resolve_model(store, model_name)
    path = Path(target)
    if path.is_file():
        estimate, skipped = budget_for_file(store, path, spec, epochs)
    else:
        dataset = store.datasets.get_dataset(target)
        if dataset is None:
            raise UserError(f"{target}: neither a file nor a dataset; check the path or run `workbench datasets`.")
        estimate, skipped = budget_for_dataset(store, dataset, spec, epochs, status)
    if as_json:
        _echo_json({**estimate.to_dict(), "skipped_lines": skipped})
    else:
        click.echo(render_budget(estimate, skipped))


@cli.command(name="import")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--dataset", help="Dataset to import into (created if new; default: the file name).")
@click.option("--skip-invalid", is_flag=True, help="Import the good lines, record the rejected ones.")
@click.option("--model", "model_name", help="Warn about examples over this model's context limit.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_context
def import_(ctx: click.Context, file: Path, dataset: str | None, skip_invalid: bool, model_name: str | None,
            as_json: bool) -> None:
    """Import a JSONL or CSV file into a dataset: all or nothing unless --skip-invalid."""
    from workbench.dataset.importer import ImportFailed, import_file
    from workbench.cli.render import render_import

    store = _store(ctx)
    limit = _resolve_model(store, model_name).training_context_limit if model_name else None
    try:
        result = import_file(store, file, dataset, skip_invalid=skip_invalid, context_limit=limit)
    except ImportFailed as exc:
        raise UserError(str(exc)) from exc
    if as_json:
        _echo_json(result.to_dict())
    else:
        click.echo(render_import(result))
    ctx.exit(EXIT_OK if result.committed else EXIT_DATA)


@cli.command()
@click.argument("dataset")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder for train.jsonl, validation.jsonl and version.json.")
@click.option("--status", type=click.Choice(["draft", "approved", "rejected"]),
              help="Only examples with this status (e.g. approved).")
@click.option("--validation-share", default=0.1, show_default=True, type=click.FloatRange(0, 1, max_open=True),
              help="Share of examples for validation.jsonl (0 for none).")
@click.option("--message", "-m", default="", help="Changelog for the new version.")
@click.option("--allow-pii", is_flag=True, help="Export even if examples have unreviewed personal-data findings.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_context
def export(ctx: click.Context, dataset: str, out_dir: Path, status: str | None, validation_share: float,
           message: str, allow_pii: bool, as_json: bool) -> None:
    """Write a dataset's examples as JSONL and freeze a dataset version."""
    from workbench.dataset.exporter import ExportRefused
    from workbench.pii.review import scan_and_export
    from workbench.cli.render import render_export

    try:
        result = scan_and_export(_store(ctx), dataset, out_dir, status=status,
                                validation_share=validation_share, message=message, allow_pii=allow_pii)
    except ExportRefused as exc:
        raise as_user_error(exc) from exc
    if as_json:
        _echo_json(result.to_dict())
    else:
        click.echo(render_export(result))


@cli.command()
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def datasets(ctx: click.Context, as_json: bool) -> None:
    """List datasets with their example counts."""
    from workbench.cli.render import render_datasets

    rows = _store(ctx).datasets.list_datasets()
    _echo_json(rows) if as_json else click.echo(render_datasets(rows))


@cli.command()
@click.argument("dataset")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def versions(ctx: click.Context, dataset: str, as_json: bool) -> None:
    """List the frozen versions of a dataset."""
    from workbench.cli.render import render_versions

    store = _store(ctx)
    row = store.datasets.get_dataset(dataset)
    if row is None:
        raise UserError(f"No dataset named {dataset!r}; run `workbench datasets`.")
    rows = store.datasets.list_versions(row["id"])
    _echo_json(rows) if as_json else click.echo(render_versions(rows))


@cli.group()
def models() -> None:
    """The editable models table: encodings, context limits, prices."""


@models.command(name="list")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def models_list(ctx: click.Context, as_json: bool) -> None:
    """Show the models table."""
    from workbench.cli.render import render_models

    rows = _store(ctx).models.list_models()
    _echo_json(rows) if as_json else click.echo(render_models(rows))


@models.command(name="set")
@click.argument("name")
@click.option("--price", type=click.FloatRange(min=0), help="USD per 1M training tokens.")
@click.option("--limit", type=click.IntRange(min=1), help="Training context limit in tokens.")
@click.option("--encoding", type=click.Choice(["cl100k_base", "o200k_base"]))
@click.pass_context
def models_set(ctx: click.Context, name: str, price: float | None, limit: int | None,
               encoding: str | None) -> None:
    """Change (or add) a model's price, limit or encoding."""
    from workbench.budget.catalog import set_model

    changes = {k: v for k, v in {"price_training_per_1m": price, "training_context_limit": limit,
                                 "encoding": encoding}.items() if v is not None}
    if not changes:
        raise UserError("Nothing to change: give --price, --limit or --encoding.")
    try:
        set_model(_store(ctx), name, changes)
    except ValueError as exc:
        raise UserError(str(exc)) from exc
    click.echo(f"{name}: updated {', '.join(changes)}")


def _register_subcommands() -> None:
    from workbench.cli import eval as cli_eval
    from workbench.cli import pii as cli_pii

    cli_eval.register(cli)
    cli.add_command(cli_pii.pii)


_register_subcommands()


def main() -> None:
    """Entry point: run the CLI, turning any unexpected error into one line + crash.log."""
    try:
        # standalone_mode=False returns ctx.exit()'s code instead of exiting
        code = cli.main(standalone_mode=False, prog_name="workbench")
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except WorkbenchError as exc:
        click.echo(f"error: {cli_message(exc)}", err=True)
        sys.exit(exit_code_for(exc))
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(130)
    except KeyboardInterrupt:
        click.echo("Interrupted; nothing half-written was kept.", err=True)
        sys.exit(130)
    except Exception as exc:  # noqa: BLE001 - the last line of defence
        _crash(exc)
    sys.exit(code if isinstance(code, int) else EXIT_OK)


def _crash(exc: Exception) -> None:
    from workbench.budget.tokens import TokenizerUnavailable

    if isinstance(exc, TokenizerUnavailable):
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_USAGE)
    log = paths.cache_dir() / "crash.log"
    with open(log, "a", encoding="utf-8") as handle:
        handle.write("".join(traceback.format_exception(type(exc), exc, exc.__traceback__)) + "\n")
    click.echo(f"error: unexpected {type(exc).__name__}: {exc} (details in {log}; please report it)", err=True)
    sys.exit(EXIT_USAGE)


if __name__ == "__main__":
    main()
