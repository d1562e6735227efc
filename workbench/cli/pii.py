"""CLI commands for personal data: scan, list, decide, preview, redact, deny/allow lists."""

from __future__ import annotations

from pathlib import Path

import click

from workbench.cli.common import UserError, _echo_json, _store, user_errors
from workbench.cli.completion import complete_dataset
from workbench.cli.options import json_option


_pii_errors = user_errors("workbench.pii.review:PiiError")
mode_option = click.option("--mode", type=click.Choice(["placeholder", "pseudonym"]), default="placeholder",
                           show_default=True, help="<ENTITY> placeholders or consistent fake values.")


@click.group()
def pii() -> None:
    """Personal data: offline scan (en/nl/fr), review, redaction."""


@pii.command()
@click.argument("dataset", shell_complete=complete_dataset)
@click.option("--workers", type=click.IntRange(1, 64), default=2, show_default=True)
@json_option
@click.pass_context
@_pii_errors
def scan(ctx, dataset: str, workers: int, as_json: bool) -> None:
    """Scan the examples changed since the last scan (all of them the first time)."""
    from workbench.cli.app import import_sqlite_utils_lightly

    import_sqlite_utils_lightly()  # nothing to scan answers in milliseconds: pandas would cost a second
    from workbench.cli.progress import progress_bar
    from workbench.pii.review import scan_dataset

    with progress_bar(f"scanning {dataset}", unit="texts") as bar:
        result = scan_dataset(_store(ctx), dataset, workers=workers, progress=bar)
    if as_json:
        _echo_json({"dataset": dataset, "scanned": result.scanned, "findings": result.findings,
                    "auto_dismissed": result.auto_dismissed, "by_entity": dict(result.by_entity.most_common()),
                    "engine": result.engine})
        return
    kinds = ", ".join(f"{entity} {n}" for entity, n in result.by_entity.most_common()) or "none"
    click.echo(f"Scanned {result.scanned} examples: {result.findings} findings ({kinds}); "
               f"{result.auto_dismissed} dismissed earlier.")
    click.echo(f"Engine: {result.engine}.")


@pii.command(name="list")
@click.argument("dataset", shell_complete=complete_dataset)
@click.option("--decision", type=click.Choice(["pending", "redact", "dismiss"]))
@click.option("--entity", help="Only this entity type, e.g. EMAIL_ADDRESS.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
@_pii_errors
def list_(ctx, dataset: str, decision: str | None, entity: str | None, as_json: bool) -> None:
    """Findings with the value in context (shown here, never stored in the findings table)."""
    from workbench.pii.review import findings_with_context
    from workbench.cli.render import table

    rows = findings_with_context(_store(ctx), dataset, decision, entity)
    if as_json:
        _echo_json(rows)
        return
    if not rows:
        click.echo("No findings.")
        return
    click.echo(table(["id", "example", "msg", "entity", "score", "decision", "in context"],
                     [(r["id"][:8], f"#{r['position']}", r["message_index"], r["entity"], f"{r['score']:.2f}",
                       r["decision"], f"…{r['before'][-20:]}[{r['value']}]{r['after'][:20]}…".replace("\n", " "))
                      for r in rows]))


@pii.command()
@click.argument("dataset", shell_complete=complete_dataset)
@click.argument("finding", required=False)
@click.option("--redact", "decision", flag_value="redact", help="Accept: redact it.")
@click.option("--dismiss", "decision", flag_value="dismiss", help="A false positive: keep it.")
@click.option("--pending", "decision", flag_value="pending", help="Undecide.")
@click.option("--same-value", is_flag=True, help="Apply to every finding of the same value in the dataset.")
@click.option("--entity", help="Apply to every pending finding of this entity type.")
@json_option
@click.pass_context
@_pii_errors
def decide(ctx, dataset: str, finding: str | None, decision: str | None, same_value: bool,
           entity: str | None, as_json: bool) -> None:
    """Decide a finding (id or id prefix), all findings of its value, or a whole entity type."""
    from workbench.pii.review import decide as decide_

    if decision is None:
        raise UserError("Say --redact, --dismiss or --pending.")
    store = _store(ctx)
    finding_id = _full_id(store, dataset, finding) if finding else None
    if not finding_id and not entity:
        raise UserError("Give a finding id (from `workbench pii list`) or --entity TYPE.")
    n = decide_(store, dataset, decision, finding_id=None if same_value else finding_id,
                value_of=finding_id if same_value else None, entity=None if finding_id else entity)
    if as_json:
        _echo_json({"dataset": dataset, "decision": decision, "findings": n})
        return
    click.echo(f"{n} findings marked {decision}.")


def _full_id(store, dataset: str, prefix: str) -> str:
    dataset_row = store.datasets.get_dataset(dataset)
    if dataset_row is None:
        raise UserError(f"No dataset named {dataset!r}.")
    matches = [f["id"] for f in store.pii.pii_findings(dataset_row["id"]) if f["id"].startswith(prefix)]
    if len(matches) != 1:
        raise UserError(f"{prefix!r} matches {len(matches)} findings; give more of the id.")
    return matches[0]


@pii.command()
@click.argument("dataset", shell_complete=complete_dataset)
@mode_option
@json_option
@click.pass_context
@_pii_errors
def preview(ctx, dataset: str, mode: str, as_json: bool) -> None:
    """Show what redacting the accepted findings would change, without changing it."""
    from workbench.pii.review import preview as preview_

    rows = preview_(_store(ctx), dataset, mode)
    if as_json:
        _echo_json(rows)
        return
    if not rows:
        click.echo("Nothing accepted for redaction yet (`workbench pii decide ... --redact`).")
    for row in rows:
        click.echo(f"#{row['position']} message {row['message_index']} ({row['field']}):\n"
                   f"  before: {row['before']}\n  after:  {row['after']}")


@pii.command()
@click.argument("dataset", shell_complete=complete_dataset)
@mode_option
@json_option
@click.pass_context
@_pii_errors
def redact(ctx, dataset: str, mode: str, as_json: bool) -> None:
    """Redact every accepted finding; the original values are purged from the store."""
    from workbench.cli.progress import spinner
    from workbench.pii.review import apply_redactions

    # apply_redactions reports no progress of its own: a spinner with elapsed time.
    with spinner(f"redacting {dataset}"):
        result = apply_redactions(_store(ctx), dataset, mode)
    if as_json:
        _echo_json({"dataset": dataset, "mode": mode, **result})
        return
    click.echo(f"Redacted {result['values']} values in {result['examples']} examples "
               f"({result['revisions_purged']} older revisions and {result['rejections_dropped']} rejected "
               f"import lines purged).")
    for copy in result["copies"]:
        what = f"version {copy['name']}" if copy["kind"] == "version" else f"golden set {copy['name']!r}"
        command = (f"workbench purge version {dataset} {copy['name']}" if copy["kind"] == "version"
                   else f"workbench purge golden {copy['name']}")
        click.echo(f"Still holds text from before the redaction: {what} (`{command}` removes it).")
    if not result["scrubbed"]:
        # Never a clean report that isn't: the old pages are still in the file.
        click.echo("Not yet removed from the file: another program has the store open (a read in "
                   "progress), so the old values stay in it until that program closes. They are "
                   "wiped the next time the store is opened, or by `workbench doctor`.", err=True)
        ctx.exit(1)


def _edit_list(ctx, setting: str, add: tuple[str, ...], remove: tuple[str, ...], as_json: bool = False) -> None:
    store = _store(ctx)
    values = [v for v in store.get_setting(setting, []) if v not in remove]
    values += [v for v in add if v not in values]
    store.set_setting(setting, values)
    if as_json:
        _echo_json(values)
        return
    click.echo("\n".join(values) if values else "(empty)")


@pii.command()
@click.argument("names", nargs=-1)
@click.option("--remove", multiple=True, help="Take a name off the list.")
@json_option
@click.pass_context
def deny(ctx, names: tuple[str, ...], remove: tuple[str, ...], as_json: bool) -> None:
    """Names that are always personal data (customers, staff). No arguments: show the list."""
    from workbench.pii.review import DENY_SETTING

    _edit_list(ctx, DENY_SETTING, names, remove, as_json)


@pii.command()
@click.argument("words", nargs=-1)
@click.option("--remove", multiple=True, help="Take a word off the list.")
@json_option
@click.pass_context
def allow(ctx, words: tuple[str, ...], remove: tuple[str, ...], as_json: bool) -> None:
    """Words that are never personal data (brands, products). No arguments: show the list."""
    from workbench.pii.review import ALLOW_SETTING

    _edit_list(ctx, ALLOW_SETTING, words, remove, as_json)


@pii.command(name="spacy-model")
@click.argument("directory", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.option("--clear", is_flag=True, help="Stop using a spaCy model.")
@json_option
@click.pass_context
def spacy_model(ctx, directory: Path | None, clear: bool, as_json: bool) -> None:
    """Use a spaCy pipeline you already have on disk for extra PERSON findings (never downloaded)."""
    from workbench.pii.review import SPACY_SETTING

    store = _store(ctx)
    if clear:
        store.set_setting(SPACY_SETTING, None)
    elif directory is not None:
        if not (directory / "meta.json").is_file():
            raise UserError(f"{directory}: not a spaCy pipeline folder (no meta.json); give the folder that "
                            "spacy.load() would take.")
        store.set_setting(SPACY_SETTING, str(directory.resolve()))
    current = store.get_setting(SPACY_SETTING)
    if as_json:
        _echo_json({"spacy_model": current})
        return
    click.echo(current or "No spaCy model: names come from the built-in offline recognizer.")
