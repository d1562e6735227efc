"""Helpers for the TUI tests (no tests here): the plain text on screen."""

from __future__ import annotations


def screen_text(app) -> str:
    """What the terminal shows (the top screen, composited), as plain lines."""
    strips = app.screen._compositor.render_strips()
    return "\n".join("".join(segment.text for segment in strip) for strip in strips).replace("\xa0", " ")


def test_rating_prompt_shows_the_text_of_multi_part_content_not_a_python_list():
    from screens.rating import conversation_markdown

    messages = [{"role": "user", "content": [{"type": "text", "text": "What is on this label?"},
                                              {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAA"}}]}]
    text = conversation_markdown(messages)
    assert "What is on this label?" in text and "[image_url]" in text
    assert "{'type'" not in text and "base64" not in text
