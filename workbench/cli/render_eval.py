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


def _clustered_line(clustered: dict | None) -> str:
    if not clustered or clustered.get("interval") is None:
        return "Prompt-clustered 95% interval: - (needs two prompts)"
    return (f"Prompt-clustered 95% interval {_interval(*clustered['interval'])} over {clustered['prompts']} "
            f"prompts (what the gate uses)")


def render_rating_report(report: dict) -> str:
    s = report["session"]
    w = report["win_rate"]
    gate = report["gate"]
    lines = [f"Session {s['name']!r}: candidate {s['candidate_model']} vs baseline {s['baseline_model']}",
             f"Votes {report['n']} on {report['prompts']} prompts (planned {s['target_n']}): "
             f"{w['wins']} wins, {w['losses']} losses, {w['ties']} ties, {w['both_bad']} both bad",
             _rate_line("Win rate W (ties and both-bad count half), Wilson 95%", w["rate"]),
             _clustered_line(report.get("clustered")),
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
    notes = report.get("comments") or []
    if notes:
        lines.append(f"Flags and comments ({len(notes)}):")
        lines += [f"  {'FLAGGED ' if n['flagged'] else ''}prompt {n['prompt']} ({n['rater']})"
                  + (f": {n['comment']}" if n["comment"] else "") for n in notes]
    lines += [""] + render_gate(gate)
    return "\n".join(lines)


def _gate_test_line(gate: dict) -> str:
    mode = ("sequential: may decide at any vote, budget" if gate.get("mode") == "sequential"
            else "fixed n: decides once at")
    if gate.get("test") == "margin":
        tested = f"tests W > {gate['threshold']:.2f} (margin)"
    else:
        tested = f"tests W > 0.5, with W >= {gate['threshold']:.2f} as the bar"
    return f"  {mode} {gate['target_n']} votes; {tested}; prompts are the unit"


def render_gate(gate: dict) -> list[str]:
    """The verdict block: decision, whether it is final and since when, reasons, tag tests."""
    decision = gate.get("decision") or gate["verdict"]
    if gate.get("final"):
        when = f", decided {gate['decided_at'][:16].replace('T', ' ')} UTC" if gate.get("decided_at") else ""
        at = f" at vote {gate['decided_at_n']}" if gate.get("decided_at_n") else ""
        head = f"Gate: {decision.upper()} (final{when}{at}, on {gate['n']} votes / {gate['prompts']} prompts)"
    else:
        head = f"Gate: {decision.upper()} (not decided yet: {gate['n']} of {gate['target_n']} votes)"
    lines = [head, _gate_test_line(gate)] if "mode" in gate else [head]
    lines += [f"  - {reason}" for reason in gate["reasons"]]
    if gate.get("votes_after"):
        lines.append(f"  - {gate['votes_after']} votes made after the verdict are in the numbers above "
                     f"but cannot change it")
    if gate.get("may_stop") and not gate.get("final"):
        lines.append("  You may stop now.")
    tested = [t for t in gate.get("tags") or [] if t["p_value"] is not None]
    if tested:
        lines.append(table(["tag", "prompts", "votes", "W", "95% interval (prompts)", "adjusted p (screened Holm)", "blocks"],
                           [(t["tag"], t["prompts"], t["votes"], _pct(t["rate"]), _interval(t["low"], t["high"]),
                             f"{t['adjusted_p']:.3g}", "BLOCKS" if t["blocks"] else "")
                            for t in tested]))
    return lines


def _fmt_p(p) -> str:
    return "-" if p is None else f"{p:.3g}"
