"""`workbench snapshot ...`: export a snapshot file, inspect one, import (merge) one,
and settle the conflicts a merge left."""

from __future__ import annotations

from pathlib import Path

import click

from workbench.cli.common import _echo_json, _store, user_errors

_snapshot_errors = user_errors("workbench.errors:WorkbenchError")


def _names(value: str | None) -> list[str] | None:
    return None if value is None else [v.strip() for v in value.split(",") if v.strip()]


@click.group()
def snapshot() -> None:
    """Team snapshots: SQLite files to pass around, merged by UUID."""


@snapshot.command(name="export")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--datasets", help="Only these datasets (comma-separated names).")
@click.option("--golden", help="Only these golden sets (comma-separated), with their answers, sessions and ratings.")
@click.option("--json", "as_json", is_flag=True, help="Print the manifest as JSON.")
@click.pass_context
@_snapshot_errors
def snapshot_export(ctx, file: Path, datasets: str | None, golden: str | None, as_json: bool) -> None:
    """Write a consistent copy of the workspace (or a subset) and FILE.manifest.json."""
    from workbench.snapshots.export import export_snapshot

    manifest = export_snapshot(_store(ctx), file, _names(datasets), _names(golden))
    if as_json:
        _echo_json(manifest)
        return
    rows = sum(manifest["row_counts"].values())
    click.echo(f"{file}: {rows} rows, {manifest['bytes']:,} bytes, sha256 {manifest['sha256']}")
    click.echo(f"manifest: {file}.manifest.json (schema {manifest['schema_version']}, by {manifest['author']})")


def _render_report(report: dict, verb: str) -> None:
    from workbench.cli.render import table

    manifest = report["manifest"] or {}
    click.echo(f"{report['file']}: by {manifest.get('author', '?')} at {manifest.get('created_at', '?')}, "
               f"workspace {str(manifest.get('workspace_id', '?'))[:8]}, schema {manifest.get('schema_version', '?')}")
    if report["migrated_from"]:
        click.echo(f"older schema ({report['migrated_from']}): migrated in a temporary copy")
    rows = [(t, c["new"], c["changed"], c["conflicting"], c["unchanged"]) for t, c in report["tables"].items()]
    click.echo(table(["table", "new", "changed", "conflicting", "unchanged"], rows) if rows else "The snapshot is empty.")
    pending = [c for c in report["conflicts"] if not c.get("resolved")]
    settled = [c for c in report["conflicts"] if c.get("resolved")]
    if settled:
        click.echo(f"{len(settled)} example(s) edited on both sides, settled as {settled[0]['resolved']}.")
    if pending:
        click.echo(f"{len(pending)} example(s) edited on both sides {verb} conflicts to settle: "
                   "`workbench snapshot conflicts`, or import with --prefer mine|theirs.")
    for note in report["notes"][:10]:
        click.echo(f"note: {note}")
    for row in report["agreement"]:
        alpha = "undefined" if row["alpha"] is None else f"{row['alpha']:.3f}"
        click.echo(f"agreement in {row['session']!r}: Krippendorff's alpha {alpha} over {row['units']} prompts "
                   f"({', '.join(row['raters'])})" + ("  LOW" if row["low_agreement"] else ""))


@snapshot.command(name="inspect")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
@_snapshot_errors
def snapshot_inspect(ctx, file: Path, as_json: bool) -> None:
    """Check a snapshot (read-only) and preview what importing it would change."""
    from workbench.snapshots.merge import inspect_snapshot

    report = inspect_snapshot(_store(ctx), file).as_dict()
    _echo_json(report) if as_json else _render_report(report, "would become")


@snapshot.command(name="import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--prefer", type=click.Choice(["mine", "theirs"]),
              help="Settle examples edited on both sides now, instead of leaving conflicts.")
@click.option("--dry-run", is_flag=True, help="Only show what would change (same as inspect).")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
@_snapshot_errors
def snapshot_import(ctx, file: Path, prefer: str | None, dry_run: bool, as_json: bool) -> None:
    """Merge a snapshot into the workspace by UUID, in one transaction."""
    from workbench.snapshots.merge import import_snapshot

    report = import_snapshot(_store(ctx), file, prefer=prefer, preview=dry_run).as_dict()
    if as_json:
        _echo_json(report)
        return
    _render_report(report, "would become" if dry_run else "became")
    if not dry_run:
        click.echo(f"{report['changes']} change(s) written." if report["changes"] else
                   "Nothing to change: everything in the snapshot is already here.")


@snapshot.command(name="conflicts")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def snapshot_conflicts(ctx, as_json: bool) -> None:
    """Examples edited both here and in an imported snapshot, waiting for mine / theirs / both."""
    from workbench.cli.render import table
    from workbench.snapshots.merge import pending_conflicts

    rows = pending_conflicts(_store(ctx))
    if as_json:
        _echo_json(rows)
    elif not rows:
        click.echo("No merge conflicts.")
    else:
        click.echo(table(["conflict", "dataset", "example", "from", "since"],
                         [(r["id"][:8], r["dataset"], f"#{r['position']}", r["source"], r["created_at"][:19])
                          for r in rows]))


@snapshot.command(name="resolve")
@click.argument("conflict")
@click.argument("choice", type=click.Choice(["mine", "theirs", "both"]))
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
@_snapshot_errors
def snapshot_resolve(ctx, conflict: str, choice: str, as_json: bool) -> None:
    """Settle a conflict: keep mine, take theirs, or keep both (theirs as a new example)."""
    from workbench.snapshots.merge import resolve_conflict

    result = resolve_conflict(_store(ctx), conflict, choice)
    if as_json:
        _echo_json({"choice": choice, **result})
        return
    extra = f"; their version is example {result['copy_id'][:8]}" if result.get("copy_id") else ""
    click.echo(f"Conflict {result['id'][:8]} settled: {choice}{extra}.")
