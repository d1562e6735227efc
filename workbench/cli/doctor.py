"""`workbench doctor` and `workbench purge`."""

from __future__ import annotations

import click

from workbench.cli.common import _echo_json, _store, user_errors

_purge_errors = user_errors("workbench.doctor.purge:PurgeRefused")


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.pass_context
def doctor(ctx: click.Context, as_json: bool) -> None:
    """Check the store: integrity, content hashes, pending scrubs, leftovers, old copies."""
    from workbench.doctor.checks import examine

    checks = examine(_store(ctx))
    if as_json:
        _echo_json([c.to_dict() for c in checks])
    else:
        for check in checks:
            click.echo(f"{'ok  ' if check.ok else 'FAIL'} {check.name}: {check.detail}")
            if check.fix and not check.ok:
                click.echo(f"     fix: {check.fix}")
    ctx.exit(0 if all(c.ok for c in checks) else 1)


@click.group()
def purge() -> None:
    """Delete frozen copies of text for good (after a redaction, or on request)."""


def _report(ctx: click.Context, result) -> None:
    click.echo(f"Purged {result.what}.")
    if not result.scrubbed:
        click.echo("Not yet wiped from the file: another program has the store open; it is wiped when the store "
                   "is next opened.", err=True)
        ctx.exit(1)


@purge.command(name="version")
@click.argument("dataset")
@click.argument("number")
@click.pass_context
@_purge_errors
def purge_version(ctx: click.Context, dataset: str, number: str) -> None:
    """The frozen lines of version NUMBER (e.g. 2 or v2) of DATASET."""
    from workbench.doctor.purge import purge_version as purge_

    try:
        value = int(number.lstrip("vV"))
    except ValueError:
        raise click.BadParameter(f"{number!r} is not a version number such as 2 or v2") from None
    _report(ctx, purge_(_store(ctx), dataset, value))


@purge.command(name="golden")
@click.argument("name")
@click.pass_context
@_purge_errors
def purge_golden(ctx: click.Context, name: str) -> None:
    """A golden set with its versions, generated answers, rating sessions and ratings."""
    from workbench.doctor.purge import purge_golden as purge_

    _report(ctx, purge_(_store(ctx), name))


@purge.command(name="judgements")
@click.argument("session")
@click.pass_context
@_purge_errors
def purge_judgements(ctx: click.Context, session: str) -> None:
    """Judgements imported with `rate import` under this session name (prompt text, comments)."""
    from workbench.doctor.purge import purge_judgements as purge_

    _report(ctx, purge_(_store(ctx), session))


@purge.command(name="rejections")
@click.argument("dataset")
@click.pass_context
@_purge_errors
def purge_rejections(ctx: click.Context, dataset: str) -> None:
    """The rejected lines kept from DATASET's imports."""
    from workbench.doctor.purge import purge_rejections as purge_

    _report(ctx, purge_(_store(ctx), dataset))


@purge.command(name="deleted")
@click.argument("dataset")
@click.pass_context
@_purge_errors
def purge_deleted(ctx: click.Context, dataset: str) -> None:
    """DATASET's examples in the bin, with their history."""
    from workbench.doctor.purge import purge_deleted as purge_

    _report(ctx, purge_(_store(ctx), dataset))


def register(cli: click.Group) -> None:
    cli.add_command(doctor)
    cli.add_command(purge)
