"""The `workbench` command line (click).

Exit codes (docs/cli.md): 0 success; 1 the data has errors (validate found errors, an
import or export was refused); 2 a usage or I/O problem (bad option, missing file,
unreadable store); 130 cancelled with Ctrl+C (nothing written). No traceback reaches
the user: unexpected errors are written to crash.log in the cache dir and summarised
in one line.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from workbench.cli.common import (EXIT_CANCELLED, EXIT_DATA, EXIT_OK, EXIT_USAGE, UserError, _echo_json, _store,
                                  as_user_error, cli_message, exit_code_for)
from workbench.cli.help import SectionedGroup
from workbench.cli.options import findings_options, version_option
from workbench.errors import WorkbenchError
from workbench.dataset import STATUSES

CANCELLED_LINE = "cancelled, nothing written"

# Start-up cost: a command imports only its own module and what it uses. `workbench
# validate` has to start in 0.3 s (issue 14), so nothing here imports the store, the
# completion machinery or the other command groups at import time.


def complete_dataset(ctx: click.Context, param: click.Parameter, incomplete: str):
    """Shell completion of dataset names (the completion module is loaded when asked)."""
    from workbench.cli.completion import complete_dataset as complete

    return complete(ctx, param, incomplete)


def complete_dataset_or_file(ctx: click.Context, param: click.Parameter, incomplete: str):
    """Shell completion of a dataset name or a file path."""
    from workbench.cli.completion import complete_dataset_or_file as complete

    return complete(ctx, param, incomplete)


#: Top-level commands defined in other modules: name -> module with a `register(cli)`
#: (or the command itself, under the same name). Loaded when invoked or listed in help.
LAZY_COMMANDS: dict[str, str] = {
    "golden": "workbench.cli.eval", "answers": "workbench.cli.eval", "rate": "workbench.cli.eval",
    "pii": "workbench.cli.pii",
    "snapshot": "workbench.cli.snapshot",
    "risks": "workbench.cli.governance", "audit": "workbench.cli.governance",
    "provider": "workbench.cli.providers", "keys": "workbench.cli.providers",
    "jobs": "workbench.cli.jobs", "kit": "workbench.cli.jobs",
    "doctor": "workbench.cli.doctor", "purge": "workbench.cli.doctor",
    "registry": "workbench.cli.registry", "generate": "workbench.cli.registry",
    "health": "workbench.cli.health", "coverage": "workbench.cli.health", "duplicates": "workbench.cli.health",
    "report": "workbench.cli.health",
    "completion": "workbench.cli.completion",
}


class LazyGroup(SectionedGroup):
    """The root group, whose other command modules are imported on first use.

    `get_command` loads only the module of the command asked for; `list_commands`
    names every command without loading any. Reading `.commands` (the help tests walk
    the whole tree) loads them all, so the tree looks as if built eagerly."""

    def __init__(self, *args, **kwargs) -> None:
        self._loaded: set[str] = set()
        super().__init__(*args, **kwargs)

    @property
    def commands(self) -> dict[str, click.Command]:
        for module in sorted(set(LAZY_COMMANDS.values()) - self._loaded):
            self._load(module)
        return self._commands

    @commands.setter
    def commands(self, value: dict[str, click.Command]) -> None:
        self._commands = value

    def add_command(self, cmd: click.Command, name: str | None = None) -> None:
        name = name or cmd.name
        if name is None:
            raise TypeError("Command has no name.")
        self._commands[name] = cmd  # not through .commands: that would load every module

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(self._commands) | set(LAZY_COMMANDS))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        module = LAZY_COMMANDS.get(cmd_name)
        if cmd_name not in self._commands and module is not None and module not in self._loaded:
            self._load(module)
        return self._commands.get(cmd_name)

    def _load(self, module_name: str) -> None:
        from importlib import import_module

        from workbench.cli.help import EXAMPLES, examples_epilog, has_examples, walk

        self._loaded.add(module_name)
        module = import_module(module_name)
        before = set(self._commands)
        register = getattr(module, "register", None)
        if register is not None:
            register(self)
        for name, source in LAZY_COMMANDS.items():
            if source == module_name and name not in self._commands:
                self.add_command(getattr(module, name), name)
        for name in set(self._commands) - before:  # the examples add_examples would give
            for path, command in walk(self._commands[name], name):
                if path in EXAMPLES and not has_examples(command):
                    command.epilog = examples_epilog(EXAMPLES[path])


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


@click.group(cls=LazyGroup, invoke_without_command=True)
@click.option("--db", type=click.Path(dir_okay=False, path_type=Path),
              help="Store file to use (default: the built-in store; WORKBENCH_HOME moves it).")
@version_option
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


def _file_size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 1 << 62  # unknown: not small


@cli.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--model", "model_name", help="Target model: adds over-length warnings for its context limit.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@findings_options
@click.pass_context
def validate(ctx: click.Context, file: Path, model_name: str | None, as_json: bool, show: int | None) -> None:
    """Check a JSONL (or prompt/response CSV) file against the fine-tuning format."""
    from workbench.budget import tokens
    from workbench.chat.format import ChatFormatError
    from workbench.chat.checks import validate_path
    from workbench.cli.progress import count_lines, progress_bar, stderr_is_terminal
    from workbench.cli.render import render_report

    if not file.is_file():
        raise UserError(f"{file}: no such file; check the path.")
    count, limit = None, None
    if model_name:
        # The catalogue only, read without opening (migrating, seeding) the workspace.
        from workbench import paths

        spec = _resolve_model_without_store(ctx.obj.get("db") or paths.default_db_path(), model_name)
        # a small file: the Python encoder over the cached ranks starts faster (same counts)
        encoding = tokens.get_encoding(spec.encoding, small=_file_size(file) < tokens.SMALL_INPUT_BYTES)
        limit = spec.training_context_limit
        count = lambda record: tokens.count_example(record, encoding).total  # noqa: E731
    try:
        # the extra pass that counts lines is for the bar's ETA: only when it shows (asked
        # before the bar starts: while it runs, rich stands in for stderr)
        total = count_lines(file) if stderr_is_terminal() else None
        with progress_bar(f"validating {file.name}", unit="lines") as bar:
            report = validate_path(file, count_tokens=count, context_limit=limit, for_training=True,
                                   progress=(lambda done: bar(done, total)) if total is not None else None)
    except (ChatFormatError, OSError) as exc:
        raise UserError(str(exc)) from exc
    if as_json:
        _echo_json(report.to_dict())
    else:
        click.echo(render_report(report, show))
    ctx.exit(EXIT_DATA if report.errors else EXIT_OK)


@cli.command()
@click.argument("target", shell_complete=complete_dataset_or_file)
@click.option("--model", "model_name", required=True, help="Target model, e.g. gpt-4o-mini-2024-07-18.")
@click.option("--status", type=click.Choice(STATUSES),
              help="Only examples with this status (datasets only).")
@click.option("--epochs", type=click.IntRange(min=1), help="Epochs (default: the cookbook's rule).")
@click.option("--provider", "provider_name",
              help="Price with this provider's training catalogue (`workbench provider models`).")
@click.option("--json", "as_json", is_flag=True, help="Print the estimate as JSON.")
@click.pass_context
def budget(ctx: click.Context, target: str, model_name: str, status: str | None, epochs: int | None,
           provider_name: str | None, as_json: bool) -> None:
    """Token counts, epochs and cost of training TARGET (a file or a dataset) on a model."""
    from workbench.budget.sources import budget_for_dataset, budget_for_file
    from workbench.cli.render import render_budget

    store = _store(ctx)
    rule = None
    if provider_name:
        from workbench.errors import WorkbenchError
        from workbench.providers.catalogue import budget_model

        try:
            spec, rule = budget_model(store, provider_name, model_name)
        except WorkbenchError as exc:
            raise UserError(f"{exc.message} {exc.hint}".strip()) from exc
    else:
        spec = _resolve_model(store, model_name)
    path = Path(target)
    if path.is_file():
        estimate, skipped = budget_for_file(store, path, spec, epochs, rule=rule)
    else:
        dataset = store.datasets.get_dataset(target)
        if dataset is None:
            raise UserError(f"{target}: neither a file nor a dataset; check the path or run `workbench datasets`.")
        estimate, skipped = budget_for_dataset(store, dataset, spec, epochs, status, rule=rule)
    if as_json:
        _echo_json({**estimate.to_dict(), "skipped_lines": skipped})
    else:
        click.echo(render_budget(estimate, skipped))


@cli.command(name="import")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--dataset", shell_complete=complete_dataset,
              help="Dataset to import into (created if new; default: the file name).")
@click.option("--skip-invalid", is_flag=True, help="Import the good lines, record the rejected ones.")
@click.option("--model", "model_name", help="Warn about examples over this model's context limit.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@findings_options
@click.pass_context
def import_(ctx: click.Context, file: Path, dataset: str | None, skip_invalid: bool, model_name: str | None,
            as_json: bool, show: int | None) -> None:
    """Import a JSONL or CSV file into a dataset: all or nothing unless --skip-invalid."""
    from workbench.dataset.importer import ImportFailed, import_file
    from workbench.cli.progress import progress_bar
    from workbench.cli.render import render_import

    store = _store(ctx)
    limit = _resolve_model(store, model_name).training_context_limit if model_name else None
    try:
        with progress_bar(f"importing {file.name}", unit="bytes") as bar:
            result = import_file(store, file, dataset, skip_invalid=skip_invalid, context_limit=limit,
                                 progress=bar)
    except ImportFailed as exc:
        raise UserError(str(exc)) from exc
    if as_json:
        _echo_json(result.to_dict())
    else:
        click.echo(render_import(result, show))
    ctx.exit(EXIT_OK if result.committed else EXIT_DATA)


@cli.command()
@click.argument("dataset", shell_complete=complete_dataset)
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder for train.jsonl, validation.jsonl and version.json.")
@click.option("--status", type=click.Choice([*STATUSES, "all"]), default="approved",
              show_default=True,
              help="Which examples to export: approved only by default (as the app does); `all` for every status.")
@click.option("--validation-share", default=0.1, show_default=True, type=click.FloatRange(0, 1, max_open=True),
              help="Share of examples for validation.jsonl (0 for none).")
@click.option("--message", "-m", default="", help="Changelog for the new version.")
@click.option("--allow-pii", is_flag=True, help="Export even if examples have unreviewed personal-data findings.")
@click.option("--override-coverage", "coverage_override", metavar="REASON",
              help="Export even if a declared coverage minimum is unmet; the reason is audited.")
@click.option("--allow-oversize", is_flag=True,
              help="Write a file even if it is over the provider's 512 MB upload limit (to split it yourself).")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_context
def export(ctx: click.Context, dataset: str, out_dir: Path, status: str | None, validation_share: float,
           message: str, allow_pii: bool, coverage_override: str | None, allow_oversize: bool,
           as_json: bool) -> None:
    """Write a dataset's approved examples (--status to change) as JSONL and freeze a dataset version.

    First the personal-data gate scans the examples and refuses while findings are
    unreviewed. A clean scan is not proof of clean data: the offline rules miss names
    with no capital and no cue, bare surnames and names in no list, addresses without a
    house number, other countries' phone numbers written nationally, dates of birth and
    descriptions that identify someone (docs/pii.md, "What the scanner cannot see").
    """
    from workbench.dataset.exporter import ExportRefused
    from workbench.pii.review import scan_and_export, scan_dataset
    from workbench.cli.progress import progress_bar, spinner
    from workbench.cli.render import render_export

    store = _store(ctx)
    try:
        if not allow_pii and store.datasets.get_dataset(dataset) is not None:
            # The scan scan_and_export runs first, done here with a bar; its own rescan
            # then finds nothing changed and returns at once.
            with progress_bar(f"scanning {dataset} for personal data", unit="texts") as bar:
                scan_dataset(store, dataset, progress=bar)
        with spinner(f"exporting {dataset}"):
            result = scan_and_export(store, dataset, out_dir, status=None if status == "all" else status,
                                     validation_share=validation_share, message=message, allow_pii=allow_pii,
                                     coverage_override=coverage_override, allow_oversize=allow_oversize)
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
@click.argument("dataset", shell_complete=complete_dataset)
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


def _undo_redo(ctx: click.Context, dataset: str, direction: str, as_json: bool) -> None:
    from workbench.dataset.curation import Curation

    store = _store(ctx)
    row = store.datasets.get_dataset(dataset)
    if row is None:
        raise UserError(f"No dataset named {dataset!r}; run `workbench datasets`.")
    curation = Curation(store, author="cli")
    step = curation.undo(row["id"]) if direction == "undo" else curation.redo(row["id"])
    if as_json:
        # always an object (docs/cli.md): `done` false when there was nothing to do
        _echo_json({"dataset": dataset, "direction": direction, "done": step is not None,
                    "action": step.action if step else None,
                    "example_ids": list(step.example_ids) if step else [],
                    "changes": list(step.changes) if step else []})
    elif step is None:
        click.echo(f"Nothing to {direction} in {dataset}.")
    else:
        click.echo(step.describe())
        for line in step.changes[3:]:
            click.echo(f"  {line}")


@cli.command()
@click.option("--dataset", required=True, help="Dataset whose last edit to undo (undo never reaches another).")
@click.option("--json", "as_json", is_flag=True, help="Print what changed as JSON.")
@click.pass_context
def undo(ctx: click.Context, dataset: str, as_json: bool) -> None:
    """Undo the newest edit in a dataset (the app's ctrl+z), saying what it changed."""
    _undo_redo(ctx, dataset, "undo", as_json)


@cli.command()
@click.option("--dataset", required=True, help="Dataset whose last undone edit to redo.")
@click.option("--json", "as_json", is_flag=True, help="Print what changed as JSON.")
@click.pass_context
def redo(ctx: click.Context, dataset: str, as_json: bool) -> None:
    """Redo the edit undone last in a dataset."""
    _undo_redo(ctx, dataset, "redo", as_json)


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
@click.option("--json", "as_json", is_flag=True, help="Print the model's row as JSON.")
@click.pass_context
def models_set(ctx: click.Context, name: str, price: float | None, limit: int | None,
               encoding: str | None, as_json: bool) -> None:
    """Change (or add) a model's price, limit or encoding."""
    from workbench.budget.catalog import set_model

    changes = {k: v for k, v in {"price_training_per_1m": price, "training_context_limit": limit,
                                 "encoding": encoding}.items() if v is not None}
    if not changes:
        raise UserError("Nothing to change: give --price, --limit or --encoding.")
    store = _store(ctx)
    try:
        set_model(store, name, changes)
    except ValueError as exc:
        raise UserError(str(exc)) from exc
    if as_json:
        _echo_json({"model": name, "changed": sorted(changes),
                    "row": next((r for r in store.models.list_models() if r["name"] == name), None)})
        return
    click.echo(f"{name}: updated {', '.join(changes)}")


def _add_examples() -> None:
    """Examples for the commands defined in this module; LazyGroup adds the others'."""
    from workbench.cli.help import EXAMPLES, examples_epilog, has_examples, walk

    if "" in EXAMPLES and not has_examples(cli):
        cli.epilog = examples_epilog(EXAMPLES[""])
    for name, command in list(cli._commands.items()):
        for path, sub in walk(command, name):
            if path in EXAMPLES and not has_examples(sub):
                sub.epilog = examples_epilog(EXAMPLES[path])


_add_examples()


def _ascii_safe_streams() -> list[str] | None:
    """Under a strict ASCII locale (LC_ALL=C, PYTHONUTF8=0) Python decodes non-ASCII
    arguments as surrogates and cannot print non-ASCII text. Arguments are taken as the
    UTF-8 the terminal sent, and output escapes what the terminal cannot show, instead
    of failing with UnicodeEncodeError."""
    import os

    for stream in (sys.stdout, sys.stderr):
        encoding = (getattr(stream, "encoding", "") or "").lower().replace("-", "")
        if encoding and encoding != "utf8" and hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    args = sys.argv[1:]
    if any(any("\udc80" <= ch <= "\udcff" for ch in arg) for arg in args):
        return [os.fsencode(arg).decode("utf-8", "replace") for arg in args]
    return None


def main() -> None:
    """Entry point: run the CLI, turning any unexpected error into one line + crash.log."""
    try:
        args = _ascii_safe_streams()
        # standalone_mode=False returns ctx.exit()'s code instead of exiting
        code = cli.main(args=args, standalone_mode=False, prog_name="workbench")
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except WorkbenchError as exc:
        click.echo(f"error: {cli_message(exc)}", err=True)
        sys.exit(exit_code_for(exc))
    except (click.exceptions.Abort, KeyboardInterrupt):
        # click turns Ctrl+C into Abort. The features' transactions rolled back on the
        # way out and partial files were discarded: nothing was written.
        click.echo(CANCELLED_LINE, err=True)
        sys.exit(EXIT_CANCELLED)
    except Exception as exc:  # noqa: BLE001 - the last line of defence
        _crash(exc)
    sys.exit(code if isinstance(code, int) else EXIT_OK)


def _crash(exc: Exception) -> None:
    from workbench.budget.tokens import TokenizerUnavailable

    if isinstance(exc, TokenizerUnavailable):
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_USAGE)
    known = _environment_failure(exc)
    if known:
        click.echo(f"error: {known}", err=True)
        sys.exit(EXIT_USAGE)
    from workbench import paths

    log = paths.write_crash_log(exc)
    where = f"details in {log}; " if log else ""
    click.echo(f"error: unexpected {type(exc).__name__}: {exc} ({where}please report it)", err=True)
    sys.exit(EXIT_USAGE)


def _environment_failure(exc: BaseException) -> str | None:
    """One line for failures of the machine rather than of the program: a read-only file
    or mount, a full disk, a damaged store, text the locale cannot encode."""
    from store.db import failure_kind

    seen = exc
    while seen is not None:
        kind = failure_kind(seen)
        where = getattr(seen, "filename", None) or "the store or output folder"
        if kind == "readonly":
            return (f"cannot write to {where}: the file or the disk it is on is read-only. Nothing was changed; "
                    "use a writable copy (--db) or folder.")
        if kind == "full":
            return f"the disk holding {where} is full. Nothing was half-written; free some space and retry."
        if kind == "damaged":
            return f"the store is damaged ({seen}). Run `workbench doctor` and restore a good copy."
        if isinstance(seen, UnicodeError):
            return (f"text this terminal's locale cannot handle ({seen.reason}); set a UTF-8 locale, "
                    "e.g. LC_ALL=C.UTF-8.")
        seen = seen.__cause__ or seen.__context__
    return None


if __name__ == "__main__":
    main()
