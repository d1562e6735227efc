"""Writing a better example from a rating: the dialog the Rating screen opens on the
prompt just rated both-bad (or flagged). The reviewer edits the assistant turn (it
starts from the better answer); ctrl+s saves a draft example in the current dataset,
tagged with the prompt's tags and linked to the rating (workbench/health/drafts.py).
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, Static, TextArea

from screens import keys
from workbench.dataset import curation


def open_draft_from_last_rating(screen, run) -> None:
    """From the Rating screen: open the dialog on the rater's last rating, or say why not."""
    from workbench.health.drafts import last_rated

    app = screen.app
    if run is None:
        app.notify("Open a rating session first.")
        return
    source = last_rated(app.store, run.session["id"], run.rater)
    if source is None:
        app.notify(f"Rate a pair first: {keys.key_in(app, 'rating.both_bad')} marks both answers bad.")
        return
    if not source.eligible:
        app.notify(f"Your last rating was “{source.verdict}”: only a both-bad or flagged rating becomes an "
                   f"example ({keys.key_in(app, 'rating.undo')} undoes it so you can rate it again).")
        return
    dataset = app.current_dataset()
    if dataset is None:
        app.notify("No dataset to add the example to: import one in Examples first.", severity="warning")
        return

    def saved(example_id: str | None) -> None:
        if example_id:
            position = curation.get_example(app.store, example_id)["position"]
            app.notify(f"Draft example #{position} added to {dataset['name']} (Examples: filter “from ratings”).")

    app.push_screen(DraftExampleDialog(source, dataset), saved)


class DraftExampleDialog(ModalScreen[str | None]):
    """Edit the assistant turn of a draft example written from a rating."""

    CSS_PATH = "draft_example.tcss"
    BINDINGS = keys.bindings("rating_draft")

    def __init__(self, source, dataset: dict) -> None:
        super().__init__()
        self.source = source
        self.dataset = dataset

    def compose(self) -> ComposeResult:
        user = next((m.get("content") for m in reversed(self.source.messages)
                     if isinstance(m, dict) and m.get("role") == "user" and isinstance(m.get("content"), str)), "")
        with Vertical(id="draft-dialog"):
            yield Label(f"A better answer for this prompt → draft in {self.dataset['name']}", classes="dialog-title")
            yield Static(user, id="draft-prompt", markup=False)
            yield TextArea(self.source.answer, id="draft-answer")
            yield Label(f"tags: {', '.join(self.source.tags) or 'none'} · "
                        f"{keys.key_in(self.app, 'rating.draft.save')} saves · "
                        f"{keys.key_in(self.app, 'rating.draft.cancel')} cancels", id="draft-hint")

    def on_mount(self) -> None:
        area = self.query_one("#draft-answer", TextArea)
        area.cursor_blink = self.app.cursor_blink
        self.set_focus(area)

    def action_save(self) -> None:
        from screens.dialogs import app_message
        from workbench.errors import WorkbenchError
        from workbench.health.drafts import create_draft

        text = self.query_one("#draft-answer", TextArea).text
        try:
            example_id = create_draft(self.app.store, self.app.curation, self.dataset["id"], self.source, text)
        except WorkbenchError as exc:
            self.app.notify(app_message(exc), severity="warning")
            return
        self.dismiss(example_id)

    def action_cancel(self) -> None:
        self.dismiss(None)
