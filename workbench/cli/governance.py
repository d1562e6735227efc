"""`workbench risks ...` (the risk register) and `workbench audit` (who changed what, when)."""

from __future__ import annotations

import click

from workbench.cli.common import _echo_json, _store, user_errors

_errors = user_errors("workbench.errors:WorkbenchError")
SEVERITIES = ["low", "medium", "high", "critical"]
LIKELIHOODS = ["rare", "unlikely", "possible", "likely", "certain"]
STATUSES = ["open", "mitigating", "accepted", "closed"]


def _actor(store) -> str:
    from workbench.snapshots.export import author

    return author(store)


@click.group()
def risks() -> None:
    """The risk register: severity, likelihood, mitigation, owner, status, evidence."""


@risks.command(name="list")
@click.option("--status", type=click.Choice(STATUSES))
@click.option("--severity", type=click.Choice(SEVERITIES))
@click.option("--owner")
@click.option("--search", "text", help="Words in the title or description.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
@_errors
def risks_list(ctx, status, severity, owner, text, as_json) -> None:
    """List risks, most severe first (closed ones last)."""
    from workbench.cli.render import table
    from workbench.governance.risks import list_risks

    rows = list_risks(_store(ctx), status=status, severity=severity, owner=owner, text=text)
    if as_json:
        _echo_json(rows)
    elif not rows:
        click.echo("No risks recorded; `workbench risks add TITLE` adds one.")
    else:
        click.echo(table(["id", "risk", "severity", "likelihood", "status", "owner", "evidence"],
                         [(r["id"][:8], r["title"], r["severity"], r["likelihood"], r["status"], r["owner"],
                           r["evidence_count"]) for r in rows]))


@risks.command(name="add")
@click.argument("title")
@click.option("--description", default="")
@click.option("--severity", type=click.Choice(SEVERITIES), default="medium", show_default=True)
@click.option("--likelihood", type=click.Choice(LIKELIHOODS), default="possible", show_default=True)
@click.option("--mitigation", default="")
@click.option("--owner", default="")
@click.option("--status", type=click.Choice(STATUSES), default="open", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print the new risk as JSON.")
@click.pass_context
@_errors
def risks_add(ctx, title, description, severity, likelihood, mitigation, owner, status, as_json) -> None:
    """Record a risk."""
    from workbench.governance.risks import add_risk

    store = _store(ctx)
    risk = add_risk(store, title, description=description, severity=severity, likelihood=likelihood,
                    mitigation=mitigation, owner=owner, status=status, actor=_actor(store))
    if as_json:
        _echo_json(risk)
        return
    click.echo(f"Risk {risk['id'][:8]} recorded: {risk['title']} ({severity}, {likelihood}).")


@risks.command(name="show")
@click.argument("risk")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
@_errors
def risks_show(ctx, risk, as_json) -> None:
    """One risk with its evidence."""
    from workbench.governance.risks import get_risk

    row = get_risk(_store(ctx), risk)
    if as_json:
        _echo_json(row)
        return
    click.echo(f"{row['title']}  [{row['id']}]")
    for label in ("severity", "likelihood", "status", "owner", "description", "mitigation", "updated_at"):
        click.echo(f"  {label}: {row[label]}")
    for item in row["evidence"]:
        click.echo(f"  evidence: {item['kind']} {item['ref']}" + (f" ({item['note']})" if item["note"] else ""))


@risks.command(name="update")
@click.argument("risk")
@click.option("--title")
@click.option("--description")
@click.option("--severity", type=click.Choice(SEVERITIES))
@click.option("--likelihood", type=click.Choice(LIKELIHOODS))
@click.option("--mitigation")
@click.option("--owner")
@click.option("--status", type=click.Choice(STATUSES))
@click.option("--json", "as_json", is_flag=True, help="Print the changed risk as JSON.")
@click.pass_context
@_errors
def risks_update(ctx, risk, as_json=False, **changes) -> None:
    """Change a risk's fields (the change is audited)."""
    from workbench.governance.risks import update_risk

    store = _store(ctx)
    row = update_risk(store, risk, actor=_actor(store), **changes)
    if as_json:
        _echo_json(row)
        return
    click.echo(f"Risk {row['id'][:8]}: {row['title']} ({row['severity']}, {row['likelihood']}, {row['status']}).")


@risks.command(name="link")
@click.argument("risk")
@click.argument("kind", type=click.Choice(["rating_session", "pii_scan", "dataset_version", "golden_version",
                                           "registry_model", "dataset", "link"]))
@click.argument("ref")
@click.option("--note", default="")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
@_errors
def risks_link(ctx, risk, kind, ref, note, as_json) -> None:
    """Attach evidence (an SBS session, a PII scan, a dataset version, ... by id; or a link)."""
    from workbench.governance.risks import link_evidence

    store = _store(ctx)
    added = link_evidence(store, risk, kind, ref, note, actor=_actor(store))
    if as_json:
        _echo_json({"risk": risk, "kind": kind, "ref": ref, "added": bool(added)})
        return
    click.echo("Evidence attached." if added else "That evidence was already attached.")


@click.command()
@click.option("--action", help="imports, exports, redactions, promotions, merges, risks, or an action name prefix.")
@click.option("--entity", help="dataset, example, snapshot, risk, rating_session, ...")
@click.option("--actor", help="Who did it.")
@click.option("--since", help="From this date (YYYY-MM-DD).")
@click.option("--until", help="Up to this date, inclusive.")
@click.option("--search", "text", help="Text in the details or the entity id.")
@click.option("--limit", type=click.IntRange(min=1), default=100, show_default=True)
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
@_errors
def audit(ctx, action, entity, actor, since, until, text, limit, as_json) -> None:
    """Who changed what and when, newest first."""
    from workbench.cli.render import table
    from workbench.governance.audit import entries, summary

    rows = entries(_store(ctx), action=action, entity=entity, actor=actor, since=since, until=until, text=text,
                   limit=limit)
    if as_json:
        _echo_json(rows)
    elif not rows:
        click.echo("No audit entries match.")
    else:
        click.echo(table(["when", "who", "action", "what", "details"],
                         [(r["at"][:19].replace("T", " "), r["actor"] or "-", r["action"],
                           f"{r['entity']} {(r['entity_id'] or '')[:8]}".strip(), summary(r, 60)) for r in rows]))


def register(cli: click.Group) -> None:
    cli.add_command(risks)
    cli.add_command(audit)
