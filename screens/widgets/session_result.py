"""The result of a rating session as the Rating screen shows it once the session is
complete (every pair rated, or the gate has decided): W with its intervals, per tag,
the gate's verdict (final, with its date) and its reasons, flags and comments.

Built from `workbench.eval.rating.session_report` (the same dict `rate report --json`
prints), as Rich Text: no markup, so "[FLAGGED]" or a rater's comment is never eaten.
"""

from __future__ import annotations

from rich.text import Text


def _pct(value) -> str:
    return "-" if value is None else f"{value * 100:.1f}%"


def _interval(pair) -> str:
    if not pair or pair[0] is None or pair[1] is None:
        return "-"
    return f"[{_pct(pair[0])}, {_pct(pair[1])}]"


def verdict_head(gate: dict) -> str:
    """"Gate: PROMOTE (final, decided 2026-11-03 14:02 UTC, on 200 votes / 40 prompts)"."""
    decision = (gate.get("decision") or gate.get("verdict") or "?").upper()
    if gate.get("final"):
        when = f", decided {gate['decided_at'][:16].replace('T', ' ')} UTC" if gate.get("decided_at") else ""
        return f"Gate: {decision} (final{when}, on {gate['n']} votes / {gate['prompts']} prompts)"
    return f"Gate: {decision} (not final: {gate['n']} of {gate['target_n']} planned votes)"


def result_text(report: dict, *, pairs_left: int, leave_key: str, pairs_key: str) -> Text:
    """The whole result panel."""
    session, rate, gate = report["session"], report["win_rate"], report["gate"]
    text = Text()
    decision = (gate.get("decision") or "").lower()
    style = {"promote": "bold green", "block": "bold red"}.get(decision, "bold")
    text.append(verdict_head(gate) + "\n", style)
    if gate.get("final") or gate.get("may_stop"):
        text.append("You may stop now: more ratings cannot change this verdict.\n", "bold")
    for reason in gate.get("reasons") or []:
        text.append(f"  - {reason}\n")
    text.append(f"\nCandidate {session['candidate_model']} vs baseline {session['baseline_model']}\n")
    w = rate.get("rate") or {}
    text.append(f"W = {_pct(w.get('value'))} {_interval((w.get('low'), w.get('high')))} (Wilson 95%) "
                f"over {report['n']} votes on {report['prompts']} prompts; ties and both-bad count half\n")
    clustered = report.get("clustered") or {}
    if clustered.get("interval"):
        text.append(f"Prompt-clustered 95%: {_interval(clustered['interval'])} · "
                    f"bootstrap lower bound {_pct(report['bootstrap']['lower_bound'])}\n")
    tags = [t for t in gate.get("tags") or []]
    if tags:
        text.append("Per tag (prompts as the unit, screened Holm across tags):\n")
        for t in tags:
            mark = "  BLOCKS" if t.get("blocks") else ("" if t.get("tested") else "  (too few prompts to test)")
            text.append(f"  {t['tag']}: W {_pct(t['rate'])} {_interval((t['low'], t['high']))} "
                        f"on {t['prompts']} prompts{mark}\n", "bold red" if t.get("blocks") else "")
    notes = report.get("comments") or []
    if notes:
        text.append(f"Flags and comments ({len(notes)}):\n")
        for note in notes:
            flag = "FLAGGED " if note.get("flagged") else ""
            comment = f": {note['comment']}" if note.get("comment") else ""
            text.append(f"  {flag}prompt {note['prompt']} ({note['rater']}){comment}\n")
    text.append("\n")
    if pairs_left:
        text.append(f"{pairs_left} pairs left for you: {pairs_key} goes back to them (they cannot change "
                    f"the verdict). ", "dim")
    text.append(f"{leave_key}: leave Rating.", "bold")
    return text
