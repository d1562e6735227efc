"""Plain-text rendering of a rating report (`workbench rate report`)."""

from __future__ import annotations

from workbench.cli.render import table


def _pct(value) -> str:
    return "-" if value is None else f"{value * 100:.1f}%"


def _interval(low, high) -> str:
    return "-" if low is None or high is None else f"[{_pct(low)}, {_pct(high)}]"


def _rate_line(label: str, rate: dict | None) -> str:
    if not rate:
        return f"{label}: -"
    return f"{label}: {_pct(rate['value'])} {_interval(rate['low'], rate['high'])}"


def render_rating_report(report: dict) -> str:
    s = report["session"]
    w = report["win_rate"]
    gate = report["gate"]
    lines = [f"Session {s['name']!r}: candidate {s['candidate_model']} vs baseline {s['baseline_model']}",
             f"Votes {report['n']} on {report['prompts']} prompts (planned {s['target_n']}): "
             f"{w['wins']} wins, {w['losses']} losses, {w['ties']} ties, {w['both_bad']} both bad",
             _rate_line("Win rate W (ties and both-bad count half), Wilson 95%", w["rate"]),
             f"Bootstrap over prompts ({report['bootstrap']['resamples']} resamples): "
             f"one-sided 95% lower bound {_pct(report['bootstrap']['lower_bound'])}",
             _rate_line("Decisive only (wins / (wins + losses))", w["decisive"]),
             _rate_line("Both bad", w["both_bad_rate"]), ""]
    tags = report["tags"]
    if tags:
        lines.append(table(["tag", "n", "W", "95% interval", "shrunk", "note"],
                           [(t["tag"], t["n"], _pct(t["rate"]), _interval(t["low"], t["high"]), _pct(t["shrunk"]),
                             "insufficient (n < 30)" if t["insufficient"] else "") for t in tags]))
        lines.append("")
    bias = report["position_bias"]["overall"]
    lines.append(f"Position bias: left picked {_pct(bias['left_rate'])} of {bias['decisive']} decisive votes "
                 f"{_interval(bias['low'], bias['high'])}, p = {_fmt_p(bias['p_value'])}"
                 + ("  WARNING: raters favour one side" if bias["warning"] else ""))
    for row in report["position_bias"]["by_rater"]:
        lines.append(f"  {row['rater']}: left {_pct(row['left_rate'])} of {row['decisive']}"
                     + ("  WARNING" if row["warning"] else ""))
    agreement = report["agreement"]
    alpha = "-" if agreement["alpha"] is None else f"{agreement['alpha']:.3f}"
    lines.append(f"Agreement (Krippendorff's alpha, nominal) on {agreement['units']} doubly rated prompts: {alpha}"
                 + ("  WARNING: below 0.4, the raters disagree" if agreement["warning"] else ""))
    if report.get("flagged"):
        lines.append(f"Flagged prompts: {len(report['flagged'])}")
    lines += ["", f"Gate: {gate['verdict'].upper()}"] + [f"  - {reason}" for reason in gate["reasons"]]
    return "\n".join(lines)


def _fmt_p(p) -> str:
    return "-" if p is None else f"{p:.3g}"
