"""A report people can read: one self-contained HTML page (and the same in Markdown)
for stakeholders. Dataset versions with their health, token budget and cost;
side-by-side results per tag with intervals; training jobs' loss curves, cost, and the
latency p95 of each model's answers.

The page carries its plots as inline SVG and its style inline: no script, no font, no
CDN, so it opens the same offline, in a mail attachment or from a file share.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timezone
from html import escape
from pathlib import Path

from store import Store
from workbench.health import svg
from workbench.health.metrics import Health, VersionHealth, dataset_health, version_health

DEFAULT_MODEL = "gpt-4o-mini-2024-07-18"
MODEL_SETTING = "tui.target_model"  # the model the app's screens use, when set


@dataclass
class DatasetSection:
    health: Health
    versions: list[dict]
    budget: object | None  # BudgetEstimate, None when the model is unknown
    version_health: dict[int, VersionHealth] = field(default_factory=dict)


@dataclass
class SessionSection:
    name: str
    candidate: str
    baseline: str
    n: int
    rate: tuple[float, float, float] | None
    tags: list[tuple[str, int, float, float, float, bool]]  # tag, n, rate, low, high, insufficient


@dataclass
class JobSection:
    label: str
    status: str
    losses: list[dict]
    trained_tokens: int | None
    cost: float | None


@dataclass
class Report:
    generated_at: str
    model: str
    datasets: list[DatasetSection] = field(default_factory=list)
    sessions: list[SessionSection] = field(default_factory=list)
    jobs: list[JobSection] = field(default_factory=list)
    latency: list[tuple[str, int, float | None]] = field(default_factory=list)  # model, answers, p95 ms


def percentile(values: list[float], pct: float) -> float | None:
    """Nearest-rank percentile (the value below which pct % of the answers fall)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return float(ordered[rank - 1])


def _model_spec(store: Store, name: str):
    from workbench.budget.catalog import resolve_model
    from workbench.budget.estimate import UnknownModel

    try:
        return resolve_model(store, name)
    except UnknownModel:
        return None


def build_report(store: Store, model_name: str | None = None) -> Report:
    """Gather every figure of the report from the store."""
    from workbench.budget.sources import budget_for_dataset

    model_name = model_name or store.get_setting(MODEL_SETTING, DEFAULT_MODEL)
    spec = _model_spec(store, model_name)
    report = Report(datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), model_name)
    for dataset in store.datasets.dataset_names():
        full = store.datasets.get_dataset(dataset["id"])
        budget = budget_for_dataset(store, full, spec)[0] if spec else None
        health = dataset_health(store, dataset["name"], encoding=spec.encoding if spec else "o200k_base")
        versions = store.datasets.list_versions(dataset["id"])
        report.datasets.append(DatasetSection(health, versions, budget,
                                              {v["number"]: version_health(store, dataset["id"], v) for v in versions}))
    report.sessions = _sessions(store)
    report.jobs = _jobs(store)
    by_model: dict[str, list[float]] = {}
    for row in store.health.answer_latencies():
        if row["latency_ms"] is not None:
            by_model.setdefault(row["model"], []).append(row["latency_ms"])
        else:
            by_model.setdefault(row["model"], [])
    report.latency = [(m, len(v), percentile(v, 95)) for m, v in sorted(by_model.items())]
    return report


def _sessions(store: Store) -> list[SessionSection]:
    from workbench.eval import stats
    from workbench.eval.rating import session_votes

    sections = []
    for session in store.ratings.list_rating_sessions():
        votes = session_votes(store, session)
        rate = stats.win_rate(votes)
        overall = (rate.rate.value, rate.rate.low, rate.rate.high) if rate.rate else None
        tags = [(t.tag, t.n, t.rate, t.low, t.high, t.insufficient) for t in stats.per_tag(votes)] if votes else []
        sections.append(SessionSection(session["name"], session["candidate_model"], session["baseline_model"],
                                       rate.n, overall, tags))
    return sections


def _jobs(store: Store) -> list[JobSection]:
    sections = []
    for job in store.health.training_jobs():
        spec = _model_spec(store, job["base_model"])
        cost = None
        if spec and job["trained_tokens"]:
            cost = job["trained_tokens"] / 1_000_000 * spec.price_training_per_1m
        label = job["fine_tuned_model"] or f"{job['base_model']} ({job['id'][:8]})"
        sections.append(JobSection(label, job["status"], store.health.job_losses(job["id"]),
                                   job["trained_tokens"], cost))
    return sections


# ---------------------------------------------------------------------- HTML

STYLE = """
body { font-family: sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; color: #222; }
h1 { font-size: 1.6rem; } h2 { border-bottom: 1px solid #ccc; padding-bottom: .2rem; margin-top: 2rem; }
table { border-collapse: collapse; margin: .5rem 0 1rem; } th, td { padding: .2rem .6rem; text-align: left; }
th { background: #eef2f6; } tr:nth-child(even) td { background: #f8f8f8; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.missing { color: #a32d2d; font-weight: bold; } .ok { color: #2d7a3a; }
.plots { display: flex; flex-wrap: wrap; gap: 1rem; } .note { color: #555; font-size: .9rem; }
"""


def _table(headers: list[str], rows: list[list], numeric: set[int] = frozenset()) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f'<td class="num">{cell}</td>' if i in numeric else f"<td>{cell}</td>"
                         for i, cell in enumerate(row)) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _pct(value: float) -> str:
    return f"{value:.1%}"


def _dataset_html(section: DatasetSection) -> str:
    h = section.health
    out = [f"<h2>Dataset {escape(h.dataset)}</h2>",
           f"<p>{h.examples} live examples · diversity over intents J = {h.diversity:.2f} "
           f"(effective intents {h.effective_intents:.1f}) · refusals {h.refusals} ({_pct(h.share(h.refusals))}) · "
           f"escalations {h.escalations} · edge cases {h.edge_cases} · untagged {h.untagged} · "
           f"open near-duplicate groups {h.duplicate_groups} · drafts from ratings {h.from_ratings}</p>"]
    if h.checklist:
        rows = [[escape(c.target), c.count, _pct(c.share), escape(c.rule),
                 '<span class="ok">met</span>' if c.met else '<span class="missing">MISSING</span>']
                for c in h.checklist]
        out += ["<h3>Coverage checklist</h3>", _table(["target", "examples", "share", "declared", ""], rows, {1, 2})]
    out.append('<div class="plots">')
    out.append(svg.bars("Examples by intent", [(s.label, s.count, f"{s.count} · {_pct(s.share)}") for s in h.by_intent]))
    out.append(svg.bars("Examples by language", [(s.label, s.count, f"{s.count} · {_pct(s.share)}")
                                                  for s in h.by_language]))
    out.append(svg.bars(f"Token length ({h.encoding})", [(s.label, s.count, str(s.count)) for s in h.by_tokens]))
    out.append(svg.bars("Turns per conversation", [(s.label, s.count, str(s.count)) for s in h.by_turns]))
    out.append("</div>")
    if section.versions:
        rows = [[v["number"], escape(v["created_at"][:16]), v["train_count"], v["validation_count"],
                 escape((v["train_sha256"] or "")[:12]), escape(v["changelog"] or ""),
                 *_version_cells(section.version_health.get(v["number"]))] for v in section.versions]
        out += ["<h3>Versions and their health</h3>",
                _table(["version", "frozen", "train", "validation", "sha256", "changelog", "diversity J", "refusals",
                        "languages", "coverage"], rows, {0, 2, 3, 6, 7})]
    else:
        out.append('<p class="note">No frozen version yet.</p>')
    b = section.budget
    if b is not None:
        out += ["<h3>Token budget and cost</h3>", _table(
            ["model", "examples", "tokens", "trained tokens", "epochs", "billed tokens", "estimated cost", "over limit"],
            [[escape(b.model), b.n_examples, f"{b.total_tokens:,}", f"{b.trained_tokens:,}", b.epochs,
              f"{b.billed_tokens:,}", f"${b.estimated_cost:,.2f}", b.over_limit]], {1, 2, 3, 4, 5, 6, 7})]
    return "".join(out)


def _version_cells(vh: VersionHealth | None) -> list[str]:
    if vh is None:
        return ["—"] * 4
    languages = ", ".join(f"{s.label} {s.share:.0%}" for s in vh.languages)
    unmet = ("ok" if not vh.unmet else
             '<span class="missing">' + escape(", ".join(c.target for c in vh.unmet)) + " missing</span>")
    return [f"{vh.diversity:.2f}", f"{vh.refusals} ({_pct(vh.share(vh.refusals))})", escape(languages), unmet]


def _sessions_html(sessions: list[SessionSection]) -> str:
    if not sessions:
        return '<h2>Side-by-side results</h2><p class="note">No rating session yet.</p>'
    out = ["<h2>Side-by-side results</h2>"]
    for s in sessions:
        overall = (f"candidate win rate {_pct(s.rate[0])} [{_pct(s.rate[1])}, {_pct(s.rate[2])}]"
                   if s.rate else "no votes yet")
        out.append(f"<h3>{escape(s.name)}</h3><p>{escape(s.candidate)} vs {escape(s.baseline)} · {s.n} votes · "
                   f"{overall} (95% Wilson interval; ties and both-bad count half)</p>")
        if s.tags:
            rows = [[escape(t[0]), t[1], _pct(t[2]), f"[{_pct(t[3])}, {_pct(t[4])}]",
                     "too few votes" if t[5] else ""] for t in s.tags]
            out.append(_table(["tag", "votes", "win rate", "95% interval", ""], rows, {1, 2}))
            out.append(svg.intervals(f"Win rate per tag: {s.name}",
                                     [(t[0], t[2], t[3], t[4], f"n={t[1]}") for t in s.tags]))
    return "".join(out)


def _jobs_html(report: Report) -> str:
    out = ["<h2>Training jobs and models</h2>"]
    if report.jobs:
        rows = [[escape(j.label), escape(j.status), f"{j.trained_tokens:,}" if j.trained_tokens else "—",
                 f"${j.cost:,.2f}" if j.cost is not None else "—"] for j in report.jobs]
        out.append(_table(["model / job", "status", "trained tokens", "cost"], rows, {2, 3}))
        out.append('<div class="plots">')
        for job in report.jobs:
            if job.losses:
                series = [("train loss", [(r["step"], r["train_loss"]) for r in job.losses if r["train_loss"] is not None]),
                          ("validation loss", [(r["step"], r["valid_loss"]) for r in job.losses
                                               if r["valid_loss"] is not None])]
                out.append(svg.lines(f"Loss: {job.label}", series))
        out.append("</div>")
    else:
        out.append('<p class="note">No training job yet.</p>')
    if report.latency:
        rows = [[escape(m), n, f"{p:,.0f} ms" if p is not None else "—"] for m, n, p in report.latency]
        out += ["<h3>Answer latency</h3>", _table(["model", "answers", "p95 latency"], rows, {1, 2})]
    return "".join(out)


def to_html(report: Report) -> str:
    body = [f"<h1>ft-workbench report</h1><p class=\"note\">Generated {escape(report.generated_at)} · "
            f"budget model {escape(report.model)}</p>"]
    body += [_dataset_html(d) for d in report.datasets]
    body.append(_sessions_html(report.sessions))
    body.append(_jobs_html(report))
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>ft-workbench report</title><style>{STYLE}</style></head><body>"
            + "\n".join(body) + "</body></html>\n")


# ---------------------------------------------------------------------- Markdown


def _md_table(headers: list[str], rows: list[list]) -> str:
    def cell(value) -> str:
        return str(value).replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def to_markdown(report: Report) -> str:
    out = [f"# ft-workbench report\n\nGenerated {report.generated_at} · budget model {report.model}. "
           "The plots are in the HTML page.\n"]
    for section in report.datasets:
        h = section.health
        out.append(f"## Dataset {h.dataset}\n\n{h.examples} live examples · diversity J = {h.diversity:.2f} · "
                   f"refusals {h.refusals} ({_pct(h.share(h.refusals))}) · escalations {h.escalations} · "
                   f"edge cases {h.edge_cases} · untagged {h.untagged} · open near-duplicate groups "
                   f"{h.duplicate_groups} · drafts from ratings {h.from_ratings}\n")
        if h.checklist:
            out.append(_md_table(["target", "examples", "share", "declared", ""],
                                 [[c.target, c.count, _pct(c.share), c.rule, "met" if c.met else "**MISSING**"]
                                  for c in h.checklist]) + "\n")
        out.append(_md_table(["intent", "examples", "share"], [[s.label, s.count, _pct(s.share)] for s in h.by_intent])
                   + "\n")
        out.append(_md_table(["language", "examples", "share"],
                             [[s.label, s.count, _pct(s.share)] for s in h.by_language]) + "\n")
        if section.versions:
            rows = []
            for v in section.versions:
                vh = section.version_health.get(v["number"])
                rows.append([v["number"], v["created_at"][:16], v["train_count"], v["validation_count"], v["changelog"],
                             f"{vh.diversity:.2f}" if vh else "—",
                             f"{vh.refusals} ({_pct(vh.share(vh.refusals))})" if vh else "—",
                             (", ".join(c.target for c in vh.unmet) + " missing") if vh and vh.unmet else "ok"])
            out.append(_md_table(["version", "frozen", "train", "validation", "changelog", "diversity J", "refusals",
                                  "coverage"], rows) + "\n")
        if section.budget is not None:
            b = section.budget
            out.append(f"Budget on {b.model}: {b.total_tokens:,} tokens, {b.epochs} epochs, "
                       f"{b.billed_tokens:,} billed tokens, estimated ${b.estimated_cost:,.2f}.\n")
    out.append("## Side-by-side results\n")
    for s in report.sessions:
        overall = f"{_pct(s.rate[0])} [{_pct(s.rate[1])}, {_pct(s.rate[2])}]" if s.rate else "no votes yet"
        out.append(f"### {s.name}\n\n{s.candidate} vs {s.baseline} · {s.n} votes · candidate win rate {overall}\n")
        if s.tags:
            out.append(_md_table(["tag", "votes", "win rate", "95% interval"],
                                 [[t[0], t[1], _pct(t[2]), f"[{_pct(t[3])}, {_pct(t[4])}]"] for t in s.tags]) + "\n")
    out.append("## Training jobs and models\n")
    if report.jobs:
        out.append(_md_table(["model / job", "status", "trained tokens", "cost"],
                             [[j.label, j.status, j.trained_tokens or "—",
                               f"${j.cost:,.2f}" if j.cost is not None else "—"] for j in report.jobs]) + "\n")
    if report.latency:
        out.append(_md_table(["model", "answers", "p95 latency (ms)"],
                             [[m, n, f"{p:,.0f}" if p is not None else "—"] for m, n, p in report.latency]) + "\n")
    return "\n".join(out)


def write_report(store: Store, out: Path | str, model_name: str | None = None) -> tuple[Path, Path]:
    """Write report.html and the Markdown next to it (same name, .md). Returns both paths."""
    out = Path(out)
    report = build_report(store, model_name)
    out.parent.mkdir(parents=True, exist_ok=True)
    markdown = out.with_suffix(".md")
    for path, text in ((out, to_html(report)), (markdown, to_markdown(report))):
        tmp = path.with_name(path.name + ".partial")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
    return out, markdown
