"""Helpers for the TUI tests (no tests here): the plain text on screen."""

from __future__ import annotations


def screen_text(app) -> str:
    """What the terminal shows (the top screen, composited), as plain lines."""
    strips = app.screen._compositor.render_strips()
    return "\n".join("".join(segment.text for segment in strip) for strip in strips).replace("\xa0", " ")
