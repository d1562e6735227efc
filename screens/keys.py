"""Every key of the app, in one registry: id -> default key, action, description, help.

Bindings, the footer, the help screen, the command palette and the user keymap all read
this table, so no key is defined twice. A user remaps a binding by its id in
`<config dir>/keymap.toml`:

    [keys]
    "examples.approve" = "A"
    "examples.search" = "ctrl+f"

(`docs/tui.md` lists every id.)
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from textual.binding import Binding

KEYMAP_FILE = "keymap.toml"


@dataclass(frozen=True)
class KeyAction:
    id: str
    key: str
    action: str
    description: str
    help: str = ""
    show: bool = True
    priority: bool = False

    def binding(self) -> Binding:
        return Binding(self.key, self.action, self.description, show=self.show, id=self.id,
                       priority=self.priority, tooltip=self.help)


A = KeyAction
REGISTRY: dict[str, tuple[KeyAction, ...]] = {
    "app": (
        A("app.examples", "1", "switch_mode('examples')", "Examples", "Curate the examples of a dataset.", show=False),
        A("app.budget", "2", "switch_mode('budget')", "Budget", "Tokens, epochs and cost per model.", show=False),
        A("app.jobs", "3", "switch_mode('jobs')", "Jobs",
          "Training jobs: status, curves, events, checkpoints; cancel.", show=False),
        A("app.rating", "4", "switch_mode('rating')", "Rating", "Rate two models' answers side by side, blind.",
          show=False),
        A("app.registry", "5", "switch_mode('registry')", "Registry",
          "Models you trained or use: lineage, promote, roll back.", show=False),
        A("app.pii", "6", "switch_mode('pii')", "Personal data", "Scan, review and redact personal data.",
          show=False),
        A("app.governance", "7", "switch_mode('governance')", "Governance",
          "The risk register and the audit log (who changed what, when).", show=False),
        A("app.health", "8", "switch_mode('health')", "Health",
          "Dataset health: coverage, declared minimums, near-duplicates.", show=False),
        A("app.help", "f1,question_mark", "help", "Help", "Keys and help for what has the focus."),
        A("app.quit", "ctrl+q", "quit", "Quit", "Leave the workbench; every edit is already saved.", show=False),
    ),
    "examples": (
        A("examples.search", "slash", "search", "Search", "Full-text search over message text."),
        A("examples.edit", "e,enter", "edit", "Edit", "Open the example in the editor."),
        A("examples.approve", "a", "status('approved')", "Approve", "Mark the example (or selection) approved."),
        A("examples.reject", "x", "status('rejected')", "Reject", "Mark the example (or selection) rejected."),
        A("examples.undo", "ctrl+z", "undo", "Undo", "Undo the last edit (also after a restart)."),
        A("examples.redo", "ctrl+y", "redo", "Redo", "Redo what was undone.", show=False),
        A("examples.export", "E", "export", "Export", "Write train.jsonl/validation.jsonl and freeze a version."),
        A("examples.import", "i", "import_file", "Import", "Import a JSONL or CSV file."),
        A("examples.draft", "d", "status('draft')", "Draft", "Put the example (or selection) back to draft.", show=False),
        A("examples.tags", "t", "tags", "Tags", "Add or remove tags (+tag -tag) on the example or selection."),
        A("examples.notes", "n", "notes", "Notes", "Write notes on the example.", show=False),
        A("examples.filter", "f", "filter", "Filter", "Filter by status, tag and flag; show deleted."),
        A("examples.clear", "escape", "clear", "Clear", "Clear the selection, then the search and filters.",
          show=False),
        A("examples.select", "space", "select", "Select", "Mark the example for a bulk action.", show=False),
        A("examples.select_all", "ctrl+a", "select_all", "Select all on page",
          "Mark every example in the loaded page.", show=False),
        A("examples.new", "plus", "new", "New example", "Create an empty draft example.", show=False),
        A("examples.duplicate", "c", "duplicate", "Duplicate", "Copy the example as a new draft.", show=False),
        A("examples.delete", "delete", "delete", "Delete", "Delete the example or selection (restorable).",
          show=False),
        A("examples.restore", "r", "restore", "Restore", "Restore deleted examples (filter: deleted).",
          show=False),
        A("examples.dataset", "g", "pick_dataset", "Dataset", "Pick the dataset to curate.", show=False),
        A("examples.golden", "G", "add_to_golden", "To golden set",
          "Make golden-set prompts of the example or selection (for side-by-side rating).", show=False),
    ),
    "editor": (
        A("editor.save", "ctrl+s", "save", "Save", "Save the conversation as a new revision.", priority=True),
        A("editor.close", "escape", "close", "Back", "From the text: back to the turns. From the turns: "
          "save and close."),
        A("editor.next_turn", "ctrl+down", "turn(1)", "Next turn", "Edit the next message.", show=False),
        A("editor.prev_turn", "ctrl+up", "turn(-1)", "Previous turn", "Edit the previous message.", show=False),
        A("editor.role", "ctrl+r", "cycle_role", "Role", "Change the role of the message."),
        A("editor.weight", "ctrl+t", "toggle_weight", "Weight", "Toggle weight 0/1 (assistant turns)."),
        A("editor.add_turn", "ctrl+n", "add_turn", "Add turn", "Insert a message after this one."),
        A("editor.remove_turn", "delete", "remove_turn", "Remove turn",
          "Remove the selected message (from the turns list)."),
        A("editor.move_up", "alt+up", "move_turn(-1)", "Move up", "Move the message up.", show=False),
        A("editor.move_down", "alt+down", "move_turn(1)", "Move down", "Move the message down.", show=False),
        A("editor.system", "ctrl+g", "system_prompt", "System prompt",
          "Edit the system prompt (adds one if missing)."),
    ),
    "budget": (
        A("budget.model", "m", "pick_model", "Model", "Choose the target model."),
        A("budget.provider", "p", "pick_provider", "Provider price",
          "Price with a provider's training catalogue (base model, price, epochs rule), as a launch would."),
        A("budget.edit_model", "M", "edit_model", "Edit model", "Change the model's price and context limit."),
        A("budget.open", "enter", "open_example", "Open", "Open the highlighted example in the editor."),
        A("budget.refresh", "ctrl+r", "refresh", "Refresh", "Recount from the store."),
    ),
    "placeholder": (),
    "jobs": (
        A("jobs.launch", "l", "launch", "Launch",
          "Launch a job from a frozen version: provider, base model, method, hyperparameters; "
          "shows the cost and asks first."),
        A("jobs.cancel", "c", "cancel_job", "Cancel job", "Cancel the highlighted job at its provider (asks first)."),
        A("jobs.provider", "p", "provider", "Provider/key",
          "Add a provider, or store a provider's API key in the OS keyring (never shown)."),
        A("jobs.refresh", "ctrl+r", "refresh", "Refresh", "Read the jobs again and watch any new running job."),
    ),
    "governance": (
        A("governance.switch", "v", "switch", "Risks/audit", "Switch between the risk register and the audit log."),
        A("governance.filter", "slash", "filter", "Filter", "Narrow the table: words, an action, a person."),
        A("governance.status", "s", "next_status", "Next status",
          "Move the highlighted risk to its next status (open, mitigating, accepted, closed)."),
        A("governance.refresh", "ctrl+r", "refresh", "Refresh", "Read the register and the log again."),
        A("governance.leave", "escape", "leave", "Back to table", "Clear the filter, back to the table.",
          show=False),
    ),
    "registry": (
        A("registry.promote", "p", "promote", "Promote",
          "Promote the model if the side-by-side gate against the promoted model says so."),
        A("registry.override", "P", "override", "Override",
          "Promote against the gate, with a reason (audited).", show=False),
        A("registry.rollback", "R", "rollback", "Roll back", "Re-promote the model promoted before the current one."),
        A("registry.generate", "g", "generate", "Generate", "Answer a golden set with the model (resumable)."),
        A("registry.capture", "c", "capture", "Capture",
          "Record the model's answers to every golden set before it stops serving."),
        A("registry.note", "n", "note", "Note", "Add a dated changelog line.", show=False),
        A("registry.cancel", "escape", "cancel", "Cancel", "Stop a running generation (answers so far are kept).",
          show=False),
        A("registry.refresh", "ctrl+r", "refresh", "Refresh", "Reload the registry.", show=False),
    ),
    "health": (
        A("health.scan", "s", "scan", "Scan duplicates", "Find near-duplicate examples (MinHash/LSH)."),
        A("health.keep", "k", "keep", "Keep one", "Keep the highlighted member, reject the rest of its group."),
        A("health.undo", "ctrl+z", "undo", "Undo", "Undo the last keep-one (the rejected examples come back)."),
        A("health.refresh", "ctrl+r", "refresh", "Refresh", "Recompute the figures from the store."),
    ),
    # On the Rating screen 1-4 are verdicts (priority over the mode keys); Esc leaves.
    "rating": (
        A("rating.left", "1,left", "verdict('left')", "Left", "The left answer is better.", priority=True),
        A("rating.right", "2,right", "verdict('right')", "Right", "The right answer is better.", priority=True),
        A("rating.tie", "3,t", "verdict('tie')", "Tie", "Both answers are equally good.", priority=True),
        A("rating.both_bad", "4,b", "verdict('both_bad')", "Both bad", "Neither answer is acceptable.",
          priority=True),
        A("rating.skip", "space", "skip", "Skip", "Rate this pair later."),
        A("rating.undo", "backspace,u", "undo", "Undo", "Remove your last rating and show that pair again."),
        A("rating.flag", "f", "flag", "Flag", "Flag this pair (saved with the rating)."),
        A("rating.comment", "c", "comment", "Comment", "Add a comment (saved with the rating)."),
        A("rating.diff", "D", "toggle_diff", "Diff", "Show the words that differ between the answers."),
        A("rating.draft", "w", "draft_example", "Write example",
          "Turn the prompt you just rated both-bad (or flagged) into a draft training example."),
        A("rating.system", "s", "toggle_system", "System prompt", "Show or fold the full system prompt.",
          show=False),
        A("rating.new", "n", "new_session", "New session",
          "Plan a session: golden set, candidate and baseline models, target n, threshold.", show=False),
        A("rating.leave", "escape", "app.switch_mode('examples')", "Leave", "Back to Examples (1-4 rate here).",
          show=False),
        A("rating.scroll_down", "j", "scroll_answers(3)", "Scroll down", "Scroll both answers down.", show=False),
        A("rating.scroll_up", "k", "scroll_answers(-3)", "Scroll up", "Scroll both answers up.", show=False),
        A("rating.page_down", "pagedown", "page_answers(1)", "Page down", "Scroll both answers a page down.",
          show=False),
        A("rating.page_up", "pageup", "page_answers(-1)", "Page up", "Scroll both answers a page up.", show=False),
        A("rating.result", "r", "toggle_result", "Result",
          "Once the session is complete: switch between its result and the pairs still left.", show=False),
    ),
    "rating_new": (
        A("rating.new.cancel", "escape", "cancel", "Cancel", "Close without creating a session."),
    ),
    "rating_draft": (
        A("rating.draft.save", "ctrl+s", "save", "Save draft", "Save the draft example (status draft).",
          priority=True),
        A("rating.draft.cancel", "escape", "cancel", "Cancel", "Close without creating an example."),
    ),
    "rating_comment": (
        A("rating.comment.cancel", "escape", "cancel", "Cancel", "Close without changing the comment."),
    ),
    "dialog": (
        A("dialog.close", "escape", "dismiss_none", "Close", "Close the dialog without changes."),
    ),
    "message": (
        A("message.close", "enter", "dismiss_none", "Close", "Close the message.", show=False),
    ),
    "confirm": (
        A("confirm.yes", "y,enter", "confirm", "Yes", "Go ahead (it cannot be undone)."),
        A("confirm.no", "n", "dismiss_none", "No", "Do nothing."),
    ),
    "notes": (
        A("notes.save", "ctrl+s", "save", "Save", "Save the notes.", priority=True),
    ),
    "filter": (
        A("filter.apply", "ctrl+s", "apply", "Apply", "Apply the filter.", priority=True),
    ),
    "model_edit": (
        A("model.save", "ctrl+s", "save", "Save", "Save the model's price and limit.", priority=True),
    ),
    "pii_preview": (
        A("pii.preview.placeholder", "enter", "choose('placeholder')", "Apply with <PLACEHOLDERS>",
          "Replace each accepted value with <ENTITY>."),
        A("pii.preview.pseudonym", "p", "choose('pseudonym')", "Apply with pseudonyms",
          "Replace each accepted value with a consistent fake value of the same kind."),
        A("pii.preview.cancel", "escape", "choose(None)", "Cancel", "Close without redacting."),
    ),
    "pii": (
        A("pii.scan", "s", "scan", "Scan", "Scan examples changed since the last scan (offline, Esc cancels)."),
        A("pii.redact", "r", "decide('redact', 'one')", "Redact", "Accept this finding: redact it."),
        A("pii.dismiss", "x", "decide('dismiss', 'one')", "Dismiss", "Not personal data: keep it."),
        A("pii.redact_value", "R", "decide('redact', 'value')", "Redact value",
          "Redact every finding of this value in the dataset."),
        A("pii.dismiss_value", "X", "decide('dismiss', 'value')", "Allow value",
          "Allow-list this value: dismiss every finding of it in the dataset, and later scans skip it."),
        A("pii.redact_entity", "E", "decide('redact', 'entity')", "Redact type",
          "Redact every pending finding of this entity type.", show=False),
        A("pii.dismiss_entity", "D", "decide('dismiss', 'entity')", "Dismiss type",
          "Dismiss every pending finding of this entity type (e.g. all URLs).", show=False),
        A("pii.group", "g", "toggle_group", "Group", "Group findings by entity type or by example."),
        A("pii.preview", "p", "preview", "Preview/apply", "Preview the redaction, then apply it."),
        A("pii.cancel", "escape", "cancel_scan", "Cancel scan", "Stop a running scan.", show=False),
    ),
}


def bindings(scope: str) -> list[Binding]:
    return [action.binding() for action in REGISTRY[scope]]


def all_actions() -> list[KeyAction]:
    return [a for actions in REGISTRY.values() for a in actions]


def keymap_path() -> Path:
    from workbench import paths

    return paths.config_dir() / KEYMAP_FILE


def load_keymap(path: Path | None = None) -> tuple[dict[str, str], list[str]]:
    """(binding id -> keys, problems). A missing file is no problem; a broken one gives
    a problem naming the file and line, and no remaps (the defaults stay)."""
    path = path or keymap_path()
    if not path.exists():
        return {}, []
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - 3.10
        import tomli as tomllib
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        return {}, [f"{path}: cannot read the keymap ({exc}); using the default keys."]
    except tomllib.TOMLDecodeError as exc:
        return {}, [f"{path}: {exc}; fix that line. Using the default keys."]
    table = data.get("keys", data)
    if not isinstance(table, dict):
        return {}, [f"{path}: `keys` must be a table of binding id = \"key\" lines, not {type(table).__name__}; "
                    "using the default keys."]
    known = {a.id for a in all_actions()}
    keymap, problems = {}, []
    for binding_id, keys in table.items():
        if binding_id not in known:
            problems.append(f"{path}: unknown binding id {binding_id!r} (see docs/tui.md for the ids); ignored.")
        elif not isinstance(keys, str) or not keys.strip():
            problems.append(f"{path}: {binding_id!r} needs a key as text, e.g. \"ctrl+f\"; ignored.")
        elif unknown_key_names(keys):
            problems.append(f"{path}: {binding_id!r}: unknown key name {', '.join(map(repr, unknown_key_names(keys)))}"
                            " (e.g. \"ctrl+f\", \"f5\", \"slash\"); ignored.")
        else:
            keymap[binding_id] = keys.strip()
    return keymap, problems


_MODIFIERS = {"ctrl", "shift", "alt", "meta", "super", "hyper"}


def unknown_key_names(keys: str) -> list[str]:
    """The keys of a comma-separated key list Textual would never match ('ctrl+flurb')."""
    import unicodedata

    from textual.keys import KEY_ALIASES, KEY_NAME_REPLACEMENTS, KEY_TO_UNICODE_NAME, Keys

    named = ({k.value for k in Keys} | set(KEY_NAME_REPLACEMENTS.values()) | set(KEY_TO_UNICODE_NAME)
             | set(KEY_ALIASES) | {"space"})
    unknown = []
    for key in (k.strip() for k in keys.split(",")):
        *modifiers, base = key.split("+") if key else [""]
        if any(m not in _MODIFIERS for m in modifiers) or not base:
            unknown.append(key)
            continue
        if len(base) == 1 or base in named:
            continue
        try:
            unicodedata.lookup(base.replace("_", " ").upper())  # 'slash', 'question_mark'
        except KeyError:
            unknown.append(key)
    return unknown


def key_for(action_id: str, keymap: dict[str, str] | None = None) -> str:
    """The key a user presses for an action, after their keymap: every key a screen
    mentions in its text comes from here, so help never lies after a remap."""
    action = next(a for a in all_actions() if a.id == action_id)
    return display_key((keymap or {}).get(action_id, action.key).split(",")[0].strip())


def key_in(app, action_id: str) -> str:
    """`key_for` with the keymap of a running app (any App: tests host screens alone)."""
    return key_for(action_id, getattr(app, "user_keymap", None))


def display_key(key: str) -> str:
    """'slash' -> '/', 'ctrl+z' -> '^z' style labels for the help screen."""
    names = {"slash": "/", "question_mark": "?", "plus": "+", "space": "space", "escape": "esc"}
    return ", ".join(names.get(k, k) for k in key.split(","))
