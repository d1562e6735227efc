"""Pieces every CLI module shares: error types with exit codes, the store of the
current invocation, JSON output."""

from __future__ import annotations

import json

import click

EXIT_OK, EXIT_DATA, EXIT_USAGE = 0, 1, 2
EXIT_CANCELLED = 130  # Ctrl+C, as shells report SIGINT (128 + 2)


class UserError(click.ClickException):
    """A problem the user can fix; printed as one line, exit code 2."""

    exit_code = EXIT_USAGE

    def show(self, file=None) -> None:  # noqa: ARG002 - click's signature
        click.echo(f"error: {self.format_message()}", err=True)


class DataError(UserError):
    exit_code = EXIT_DATA


#: How the CLI words a domain hint that depends on the front end.
CLI_HINTS = {
    "allow_pii": "Or export anyway with --allow-pii.",
    "promote_override": "Or promote anyway with --override --reason TEXT.",
    "set_key": "Run `workbench keys set PROVIDER`.",
    "confirm_launch": "Answer yes, or pass --yes.",
    "coverage_override": "To export anyway: --override-coverage \"REASON\".",
    "allow_oversize": "Or write it anyway with --allow-oversize (to split it yourself).",
}


def exit_code_for(exc: Exception) -> int:
    """The exit code of a domain error, by its class (never by its text)."""
    from workbench.errors import DataRefused

    return EXIT_DATA if isinstance(exc, DataRefused) else EXIT_USAGE


def cli_message(exc: Exception) -> str:
    """One line (or a few) for a domain error, its hint worded for the command line."""
    from workbench.errors import WorkbenchError

    if not isinstance(exc, WorkbenchError):
        return str(exc)
    extra = CLI_HINTS.get(exc.hint_key or "", "")
    return " ".join(part for part in (exc.message, exc.hint, extra) if part)


def as_user_error(exc: Exception) -> UserError:
    """A click error carrying the domain error's message and exit code."""
    error = DataError(cli_message(exc)) if exit_code_for(exc) == EXIT_DATA else UserError(cli_message(exc))
    return error


def _store(ctx: click.Context):
    from store import StoreError
    from workbench.workspace import open_store

    if "store" not in ctx.obj:
        try:
            ctx.obj["store"] = open_store(ctx.obj.get("db"))
        except StoreError as exc:
            raise UserError(str(exc)) from exc
        ctx.call_on_close(ctx.obj["store"].close)
    return ctx.obj["store"]


def _echo_json(value: object) -> None:
    click.echo(json.dumps(value, indent=2, ensure_ascii=False))


def user_errors(*error_names: str):
    """Decorator: exceptions of these types (given as "module:Class", imported when
    raised, to keep CLI start-up light) become one-line user errors with exit code 2."""
    from functools import wraps
    from importlib import import_module

    def decorate(fn):
        @wraps(fn)
        def wrapper(*args, **kwargs):
            try:
                return fn(*args, **kwargs)
            except Exception as exc:
                for name in error_names:
                    module, _, cls = name.partition(":")
                    if isinstance(exc, getattr(import_module(module), cls)):
                        raise as_user_error(exc) from exc
                raise
        return wrapper
    return decorate
