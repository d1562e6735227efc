"""Small inline SVG plots for the report: horizontal bars, intervals, line charts.

Plain SVG text with no script, font or stylesheet from outside, so the report page is
self-contained and opens offline. Every label is escaped.
"""

from __future__ import annotations

from html import escape
from typing import Sequence

PALETTE = ("#3b6ea5", "#d07a2d", "#4f9a5a", "#a34f8f", "#7a6f3b", "#3b9aa3")


def _text(x: float, y: float, text: str, anchor: str = "start", size: int = 11, fill: str = "#222") -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" fill="{fill}" '
            f'font-family="sans-serif">{escape(text)}</text>')


def bars(title: str, rows: Sequence[tuple[str, float, str]], width: int = 520) -> str:
    """Horizontal bars: (label, value 0..1 of the widest bar's scale, text at the end)."""
    label_w, row_h, top = 150, 18, 24
    height = top + row_h * max(1, len(rows)) + 8
    peak = max((v for _, v, _ in rows), default=0) or 1
    plot_w = width - label_w - 70
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="plot" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}"><title>{escape(title)}</title>', _text(4, 14, title, size=12)]
    for i, (label, value, note) in enumerate(rows):
        y = top + i * row_h
        w = plot_w * value / peak
        parts.append(_text(label_w - 6, y + 12, label[:24], anchor="end"))
        parts.append(f'<rect x="{label_w}" y="{y + 2}" width="{w:.1f}" height="{row_h - 5}" fill="{PALETTE[0]}"/>')
        parts.append(_text(label_w + w + 4, y + 12, note))
    parts.append("</svg>")
    return "".join(parts)


def intervals(title: str, rows: Sequence[tuple[str, float, float, float, str]], reference: float = 0.5,
              width: int = 520) -> str:
    """Point estimates with intervals on a 0..1 axis: (label, value, low, high, note)."""
    label_w, row_h, top = 150, 20, 24
    plot_w = width - label_w - 80
    height = top + row_h * max(1, len(rows)) + 22

    def x(v: float) -> float:
        return label_w + plot_w * max(0.0, min(1.0, v))

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="plot" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}"><title>{escape(title)}</title>', _text(4, 14, title, size=12),
             f'<line x1="{x(reference):.1f}" y1="{top - 4}" x2="{x(reference):.1f}" y2="{height - 18}" '
             f'stroke="#999" stroke-dasharray="3,3"/>']
    for tick in (0, 0.25, 0.5, 0.75, 1):
        parts.append(_text(x(tick), height - 4, f"{tick:.0%}", anchor="middle", size=10, fill="#555"))
    for i, (label, value, low, high, note) in enumerate(rows):
        y = top + i * row_h + row_h / 2
        parts.append(_text(label_w - 6, y + 4, label[:24], anchor="end"))
        parts.append(f'<line x1="{x(low):.1f}" y1="{y:.1f}" x2="{x(high):.1f}" y2="{y:.1f}" '
                     f'stroke="{PALETTE[0]}" stroke-width="2"/>')
        parts.append(f'<circle cx="{x(value):.1f}" cy="{y:.1f}" r="4" fill="{PALETTE[1]}"/>')
        parts.append(_text(x(1) + 6, y + 4, note, size=10))
    parts.append("</svg>")
    return "".join(parts)


def lines(title: str, series: Sequence[tuple[str, Sequence[tuple[float, float]]]], width: int = 520,
          height: int = 220) -> str:
    """Line chart of named series of (x, y) points, axes from the data."""
    points = [p for _, s in series for p in s]
    left, right, top, bottom = 48, 12, 24, 28
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="plot" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}"><title>{escape(title)}</title>', _text(4, 14, title, size=12)]
    if not points:
        parts += [_text(width / 2, height / 2, "no data", anchor="middle"), "</svg>"]
        return "".join(parts)
    x0, x1 = min(p[0] for p in points), max(p[0] for p in points)
    y0, y1 = min(p[1] for p in points), max(p[1] for p in points)
    x1, y1 = (x1 if x1 > x0 else x0 + 1), (y1 if y1 > y0 else y0 + 1)

    def sx(v: float) -> float:
        return left + (width - left - right) * (v - x0) / (x1 - x0)

    def sy(v: float) -> float:
        return height - bottom - (height - top - bottom) * (v - y0) / (y1 - y0)

    parts.append(f'<line x1="{left}" y1="{height - bottom}" x2="{width - right}" y2="{height - bottom}" stroke="#999"/>')
    parts.append(f'<line x1="{left}" y1="{top}" x2="{left}" y2="{height - bottom}" stroke="#999"/>')
    parts.append(_text(left - 4, top + 8, f"{y1:.3g}", anchor="end", size=10, fill="#555"))
    parts.append(_text(left - 4, height - bottom, f"{y0:.3g}", anchor="end", size=10, fill="#555"))
    parts.append(_text(left, height - 8, f"{x0:g}", size=10, fill="#555"))
    parts.append(_text(width - right, height - 8, f"{x1:g}", anchor="end", size=10, fill="#555"))
    for i, (name, s) in enumerate(series):
        colour = PALETTE[i % len(PALETTE)]
        path = " ".join(f"{sx(px):.1f},{sy(py):.1f}" for px, py in s)
        if path:
            parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="1.5" points="{path}"/>')
        parts.append(_text(width - right - 4, top + 12 * (i + 1), name, anchor="end", size=10, fill=colour))
    parts.append("</svg>")
    return "".join(parts)
