"""CLI commands for evaluation: golden sets, model answers, rating sessions and reports."""

from __future__ import annotations

from pathlib import Path

import click
from workbench.dataset import STATUSES

from workbench.cli.common import _echo_json, _store, user_errors
from workbench.cli.completion import complete_dataset, complete_golden_set, complete_session
from workbench.cli.options import json_option


_golden_errors = user_errors("workbench.eval.golden:GoldenError", "workbench.eval.rating:RatingError")


@click.group()
def golden() -> None:
    """Golden sets: prompts to evaluate models on, frozen into versions."""


@golden.command(name="import")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--set", "set_name", required=True, shell_complete=complete_golden_set,
              help="Golden set (created if new).")
@click.option("--freeze/--no-freeze", default=True, show_default=True, help="Freeze a version afterwards.")
@click.option("--message", "-m", default="", help="Changelog of the frozen version.")
@json_option
@click.pass_context
@_golden_errors
def golden_import(ctx, file: Path, set_name: str, freeze: bool, message: str, as_json: bool) -> None:
    """Add prompts from JSONL ({id, messages, reference?, tags?}) or CSV (prompt, system?, reference?, tags?)."""
    from workbench.eval import golden as g

    store = _store(ctx)
    result = g.import_prompts(store, set_name, file)
    frozen = g.freeze(store, set_name, message) if freeze else None
    if as_json:
        _echo_json({**_added_json(set_name, result), "version": _freeze_json(*frozen) if frozen else None})
        return
    click.echo(f"{set_name}: added {result.added} prompts ({result.duplicates} already there).")
    if frozen:
        _echo_freeze(*frozen, set_name)


def _added_json(set_name: str, result) -> dict:
    return {"golden_set": set_name, "added": result.added, "duplicates": result.duplicates,
            "problems": list(result.problems)}


def _freeze_json(version: dict, created: bool) -> dict:
    return {"number": version["number"], "prompt_count": version["prompt_count"], "created": created,
            "id": version.get("id")}


@golden.command(name="from-dataset")
@click.argument("dataset", shell_complete=complete_dataset)
@click.option("--set", "set_name", required=True, shell_complete=complete_golden_set,
              help="Golden set (created if new).")
@click.option("--status", type=click.Choice(STATUSES), help="Only examples with this status.")
@click.option("--tag", help="Only examples with this tag.")
@json_option
@click.pass_context
@_golden_errors
def golden_from_dataset(ctx, dataset: str, set_name: str, status: str | None, tag: str | None,
                        as_json: bool) -> None:
    """Make prompts from a dataset's examples (the conversation up to the last assistant turn)."""
    from workbench.eval import golden as g

    result = g.prompts_from_dataset(_store(ctx), set_name, dataset, status, tag)
    if as_json:
        _echo_json(_added_json(set_name, result))
        return
    click.echo(f"{set_name}: added {result.added} prompts ({result.duplicates} already there).")
    for problem in result.problems:
        click.echo(f"note: {problem}")


@golden.command(name="freeze")
@click.argument("set_name", shell_complete=complete_golden_set)
@click.option("--message", "-m", default="", help="Changelog of the new version.")
@json_option
@click.pass_context
@_golden_errors
def golden_freeze(ctx, set_name: str, message: str, as_json: bool) -> None:
    """Freeze the set's current prompts as a new version."""
    from workbench.eval import golden as g

    frozen = g.freeze(_store(ctx), set_name, message)
    if as_json:
        _echo_json({"golden_set": set_name, **_freeze_json(*frozen)})
        return
    _echo_freeze(*frozen, set_name)


def _echo_freeze(version: dict, created: bool, set_name: str) -> None:
    verb = "froze" if created else "unchanged since"
    click.echo(f"{set_name}: {verb} version {version['number']} ({version['prompt_count']} prompts).")


@golden.command(name="list")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def golden_list(ctx, as_json: bool) -> None:
    """List golden sets."""
    from workbench.cli.render import table

    rows = _store(ctx).golden.list_golden_sets()
    if as_json:
        _echo_json(rows)
    elif not rows:
        click.echo("No golden sets yet; `workbench golden import FILE --set NAME` makes one.")
    else:
        click.echo(table(["golden set", "prompts", "latest version"],
                         [(r["name"], r["prompts"], r["latest_version"] or "-") for r in rows]))


@click.group()
def answers() -> None:
    """Model answers to golden-set prompts."""


@answers.command(name="import")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--set", "set_name", required=True, shell_complete=complete_golden_set,
              help="Golden set the answers are for.")
@click.option("--version", "version_number", type=int, help="Golden-set version (default: latest).")
@click.option("--model", help="Model name for files whose lines do not name one.")
@click.option("--skip-invalid", is_flag=True, help="Import the good lines and list the bad ones (default: all or nothing).")
@json_option
@click.pass_context
@_golden_errors
def answers_import(ctx, file: Path, set_name: str, version_number: int | None, model: str | None,
                   skip_invalid: bool, as_json: bool) -> None:
    """Import answers: JSONL {prompt_id, model, output, latency_ms?, tokens?} or OpenAI chat lines.

    An empty answer ("output": "") is a real result and is imported (it should lose)."""
    from workbench.eval import golden as g

    skipped: list[str] | None = [] if skip_invalid else None
    counts = g.import_answers(_store(ctx), set_name, file, version_number, model, skipped=skipped)
    if as_json:
        _echo_json({"golden_set": set_name, "answers_by_model": counts, "skipped": skipped or []})
        return
    for name, n in counts.items():
        click.echo(f"{name}: {n} answers")
    if not counts:
        click.echo("No answers imported.")
    for problem in skipped or []:
        click.echo(f"skipped: {problem}")


@click.group()
def rate() -> None:
    """Blind side-by-side rating sessions and their reports."""


@rate.command(name="new")
@click.option("--set", "set_name", required=True, shell_complete=complete_golden_set, help="Golden set.")
@click.option("--version", "version_number", type=int, help="Golden-set version (default: latest).")
@click.option("--candidate", required=True, help="Candidate model (as named in the answers).")
@click.option("--baseline", required=True, help="Baseline model.")
@click.option("--target-n", type=click.IntRange(min=1), default=200, show_default=True,
              help="Ratings planned before the gate gives a verdict.")
@click.option("--threshold", type=float, default=0.55, show_default=True,
              help="Win rate the candidate must reach to be promoted.")
@click.option("--name", help="Session name (default: 'CANDIDATE vs BASELINE').")
@click.option("--sequential", is_flag=True,
              help="Let the gate decide at any vote (always-valid test); --target-n is then the most votes.")
@click.option("--margin", is_flag=True, help="Test W > threshold itself, not W > 0.5 with the threshold as a bar.")
@json_option
@click.pass_context
@_golden_errors
def rate_new(ctx, set_name, version_number, candidate, baseline, target_n, threshold, name, sequential,
             margin, as_json) -> None:
    """Plan a rating session between two models."""
    from dataclasses import asdict

    from workbench.eval.rating import create_session, plan

    store = _store(ctx)
    session = create_session(store, set_name, candidate, baseline, version=version_number,
                             target_n=target_n, threshold=threshold, name=name, sequential=sequential,
                             margin=margin)
    session_plan = plan(store, set_name, target_n, version=version_number)
    if as_json:
        _echo_json({"session": session, "plan": asdict(session_plan)})
        return
    click.echo(f"Session {session['name']!r} planned ({session['id']}); rate it in the app's Rating mode.")
    if session_plan.tags:
        click.echo(f"Each tag needs {session_plan.prompts_per_tag} prompts in the planned sample for the gate to "
                   f"catch a drop to W=0.35 with 80% power.")
    for warning in session_plan.warnings:
        click.echo(f"warning: {warning}")


@rate.command(name="sessions")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def rate_sessions(ctx, as_json: bool) -> None:
    """List rating sessions."""
    from workbench.cli.render import table

    rows = _store(ctx).ratings.list_rating_sessions()
    if as_json:
        _echo_json(rows)
        return
    click.echo(table(["session", "candidate", "baseline", "pairs", "ratings", "target n"],
                     [(r["name"], r["candidate_model"], r["baseline_model"], r["pairs"], r["ratings"],
                       r["target_n"]) for r in rows]) if rows else "No rating sessions yet.")


@rate.command(name="whoami")
@click.argument("name", required=False)
@json_option
@click.pass_context
def rate_whoami(ctx, name: str | None, as_json: bool) -> None:
    """Show or set the rater name recorded with your ratings."""
    from workbench.eval.rating import RATER_SETTING

    store = _store(ctx)
    if name:
        store.set_setting(RATER_SETTING, name.strip())
    current = store.get_setting(RATER_SETTING)
    if as_json:
        _echo_json({"rater": current})
        return
    click.echo(current or "No rater name set; `workbench rate whoami NAME` sets it.")


@rate.command(name="report")
@click.argument("session", shell_complete=complete_session)
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
@_golden_errors
def rate_report(ctx, session: str, as_json: bool) -> None:
    """Win rate with intervals, per-tag results, position bias, agreement and the gate."""
    from workbench.eval.rating import session_report
    from workbench.cli.render_eval import render_rating_report

    report = session_report(_store(ctx), session)
    _echo_json(report) if as_json else click.echo(render_rating_report(report))


@rate.command(name="import")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--session", "session_name", required=True, help="Name to import the judgements under.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_context
@_golden_errors
def rate_import(ctx, file: Path, session_name: str, as_json: bool) -> None:
    """Bring in judgements made elsewhere: JSONL or CSV with prompt_id (or prompt), model_a,
    model_b, winner (a/b/tie/both-bad), and optionally rater, shown_left (a/b), time, comment.

    All or nothing; importing the same file again adds nothing. They feed `rate leaderboard`."""
    from workbench.eval.rating import import_judgements

    result = import_judgements(_store(ctx), file, session_name)
    if as_json:
        _echo_json(result.__dict__)
    else:
        click.echo(f"{result.session}: {result.added} judgements added ({result.duplicates} already there) "
                   f"across {result.models} models.")


@rate.command(name="export")
@click.argument("session")
@click.option("--out", "out_file", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="File to write: .csv for CSV, anything else JSONL (the format `rate import` reads).")
@click.pass_context
@_golden_errors
def rate_export(ctx, session: str, out_file: Path) -> None:
    """Write a rating session's (or an imported session's) judgements to a file."""
    from workbench.eval.rating import export_judgements

    n = export_judgements(_store(ctx), session, out_file)
    click.echo(f"{session}: wrote {n} judgements to {out_file}")


@rate.command(name="leaderboard")
@click.option("--set", "set_name", shell_complete=complete_golden_set, help="Only sessions on this golden set (imported judgements name none).")
@click.option("--prior", type=click.FloatRange(min=0), default=0.1, show_default=True,
              help="Virtual ties between every pair of models; 0 = plain maximum likelihood "
                   "(as published Bradley-Terry tools). See docs/statistics.md.")
@click.option("--resamples", type=click.IntRange(min=10), default=1000, show_default=True,
              help="Bootstrap resamples for the intervals.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
@_golden_errors
def rate_leaderboard(ctx, set_name: str | None, prior: float, resamples: int, as_json: bool) -> None:
    """Bradley-Terry strengths of all rated models, with bootstrap 95% intervals."""
    from workbench.eval.rating import leaderboard
    from workbench.cli.render import table

    rows = leaderboard(_store(ctx), set_name, resamples=resamples, prior=prior)
    if as_json:
        _echo_json(rows)
    elif not rows:
        click.echo("No ratings yet.")
    else:
        click.echo(table(["model", "strength", "95% interval", "votes"],
                         [(r["model"], f"{r['strength']:.2f}", f"[{r['low']:.2f}, {r['high']:.2f}]", r["votes"])
                          for r in rows]))
        click.echo(f"Strengths: geometric mean 1; P(A beats B) = sA / (sA + sB). Prior {prior:g} virtual ties "
                   f"per pair; intervals: bootstrap over votes ({resamples} resamples).")


def register(cli: click.Group) -> None:
    for group in (golden, answers, rate):
        cli.add_command(group)

