"""`workbench health DATASET`, `workbench coverage require|remove`, `workbench
duplicates DATASET` and `workbench report`: a dataset's health, its coverage checklist, near-duplicates, and
the stakeholder report."""

from __future__ import annotations

from pathlib import Path

import click

from workbench.cli.common import EXIT_DATA, _echo_json, _store, user_errors

_ERRORS = ("workbench.errors:WorkbenchError",)


def _pct(value: float) -> str:
    return f"{value:.1%}"


def _rows(title: str, rows, limit: int | None = None) -> list[str]:
    lines = [title]
    shown = rows[:limit] if limit else rows
    width = max((len(r.label) for r in shown), default=0)
    lines += [f"  {r.label:<{width}}  {r.count:>7}  {_pct(r.share):>6}" for r in shown]
    if limit and len(rows) > limit:
        lines.append(f"  ... and {len(rows) - limit} more")
    return lines


def render_health(h) -> str:
    """The health of a dataset as plain text: tables, then the checklist."""
    lines = [f"Dataset {h.dataset}: {h.examples} {'live' if h.status is None else h.status} examples", ""]
    lines += _rows("By intent:", h.by_intent) + [""]
    lines += _rows("By language:", h.by_language) + [""]
    lines += _rows("By turns:", h.by_turns) + [""]
    lines += _rows(f"By length ({h.encoding}):", h.by_tokens) + [""]
    lines += _rows("By tag:", h.by_tag, limit=15) + [""]
    lines += [
        f"Refusals:    {h.refusals:>6} ({_pct(h.share(h.refusals))}): {h.refusals_tagged} tagged, "
        f"{h.refusals_detected} more detected by their answer",
        f"Escalations: {h.escalations:>6} ({_pct(h.share(h.escalations))})",
        f"Edge cases:  {h.edge_cases:>6} ({_pct(h.share(h.edge_cases))})",
        f"Untagged:    {h.untagged:>6} ({_pct(h.share(h.untagged))})",
        f"Diversity over intents: J = {h.diversity:.2f} (1 = even; effective intents {h.effective_intents:.1f})",
        f"Near-duplicate groups open: {h.duplicate_groups} ({h.duplicate_examples} examples)",
        f"Drafts written from ratings: {h.from_ratings}",
        "",
    ]
    if h.checklist:
        lines.append("Coverage checklist:")
        lines += [f"  {'ok     ' if c.met else 'MISSING'}  {c.target}: {c.count} ({_pct(c.share)}), needs {c.rule}"
                  for c in h.checklist]
        if h.unmet:
            lines.append(f"{len(h.unmet)} declared minimum(s) unmet: `workbench export` refuses until they are met "
                         "(or --override-coverage REASON).")
    else:
        lines.append("No coverage minimum declared (`workbench coverage require DATASET TARGET MIN`).")
    return "\n".join(lines)


@click.command()
@click.argument("dataset")
@click.option("--status", type=click.Choice(["draft", "approved", "rejected"]), help="Only examples with this status.")
@click.option("--model", "model_name", help="Model whose tokenizer measures the lengths (default: gpt-4o-mini).")
@click.option("--strict", is_flag=True, help="Exit with code 1 when a declared minimum is unmet.")
@click.option("--json", "as_json", is_flag=True, help="Print the health as JSON.")
@click.pass_context
@user_errors(*_ERRORS)
def health(ctx: click.Context, dataset: str, status: str | None, model_name: str | None, strict: bool,
           as_json: bool) -> None:
    """The health of DATASET: coverage by tag, intent, language, turns and length;
    refusals, escalations, edge cases; diversity; the declared coverage checklist."""
    from workbench.budget.catalog import resolve_model
    from workbench.budget.sources import budget_for_dataset
    from workbench.health.metrics import dataset_health
    from workbench.health.report import DEFAULT_MODEL

    store = _store(ctx)
    spec = resolve_model(store, model_name or DEFAULT_MODEL)
    found = store.datasets.get_dataset(dataset)
    if found is not None:
        budget_for_dataset(store, found, spec, status=status)  # fills the token counts still missing
    result = dataset_health(store, dataset, encoding=spec.encoding, status=status)
    if as_json:
        _echo_json(result.to_dict())
    else:
        click.echo(render_health(result))
    if strict and result.unmet:
        ctx.exit(EXIT_DATA)


@click.group()
def coverage() -> None:
    """Declare the coverage a dataset needs (export refuses while a minimum is unmet)."""


@coverage.command()
@click.argument("dataset")
@click.argument("target")
@click.argument("minimum")
@click.pass_context
@user_errors(*_ERRORS)
def require(ctx: click.Context, dataset: str, target: str, minimum: str) -> None:
    """Declare that DATASET needs MINIMUM (a count like 20, or a share like 5%) of TARGET:
    tag:NAME, intent:NAME, intent:* (every intent), language:CODE, language:* (every
    language), refusals, escalations or edge_cases. Export refuses while it is unmet."""
    from workbench.dataset.coverage import declare
    from workbench.errors import InvalidRequest

    store = _store(ctx)
    found = store.datasets.get_dataset(dataset)
    if found is None:
        raise InvalidRequest(f"No dataset named {dataset!r}.")
    rule = declare(store, found["id"], target, minimum)
    click.echo(f"{dataset}: requires {rule.describe()}")


@coverage.command()
@click.argument("dataset")
@click.argument("target")
@click.pass_context
@user_errors(*_ERRORS)
def remove(ctx: click.Context, dataset: str, target: str) -> None:
    """Remove a declared minimum."""
    from workbench.errors import InvalidRequest

    store = _store(ctx)
    found = store.datasets.get_dataset(dataset)
    if found is None or not store.health.remove_rule(found["id"], target):
        raise InvalidRequest(f"{dataset} declares no minimum for {target!r}.")
    store.audit("coverage_rule_removed", "dataset", found["id"], {"target": target})
    click.echo(f"{dataset}: no longer requires {target}")


@click.command()
@click.argument("dataset")
@click.option("--threshold", default=None, type=click.FloatRange(0, 1, min_open=True),
              help="Estimated Jaccard similarity of word 3-grams from which two examples are near-duplicates "
                   "(default 0.6).")
@click.option("--json", "as_json", is_flag=True, help="Print the groups as JSON.")
@click.pass_context
@user_errors(*_ERRORS)
def duplicates(ctx: click.Context, dataset: str, threshold: float | None, as_json: bool) -> None:
    """Find near-duplicate examples (MinHash/LSH) and store the groups for review in the app."""
    from workbench.health import duplicates as finder

    store = _store(ctx)
    groups = finder.scan(store, dataset, threshold or finder.DEFAULT_THRESHOLD)
    if as_json:
        _echo_json([{"examples": [{"id": k, "similarity": s} for k, s in g.members]} for g in groups])
        return
    positions = {e["id"]: e["position"] for e in store.examples.iter_examples(store.datasets.get_dataset(dataset)["id"])}
    click.echo(f"{len(groups)} near-duplicate groups ({sum(len(g.members) for g in groups)} examples).")
    for group in groups[:30]:
        click.echo("  " + ", ".join(f"#{positions.get(k, '?')} ({s:.2f})" for k, s in group.members))
    if len(groups) > 30:
        click.echo(f"  ... and {len(groups) - 30} more; review them in the app (Health).")


@click.command()
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), default=Path("report.html"),
              show_default=True, help="The HTML page to write; the Markdown goes next to it (.md).")
@click.option("--model", "model_name", help="Model for the token budget and cost (default: the app's target model).")
@click.pass_context
@user_errors(*_ERRORS)
def report(ctx: click.Context, out: Path, model_name: str | None) -> None:
    """Write a self-contained HTML report (and Markdown) for stakeholders: dataset
    versions with their health, budget and cost, side-by-side results per tag, jobs."""
    from workbench.health.report import write_report

    html, markdown = write_report(_store(ctx), out, model_name)
    click.echo(f"Wrote {html} and {markdown}")


def register(cli: click.Group) -> None:
    for command in (health, coverage, duplicates, report):
        cli.add_command(command)
