"""The example editor: the turns on the left, the selected message in a TextArea.

Edits stay in a working copy until saved (ctrl+s, or esc from the turns list), and
each save is one revision (undoable from the Examples screen, also after a restart).
Preflight findings and token counts follow the typing: a short debounce, then a
worker computes them with its own tokenizer while the TextArea keeps taking keys.
"""

from __future__ import annotations

import copy
import json

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, OptionList, Static, TextArea
from textual.widgets.option_list import Option
from textual.worker import Worker, WorkerState

from screens import keys
from screens.safety import guarded

ROLE_CYCLE = ("system", "user", "assistant", "tool")
PREFLIGHT_DELAY = 0.3


class PreflightDone(Message):
    """Findings and counts for the working copy (from the preflight worker)."""

    def __init__(self, result) -> None:
        super().__init__()
        self.result = result


def _content_text(message: dict) -> str:
    content = message.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(p.get("text", "") for p in content if isinstance(p, dict))
    return ""


def _turn_label(index: int, message: dict) -> Text:
    role = str(message.get("role", "?"))
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(f"{index:>2} ")
    text.append(f"{role.upper():<10}", "bold")
    if message.get("weight") == 0:
        text.append("w0 ", "italic")
    snippet = _content_text(message).replace("\n", " ").strip()
    if not snippet and message.get("tool_calls"):
        snippet = "→ " + ", ".join(str((c.get("function") or {}).get("name")) for c in message["tool_calls"])
    # Options wrap long prompts: keep each turn on one line of the 32-column list.
    room = max(4, 27 - len(text.plain))
    snippet = snippet[:room - 1] + "…" if len(snippet) > room else snippet
    text.append(snippet or "(empty)", "" if snippet else "dim italic")
    return text


@guarded
class EditorScreen(Screen):
    CSS_PATH = "editor.tcss"
    BINDINGS = keys.bindings("editor")
    KEY_SCOPE = "editor"
    help = "Editor: change the messages of one example."

    def __init__(self, example_id: str) -> None:
        super().__init__()
        self.example_id = example_id
        self.example: dict = {}
        self.messages: list[dict] = []
        self.index = 0
        self.dirty = False
        self.saved = False
        self._timer: Timer | None = None
        self._loading = False
        self.conflict = ""  # what changed meanwhile, after a refused save

    def compose(self) -> ComposeResult:
        yield Static("", id="editor-title")
        with Horizontal(id="editor-body"):
            yield OptionList(id="turns")
            with Vertical(id="editor-right"):
                yield Static("", id="turn-meta")
                yield TextArea("", id="text", soft_wrap=True, tab_behavior="focus")
        yield Static("", id="preflight")
        yield Footer(show_command_palette=False)  # the mode bar mentions ctrl+p

    def on_mount(self) -> None:
        self.example = self.app.curation.get(self.example_id) or {}
        self.messages = copy.deepcopy(self.example.get("messages") or [])
        turns = self.query_one("#turns", OptionList)
        turns.help = ("The messages of the example. ↑↓ picks one, enter edits its text, delete removes it, "
                      "alt+↑/↓ moves it, ctrl+r changes its role, ctrl+t toggles its weight, ctrl+n adds one.")
        text = self.query_one("#text", TextArea)
        text.help = ("The text of the selected message. Type to edit; esc goes back to the turns list; ctrl+s "
                     "saves a revision. Findings and token counts below update as you type.")
        self.app.apply_cursor_blink(self)
        first_user = next((i for i, m in enumerate(self.messages) if m.get("role") == "user"), 0)
        self._rebuild(first_user)
        text.focus()
        self.update_title()
        self.schedule_preflight(0)

    # ------------------------------------------------------------------ view

    def update_title(self) -> None:
        ex = self.example
        mark = " · unsaved changes" if self.dirty else (" · saved" if self.saved else "")
        in_text = self.query_one("#text", TextArea).has_focus
        hint = "esc: to the turns" if in_text else "esc: save and close"
        self.query_one("#editor-title", Static).update(
            f" Editing #{ex.get('position', '?')} · {ex.get('status', '')} · {len(self.messages)} turns{mark}"
            f" · {hint}")

    def _rebuild(self, index: int | None = None) -> None:
        turns = self.query_one("#turns", OptionList)
        turns.clear_options()
        turns.add_options([Option(_turn_label(i, m)) for i, m in enumerate(self.messages)])
        if self.messages:
            self.index = max(0, min(self.index if index is None else index, len(self.messages) - 1))
            turns.highlighted = self.index
        self._load_turn()

    def _load_turn(self) -> None:
        text = self.query_one("#text", TextArea)
        self._loading = True
        if not self.messages:
            text.load_text("")
            text.disabled = True
            self.query_one("#turn-meta", Static).update("No messages: ctrl+n adds one.")
            self._loading = False
            return
        text.disabled = False
        message = self.messages[self.index]
        text.load_text(_content_text(message))
        self._loading = False
        self._update_meta()

    def _update_meta(self) -> None:
        message = self.messages[self.index]
        role = str(message.get("role", "?"))
        meta = Text()
        meta.append(f" {role.upper()} ", "bold reverse")
        meta.append(f"  turn {self.index} of {len(self.messages)}")
        if role == "assistant":
            meta.append("  weight 0 · not trained" if message.get("weight") == 0 else "  trained", "italic")
        if message.get("tool_calls"):
            calls = json.dumps(message["tool_calls"], ensure_ascii=False)
            meta.append(f"\n tool calls (kept as is): {calls[:200]}", "dim")
        self.query_one("#turn-meta", Static).update(meta)

    def _refresh_turn_label(self) -> None:
        turns = self.query_one("#turns", OptionList)
        turns.replace_option_prompt_at_index(self.index, _turn_label(self.index, self.messages[self.index]))

    def _changed(self) -> None:
        self.dirty = True
        self.update_title()
        self.schedule_preflight()

    # ------------------------------------------------------------------ events

    def on_descendant_focus(self) -> None:
        self.update_title()

    def on_descendant_blur(self) -> None:
        self.call_after_refresh(self.update_title)

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if event.option_index != self.index and 0 <= event.option_index < len(self.messages):
            self.index = event.option_index
            self._load_turn()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.set_focus(self.query_one("#text", TextArea))

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        if self._loading or not self.messages:
            return
        message = self.messages[self.index]
        if _content_text(message) == event.text_area.text:
            return
        message["content"] = event.text_area.text
        self._refresh_turn_label()
        self._changed()

    # ------------------------------------------------------------------ actions

    def action_turn(self, delta: int) -> None:
        if self.messages:
            self.index = max(0, min(self.index + delta, len(self.messages) - 1))
            self.query_one("#turns", OptionList).highlighted = self.index
            self._load_turn()

    def action_cycle_role(self) -> None:
        if not self.messages:
            return
        message = self.messages[self.index]
        role = message.get("role")
        message["role"] = ROLE_CYCLE[(ROLE_CYCLE.index(role) + 1) % len(ROLE_CYCLE)] if role in ROLE_CYCLE else "user"
        if message["role"] != "assistant":
            message.pop("weight", None)
        self._refresh_turn_label()
        self._update_meta()
        self._changed()

    def action_toggle_weight(self) -> None:
        if not self.messages:
            return
        message = self.messages[self.index]
        if message.get("role") != "assistant":
            self.notify("Only assistant turns have a weight (ctrl+r changes the role).", severity="warning")
            return
        if message.get("weight") == 0:
            message["weight"] = 1
        else:
            message["weight"] = 0
        self._refresh_turn_label()
        self._update_meta()
        self._changed()

    def action_add_turn(self) -> None:
        current = self.messages[self.index]["role"] if self.messages else "assistant"
        role = "assistant" if current in ("user", "tool") else "user"
        at = self.index + 1 if self.messages else 0
        self.messages.insert(at, {"role": role, "content": ""})
        self._rebuild(at)
        self.query_one("#text", TextArea).focus()
        self._changed()

    def action_remove_turn(self) -> None:
        if not self.messages:
            return
        removed = self.messages.pop(self.index)
        self._rebuild(min(self.index, len(self.messages) - 1))
        self.notify(f"Removed the {removed.get('role')} turn (save to keep; ctrl+z after saving undoes).")
        self._changed()

    def action_move_turn(self, delta: int) -> None:
        target = self.index + delta
        if not self.messages or not 0 <= target < len(self.messages):
            return
        self.messages[self.index], self.messages[target] = self.messages[target], self.messages[self.index]
        self._rebuild(target)
        self._changed()

    def action_system_prompt(self) -> None:
        if not self.messages or self.messages[0].get("role") != "system":
            self.messages.insert(0, {"role": "system", "content": ""})
            self._changed()
        self._rebuild(0)
        self.query_one("#text", TextArea).focus()

    def action_save(self) -> bool:
        from workbench.dataset.curation import ExampleChanged

        if not self.dirty:
            return True
        try:
            self.app.curation.save_messages(self.example_id, copy.deepcopy(self.messages),
                                            expected_revision=self.example.get("revision"))
        except ExampleChanged as exc:
            self._rebase(exc.example)
            return False
        except Exception as exc:  # noqa: BLE001 - shown to the user, the working copy is kept
            self.notify(f"Could not save: {type(exc).__name__}: {exc}", severity="error", timeout=10)
            return False
        self.example = self.app.curation.get(self.example_id) or self.example
        self.dirty = False
        self.saved = True
        self.update_title()
        self.notify(f"Saved revision {self.example.get('revision')} (ctrl+z in the list undoes).")
        return True

    def _rebase(self, current: dict) -> None:
        """The example changed since it was opened (a redaction, another session): show
        what changed, and put the user's edit on top of the new version as the working
        copy, unsaved, so saving again is a deliberate re-apply."""
        from workbench.dataset.curation import changed_turns, reapply

        base = self.example.get("messages") or []
        theirs = current.get("messages") or []
        their_turns = changed_turns(base, theirs)
        my_turns = changed_turns(base, self.messages)
        self.messages = reapply(base, self.messages, theirs)
        self.example = current
        self.conflict = (f"Changed meanwhile: revision {current['revision']} "
                         f"({'turns ' + ', '.join(map(str, their_turns)) if their_turns else 'not the messages'}). "
                         f"Your edit of turn(s) {', '.join(map(str, my_turns)) or '-'} is re-applied on top: "
                         f"review it and save again ({keys.key_in(self.app, 'editor.save')}).")
        self._rebuild(self.index)
        self.dirty = True
        self.update_title()
        self.query_one("#turn-meta", Static).update(Text(self.conflict, "bold"))
        self.notify(self.conflict, title="Not saved", severity="warning", timeout=15)

    def action_close(self) -> None:
        if self.query_one("#text", TextArea).has_focus:
            self.set_focus(self.query_one("#turns", OptionList))
            return
        if self.action_save():
            self.dismiss(self.saved)

    # ------------------------------------------------------------------ live preflight

    def schedule_preflight(self, delay: float = PREFLIGHT_DELAY) -> None:
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(delay, self._start_preflight) if delay else None
        if not delay:
            self._start_preflight()

    def _start_preflight(self) -> None:
        self.query_one("#preflight", Static).update(Text(self._preflight_prefix() + "checking…", "dim"))
        self.run_preflight(copy.deepcopy(self.example), copy.deepcopy(self.messages), self.app.target_model.encoding)

    def _preflight_prefix(self) -> str:
        return ""

    @work(thread=True, exclusive=True, exit_on_error=False, group="preflight")
    def run_preflight(self, example: dict, messages: list, encoding: str) -> None:
        from workbench.dataset.curation import preflight

        # Only the target model's encoding: the save path counts the others later.
        self.post_message(PreflightDone(preflight(example, messages, (encoding,))))

    def on_preflight_done(self, message: PreflightDone) -> None:
        result = message.result
        model = self.app.target_model
        total, trained = result.tokens.get(model.encoding, (0, 0))
        text = Text()
        over = total > model.training_context_limit
        text.append(f" {total:,} tokens", "bold")
        text.append(f" ({trained:,} trained) for {model.name}")
        if over:
            text.append(f" · OVER the {model.training_context_limit:,} limit", "bold reverse")
        text.append(f" · {result.errors} errors, {result.warnings} warnings")
        for finding in result.findings[:3]:
            where = f" msg {finding.message_index}" if finding.message_index is not None else ""
            text.append(f"\n {'ERROR' if finding.is_error else 'warning'}{where}: {finding.message}",
                        "bold" if finding.is_error else "italic")
        self.query_one("#preflight", Static).update(text)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR:
            error = event.worker.error
            self.query_one("#preflight", Static).update(
                Text(f" Could not check or count: {type(error).__name__}: {error}", "bold"))
