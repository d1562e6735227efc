"""The Rating screen: two answers side by side, blind, one key per verdict.

Two pair views live in a ContentSwitcher: while one is shown, the next pair is
already rendered in the other, so a verdict only commits one row and flips the
switcher (the keystroke-to-next-pair latency is measured by bench/rating_latency.py).
Which model is on the left comes from the stored blind assignment; model names are
never shown while rating.
"""

from __future__ import annotations

import difflib
import time

from rich.markdown import Markdown as RichMarkdown
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen, Screen
from textual.widgets import ContentSwitcher, Footer, Input, Label, Select, Static
from textual.worker import Worker, WorkerState

from screens import keys
from workbench.chat import format as chatformat
from screens.safety import guarded
from screens.writes import writes_of
from screens.widgets.modebar import ModeBar
from screens.widgets.session_result import result_text
from workbench.eval import golden, rating
from workbench.eval.rating import Pair, RatingError, RatingRun, session_gate, session_report, session_votes

VERDICT_KEYS = {"left": "left better", "right": "right better", "tie": "tie", "both_bad": "both bad"}


SYSTEM_PREVIEW = 90  # characters of a system prompt shown when folded


def conversation_markdown(messages: list, full_system: bool = False, unfold_key: str = "s") -> str:
    """The prompt as markdown: each turn under its role, so roles read without colour.
    System prompts are folded to their start (they are long and mostly the same on every
    pair) so the user's turn is on screen; `s` unfolds them."""
    parts = []
    for message in messages:
        role = str(message.get("role", "?")).upper()
        content = chatformat.message_text(message, placeholders=True)
        if role in ("SYSTEM", "DEVELOPER") and not full_system and len(content) > SYSTEM_PREVIEW:
            first = content[:SYSTEM_PREVIEW].split("\n")[0]
            content = f"{first} … *({len(content):,} characters; {unfold_key} shows all)*"
        parts.append(f"**{role}**  \n{content}")
    return "\n\n".join(parts)


def word_diff(left: str, right: str) -> tuple[Text, Text]:
    """Both answers with the words only one of them has highlighted (reverse video, so it
    also shows with NO_COLOR)."""
    a, b = left.split(" "), right.split(" ")
    left_text, right_text = Text(), Text()
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        chunk_a, chunk_b = " ".join(a[i1:i2]), " ".join(b[j1:j2])
        if op == "equal":
            left_text.append(chunk_a + " ")
            right_text.append(chunk_b + " ")
        else:
            if chunk_a:
                left_text.append(chunk_a, style="reverse red")
                left_text.append(" ")
            if chunk_b:
                right_text.append(chunk_b, style="reverse green")
                right_text.append(" ")
    return left_text, right_text


class PairView(Vertical):
    """One comparison: the prompt on top, the two answers below (styled by rating.tcss)."""

    def __init__(self, id: str):
        super().__init__(id=id)
        self.pair: Pair | None = None
        self.full_system = False

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="prompt") as prompt:
            prompt.border_title = "Prompt"
            yield Static(classes="prompt-md")
        with Horizontal(classes="answers"):
            for side, key in (("left", "1 / ←"), ("right", "2 / →")):
                with VerticalScroll(classes=f"answer {side}", id=f"{self.id}-{side}") as box:
                    box.border_title = f"{side.capitalize()}  [{key}]"
                    yield Static(classes="answer-md")
                    yield Static(classes="diff-text")

    async def show(self, pair: Pair | None) -> None:
        """Render a pair (or clear the view when there is none).

        Rich's Markdown renderable in a Static: far cheaper to swap than Textual's
        Markdown widget (which mounts a widget per block), and it keeps the flip fast."""
        self.pair = pair
        prompt = self.query_one(".prompt-md", Static)
        left_box, right_box = self.query_one(f"#{self.id}-left"), self.query_one(f"#{self.id}-right")
        if pair is None:
            prompt.update("")
            for box in (left_box, right_box):
                box.query_one(".answer-md", Static).update("")
                box.query_one(".diff-text", Static).update("")
            return
        prompt.update(RichMarkdown(conversation_markdown(pair.messages, self.full_system,
                                                         keys.key_in(self.app, "rating.system"))))
        left_box.query_one(".answer-md", Static).update(RichMarkdown(pair.left))
        right_box.query_one(".answer-md", Static).update(RichMarkdown(pair.right))
        left_diff, right_diff = word_diff(pair.left, pair.right)
        left_box.query_one(".diff-text", Static).update(left_diff)
        right_box.query_one(".diff-text", Static).update(right_diff)
        for box in (left_box, right_box):
            box.scroll_home(animate=False)
        # The last turn (the user's question) matters most: keep it in view.
        self.query_one(".prompt").call_after_refresh(self.query_one(".prompt").scroll_end, animate=False)

    def set_diff(self, on_: bool) -> None:
        for box in self.query(".answer"):
            box.set_class(on_, "diff")


class CommentDialog(ModalScreen[str | None]):
    """Ask for a comment on the current pair."""

    CSS_PATH = "rating.tcss"
    BINDINGS = keys.bindings("rating_comment")

    def __init__(self, current: str):
        super().__init__()
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Comment on this pair (Enter saves, Esc cancels):")
            yield Input(value=self.current, id="comment-input")

    @on(Input.Submitted)
    def submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip())

    def action_cancel(self) -> None:
        self.dismiss(None)


class NewSessionDialog(ModalScreen[dict | None]):
    """Plan a rating session: golden set (latest version), candidate, baseline, n, threshold."""

    CSS_PATH = "rating.tcss"
    BINDINGS = keys.bindings("rating_new")

    def __init__(self, store):
        super().__init__()
        self.store = store

    def compose(self) -> ComposeResult:
        sets = [(g["name"], g["name"]) for g in golden.list_sets(self.store) if g["latest_version"]]
        with Vertical():
            yield Label("New rating session", classes="title")
            yield Label("Pick the golden set and both models; Enter in a number field creates it, Esc cancels.")
            yield Select(sets, prompt="Golden set", id="new-set", compact=True)
            yield Select([], prompt="Candidate model", id="new-candidate", compact=True)
            yield Select([], prompt="Baseline model", id="new-baseline", compact=True)
            yield Label("Planned ratings before the gate decides (target n):")
            yield Input("200", id="new-n", type="integer", compact=True)
            yield Label("Win rate the candidate needs to be promoted:")
            yield Input("0.55", id="new-threshold", type="number", compact=True)
            yield Label("", id="new-status")

    @on(Select.Changed, "#new-set")
    def set_changed(self, event: Select.Changed) -> None:
        from workbench.eval import golden

        if event.value is Select.BLANK:
            return
        version = golden.resolve_version(self.store, str(event.value))
        models = [(m["model"], m["model"]) for m in golden.answered_models(self.store, version["id"])]
        for widget_id in ("#new-candidate", "#new-baseline"):
            self.query_one(widget_id, Select).set_options(models)

    @on(Input.Submitted)
    def submitted(self) -> None:
        self.action_create()

    def action_create(self) -> None:
        values = {k: self.query_one(f"#new-{k}", Select).value for k in ("set", "candidate", "baseline")}
        if any(v is Select.BLANK for v in values.values()):
            self.query_one("#new-status", Label).update("Pick a golden set and both models.")
            return
        try:
            target_n = int(self.query_one("#new-n", Input).value)
            threshold = float(self.query_one("#new-threshold", Input).value)
        except ValueError:
            self.query_one("#new-status", Label).update("Target n is a whole number, the threshold a number.")
            return
        self.dismiss({**{k: str(v) for k, v in values.items()}, "target_n": target_n, "threshold": threshold})

    def action_cancel(self) -> None:
        self.dismiss(None)


class LiveStats(Message):
    """Posted by the stats worker: the session's progress (never a running result: rating
    is blind), and the full report once the session is complete."""

    def __init__(self, text: str, report: dict | None = None):
        super().__init__()
        self.text = text
        self.report = report


class RatingMade(Message):
    """A verdict was committed (tests and the app can listen for it)."""

    def __init__(self, comparison_id: str, verdict: str):
        super().__init__()
        self.comparison_id = comparison_id
        self.verdict = verdict


@guarded
class RatingScreen(Screen):
    """Blind side-by-side rating of a session's pairs."""

    help = ("Rate which answer is better. 1/← left, 2/→ right, 3/t tie, 4/b both bad, space skip, "
            "backspace/u undo the last step (a rating or a skip), f flag, c comment, D word diff, "
            "w write a draft training example from a pair rated both-bad (or flagged), n plan a new session, "
            "s full system prompt, j/k scroll both answers, PgUp/PgDn a page, r result (once complete), "
            "Esc back to Examples (ctrl+p reaches the other modes: 1-4 rate here). "
            "Every rating is saved at once; sides are blind and no result is shown until the session "
            "is complete (every pair rated or the gate's verdict final).")
    KEY_SCOPE = "rating"
    BINDINGS = keys.bindings("rating")
    CSS_PATH = "rating.tcss"
    NARROW = 100  # below this many columns the answers stack
    AUTO_FOCUS = ""  # verdict keys must reach the screen, not the session picker

    def __init__(self, session: str | None = None, rater: str | None = None):
        super().__init__()
        self.store = None  # the app's store, set in compose
        self.session_name = session
        self.rater = rater
        self.run: RatingRun | None = None
        self.current = "view-a"
        self.shown_at = time.perf_counter()
        self.flagged = False
        self.comment = ""
        self.diff = False
        self.painted_at = 0.0
        self.report: dict | None = None  # the session's result, once it is complete
        self.result_shown = False
        self.pairs_wanted = False  # the rater chose to see pairs left over the result

    def compose(self) -> ComposeResult:
        # The app's one store: each thread (this one, the workers) gets its own connection.
        self.store = self.app.store
        sessions = rating.list_sessions(self.store)
        yield ModeBar("rating")
        with Horizontal(id="rating-top"):
            yield Select([(s["name"], s["id"]) for s in sessions], prompt="Rating session",
                         id="session-select", allow_blank=not sessions, compact=True)
        yield Static(id="status")
        with ContentSwitcher(initial="view-a", id="views"):
            yield PairView("view-a")
            yield PairView("view-b")
        with VerticalScroll(id="result"):
            yield Static(id="result-text")
        yield Static(id="stats")
        yield Static("", id="empty")
        yield Footer(show_command_palette=False)

    async def on_mount(self) -> None:
        sessions = rating.list_sessions(self.store)
        if not sessions:
            self._show_empty("No rating sessions yet. Bring a golden set and two models' answers:\n"
                             "  workbench golden import PROMPTS.jsonl --set NAME\n"
                             "  workbench answers import ANSWERS.jsonl --set NAME\n"
                             f"then press {keys.key_in(self.app, 'rating.new')} here "
                             "(or `workbench rate new --set NAME --candidate M --baseline M`).")
            return
        wanted = self.session_name
        chosen = next((s for s in sessions if wanted in (s["id"], s["name"])), sessions[-1])
        self.query_one("#session-select", Select).value = chosen["id"]
        await self.open_session(chosen["id"])

    def _show_empty(self, text: str) -> None:
        self.query_one("#views").display = False
        self.query_one("#empty", Static).update(text)
        self.query_one("#empty", Static).add_class("shown")

    @on(Select.Changed, "#session-select")
    async def session_changed(self, event: Select.Changed) -> None:
        if event.value is not Select.BLANK and (self.run is None or self.run.session["id"] != event.value):
            await self.open_session(str(event.value))

    async def open_session(self, session_id: str) -> None:
        try:
            self.run = RatingRun.open(self.store, session_id, self.rater)
        except RatingError as exc:
            self.notify(str(exc), severity="error")
            return
        self.report, self.pairs_wanted = None, False
        self._show_result(False)
        self.query_one("#empty", Static).remove_class("shown")
        # Rating keys go to the screen, not to the session picker (tab reaches it).
        self.set_focus(None)
        await self.refill(both=True)

    def on_resize(self) -> None:
        narrow = self.size.width < self.NARROW
        for view in self.query(PairView):
            view.set_class(narrow, "narrow")

    # ---------------------------------------------------------------- showing pairs

    def _views(self) -> tuple[PairView, PairView]:
        a, b = self.query_one("#view-a", PairView), self.query_one("#view-b", PairView)
        return (a, b) if self.current == "view-a" else (b, a)

    async def refill(self, both: bool = False) -> None:
        """Show the head of the queue; render the pair after it in the hidden view."""
        assert self.run is not None
        upcoming = self.run.next_pairs(2)
        shown, hidden = self._views()
        if both or shown.pair is None or not upcoming or shown.pair.comparison_id != upcoming[0].comparison_id:
            await shown.show(upcoming[0] if upcoming else None)
        await hidden.show(upcoming[1] if len(upcoming) > 1 else None)
        self._pair_started()

    def _pair_started(self) -> None:
        self.shown_at = time.perf_counter()
        self.flagged, self.comment = False, ""
        self.update_status()
        self.refresh_stats()

    async def advance(self) -> None:
        """Flip to the prefetched pair, then prefetch the one after it."""
        assert self.run is not None
        shown, hidden = self._views()
        upcoming = self.run.next_pairs(2)
        if upcoming and hidden.pair and hidden.pair.comparison_id == upcoming[0].comparison_id:
            self.current = hidden.id
            self.query_one("#views", ContentSwitcher).current = hidden.id
            self._pair_started()
            self.call_after_refresh(self._painted)
            self.call_after_refresh(self._prefetch)
        else:
            await self.refill(both=True)

    def _painted(self) -> None:
        # Read by bench/rating_latency.py: when the next pair reached the screen.
        self.painted_at = time.perf_counter()

    async def _prefetch(self) -> None:
        if self.run is None:
            return
        upcoming = self.run.next_pairs(2)
        shown, hidden = self._views()
        await hidden.show(upcoming[1] if len(upcoming) > 1 else None)

    def update_status(self) -> None:
        if self.run is None:
            return
        progress = self.run.progress()
        shown, _ = self._views()
        pair = shown.pair
        # Plain Text, not markup (a "[FLAGGED]" in markup is eaten), and the marks come
        # first so they show at 80 columns too.
        text = Text(no_wrap=True, overflow="ellipsis")
        if self.flagged:
            text.append(" FLAGGED ", "bold reverse")
            text.append(" ")
        if self.comment:
            text.append(" COMMENT ", "bold reverse")
            text.append(" ")
        head = (f"{progress['rated']}/{progress['total']} rated"
                f" (+{progress['identical']} identical, auto-tied) · rater {self.run.rater}")
        if pair is None:
            text.append(f"{head} · all your pairs are rated")
        else:
            label = pair.external_id or pair.prompt_id[:8]
            done, total = self._tag_progress(progress, pair.tags)
            text.append(f"{head} · prompt {label} · tags {', '.join(pair.tags) or '-'} ({done}/{total} in tag)")
        self.query_one("#status", Static).update(text)

    @staticmethod
    def _tag_progress(progress: dict, tags: list[str]) -> tuple[int, int]:
        if not tags:
            return progress["rated"], progress["total"]
        done, total = progress["by_tag"].get(tags[0], [0, 0])
        return done, total

    # ---------------------------------------------------------------- actions

    async def action_verdict(self, verdict: str) -> None:
        shown, _ = self._views()
        if self.run is None or shown.pair is None or self.result_shown:
            return
        elapsed = int((time.perf_counter() - self.shown_at) * 1000)
        run, pair, flagged, comment = self.run, shown.pair, self.flagged, self.comment
        run.pending.add(pair.comparison_id)  # out of the queue now, whether written now or later

        def written(_: object) -> None:
            run.pending.discard(pair.comparison_id)
            self.update_status()

        def lost(exc: BaseException) -> None:
            from screens.safety import report

            run.pending.discard(pair.comparison_id)
            report(self, exc)  # one line + crash.log; the pair comes back in the queue

        # Through the app's write queue: on a busy store the rating waits, shown as pending,
        # and the next pair appears at once.
        writes_of(self.app).submit(f"rating {verdict}", lambda: run.rate(pair, verdict, time_ms=elapsed,
                                                                    flagged=flagged, comment=comment),
                               done=written, failed=lost)
        self.post_message(RatingMade(pair.comparison_id, verdict))
        await self.advance()

    async def action_skip(self) -> None:
        shown, _ = self._views()
        if self.run is None or shown.pair is None or self.result_shown:
            return
        self.run.skip(shown.pair)
        await self.advance()

    async def action_undo(self) -> None:
        if self.run is None:
            return
        row = self.run.undo()
        if row is None:
            self.notify("Nothing to undo: you have no ratings in this session.")
            return
        self.notify("Skip undone; here is that pair again." if row.get("skipped")
                    else "Last rating removed; rate that pair again.")
        self.pairs_wanted = False
        self._show_result(False)
        await self.refill(both=True)

    def action_flag(self) -> None:
        self.flagged = not self.flagged
        self.update_status()

    def action_comment(self) -> None:
        def save(text: str | None) -> None:
            if text is not None:
                self.comment = text
                self.update_status()
        self.app.push_screen(CommentDialog(self.comment), save)

    async def action_toggle_system(self) -> None:
        for view in self.query(PairView):
            view.full_system = not view.full_system
            await view.show(view.pair)

    def action_new_session(self) -> None:
        from workbench.eval.rating import create_session

        def create(plan: dict | None) -> None:
            if not plan:
                return
            try:
                session = create_session(self.store, plan["set"], plan["candidate"], plan["baseline"],
                                         target_n=plan["target_n"], threshold=plan["threshold"])
            except (RatingError, ValueError) as exc:
                self.notify(str(exc), severity="error")
                return
            select = self.query_one("#session-select", Select)
            select.set_options([(s["name"], s["id"]) for s in rating.list_sessions(self.store)])
            select.value = session["id"]
            self.notify(f"Session {session['name']!r} planned: {session['target_n']} ratings.")

        self.app.push_screen(NewSessionDialog(self.store), create)

    def action_draft_example(self) -> None:
        """The prompt just rated both-bad (or flagged) becomes a draft example."""
        from screens.draft_example import open_draft_from_last_rating

        open_draft_from_last_rating(self, self.run)

    def action_toggle_diff(self) -> None:
        self.diff = not self.diff
        for view in self.query(PairView):
            view.set_diff(self.diff)

    # ---------------------------------------------------------------- scrolling

    def _scroll_targets(self) -> list:
        if self.result_shown:
            return [self.query_one("#result")]
        shown, _ = self._views()
        return list(shown.query(".answer"))

    def action_scroll_answers(self, lines: int) -> None:
        for box in self._scroll_targets():
            box.scroll_relative(y=lines, animate=False)

    def action_page_answers(self, direction: int) -> None:
        for box in self._scroll_targets():
            box.scroll_relative(y=direction * max(1, box.scrollable_content_region.height - 1), animate=False)

    # ---------------------------------------------------------------- progress and result

    def refresh_stats(self) -> None:
        if self.run is not None:
            self.compute_stats(self.run.session["id"], len(self.run.queue()))

    @work(thread=True, exclusive=True, exit_on_error=False, group="rating-stats")
    def compute_stats(self, session_id: str, pairs_left: int) -> None:
        """Progress only while the session runs (a running win rate would tell the rater
        which side was the candidate); the full report once it is complete."""
        store = self.store  # this worker thread gets its own connection from it
        session = rating.get_session(store, session_id)
        votes = session_votes(store, session)
        verdict = session_gate(store, session, votes)  # stores the verdict when it turns final
        complete = pairs_left == 0 or verdict.final or verdict.may_stop
        mode = " · sequential: may end early" if session.get("gate_mode") == "sequential" else ""
        text = (f"Session: {len(votes)}/{session['target_n']} planned votes{mode} · "
                + ("complete" if complete else "results stay hidden until the session is complete"))
        report = session_report(store, session_id, resamples=1000) if complete else None
        self.post_message(LiveStats(text, report))

    def _tag_line(self) -> str:
        if self.run is None:
            return ""
        by_tag = self.run.progress()["by_tag"]
        return "Per tag: " + " · ".join(f"{tag} {done}/{total}" for tag, (done, total) in sorted(by_tag.items()))

    def on_live_stats(self, message: LiveStats) -> None:
        self.query_one("#stats", Static).update(Text(message.text + "\n" + self._tag_line(), no_wrap=True,
                                                     overflow="ellipsis"))
        self.report = message.report
        if message.report is None:
            self._show_result(False)
            return
        self.query_one("#result-text", Static).update(result_text(
            message.report, pairs_left=len(self.run.queue()) if self.run else 0,
            leave_key=keys.key_in(self.app, "rating.leave"), pairs_key=keys.key_in(self.app, "rating.result")))
        self._show_result(not self.pairs_wanted)

    def _show_result(self, on_: bool) -> None:
        self.result_shown = on_
        self.query_one("#result").set_class(on_, "shown")
        self.query_one("#views").display = not on_

    def action_toggle_result(self) -> None:
        if self.report is None:
            self.notify("The result shows once the session is complete (every pair rated or the gate decided).")
            return
        if self.result_shown and self.run is not None and not self.run.queue():
            self.notify("No pairs left for you to rate.")
            return
        self.pairs_wanted = self.result_shown
        self._show_result(not self.result_shown)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR:
            self.notify(f"Could not compute statistics: {event.worker.error}", severity="warning")
