"""Rating sessions: blind side-by-side pairs, one verdict per key, committed at once.

A session compares a candidate and a baseline model on one golden-set version. Each
prompt with both answers becomes a comparison; identical answers are marked and count
as ties without being shown. Which model is on the left is decided per comparison and
per rater, the first time that rater opens the session: comparisons are grouped by tag
set, put in a seeded random order inside each group, and alternate sides along that
order, so every tag group is balanced to within one pair and no rater sees the same
pattern. The assignment is stored and never shown while rating.

Each rating is one INSERT committed when the key is pressed; undo deletes the rater's
last rating. Killing the app loses nothing and duplicates nothing (one rating per
comparison and rater is a table constraint).
"""

from __future__ import annotations

import getpass
import hashlib
import secrets
from dataclasses import dataclass, field, replace

from store import Store
from workbench.eval import golden
from workbench.eval import stats as ratingstats
from workbench.eval.stats import Vote
from workbench.errors import InvalidRequest

VERDICTS = ("left", "right", "tie", "both_bad")
RATER_SETTING = "rater"
AUTO_RATER = "(identical answers)"


class RatingError(InvalidRequest, ValueError):
    """A session cannot be created or used as asked; the message says why and what to do."""


def _stable_hash(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def create_session(store: Store, set_name: str, candidate: str, baseline: str, *, version: int | None = None,
                   target_n: int = 200, threshold: float = 0.55, name: str | None = None,
                   seed: str | None = None, sequential: bool = False, margin: bool = False) -> dict:
    """Plan a session: one comparison per prompt that both models answered.

    ``sequential`` lets the gate decide at any vote (``target_n`` is then the budget);
    ``margin`` makes it test W > threshold instead of W > 0.5 (docs/statistics.md).
    """
    if candidate == baseline:
        raise RatingError("The candidate and the baseline must be different models.")
    if target_n < 1 or not 0.5 <= threshold < 1:
        raise RatingError("--target-n must be at least 1 and --threshold between 0.5 and 1.")
    gv = golden.resolve_version(store, set_name, version)
    answers = {m: store.golden.generations(gv["id"], m) for m in (candidate, baseline)}
    for model, rows in answers.items():
        if not rows:
            known = ", ".join(r["model"] for r in store.golden.generation_models(gv["id"])) or "none"
            raise RatingError(f"No answers from {model!r} for {set_name} v{gv['number']} "
                              f"(models with answers: {known}); import them with `workbench answers import`.")
    prompts = store.golden.version_prompts(gv["id"])
    seed = seed or secrets.token_hex(8)
    both = [p for p in prompts if p["prompt_id"] in answers[candidate] and p["prompt_id"] in answers[baseline]]
    if not both:
        raise RatingError("No prompt has answers from both models.")
    order = sorted(both, key=lambda p: _stable_hash(seed, "order", p["prompt_id"]))
    comparisons = []
    for position, prompt in enumerate(order, start=1):
        cand, base = answers[candidate][prompt["prompt_id"]], answers[baseline][prompt["prompt_id"]]
        comparisons.append({"prompt_id": prompt["prompt_id"], "candidate_generation_id": cand["id"],
                            "baseline_generation_id": base["id"], "position": position,
                            "identical": int(cand["output"].strip() == base["output"].strip())})
    session = store.ratings.create_rating_session({
        "name": name or f"{candidate} vs {baseline}", "golden_version_id": gv["id"],
        "candidate_model": candidate, "baseline_model": baseline, "target_n": target_n,
        "threshold": threshold, "seed": seed, "gate_mode": "sequential" if sequential else "fixed",
        "gate_test": "margin" if margin else "superiority"}, comparisons)
    store.audit("create", "rating_session", session["id"], {"set": set_name, "version": gv["number"],
                                                           "pairs": len(comparisons)})
    return session


def balanced_sides(comparisons: list[dict], seed: str, rater: str) -> dict[str, bool]:
    """candidate_left per comparison: balanced within each tag set, seeded per rater."""
    groups: dict[tuple[str, ...], list[dict]] = {}
    for comparison in comparisons:
        groups.setdefault(tuple(sorted(comparison.get("tags") or [])), []).append(comparison)
    sides: dict[str, bool] = {}
    flip = int(_stable_hash(seed, rater, "start")[:8], 16) % 2
    for key in sorted(groups):
        members = sorted(groups[key], key=lambda c: _stable_hash(seed, rater, c["id"]))
        for comparison in members:
            sides[comparison["id"]] = flip == 0
            flip ^= 1  # alternating along the shuffled order balances every group to within one
    return sides


@dataclass
class Pair:
    """One comparison as a rater sees it: left and right, never which model is which."""

    comparison_id: str
    prompt_id: str
    external_id: str | None
    messages: list
    tags: list[str]
    left: str
    right: str
    candidate_left: bool


@dataclass
class RatingRun:
    """A rater working through a session. Holds the queue; the store holds the ratings."""

    store: Store
    session: dict
    rater: str
    comparisons: list[dict] = field(default_factory=list)
    sides: dict[str, bool] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)
    #: rated here, waiting for a busy store to take the write: out of the queue meanwhile
    pending: set[str] = field(default_factory=set)
    #: what this run did, newest last: ("rate" | "skip", comparison id); undo takes
    #: back the newest one, so an undo after a skip un-skips instead of deleting a rating
    history: list[tuple[str, str]] = field(default_factory=list)

    @classmethod
    def open(cls, store: Store, session_name: str, rater: str | None = None) -> "RatingRun":
        session = store.ratings.get_rating_session(session_name)
        if session is None:
            raise RatingError(f"No rating session {session_name!r}; `workbench rate sessions` lists them.")
        rater = rater or current_rater(store)
        run = cls(store, session, rater, store.ratings.session_comparisons(session["id"]))
        run.sides = store.ratings.sides(session["id"], rater)
        missing = [c for c in run.comparisons if c["id"] not in run.sides]
        if missing:
            store.ratings.save_sides(rater, balanced_sides(run.comparisons, session["seed"], rater))
            run.sides = store.ratings.sides(session["id"], rater)
        return run

    def rated_ids(self) -> set[str]:
        return {r["comparison_id"] for r in self.store.ratings.session_ratings(self.session["id"], self.rater)}

    def queue(self) -> list[dict]:
        """Comparisons still to rate, in session order, skipped ones last."""
        rated = self.rated_ids() | self.pending
        todo = [c for c in self.comparisons if not c["identical"] and c["id"] not in rated]
        skipped = [c for c in todo if c["id"] in self.skipped]
        return [c for c in todo if c["id"] not in self.skipped] + \
            sorted(skipped, key=lambda c: self.skipped.index(c["id"]))

    def pair(self, comparison: dict) -> Pair:
        left_is_candidate = self.sides[comparison["id"]]
        cand, base = comparison["candidate_output"], comparison["baseline_output"]
        return Pair(comparison["id"], comparison["prompt_id"], comparison.get("external_id"),
                    comparison["messages"], comparison["tags"] or [],
                    cand if left_is_candidate else base, base if left_is_candidate else cand, left_is_candidate)

    def next_pairs(self, n: int = 2) -> list[Pair]:
        return [self.pair(c) for c in self.queue()[:n]]

    def rate(self, pair: Pair, verdict: str, time_ms: int | None = None, flagged: bool = False,
             comment: str = "") -> bool:
        """Commit a verdict for a pair; returns False if it was already rated."""
        if verdict not in VERDICTS:
            raise RatingError(f"verdict must be one of {', '.join(VERDICTS)}")
        if pair.comparison_id in self.skipped:
            self.skipped.remove(pair.comparison_id)
        self.history.append(("rate", pair.comparison_id))
        return self.store.ratings.add_rating({
            "comparison_id": pair.comparison_id, "rater": self.rater, "verdict": verdict,
            "candidate_left": pair.candidate_left, "outcome": outcome(verdict, pair.candidate_left),
            "flagged": flagged, "comment": comment, "time_ms": time_ms})

    def skip(self, pair: Pair) -> None:
        if pair.comparison_id in self.skipped:
            self.skipped.remove(pair.comparison_id)
        self.skipped.append(pair.comparison_id)
        self.history.append(("skip", pair.comparison_id))

    def undo(self) -> dict | None:
        """Take back the last step: a skip (the skipped pair comes back; returns
        {"comparison_id": ..., "skipped": True}) or else this rater's last rating (its
        pair comes first in the queue again; returns the deleted rating)."""
        if self.history and self.history[-1][0] == "skip":
            _, comparison_id = self.history.pop()
            if comparison_id in self.skipped:
                self.skipped.remove(comparison_id)
            self._to_front(comparison_id)
            return {"comparison_id": comparison_id, "skipped": True}
        if self.history:
            self.history.pop()
        row = self.store.ratings.delete_last_rating(self.session["id"], self.rater)
        if row:
            self._to_front(row["comparison_id"])
        return row

    def _to_front(self, comparison_id: str) -> None:
        # Move it to the head of the order for this run.
        self.comparisons.sort(key=lambda c: (c["id"] != comparison_id, c["position"]))

    def progress(self) -> dict:
        rated = self.rated_ids()
        total = [c for c in self.comparisons if not c["identical"]]
        by_tag: dict[str, list[int]] = {}
        for comparison in total:
            for tag in comparison["tags"] or ["(untagged)"]:
                done_total = by_tag.setdefault(tag, [0, 0])
                done_total[1] += 1
                done_total[0] += comparison["id"] in rated
        return {"rated": len(rated & {c["id"] for c in total}), "total": len(total),
                "identical": len(self.comparisons) - len(total), "by_tag": by_tag}


def current_rater(store: Store) -> str:
    """The rater name from settings; on first use, the OS login name, saved so it stays
    the same (change it with `workbench rate whoami NAME`)."""
    name = store.get_setting(RATER_SETTING)
    if not name:
        try:
            name = getpass.getuser()
        except (KeyError, OSError):
            name = "rater"
        store.set_setting(RATER_SETTING, name)
    return name


def outcome(verdict: str, candidate_left: bool) -> str:
    """The unblinded outcome of a verdict."""
    if verdict == "left":
        return "candidate" if candidate_left else "baseline"
    if verdict == "right":
        return "baseline" if candidate_left else "candidate"
    return verdict


def session_votes(store: Store, session: dict) -> list[Vote]:
    """Every vote of a session; identical answers count once as a tie (no rater, no side)."""
    comparisons = {c["id"]: c for c in store.ratings.session_comparisons(session["id"])}
    votes = [Vote(c["prompt_id"], AUTO_RATER, "tie", True, tuple(c["tags"] or ()))
             for c in comparisons.values() if c["identical"]]
    for rating in store.ratings.session_ratings(session["id"]):
        comparison = comparisons[rating["comparison_id"]]
        votes.append(Vote(comparison["prompt_id"], rating["rater"], rating["outcome"],
                          bool(rating["candidate_left"]), tuple(comparison["tags"] or ())))
    return votes


def plan(store: Store, set_name: str, target_n: int, *, version: int | None = None, raters: int = 1,
         drop_to: float = 0.35, power: float = 0.80) -> ratingstats.SessionPlan:
    """How many prompts per tag the gate needs to catch a drop to W=``drop_to``, and
    whether the golden-set version and ``target_n`` votes supply them."""
    gv = golden.resolve_version(store, set_name, version)
    prompts = store.golden.version_prompts(gv["id"])
    per_tag: dict[str, int] = {}
    for prompt in prompts:
        for tag in dict.fromkeys(prompt["tags"] or []):
            per_tag[tag] = per_tag.get(tag, 0) + 1
    return ratingstats.plan_session(per_tag, len(prompts), target_n, raters, drop_to, power)


def _session(store: Store, session_or_name: dict | str) -> dict:
    if isinstance(session_or_name, dict):
        return session_or_name
    session = store.ratings.get_rating_session(session_or_name)
    if session is None:
        raise RatingError(f"No rating session {session_or_name!r}; `workbench rate sessions` lists them.")
    return session


def _gate_options(store: Store, session: dict) -> dict:
    tags = {t for c in store.ratings.session_comparisons(session["id"]) for t in (c["tags"] or [])}
    return {"sequential": session.get("gate_mode") == "sequential", "margin": session.get("gate_test") == "margin",
            "declared_tags": sorted(tags)}


def session_gate(store: Store, session_or_name: dict | str, votes: list[Vote] | None = None) -> ratingstats.GateVerdict:
    """The session's gate verdict: the stored one once the gate has decided, else the
    gate on the votes so far; a verdict that turns final now is stored with its date.

    This is what the rating screen and ``rate report`` show: ``final``, ``decided_at``
    and ``may_stop`` tell the rater the outcome is settled ("you may stop now").
    """
    session = _session(store, session_or_name)
    votes = session_votes(store, session) if votes is None else votes
    stored = store.ratings.gate_verdict(session["id"])
    if stored is None:
        verdict = ratingstats.gate(votes, session["target_n"], session["threshold"], **_gate_options(store, session))
        if not verdict.final:
            return verdict
        stored = store.ratings.save_gate_verdict({
            "session_id": session["id"], "decision": verdict.decision, "mode": verdict.mode, "test": verdict.test,
            "n": verdict.n, "decided_at_n": verdict.decided_at_n, "prompts": verdict.prompts, "rate": verdict.rate,
            "lower_bound": verdict.lower_bound, "blocking_tags": verdict.blocking_tags,
            "verdict": ratingstats.gate_json(verdict)})
        if stored["decision"] == verdict.decision and stored["verdict"] == ratingstats.gate_json(verdict):
            store.audit("decide", "rating_session", session["id"],
                        {"decision": verdict.decision, "n": verdict.n, "decided_at": stored["decided_at"]})
    decided = ratingstats.verdict_from_json(stored["verdict"])
    return replace(decided, decided_at=stored["decided_at"], final=True, may_stop=True,
                   votes_after=max(0, len(votes) - decided.n))


def session_report(store: Store, session_name: str, resamples: int = 2000) -> dict:
    """Win rate, intervals, per-tag results, position bias, agreement and the gate."""
    session = store.ratings.get_rating_session(session_name)
    if session is None:
        raise RatingError(f"No rating session {session_name!r}; `workbench rate sessions` lists them.")
    votes = session_votes(store, session)
    report = ratingstats.report(votes, session["target_n"], session["threshold"], resamples=resamples,
                                seed=int(_stable_hash(session["seed"], "bootstrap")[:8], 16),
                                **_gate_options(store, session))
    # The stored verdict, not a fresh one: once decided, the gate never changes its mind.
    report["gate"] = ratingstats.gate_json(session_gate(store, session, votes))
    # The automatic ties have no side and no person behind them: leave them out of the
    # per-rater position bias (they are never decisive, so the overall rate is unaffected).
    report["position_bias"]["by_rater"] = [
        row for row in report["position_bias"]["by_rater"] if row["rater"] != AUTO_RATER]
    report["session"] = {k: session.get(k) for k in ("id", "name", "candidate_model", "baseline_model",
                                                      "target_n", "threshold", "created_at", "gate_mode",
                                                      "gate_test")}
    report["flagged"] = [r["prompt_id"] for r in store.ratings.session_ratings(session["id"]) if r["flagged"]]
    report["comments"] = flags_and_comments(store, session)
    return report


def flags_and_comments(store: Store, session: dict) -> list[dict]:
    """Every rating with a flag or a comment: prompt (its external id when it has one),
    rater, flagged, comment, in the order they were made."""
    labels = {c["id"]: c.get("external_id") or c["prompt_id"][:8]
              for c in store.ratings.session_comparisons(session["id"])}
    return [{"prompt": labels.get(r["comparison_id"], r["prompt_id"][:8]), "prompt_id": r["prompt_id"],
             "rater": r["rater"], "flagged": bool(r["flagged"]), "comment": r["comment"] or ""}
            for r in store.ratings.session_ratings(session["id"]) if r["flagged"] or (r["comment"] or "").strip()]


def leaderboard(store: Store, golden_set: str | None = None, resamples: int = 1000,
                prior: float = 0.1) -> list[dict]:
    """Bradley-Terry strengths of every model rated in any session (optionally of one
    golden set) and in imported judgements (all sets only: they name no golden set),
    with bootstrap intervals; ties and both-bad count half a win each.

    ``prior`` is the number of virtual ties between every pair of models (0: plain
    maximum likelihood, as published Bradley-Terry tools fit it; it then needs every
    model to win or tie at least once)."""
    version_ids = None
    if golden_set is not None:
        version_ids = {v["id"] for v in store.golden.golden_versions(golden.resolve_version(store, golden_set)["golden_set_id"])}
    comparisons: list[tuple[str, str, float]] = []
    for session in store.ratings.list_rating_sessions():
        if version_ids is not None and session["golden_version_id"] not in version_ids:
            continue
        for vote in session_votes(store, session):
            comparisons.append((session["candidate_model"], session["baseline_model"], ratingstats.SCORES[vote.outcome]))
    if golden_set is None:
        comparisons += [(j["model_a"], j["model_b"], WINNER_SCORES[j["winner"]]) for j in store.ratings.judgements()]
    if not comparisons:
        return []
    try:
        strengths = ratingstats.bradley_terry(comparisons, prior=prior)
        intervals = ratingstats.bradley_terry_bootstrap(comparisons, resamples=resamples, prior=prior)
    except ValueError as exc:
        raise RatingError(f"{exc}.", hint="Give the fit a small prior (e.g. 0.1) so such a model gets a finite "
                          "strength.") from exc
    games: dict[str, int] = {}
    for a, b, _ in comparisons:
        games[a] = games.get(a, 0) + 1
        games[b] = games.get(b, 0) + 1
    rows = [{"model": m, "strength": s, "low": intervals[m][0], "high": intervals[m][1], "votes": games[m]}
            for m, s in strengths.items()]
    return sorted(rows, key=lambda r: -r["strength"])


def list_sessions(store: Store) -> list[dict]:
    """Every rating session with its pairs and ratings counted."""
    return store.ratings.list_rating_sessions()


def get_session(store: Store, name_or_id: str) -> dict | None:
    return store.ratings.get_rating_session(name_or_id)


# --------------------------------------------------------------------------- judgements in and out

#: score for model A of an imported judgement's winner
WINNER_SCORES = {"a": 1.0, "b": 0.0, "tie": 0.5, "both_bad": 0.5}
_WINNER_WORDS = {"a": "a", "model_a": "a", "b": "b", "model_b": "b", "tie": "tie", "both_bad": "both_bad",
                 "both-bad": "both_bad", "bothbad": "both_bad", "tie (bothbad)": "both_bad", "both bad": "both_bad"}
JUDGEMENT_FIELDS = ("prompt", "model_a", "model_b", "winner", "rater", "shown_left", "time", "comment")


@dataclass
class JudgementImport:
    """What `rate import` did: lines read, judgements new, already there, models."""

    session: str
    lines: int
    added: int
    duplicates: int
    models: int


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        import json

        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value).strip()


def _first(record: dict, *names: str) -> str:
    for name in names:
        if _text(record.get(name)):
            return _text(record.get(name))
    return ""


def judgement_from_record(where: str, record: dict) -> dict:
    """One judgement from a JSONL object or CSV row; raises RatingError naming the line.

    Accepts our field names and the common crowd-file ones (question_id, judge, tstamp,
    winner "model_a" / "model_b" / "tie" / "tie (bothbad)")."""
    prompt = _first(record, "prompt_id", "question_id", "prompt")
    model_a, model_b = _first(record, "model_a"), _first(record, "model_b")
    if not prompt:
        raise RatingError(f"{where}: no prompt: give prompt_id or prompt.")
    if not model_a or not model_b or model_a == model_b:
        raise RatingError(f"{where}: model_a and model_b must name two different models.")
    winner = _WINNER_WORDS.get(_first(record, "winner").lower())
    if winner is None:
        raise RatingError(f"{where}: winner {record.get('winner')!r} is not one of a, b, tie, both-bad.")
    shown = _first(record, "shown_left", "left", "side_shown").lower()
    shown_left = {"a": "a", "model_a": "a", model_a.lower(): "a", "b": "b", "model_b": "b",
                  model_b.lower(): "b"}.get(shown) if shown else None
    if shown and shown_left is None:
        raise RatingError(f"{where}: shown_left {shown!r} must be a, b or one of the two model names.")
    return {"prompt": prompt, "model_a": model_a, "model_b": model_b, "winner": winner,
            "rater": _first(record, "rater", "judge") or None, "shown_left": shown_left,
            "judged_at": _first(record, "time", "tstamp", "judged_at") or None,
            "comment": _first(record, "comment")}


def _judgement_records(path):
    """(line number, record) of a JSONL or CSV file; a JSONL line that is not an object
    comes through as None."""
    import csv
    import json

    if path.suffix.lower() == ".csv":
        with open(path, newline="", encoding="utf-8-sig") as handle:
            for number, row in enumerate(csv.DictReader(handle), start=2):
                yield number, row
        return
    with open(path, encoding="utf-8-sig") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except ValueError:
                record = None
            yield number, record if isinstance(record, dict) else None


def import_judgements(store: Store, path, session: str) -> JudgementImport:
    """Bring judgements made elsewhere into the store under a session name; all or
    nothing, and idempotent (a line already imported is not added again)."""
    from pathlib import Path

    path = Path(path)
    if not path.is_file():
        raise RatingError(f"{path}: no such file; check the path.")
    if not session.strip():
        raise RatingError("The import needs a session name.")
    rows, problems, seen = [], [], {}
    lines = 0
    for number, record in _judgement_records(path):
        lines += 1
        where = f"{path}: line {number}"
        if record is None:
            problems.append(f"{where}: not a JSON object.")
            continue
        try:
            row = judgement_from_record(where, record)
        except RatingError as exc:
            problems.append(str(exc))
            continue
        content = (session, *(str(row[k] or "") for k in ("prompt", "model_a", "model_b", "winner", "rater",
                                                           "shown_left", "judged_at", "comment")))
        occurrence = seen[content] = seen.get(content, 0) + 1  # the same line twice is two judgements
        rows.append({**row, "session": session, "key": _stable_hash(*content, str(occurrence))})
    if problems:
        more = f"\n... {len(problems) - 20} more" if len(problems) > 20 else ""
        raise RatingError("\n".join(problems[:20]) + more)
    if not rows:
        raise RatingError(f"{path}: the file has no judgements: there was nothing to import.")
    added = store.ratings.add_judgements(rows)
    models = {m for r in rows for m in (r["model_a"], r["model_b"])}
    store.audit("import", "imported_judgements", session, {"file": str(path), "added": added})
    return JudgementImport(session, lines, added, len(rows) - added, len(models))


def session_judgements(store: Store, session_name: str) -> list[dict]:
    """A session's judgements in the import format: an imported session as stored, a
    rating session's ratings with model A = candidate, B = baseline."""
    imported = store.ratings.judgements(session_name)
    if imported:
        return [{"prompt": j["prompt"], "model_a": j["model_a"], "model_b": j["model_b"], "winner": j["winner"],
                 "rater": j["rater"], "shown_left": j["shown_left"], "time": j["judged_at"],
                 "comment": j["comment"]} for j in imported]
    session = store.ratings.get_rating_session(session_name)
    if session is None:
        raise RatingError(f"No rating session or imported session {session_name!r}; "
                          "`workbench rate sessions` lists them.")
    labels = {c["id"]: c.get("external_id") or c["prompt_id"] for c in store.ratings.session_comparisons(session["id"])}
    winner = {"candidate": "a", "baseline": "b", "tie": "tie", "both_bad": "both_bad"}
    return [{"prompt": labels.get(r["comparison_id"], r["prompt_id"]), "model_a": session["candidate_model"],
             "model_b": session["baseline_model"], "winner": winner[r["outcome"]], "rater": r["rater"],
             "shown_left": "a" if r["candidate_left"] else "b", "time": r["created_at"], "comment": r["comment"] or ""}
            for r in store.ratings.session_ratings(session["id"])]


def export_judgements(store: Store, session_name: str, path) -> int:
    """Write a session's judgements as JSONL, or CSV when the file name ends in .csv
    (the format `rate import` reads). Returns how many."""
    import csv
    import json
    from pathlib import Path

    path = Path(path)
    rows = session_judgements(store, session_name)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")  # nothing half-written under the real name
    with open(partial, "w", newline="", encoding="utf-8") as handle:
        if path.suffix.lower() == ".csv":
            writer = csv.DictWriter(handle, fieldnames=JUDGEMENT_FIELDS)
            writer.writeheader()
            writer.writerows({k: ("" if v is None else v) for k, v in row.items()} for row in rows)
        else:
            for row in rows:
                handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    partial.replace(path)
    return len(rows)
