"""The detail pane: one example's conversation, rendered for reading.

Roles carry a text label as well as a colour (so they stay distinct with NO_COLOR),
assistant messages are rendered as Markdown, tool calls as indented JSON, and turns
with weight 0 say that they are not trained on.
"""

from __future__ import annotations

import json
import re

from rich.console import Group, RenderableType
from rich.padding import Padding
from rich.rule import Rule
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widget import Widget

from screens import keys
from workbench.chat import format as chatformat

ROLE_STYLE = {
    "system": "bold magenta",
    "developer": "bold magenta",
    "user": "bold cyan",
    "assistant": "bold green",
    "tool": "bold yellow",
    "function": "bold yellow",
}


def _json_block(text: str) -> RenderableType:
    try:
        pretty = json.dumps(json.loads(text), indent=2, ensure_ascii=False)
    except (TypeError, ValueError):
        return Text(str(text))
    from rich.syntax import Syntax  # here: it imports pygments (with rich.markdown ~0.1 s of the start)

    return Syntax(pretty, "json", theme="ansi_dark", background_color="default", word_wrap=True)


def role_label(message: dict, index: int) -> Text:
    role = str(message.get("role", "?"))
    label = Text()
    label.append(f" {role.upper()} ", ROLE_STYLE.get(role, "bold") + " reverse")
    label.append(f"  #{index}", "dim")
    if message.get("name"):
        label.append(f"  name: {message['name']}")
    if message.get("weight") == 0:
        label.append("  weight 0 · not trained", "bold italic")
    return label


SYSTEM_PREVIEW = 90  # characters of a system prompt shown folded (as on the Rating screen)


def search_pattern(search: str) -> re.Pattern | None:
    """What a search highlights: each word typed, the last one as a prefix (as the
    full-text search matches), case-insensitive."""
    words = re.findall(r"\w+", search or "", flags=re.UNICODE)
    if not words:
        return None
    alternatives = [re.escape(w) + r"\b" for w in words[:-1]] + [re.escape(words[-1]) + r"\w*"]
    return re.compile(r"\b(?:" + "|".join(alternatives) + ")", re.IGNORECASE | re.UNICODE)


def _folded(content: str) -> str:
    first = content[:SYSTEM_PREVIEW].split("\n")[0]
    return f"{first} … ({len(content):,} characters; e opens it in full)"


def message_body(message: dict, highlight: re.Pattern | None = None, fold_system: bool = False) -> list[RenderableType]:
    parts: list[RenderableType] = []
    content = chatformat.message_text(message, placeholders=True)
    role = message.get("role")
    if content:
        matched = highlight is not None and highlight.search(content) is not None
        if role in ("system", "developer") and fold_system and len(content) > SYSTEM_PREVIEW and not matched:
            # Long and the same on most examples: folded, so the user's turn and the
            # answer are on screen (a search hit inside it unfolds it).
            parts.append(Text(_folded(content), "dim"))
        elif matched:
            # Plain text where the search matched, so the hits can be marked (reverse
            # video: visible without colour too).
            text = Text(content)
            text.highlight_regex(highlight, "reverse bold")
            parts.append(text)
        elif role == "assistant":
            from rich.markdown import Markdown  # here: markdown_it and pygments load after the first paint

            parts.append(Markdown(content))
        elif role in ("tool", "function") and content.lstrip()[:1] in "{[":
            parts.append(_json_block(content))
        else:
            parts.append(Text(content))
    elif not message.get("tool_calls") and not message.get("function_call"):
        parts.append(Text("(empty)", "dim italic"))
    calls = list(message.get("tool_calls") or [])
    if message.get("function_call"):
        calls.append({"function": message["function_call"]})
    for call in calls:
        function = (call or {}).get("function") or {}
        head = Text("→ call ", "bold")
        head.append(str(function.get("name", "?")), "bold underline")
        if call.get("id"):
            head.append(f"  ({call['id']})", "dim")
        parts.append(head)
        parts.append(Padding(_json_block(function.get("arguments", "")), (0, 0, 0, 2)))
    if message.get("tool_call_id"):
        parts.insert(0, Text(f"result of {message['tool_call_id']}", "dim"))
    return parts


def render_example(example: dict, findings: list[dict] | None = None, highlight: re.Pattern | None = None,
                   fold_system: bool = False, restore_key: str = "r") -> RenderableType:
    items: list[RenderableType] = []
    meta = Text()
    meta.append(f"#{example['position']}", "bold")
    meta.append(f"  {example['status'].upper()}", "bold")
    if example.get("deleted_at"):
        meta.append(f"  DELETED ({restore_key} restores)", "bold reverse")
    meta.append(f"  rev {example['revision']}", "dim")
    if example.get("tags"):
        meta.append("  tags: " + ", ".join(example["tags"]))
    items.append(meta)
    if example.get("notes"):
        items.append(Text("notes: " + example["notes"], "italic"))
    for finding in findings if findings is not None else example.get("findings") or []:
        mark = "ERROR" if finding["severity"] == "error" else "warning"
        where = f" (message {finding['message_index']})" if finding.get("message_index") is not None else ""
        items.append(Text(f"{mark}{where}: {finding['message']}", "bold" if mark == "ERROR" else "italic"))
    for index, message in enumerate(example.get("messages") or []):
        if not isinstance(message, dict):
            continue
        items.append(Text(""))
        items.append(role_label(message, index))
        items.extend(Padding(part, (0, 0, 0, 2)) for part in message_body(message, highlight, fold_system))
    if example.get("kind") == "preference":
        for key in ("preferred_output", "non_preferred_output"):
            items.append(Rule(key.replace("_", " ")))
            for index, message in enumerate(example.get(key) or []):
                items.append(role_label(message, index))
                items.extend(Padding(part, (0, 0, 0, 2)) for part in message_body(message))
    return Group(*items)


class Conversation(ScrollView, can_focus=True):
    """Scrollable view of one example.

    Drawn with the line API from the conversation's lines, rendered once per example and
    width: showing the next example changes the pane's virtual height and repaints it,
    one layout of the screen. (As a Static inside a VerticalScroll, it took two: the
    Static's new height, then the scroll container's new virtual size, each a full
    reflow and repaint, about a quarter of an approval's time on the UI thread.)"""

    help = ("The highlighted example: status, tags, notes, preflight findings, then each "
            "message with its role (SYSTEM, USER, ASSISTANT, TOOL). Assistant text is shown "
            "as Markdown, tool calls as JSON; 'weight 0' turns are not trained on. Press e to edit.")

    DEFAULT_CSS = """
    Conversation { height: 1fr; border-top: solid $primary-darken-2; padding: 0 1;
                   overflow-x: hidden; overflow-y: auto; }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._content: RenderableType = Text("")
        self._lines: list[Strip] = []
        self._drawn_for: tuple | None = None  # (width, height, style) the lines were drawn for

    def show(self, example: dict | None, empty: str = "Nothing to show.", search: str = "",
             fold_system: bool = False) -> None:
        restore = keys.key_in(self.app, "examples.restore")
        self._content = (render_example(example, highlight=search_pattern(search), fold_system=fold_system,
                                        restore_key=restore)
                         if example else Text(empty, "italic"))
        self._drawn_for = None
        self._draw()
        self.scroll_home(animate=False)
        self.refresh()

    def _draw(self) -> None:
        """Wrap the content to the pane's width (less the scroll bar's when it needs one)."""
        width, height = self.size
        key = (width, height, self.rich_style)
        if key == self._drawn_for or width <= 0:
            return
        # Most conversations are taller than the pane: wrap beside the scroll bar first,
        # and again at the full width only when it all fits (a short one, cheap to wrap).
        bar = self.styles.scrollbar_size_vertical if width > self.styles.scrollbar_size_vertical else 0
        lines = self._wrap(width - bar)
        if bar and len(lines) <= height:
            full = self._wrap(width)
            if len(full) <= height:
                lines, bar = full, 0
        width -= bar
        self._lines = lines
        self._drawn_for = key
        self._set_virtual_size(Size(width, len(self._lines)))

    def _set_virtual_size(self, size: Size) -> None:
        """The next example's height, without a layout of the screen: the pane keeps its
        place and size, only its scroll range changes (Textual's own way for a size
        change that needs no layout, Widget._size_updated(layout=False)). When the
        scroll bar appears or goes, its reactive lays the screen out, as it must."""
        if size == self.virtual_size:
            return
        self.set_reactive(Widget.virtual_size, size)
        if self.is_scrollable and self.container_size:
            self._scroll_update(size)
        self.refresh()

    def _wrap(self, width: int) -> list[Strip]:
        # as Textual draws a Static's rich content (the same cells on screen)
        app, base = self.app, self.visual_style.rich_style
        segments = app.console.render(self.post_render(self._content, base),
                                      app.console_options.update(highlight=False).update_width(width))
        return [Strip(line) for line in Segment.split_and_crop_lines(segments, width, include_new_lines=False,
                                                                     pad=False)]

    def on_resize(self) -> None:
        self._draw()

    def notify_style_update(self) -> None:
        # a theme or CSS change: the lines hold the old colours (the key sees the new style)
        super().notify_style_update()
        if self.is_mounted:
            self._draw()
            self.refresh()

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        index = round(self.scroll_offset.y) + y
        pad = Style(bgcolor=self.rich_style.bgcolor)  # as a Static pads: the background only
        if 0 <= index < len(self._lines):
            line = self._lines[index]
            return (line.crop(0, width) if line.cell_length > width else line).extend_cell_length(width, pad)
        return Strip.blank(width, pad)
