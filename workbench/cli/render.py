"""Plain-text rendering of reports for the CLI (tables, findings, budgets)."""

from __future__ import annotations

from typing import Iterable, Sequence

from workbench.budget.estimate import BudgetEstimate, exactness_notes
from workbench.chat.checks import FileReport
from workbench.chat.findings import Finding
from workbench.chat.fixes import fix_for

MAX_FINDINGS_SHOWN = 200
#: Example lines shown per finding code unless --show N / --all says otherwise.
DEFAULT_SHOWN_PER_CODE = 3
FIRST_LINES = 3  # line numbers listed in the summary table per code


def table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    rows = [["" if v is None else str(v) for v in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]
    def fmt(cells):
        return "  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip()
    return "\n".join([fmt(headers), fmt(["-" * w for w in widths]), *(fmt(r) for r in rows)])


def render_finding(finding: Finding) -> str:
    return f"{finding.location()}: {finding.severity} {finding.code}: {finding.message}"


def render_findings(findings: Sequence[Finding]) -> list[str]:
    lines = [render_finding(f) for f in findings[:MAX_FINDINGS_SHOWN]]
    if len(findings) > MAX_FINDINGS_SHOWN:
        lines.append(f"... and {len(findings) - MAX_FINDINGS_SHOWN} more (use --json for all)")
    return lines


def _grouped(findings: Sequence[Finding]) -> dict[str, list[Finding]]:
    """Findings by code, errors first, then the most frequent."""
    groups: dict[str, list[Finding]] = {}
    for finding in findings:
        groups.setdefault(finding.code, []).append(finding)
    return dict(sorted(groups.items(), key=lambda kv: (not kv[1][0].is_error, -len(kv[1]), kv[0])))


def _first_lines(group: list[Finding]) -> str:
    numbers = sorted({f.line for f in group if f.line is not None})
    if not numbers:
        return "file"
    shown = ", ".join(str(n) for n in numbers[:FIRST_LINES])
    return shown + (", ..." if len(numbers) > FIRST_LINES else "")


def summarize_findings(findings: Sequence[Finding], show: int | None = DEFAULT_SHOWN_PER_CODE) -> list[str]:
    """A table by code (severity, count, first lines, fix), then at most `show` example
    lines per code (`None`: all of them). Replaces one printed line per finding, which
    buried a 100k-line file's one real problem under 2,000 identical warnings."""
    if not findings:
        return []
    groups = _grouped(findings)
    lines = [table(["code", "severity", "count", "first lines", "fix"],
                   [(code, group[0].severity, f"{len(group):,}", _first_lines(group), fix_for(code))
                    for code, group in groups.items()])]
    if show == 0:
        return lines
    for code, group in groups.items():
        examples = group if show is None else group[:show]
        lines.append(f"{code}:")
        lines += [f"  {f.location()}: {f.message}" for f in examples]
        if len(group) > len(examples):
            lines.append(f"  ... and {len(group) - len(examples):,} more (--show N, --all or --json)")
    return lines


def render_report(report: FileReport, show: int | None = DEFAULT_SHOWN_PER_CODE) -> str:
    lines = summarize_findings(report.findings, show)
    verdict = "OK" if not report.errors else "FAILED"
    lines.append(f"{report.path}: {verdict}: {report.examples} examples, {report.valid_examples} valid, "
                 f"{report.errors} errors, {report.warnings} warnings")
    return "\n".join(lines)


def render_budget(e: BudgetEstimate, skipped: int = 0) -> str:
    rows = [
        ("Model", f"{e.model} ({e.encoding}, limit {e.training_context_limit:,} tokens, "
                  f"${e.price_training_per_1m:.2f} per 1M training tokens)"),
        ("Examples", f"{e.n_examples:,}"),
        ("Tokens", f"{e.total_tokens:,} (min {e.min_tokens:,}, median {e.median_tokens:,.0f}, "
                   f"p95 {e.p95_tokens:,.0f}, max {e.max_tokens:,})"),
        ("Trained tokens", f"{e.trained_tokens:,}"),
        ("Over the limit", f"{e.over_limit:,} examples (truncated to {e.training_context_limit:,})"),
        ("Epochs", f"{e.epochs}" + (" (default rule)" if e.epochs_is_default else "")),
        ("Billed tokens", f"{e.billed_tokens:,} ({e.billed_tokens_per_epoch:,} per epoch)"),
        ("Estimated cost", f"${e.estimated_cost:,.2f}"),
    ]
    if skipped:
        rows.append(("Skipped", f"{skipped} lines that are not JSON objects (run workbench validate)"))
    width = max(len(k) for k, _ in rows)
    lines = [f"{k.ljust(width)}  {v}" for k, v in rows]
    return "\n".join(["\n".join(lines), "", *exactness_notes(e)])


def render_import(result, show: int | None = DEFAULT_SHOWN_PER_CODE) -> str:
    lines = summarize_findings(result.findings, show)
    if result.committed:
        lines.append(f"Imported {result.added} examples into {result.dataset!r} from {result.path} "
                     f"({result.duplicates} already there, {result.rejected} rejected).")
        if result.rejected:
            lines.append("Rejected lines are recorded with their reasons in the store (import_rejections).")
    else:
        bad = result.bad_lines
        shown = ", ".join(map(str, bad[:30])) + (" ..." if len(bad) > 30 else "")
        counted = "1 line" if len(bad) == 1 else f"{len(bad)} lines"
        lines.append(f"Nothing imported: {counted} of {result.path} {'has' if len(bad) == 1 else 'have'} "
                     f"errors ({'line' if len(bad) == 1 else 'lines'} {shown}). "
                     "Fix them, or use --skip-invalid to import the good lines.")
    return "\n".join(lines)


def render_export(result) -> str:
    v = result.version
    lines = []
    if result.unchanged:
        lines.append(f"Unchanged since version {v['number']}: files rewritten, no new version.")
    else:
        lines.append(f"Froze {result.dataset} version {v['number']}.")
    lines.append(f"  {result.train_path}: {v['train_count']} examples, sha256 {v['train_sha256']}")
    if result.validation_path:
        lines.append(f"  {result.validation_path}: {v['validation_count']} examples, sha256 {v['validation_sha256']}")
    lines += [f"warning: {w}" for w in result.warnings]
    return "\n".join(lines)


def render_datasets(rows: list[dict]) -> str:
    if not rows:
        return "No datasets yet; import one with `workbench import FILE`."
    return table(["dataset", "examples", "approved", "draft", "rejected", "latest version"],
                 [(r["name"], r["examples"], r["approved"], r["draft"], r["rejected"],
                   r["latest_version"] or "-") for r in rows])


def render_versions(rows: list[dict]) -> str:
    if not rows:
        return "No versions yet; `workbench export DATASET --out DIR` freezes one."
    return table(["version", "created", "train", "validation", "train sha256", "changelog"],
                 [(r["number"], r["created_at"][:19], r["train_count"], r["validation_count"],
                   r["train_sha256"][:16], r["changelog"]) for r in rows])


def render_models(rows: list[dict]) -> str:
    return table(["model", "encoding", "training limit", "$/1M training", "source"],
                 [(r["name"], r["encoding"], f"{r['training_context_limit']:,}",
                   "" if r["price_training_per_1m"] is None else f"{r['price_training_per_1m']:.2f}",
                   r["source"]) for r in rows])
