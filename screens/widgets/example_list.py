"""A virtual list of examples: only the rows on screen are ever read from the store.

The widget knows how many rows the view has (one COUNT) and asks a loader for pages
of PAGE_SIZE rows as the viewport reaches them, keeping a few pages cached. A cursor
move repaints the visible lines only, so it costs the same on 100 or 100,000 examples.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Callable

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.events import Click
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

PAGE_SIZE = 200
CACHED_PAGES = 8

Loader = Callable[[int, int], list]  # (offset, limit) -> rows

# column: (title, width); tags take what is left
COLUMNS = (("", 2), ("#", 6), ("status", 9), ("turns", 6), ("tokens", 8), ("lang", 5), ("flags", 10))


def _flags(row: dict, limit: int | None) -> str:
    parts = []
    if row.get("errors"):
        parts.append(f"E{row['errors']}")
    if row.get("warnings"):
        parts.append(f"W{row['warnings']}")
    if limit and row.get("tokens") and row["tokens"] > limit:
        parts.append("LONG")
    if row.get("has_notes"):
        parts.append("N")
    return " ".join(parts)


def header_text(width: int) -> Text:
    text = Text(no_wrap=True, overflow="ellipsis")
    for title, size in COLUMNS:
        text.append(title.ljust(size) if title != "tokens" else title.rjust(size - 2) + "  ")
    text.append("tags")
    text.truncate(width, pad=True)
    return text


STATUS_STYLE = {"approved": "bold green", "rejected": "red", "draft": ""}


def row_text(row: dict, width: int, selected: bool, limit: int | None) -> Text:
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append("● " if selected else "  ", "bold")
    text.append(str(row["position"]).ljust(6))
    status = row["status"] if not row.get("deleted_at") else "deleted"
    text.append(status.ljust(9), STATUS_STYLE.get(status, "dim"))
    text.append(str(row["turns"]).ljust(6))
    tokens = row.get("tokens")
    long = bool(limit and tokens and tokens > limit)
    text.append((f"{tokens:,}" if tokens is not None else "…").rjust(6) + "  ", "bold" if long else "")
    text.append((row.get("language") or "-").ljust(5))
    flags = _flags(row, limit)
    text.append(flags.ljust(10)[:10], "bold" if row.get("errors") or long else "")
    text.append(", ".join(row.get("tags") or []))
    text.truncate(width, pad=True)
    return text


class ExampleList(ScrollView, can_focus=True):
    """Rows of a filtered view; up/down/page keys move the cursor."""

    help = ("The examples of the current view, in dataset order. Columns: status, turns, "
            "tokens (for the target model's encoding), language, flags (E errors, W warnings, "
            "LONG over the model's context limit, N has notes) and tags. Move with the arrow "
            "keys, page up/down, home/end; space marks rows for bulk tag/status actions.")

    DEFAULT_CSS = """
    ExampleList { overflow-x: hidden; overflow-y: auto; height: 1fr; }
    """

    BINDINGS = [
        Binding("up,k", "move(-1)", "Up", show=False, id="list.up"),
        Binding("down,j", "move(1)", "Down", show=False, id="list.down"),
        Binding("pageup", "page(-1)", "Page up", show=False, id="list.page_up"),
        Binding("pagedown", "page(1)", "Page down", show=False, id="list.page_down"),
        Binding("home", "jump(0)", "First", show=False, id="list.first"),
        Binding("end", "jump(-1)", "Last", show=False, id="list.last"),
    ]

    class Highlighted(Message):
        """The cursor moved to another example (or the view changed)."""

        def __init__(self, example_id: str | None, index: int) -> None:
            super().__init__()
            self.example_id = example_id
            self.index = index

    def __init__(self, loader: Loader, **kwargs) -> None:
        super().__init__(**kwargs)
        self.loader = loader
        self.count = 0
        self.cursor = 0
        self.context_limit: int | None = None
        self.selected: set[str] = set()
        self._pages: OrderedDict[int, list] = OrderedDict()
        self._cursor_style = Style(reverse=True, bold=True)

    # ------------------------------------------------------------------ data

    def reset(self, count: int, cursor: int | None = None, context_limit: int | None = None) -> None:
        """New view (or changed rows): drop the cache, keep the cursor where it can stay."""
        self.count = count
        self.context_limit = context_limit
        self._pages.clear()
        self.cursor = max(0, min(self.cursor if cursor is None else cursor, count - 1))
        self.virtual_size = Size(max(1, self.size.width), count)
        self._scroll_cursor_into_view()
        self.refresh()
        self.post_message(self.Highlighted(self.current_id, self.cursor))

    def set_count(self, count: int) -> None:
        """The same view, its count now known exactly (it was capped): the loaded rows
        and the cursor stay."""
        self.count = count
        self.virtual_size = Size(max(1, self.size.width), count)
        self.refresh()

    def invalidate(self) -> None:
        """Rows changed but the view did not (e.g. a status edit): reload visible pages."""
        self._pages.clear()
        self.refresh()

    def row(self, index: int) -> dict | None:
        if not 0 <= index < self.count:
            return None
        page = index // PAGE_SIZE
        rows = self._pages.get(page)
        if rows is None:
            rows = self.loader(page * PAGE_SIZE, PAGE_SIZE)
            self._pages[page] = rows
            while len(self._pages) > CACHED_PAGES:
                self._pages.popitem(last=False)
        else:
            self._pages.move_to_end(page)
        offset = index - page * PAGE_SIZE
        return rows[offset] if offset < len(rows) else None

    @property
    def current(self) -> dict | None:
        return self.row(self.cursor)

    @property
    def current_id(self) -> str | None:
        row = self.current
        return row["id"] if row else None

    def loaded_ids(self) -> list[str]:
        return [r["id"] for rows in self._pages.values() for r in rows]

    # ------------------------------------------------------------------ cursor

    def _scroll_cursor_into_view(self) -> None:
        height = max(1, self.scrollable_content_region.height)
        top = round(self.scroll_offset.y)
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False, immediate=True)
        elif self.cursor >= top + height:
            self.scroll_to(y=self.cursor - height + 1, animate=False, immediate=True)

    def move_to(self, index: int) -> None:
        if self.count == 0:
            return
        index = max(0, min(index, self.count - 1))
        if index == self.cursor:
            return
        self.cursor = index
        self._scroll_cursor_into_view()
        self.refresh()
        self.post_message(self.Highlighted(self.current_id, self.cursor))

    def action_move(self, delta: int) -> None:
        self.move_to(self.cursor + delta)

    def action_page(self, direction: int) -> None:
        self.move_to(self.cursor + direction * max(1, self.scrollable_content_region.height - 1))

    def action_jump(self, where: int) -> None:
        self.move_to(self.count - 1 if where < 0 else where)

    def toggle_selected(self) -> None:
        example_id = self.current_id
        if example_id is None:
            return
        self.selected.symmetric_difference_update({example_id})
        self.refresh()

    def on_click(self, event: Click) -> None:
        self.move_to(round(self.scroll_offset.y) + event.y)

    def on_resize(self) -> None:
        self.virtual_size = Size(max(1, self.size.width), self.count)

    # ------------------------------------------------------------------ painting

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width or self.size.width
        index = round(self.scroll_offset.y) + y
        row = self.row(index)
        if row is None:
            return Strip.blank(width, self.rich_style)
        text = row_text(row, width, row["id"] in self.selected, self.context_limit)
        if index == self.cursor:
            text.stylize(self._cursor_style if self.has_focus else Style(reverse=True))
        segments = [Segment(s.text, (self.rich_style + s.style) if s.style else self.rich_style)
                    for s in text.render(self.app.console)]
        return Strip(segments).crop_extend(0, width, self.rich_style)
