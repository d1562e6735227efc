"""Options several commands share, so they read the same everywhere: `--json`, and
`--show N` / `--all` for the findings summary. Conventions: docs/cli.md."""

from __future__ import annotations

import functools

import click

from workbench.cli.render import DEFAULT_SHOWN_PER_CODE


def json_option(fn):
    """`--json`: one JSON document on stdout instead of text (shapes in docs/cli.md)."""
    return click.option("--json", "as_json", is_flag=True,
                        help="Print the result as JSON (one document on stdout; see docs/cli.md).")(fn)


def findings_options(fn):
    """`--show N` and `--all`, turned into one `show` argument: N example lines per
    finding code, or None for every finding."""

    @click.option("--show", "show_n", type=click.IntRange(min=0), default=DEFAULT_SHOWN_PER_CODE,
                  show_default=True, help="Example lines per finding code under the summary table.")
    @click.option("--all", "show_all", is_flag=True, help="Every finding, not just the first lines per code.")
    @functools.wraps(fn)
    def wrapper(*args, show_n: int, show_all: bool, **kwargs):
        return fn(*args, show=None if show_all else show_n, **kwargs)

    return wrapper


def _print_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if not value or ctx.resilient_parsing:
        return
    from workbench.cli.help import version_line

    click.echo(version_line())
    ctx.exit()


def version_option(fn):
    """`--version`: the app's version and its store schema (newest migration)."""
    return click.option("--version", is_flag=True, expose_value=False, is_eager=True, callback=_print_version,
                        help="Show the version and the store schema version, then exit.")(fn)
